package dev.vertdesk.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Deterministic pseudo-random byte streams, to check relayed data is intact and in order. */
public final class Streams {

  public static final int CHUNK = 64 * 1024;

  private Streams() {
  }

  /** Writes {@code total} bytes of stream {@code seed}. */
  public static void send(OutputStream out, long seed, long total) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[] chunk = new byte[CHUNK];
    long sent = 0;
    while (sent < total) {
      rnd.nextBytes(chunk);
      int n = (int) Math.min(CHUNK, total - sent);
      out.write(chunk, 0, n);
      sent += n;
    }
    out.flush();
  }

  /**
   * Reads {@code total} bytes and compares them with stream {@code seed}.
   *
   * @return null when identical, else a description of the first difference
   */
  public static String verify(InputStream in, long seed, long total) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[] expected = new byte[CHUNK];
    byte[] buf = new byte[CHUNK];
    long got = 0;
    while (got < total) {
      rnd.nextBytes(expected);
      int want = (int) Math.min(CHUNK, total - got);
      int have = 0;
      while (have < want) {
        int r = in.read(buf, have, want - have);
        if (r < 0) {
          return "stream ended after " + (got + have) + " of " + total + " bytes";
        }
        have += r;
      }
      int at = Arrays.mismatch(buf, 0, want, expected, 0, want);
      if (at >= 0) {
        return "first difference at byte " + (got + at);
      }
      got += want;
    }
    return null;
  }
}
