package dev.vertdesk.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a tar stream (ustar, with GNU long names) into its entries, for tests of built archives. */
public final class TarEntries {

  /**
   * One entry.
   *
   * @param type   tar's type flag: '0' file, '5' directory, '2' symbolic link
   * @param target a link's target
   */
  public record Entry(String path, char type, int mode, int uid, byte[] content, String target) {
  }

  private TarEntries() {
  }

  /** Every entry by path (directories without their trailing slash, {@code ./} dropped). */
  public static Map<String, Entry> read(InputStream in) throws IOException {
    Map<String, Entry> out = new LinkedHashMap<>();
    String longName = null;
    while (true) {
      byte[] h = in.readNBytes(512);
      if (h.length < 512 || isZero(h)) {
        return out;
      }
      String name = text(h, 0, 100);
      String prefix = text(h, 345, 155);
      char type = h[156] == 0 ? '0' : (char) h[156];
      long size = octal(h, 124, 12);
      byte[] content = in.readNBytes((int) size);
      in.readNBytes((int) ((512 - size % 512) % 512));
      if (type == 'L') {
        longName = new String(content, StandardCharsets.UTF_8).replace("\0", "");
        continue;
      }
      String path = longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name;
      longName = null;
      if (path.startsWith("./")) {
        path = path.substring(2);
      }
      if (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      if (path.isEmpty() || path.equals(".")) {
        continue;
      }
      out.put(path, new Entry(path, type, (int) octal(h, 100, 8), (int) octal(h, 108, 8), content, text(h, 157, 100)));
    }
  }

  /** The bytes of a stream read whole, for archives inside archives. */
  public static byte[] all(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toByteArray();
  }

  private static boolean isZero(byte[] h) {
    for (byte b : h) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String text(byte[] h, int at, int len) {
    int end = at;
    while (end < at + len && h[end] != 0) {
      end++;
    }
    return new String(h, at, end - at, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] h, int at, int len) {
    String s = text(h, at, len).trim();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }
}
