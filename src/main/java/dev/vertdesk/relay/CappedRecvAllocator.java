package dev.vertdesk.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * Netty's adaptive read sizing with a ceiling that can be lowered while the channel runs: a
 * rate-limited relay reads in small steps (a read of {@code n} bytes at rate {@code r} means a
 * pause of {@code n / r} afterwards), an unlimited one in large ones. One instance per channel;
 * the cap is set from the channel's event loop.
 */
final class CappedRecvAllocator implements RecvByteBufAllocator {

  private final AdaptiveRecvByteBufAllocator adaptive;
  private final int max;
  private volatile int cap;

  CappedRecvAllocator(int max) {
    this.max = max;
    this.cap = max;
    this.adaptive = new AdaptiveRecvByteBufAllocator(512, Math.min(2048, max), max);
  }

  /** Largest read from now on; at most the configured maximum. */
  void cap(int bytes) {
    cap = Math.max(1024, Math.min(max, bytes));
  }

  @Override
  public Handle newHandle() {
    return new CappedHandle((ExtendedHandle) adaptive.newHandle());
  }

  private final class CappedHandle implements ExtendedHandle {
    private final ExtendedHandle delegate;

    CappedHandle(ExtendedHandle delegate) {
      this.delegate = delegate;
    }

    @Override
    public ByteBuf allocate(ByteBufAllocator alloc) {
      return alloc.ioBuffer(guess());
    }

    @Override
    public int guess() {
      return Math.min(delegate.guess(), cap);
    }

    @Override
    public void reset(ChannelConfig config) {
      delegate.reset(config);
    }

    @Override
    public void incMessagesRead(int numMessages) {
      delegate.incMessagesRead(numMessages);
    }

    @Override
    public void lastBytesRead(int bytes) {
      delegate.lastBytesRead(bytes);
    }

    @Override
    public int lastBytesRead() {
      return delegate.lastBytesRead();
    }

    @Override
    public void attemptedBytesRead(int bytes) {
      delegate.attemptedBytesRead(bytes);
    }

    @Override
    public int attemptedBytesRead() {
      return delegate.attemptedBytesRead();
    }

    @Override
    public boolean continueReading() {
      return delegate.continueReading();
    }

    @Override
    public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
      return delegate.continueReading(maybeMoreDataSupplier);
    }

    @Override
    public void readComplete() {
      delegate.readComplete();
    }
  }
}
