package dev.vertdesk.protocol;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;

/**
 * The "AddrMangle" encoding of socket addresses inside protobuf {@code socket_addr*} fields
 * (docs/protocol.md §4).
 *
 * <p>IPv4 is salted with the time so NAT devices that rewrite literal addresses in payloads do not
 * recognise it: the 128-bit value {@code ((ip + tm) << 49) | (tm << 17) | (port + (tm & 0xFFFF))}
 * is written little-endian without its high zero bytes (0–16 bytes). IPv6 is 16 address bytes
 * followed by the port little-endian (18 bytes). The same address encodes differently every
 * microsecond, so blobs must be decoded, never compared.
 *
 * <p>The 128-bit value is held as two longs ({@code lo} = bits 0–63, {@code hi} = bits 64–127);
 * every result is masked back to 32 or 16 bits, which gives the unsigned modular arithmetic the
 * reference uses. Addresses are built with {@link InetAddress#getByAddress(byte[])}, never by
 * name, so nothing here can trigger a DNS lookup.
 */
public final class AddrMangle {

  private static final int MAPPED_LENGTH = 16;
  private static final int V6_LENGTH = 18;

  private static final InetSocketAddress V4_NONE = new InetSocketAddress(v4(0), 0);
  private static final InetSocketAddress V6_NONE = new InetSocketAddress(v6(new byte[16]), 0);

  private AddrMangle() {
  }

  /** Encodes with the current time, as senders on the wire do. */
  public static byte[] encode(InetSocketAddress addr) {
    return encode(addr, nowMicros());
  }

  /**
   * Encodes {@code addr} after {@link #normalize(InetSocketAddress) normalisation}; only the low
   * 32 bits of {@code timeMicros} are used (the reference truncates the same way).
   *
   * @throws IllegalArgumentException for an unresolved address (resolving it would need DNS)
   */
  public static byte[] encode(InetSocketAddress addr, long timeMicros) {
    if (addr == null || addr.isUnresolved()) {
      throw new IllegalArgumentException("cannot mangle unresolved address " + addr);
    }
    InetSocketAddress a = normalize(addr);
    byte[] ip = a.getAddress().getAddress();
    int port = a.getPort();
    if (ip.length == 16) {
      byte[] out = new byte[V6_LENGTH];
      System.arraycopy(ip, 0, out, 0, 16);
      out[16] = (byte) port;
      out[17] = (byte) (port >>> 8);
      return out;
    }
    long tm = timeMicros & 0xFFFFFFFFL;
    long ipLe = (ip[0] & 0xFFL) | (ip[1] & 0xFFL) << 8 | (ip[2] & 0xFFL) << 16
        | (ip[3] & 0xFFL) << 24;
    long sum = ipLe + tm; // up to 33 bits, no wrap
    // The three parts occupy bits 0-16, 17-48 and 49-81 and do not overlap.
    long lo = (sum << 49) | (tm << 17) | (port + (tm & 0xFFFF));
    long hi = sum >>> 15;
    byte[] le = new byte[16];
    for (int i = 0; i < 8; i++) {
      le[i] = (byte) (lo >>> (8 * i));
      le[8 + i] = (byte) (hi >>> (8 * i));
    }
    int len = 16;
    while (len > 0 && le[len - 1] == 0) {
      len--;
    }
    byte[] out = new byte[len];
    System.arraycopy(le, 0, out, 0, len);
    return out;
  }

  /**
   * Decodes a mangled address; never throws. {@code null} or empty gives {@code 0.0.0.0:0},
   * up to 16 bytes is the IPv4 form, 18 bytes the IPv6 form, and 17 or more than 18 bytes gives
   * {@code [::]:0} ("no address"). An 18-byte IPv4-mapped address comes back as an IPv4 address,
   * the way {@link InetAddress#getByAddress(byte[])} always represents it in Java; other results
   * are not normalised.
   */
  public static InetSocketAddress decode(byte[] data) {
    if (data == null || data.length == 0) {
      return V4_NONE;
    }
    if (data.length > MAPPED_LENGTH) {
      if (data.length != V6_LENGTH) {
        return V6_NONE;
      }
      byte[] ip = new byte[16];
      System.arraycopy(data, 0, ip, 0, 16);
      int port = (data[16] & 0xFF) | (data[17] & 0xFF) << 8;
      return new InetSocketAddress(address(ip), port);
    }
    // Implicit right-padding with zeros to 16 bytes.
    long lo = 0;
    long hi = 0;
    for (int i = 0; i < data.length; i++) {
      long b = data[i] & 0xFFL;
      if (i < 8) {
        lo |= b << (8 * i);
      } else {
        hi |= b << (8 * (i - 8));
      }
    }
    long tm = (lo >>> 17) & 0xFFFFFFFFL;
    long shifted = (lo >>> 49) | (hi << 15); // low 64 bits of N >> 49; only 32 are needed
    int ipLe = (int) ((shifted - tm) & 0xFFFFFFFFL);
    // The reference masks 24 bits here; the surplus falls off in the mod 2^16.
    int port = (int) (((lo & 0xFFFFFF) - (tm & 0xFFFF)) & 0xFFFF);
    return new InetSocketAddress(v4(ipLe), port);
  }

  /**
   * Turns an IPv4-mapped ({@code ::ffff:a.b.c.d}) or IPv4-compatible ({@code ::a.b.c.d}) address
   * into plain IPv4 (§4.1), so one client has one representation however the dual-stack socket
   * reported it. {@code ::1} stays IPv6 loopback; {@code ::} becomes {@code 0.0.0.0}. Unresolved
   * addresses and {@code null} are returned unchanged.
   */
  public static InetSocketAddress normalize(InetSocketAddress addr) {
    if (addr == null || addr.isUnresolved()) {
      return addr;
    }
    InetAddress ip = addr.getAddress();
    InetAddress n = normalize(ip);
    return n == ip ? addr : new InetSocketAddress(n, addr.getPort());
  }

  /** See {@link #normalize(InetSocketAddress)}; returns the same instance when nothing changes. */
  public static InetAddress normalize(InetAddress addr) {
    // Java already maps ::ffff:a.b.c.d literals to Inet4Address, but Inet6Address instances of
    // mapped form can still be built explicitly (Inet6Address.getByAddress), so check bytes.
    if (!(addr instanceof Inet6Address)) {
      return addr;
    }
    byte[] b = addr.getAddress();
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return addr;
      }
    }
    boolean mapped = b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
    boolean compatible = b[10] == 0 && b[11] == 0;
    if (!mapped && !compatible) {
      return addr;
    }
    if (compatible && b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] == 1) {
      return addr; // ::1 is loopback, not 0.0.0.1
    }
    return address(new byte[] {b[12], b[13], b[14], b[15]});
  }

  private static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  /** IPv4 address from the little-endian u32 the encoding works with. */
  private static InetAddress v4(int ipLe) {
    return address(new byte[] {(byte) ipLe, (byte) (ipLe >>> 8), (byte) (ipLe >>> 16),
        (byte) (ipLe >>> 24)});
  }

  private static Inet6Address v6(byte[] sixteen) {
    try {
      return Inet6Address.getByAddress(null, sixteen, -1);
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // only thrown for a wrong length
    }
  }

  private static InetAddress address(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // only thrown for a wrong length
    }
  }
}
