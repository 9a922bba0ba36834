package dev.vertdesk.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vertdesk.config.IpRanges;
import dev.vertdesk.net.ConnectionLimiter.Refusal;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The node's connection limits without sockets: channels stand in for accepted connections. */
class ConnectionLimiterTest {

  private final Logger logger = (Logger) LoggerFactory.getLogger(ConnectionLimiter.class);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  @BeforeEach
  void captureLog() {
    lines.start();
    logger.addAppender(lines);
    logger.setAdditive(false); // the refusals below would fill the build output
  }

  @AfterEach
  void releaseLog() {
    logger.setAdditive(true);
    logger.detachAppender(lines);
  }

  /** An accepted connection from {@code ip}. */
  private static EmbeddedChannel from(String ip) {
    return new EmbeddedChannel() {
      @Override
      protected SocketAddress remoteAddress0() {
        try {
          return new InetSocketAddress(InetAddress.getByName(ip), 40_000);
        } catch (IOException e) {
          throw new IllegalArgumentException(ip, e);
        }
      }
    };
  }

  private static ConnectionLimiter limiter(int maxTotal, int maxPerIp, String... proxies) {
    return new ConnectionLimiter(maxTotal, maxPerIp, 2, 1, IpRanges.parse("trustedProxies", List.of(proxies)));
  }

  @Test
  void oneAddressIsLimitedOnAllPublicPortsTogetherAndOthersAreStillServed() {
    ConnectionLimiter limiter = limiter(100, 3);
    ConnectionLimiter.Listener signaling = limiter.listener("signaling");
    ConnectionLimiter.Listener relay = limiter.listener("relay");
    assertTrue(signaling.admit(from("203.0.113.7")));
    assertTrue(relay.admit(from("203.0.113.7")));
    EmbeddedChannel third = from("203.0.113.7");
    assertTrue(relay.admit(third), "a relayed pair from one office counts twice, and fits");

    EmbeddedChannel over = from("::ffff:203.0.113.7");
    assertFalse(signaling.admit(over), "the IPv4-mapped form is the same address");
    assertFalse(over.isOpen(), "closed at once");
    assertEquals(1, signaling.refused(Refusal.PER_IP));
    assertEquals(0, signaling.refused(Refusal.TOTAL));
    assertTrue(signaling.admit(from("203.0.113.8")), "another address is served");

    third.close();
    assertEquals(1, relay.open());
    assertTrue(signaling.admit(from("203.0.113.7")), "a closed connection gives its place back");
    assertEquals(3, signaling.open());
  }

  @Test
  void theNodeWideLimitHoldsAndTheAdminPortCountsApart() {
    ConnectionLimiter limiter = limiter(3, 10);
    ConnectionLimiter.Listener nat = limiter.listener("nat");
    for (int i = 1; i <= 3; i++) {
      assertTrue(nat.admit(from("198.51.100." + i)));
    }
    EmbeddedChannel over = from("198.51.100.4");
    assertFalse(nat.admit(over));
    assertFalse(over.isOpen());
    assertEquals(1, nat.refused(Refusal.TOTAL));

    ConnectionLimiter.Listener admin = limiter.listener("admin");
    assertTrue(admin.admit(from("127.0.0.1")), "a flood on the public ports does not lock the operator out");
    assertFalse(admin.admit(from("127.0.0.1")), "the admin port has its own per-address limit");
    assertTrue(admin.admit(from("127.0.0.2")));
    assertFalse(admin.admit(from("127.0.0.3")), "and its own total");
    assertSame(nat, limiter.listener("nat"), "one handle per listener, shared by its instances");
  }

  @Test
  void aTrustedProxyIsCountedByTheClientItNames() {
    ConnectionLimiter limiter = limiter(100, 2, "127.0.0.0/8");
    ConnectionLimiter.Listener ws = limiter.listener("ws");
    EmbeddedChannel[] proxied = new EmbeddedChannel[4];
    for (int i = 0; i < proxied.length; i++) {
      proxied[i] = from("127.0.0.1");
      assertTrue(ws.admit(proxied[i]), "the proxy stands for many clients");
    }
    InetAddress client = new InetSocketAddress("198.51.100.9", 0).getAddress();
    assertTrue(ConnectionLimiter.attribute(proxied[0], client));
    assertTrue(ConnectionLimiter.attribute(proxied[1], client));
    assertFalse(ConnectionLimiter.attribute(proxied[2], client), "the named client is at its limit");
    assertEquals(1, ws.refused(Refusal.PER_IP));
    assertTrue(ConnectionLimiter.attribute(proxied[3], new InetSocketAddress("198.51.100.10", 0).getAddress()));

    proxied[0].close();
    assertTrue(ConnectionLimiter.attribute(proxied[2], client), "the closed one gave its place back");

    EmbeddedChannel direct = from("203.0.113.1");
    assertTrue(ws.admit(direct));
    assertTrue(ConnectionLimiter.attribute(direct, client), "a direct client is counted by its own address only");
  }

  @Test
  void refusalsAreAdmittedOnTheListeningChannelAndLoggedOncePerInterval() {
    ConnectionLimiter limiter = limiter(100, 1);
    ConnectionLimiter.Listener relay = limiter.listener("relay");
    EmbeddedChannel listening = new EmbeddedChannel();
    relay.guard(listening);
    listening.runPendingTasks();

    Channel first = from("192.0.2.1");
    listening.writeInbound(first);
    assertSame(first, listening.readInbound(), "admitted: passed on to the acceptor");
    for (int i = 0; i < 50; i++) {
      Channel over = from("192.0.2.1");
      listening.writeInbound(over);
      assertFalse(over.isOpen(), "refused on the acceptor, before any event loop sees it");
    }
    assertNull(listening.readInbound(), "nothing refused reaches the acceptor");
    assertTrue(relay.admit(first), "admitting it again does not count it twice");
    assertEquals(1, relay.open());
    assertEquals(50, relay.refused(Refusal.PER_IP));
    assertEquals(1, lines.list.size(), "50 refusals, one line: " + lines.list);
    assertEquals("relay: refused a connection from 192.0.2.1: that address holds 1 already (connections.maxPerIp)",
        lines.list.get(0).getFormattedMessage());
  }

  @Test
  void failedAcceptsAreCountedAndLoggedOncePerIntervalNotByNetty() {
    ConnectionLimiter limiter = limiter(100, 10);
    ConnectionLimiter.Listener signaling = limiter.listener("signaling");
    EmbeddedChannel listening = new EmbeddedChannel();
    signaling.guard(listening);
    listening.runPendingTasks();
    for (int i = 0; i < 20; i++) {
      listening.pipeline().fireExceptionCaught(new IOException("accept(..) failed with error(-24): Too many open files"));
    }
    listening.checkException(); // nothing reached the end of the pipeline, where Netty logs each one
    assertEquals(20, signaling.acceptFailures());
    assertEquals(1, lines.list.size(), "20 failures, one line: " + lines.list);
    assertTrue(lines.list.get(0).getFormattedMessage().startsWith("signaling: cannot accept connections: "
        + "java.io.IOException: accept(..) failed with error(-24): Too many open files"));
  }
}
