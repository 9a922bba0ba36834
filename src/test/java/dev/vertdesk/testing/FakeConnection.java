package dev.vertdesk.testing;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.rendezvous.SignalingConnection;
import io.vertx.core.Future;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A signaling connection without a socket, for unit tests of the signaling and registration
 * logic: it records what the server sends and lets a test play the client's side.
 */
public final class FakeConnection implements SignalingConnection {

  private final InetSocketAddress remote;
  private final boolean webSocket;
  public final BlockingQueue<RendezvousMessage> sent = new LinkedBlockingQueue<>();
  public volatile int heartbeats;
  public volatile boolean closed;
  private final List<Runnable> closeActions = new ArrayList<>();
  private Runnable heartbeatAction;
  private int requests;
  private Future<Void> answerRoute;

  public FakeConnection(InetSocketAddress remote, boolean webSocket) {
    this.remote = remote;
    this.webSocket = webSocket;
  }

  public static FakeConnection tcp(String ip, int port) {
    return new FakeConnection(new InetSocketAddress(ip, port), false);
  }

  /** The next message the server sent, of the given kind; fails after a second. */
  public RendezvousMessage next(UnionCase expected) throws InterruptedException {
    RendezvousMessage m = sent.poll(1, TimeUnit.SECONDS);
    if (m == null || m.getUnionCase() != expected) {
      throw new AssertionError("expected " + expected + ", got " + (m == null ? "nothing" : m.getUnionCase()));
    }
    return m;
  }

  /** The client echoes a heartbeat. */
  public void echoHeartbeat() {
    heartbeatAction.run();
  }

  /** The transport goes away, as when the client disconnects. */
  public synchronized void drop() {
    closed = true;
    List<Runnable> actions = new ArrayList<>(closeActions);
    closeActions.clear();
    actions.forEach(Runnable::run);
  }

  @Override
  public InetSocketAddress remote() {
    return remote;
  }

  @Override
  public boolean webSocket() {
    return webSocket;
  }

  @Override
  public void send(RendezvousMessage message) {
    if (!closed) {
      sent.add(message);
    }
  }

  @Override
  public void sendHeartbeat() {
    heartbeats++;
  }

  @Override
  public void onHeartbeat(Runnable action) {
    heartbeatAction = action;
  }

  @Override
  public void close() {
    drop();
  }

  @Override
  public synchronized void onClose(Runnable action) {
    if (closed) {
      action.run();
    } else {
      closeActions.add(action);
    }
  }

  @Override
  public int countRequest() {
    return ++requests;
  }

  @Override
  public Future<Void> answerRoute(Supplier<Future<Void>> create) {
    if (answerRoute == null) {
      answerRoute = create.get();
    }
    return answerRoute;
  }
}
