package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Relay list health check and rotation (docs/protocol.md §5.6). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RelayServerListTest {

  @Test
  void emptyAndSingle() {
    assertEquals("", new RelayServerList(List.of()).next());
    RelayServerList one = new RelayServerList(List.of("r.example"));
    assertEquals("r.example", one.next());
    assertEquals("r.example", one.next());
  }

  @Test
  void unreachableRelaysAreSkippedAndTheRestRotate() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      NetServer up1 = vertx.createNetServer().connectHandler(s -> s.close()).listen(0, "127.0.0.1")
          .await(5, TimeUnit.SECONDS);
      NetServer up2 = vertx.createNetServer().connectHandler(s -> s.close()).listen(0, "127.0.0.1")
          .await(5, TimeUnit.SECONDS);
      int closedPort;
      try (ServerSocket s = new ServerSocket(0)) {
        closedPort = s.getLocalPort();
      }
      String a = "127.0.0.1:" + up1.actualPort();
      String b = "127.0.0.1:" + up2.actualPort();
      String down = "127.0.0.1:" + closedPort;
      RelayServerList list = new RelayServerList(List.of(a, down, b));
      list.startHealthChecks(vertx);
      long deadline = System.currentTimeMillis() + 10_000;
      while (list.active().size() != 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(List.of(a, b), list.active());
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        seen.add(list.next());
      }
      assertEquals(Set.of(a, b), seen, "round-robin over the reachable relays");
      list.stop().await(5, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }
}
