package dev.vertdesk.protocol;

import static dev.vertdesk.protocol.FrameCodecTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** AddrMangle, docs/protocol.md §4 and §12 items 3–4. */
class AddrMangleTest {

  static InetSocketAddress sa(byte[] ip, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByAddress(ip), port);
  }

  static InetSocketAddress sa(String literal, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(literal), port); // literals only, no DNS
  }

  static Inet6Address v6(String hex16) throws Exception {
    return Inet6Address.getByAddress(null, hex(hex16), -1); // stays Inet6 even when mapped
  }

  /** Every row of the §4.4 table: exact bytes out, same address back. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "192.168.16.32 | 21116 | 0x12345678 | f4 a8 f0 ac 68 24 70 fe 89 64",
      "203.0.113.7   | 40000 | 0x9abcdef0 | 30 7b e1 bd 79 35 77 bf 5b 44 01",
      "1.2.3.4       | 80    | 0x0        | 50 00 00 00 00 00 02 04 06 08",
      "10.0.0.1      | 65535 | 0xffffffff | fe ff ff ff ff ff 13 00 00 02 02",
      "0.0.0.0       | 0     | 0x0        | ''",
      "2001:db8::1   | 8080  | 0x12345678 | 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 90 1f",
  })
  void workedExamples(String ip, int port, String tm, String expectedHex) throws Exception {
    InetSocketAddress addr = sa(ip, port);
    byte[] expected = hex(expectedHex);
    byte[] encoded = AddrMangle.encode(addr, Long.decode(tm));
    assertArrayEquals(expected, encoded);
    assertEquals(addr, AddrMangle.decode(expected));
  }

  @Test
  void ipv6IgnoresTime() throws Exception {
    InetSocketAddress a = sa("2001:db8::1", 8080);
    assertArrayEquals(AddrMangle.encode(a, 0), AddrMangle.encode(a, 0xffffffffL));
    assertArrayEquals(AddrMangle.encode(a, 0), AddrMangle.encode(a));
  }

  @Test
  void onlyLow32BitsOfTimeCount() throws Exception {
    InetSocketAddress a = sa("198.51.100.9", 443);
    long now = 1_767_225_600_123_456L; // 2026, micros
    assertArrayEquals(AddrMangle.encode(a, now & 0xffffffffL), AddrMangle.encode(a, now));
    assertEquals(a, AddrMangle.decode(AddrMangle.encode(a, now)));
  }

  @Test
  void randomRoundTrips() throws Exception {
    Random r = new Random(20260101);
    long[] edgeTimes = {0, 1, 0xffff, 0x10000, 0x7fffffffL, 0x80000000L, 0xffffffffL};
    for (int i = 0; i < 20_000; i++) {
      byte[] ip = new byte[4];
      r.nextBytes(ip);
      int port = i % 50 == 0 ? (i % 100 == 0 ? 0 : 65535) : r.nextInt(65536);
      long tm = i < edgeTimes.length * 10 ? edgeTimes[i % edgeTimes.length] : r.nextLong();
      InetSocketAddress a = sa(ip, port);
      byte[] enc = AddrMangle.encode(a, tm);
      assertTrue(enc.length <= 16, "IPv4 form is at most 16 bytes");
      assertEquals(a, AddrMangle.decode(enc), "tm=" + tm + " " + a);
    }
    for (int i = 0; i < 5_000; i++) {
      byte[] ip = new byte[16];
      r.nextBytes(ip);
      ip[0] |= 0x20; // keep clear of the mapped/compatible ranges
      InetSocketAddress a = sa(ip, r.nextInt(65536));
      byte[] enc = AddrMangle.encode(a, r.nextLong());
      assertEquals(18, enc.length);
      assertEquals(a, AddrMangle.decode(enc));
    }
    // current time, as the server really sends it
    InetSocketAddress a = sa("192.0.2.77", 21116);
    assertEquals(a, AddrMangle.decode(AddrMangle.encode(a)));
  }

  @Test
  void extremeIpv4() throws Exception {
    InetSocketAddress a = sa("255.255.255.255", 65535);
    byte[] enc = AddrMangle.encode(a, 0xffffffffL);
    assertEquals(11, enc.length); // ip+tm uses the 33rd bit: bit 81 of the value
    assertEquals(a, AddrMangle.decode(enc));
  }

  @Test
  void decodeNullAndEmptyGiveUnspecifiedIpv4() {
    for (byte[] b : new byte[][] {null, new byte[0]}) {
      InetSocketAddress d = AddrMangle.decode(b);
      assertInstanceOf(Inet4Address.class, d.getAddress());
      assertTrue(d.getAddress().isAnyLocalAddress());
      assertEquals(0, d.getPort());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {17, 19, 20, 64})
  void decodeWrongLongLengthsGiveUnspecifiedIpv6(int len) {
    byte[] b = new byte[len];
    new Random(len).nextBytes(b);
    InetSocketAddress d = AddrMangle.decode(b);
    assertInstanceOf(Inet6Address.class, d.getAddress());
    assertTrue(d.getAddress().isAnyLocalAddress());
    assertEquals(0, d.getPort());
  }

  @Test
  void decodeGarbageNeverThrows() {
    Random r = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[1 + r.nextInt(16)];
      r.nextBytes(b);
      InetSocketAddress d = AddrMangle.decode(b);
      assertInstanceOf(Inet4Address.class, d.getAddress());
      assertTrue(d.getPort() >= 0 && d.getPort() <= 65535);
    }
    byte[] ones = new byte[16];
    java.util.Arrays.fill(ones, (byte) 0xff);
    AddrMangle.decode(ones);
  }

  @Test
  void decodesPortLittleEndianForIpv6() throws Exception {
    byte[] b = hex("fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 99 34 12");
    InetSocketAddress d = AddrMangle.decode(b);
    assertEquals(0x1234, d.getPort());
    assertEquals(InetAddress.getByName("fe80::99"), d.getAddress());
  }

  @Test
  void normalizeMappedAndCompatible() throws Exception {
    Inet6Address mapped = v6("00 00 00 00 00 00 00 00 00 00 ff ff c0 a8 01 02");
    assertEquals(InetAddress.getByName("192.168.1.2"), AddrMangle.normalize(mapped));
    assertInstanceOf(Inet4Address.class, AddrMangle.normalize(mapped));

    Inet6Address compat = v6("00 00 00 00 00 00 00 00 00 00 00 00 01 02 03 04");
    assertEquals(InetAddress.getByName("1.2.3.4"), AddrMangle.normalize(compat));

    Inet6Address any = v6("00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    assertEquals(InetAddress.getByName("0.0.0.0"), AddrMangle.normalize(any));

    Inet6Address loop = v6("00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01");
    assertSame(loop, AddrMangle.normalize(loop));

    InetAddress plain6 = InetAddress.getByName("2001:db8::ffff:1.2.3.4");
    assertSame(plain6, AddrMangle.normalize(plain6));
    InetAddress plain4 = InetAddress.getByName("10.1.2.3");
    assertSame(plain4, AddrMangle.normalize(plain4));
    assertNull(AddrMangle.normalize((InetAddress) null));
  }

  @Test
  void normalizeSocketAddressKeepsPort() throws Exception {
    InetSocketAddress mapped =
        new InetSocketAddress(v6("00 00 00 00 00 00 00 00 00 00 ff ff 0a 00 00 01"), 5555);
    assertEquals(sa("10.0.0.1", 5555), AddrMangle.normalize(mapped));
    InetSocketAddress loop = sa("::1", 21116);
    assertSame(loop, AddrMangle.normalize(loop));
    InetSocketAddress unresolved = InetSocketAddress.createUnresolved("example.invalid", 1);
    assertSame(unresolved, AddrMangle.normalize(unresolved));
    assertNull(AddrMangle.normalize((InetSocketAddress) null));
  }

  /** §4.1: mapped/compatible input is mangled in the IPv4 form; ::1 in the 18-byte form. */
  @Test
  void encodeNormalizesFirst() throws Exception {
    InetSocketAddress mapped =
        new InetSocketAddress(v6("00 00 00 00 00 00 00 00 00 00 ff ff c0 a8 10 20"), 21116);
    assertArrayEquals(hex("f4 a8 f0 ac 68 24 70 fe 89 64"), AddrMangle.encode(mapped, 0x12345678));

    InetSocketAddress compat =
        new InetSocketAddress(v6("00 00 00 00 00 00 00 00 00 00 00 00 01 02 03 04"), 80);
    assertArrayEquals(hex("50 00 00 00 00 00 02 04 06 08"), AddrMangle.encode(compat, 0));

    byte[] loop = AddrMangle.encode(sa("::1", 80), 0);
    assertArrayEquals(hex("00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 50 00"), loop);
    assertEquals(sa("::1", 80), AddrMangle.decode(loop));
  }

  @Test
  void encodeRejectsUnresolved() {
    assertThrows(IllegalArgumentException.class,
        () -> AddrMangle.encode(InetSocketAddress.createUnresolved("example.invalid", 1), 0));
  }
}
