package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.store.BatchedPeerStore;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 20 000 new devices from 1 000 addresses (four /24 networks) register over 5 s while one more
 * device, from a network of its own, registers every quarter of a second: it is answered OK
 * within a second each time, the store's queue stays within its bound, and every OK the flood
 * got names a row that is in the database.
 */
class RegistrationFloodTest {

  private static final int SOURCES = 1_000;
  private static final int REQUESTS = 20_000;
  private static final long FLOOD_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final int QUEUE = 2_000;

  @TempDir
  Path dir;

  @Test
  void aDeviceFromAnotherNetworkRegistersWithinASecondDuringAFlood() throws Exception {
    JsonObject conf = new JsonObject().put("db", new JsonObject().put("queueSize", QUEUE).put("queuePerSource", 500));
    try (TestNode node = TestNode.start(dir, conf)) {
      int port = node.port("udp");
      BatchedPeerStore store = (BatchedPeerStore) node.core().store();
      try (UdpDevice warmUp = new UdpDevice("warm-up", new byte[] {1}, key(0), port, "127.1.0.1")) {
        // the first registration opens the database connections: not what the flood is about
        assertEquals(RegisterPkResponse.Result.OK, warmUp.registerPk());
      }
      List<DatagramChannel> flooders = new ArrayList<>();
      AtomicBoolean done = new AtomicBoolean();
      Thread flood = null;
      try {
        for (int i = 0; i < SOURCES; i++) {
          DatagramChannel ch = DatagramChannel.open();
          ch.bind(new InetSocketAddress("127.0." + i / 250 + "." + (1 + i % 250), 0));
          ch.connect(new InetSocketAddress("127.0.0.1", port));
          ch.configureBlocking(false);
          flooders.add(ch);
        }
        AtomicInteger sent = new AtomicInteger();
        flood = new Thread(() -> flood(flooders, sent, done), "flood");
        flood.start();

        List<Long> answeredMillis = new ArrayList<>();
        int devices = 0;
        int resent = 0;
        while (!done.get()) {
          devices++;
          Long millis = null;
          // a datagram the kernel drops before the server reads it (a starved machine) is no answer
          // late: the device tries again from a new socket, as a client retries, and each try counts
          // from its own send
          for (int attempt = 0; attempt < 3 && millis == null; attempt++) {
            resent += attempt == 0 ? 0 : 1;
            millis = registerWithinASecond("legit-" + devices + "-" + attempt, port);
          }
          assertTrue(millis != null, "device " + devices + " got no OK within 1 s in 3 tries during the flood ("
              + sent + " sent, " + store.queueState() + ")");
          answeredMillis.add(millis);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
        }
        flood.join();
        assertEquals(REQUESTS, sent.get());
        assertTrue(answeredMillis.size() >= 10, "registered during the flood: " + answeredMillis);
        assertTrue(resent <= answeredMillis.size() / 4, resent + " tries again for " + answeredMillis.size() + " devices");

        int[] okBySource = collectAnswers(flooders);
        BatchedPeerStore.QueueState q = store.queueState();
        assertTrue(q.writesHighWater() <= QUEUE && q.readsHighWater() <= QUEUE, "queues within their bound: " + q);
        assertTrue(node.core().registry().ipLimiter().size() <= SOURCES + 1);

        int[] rowsBySource = new int[SOURCES];
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("db_v2.sqlite3"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select id from peer where id like 'flood-%'")) {
          while (rs.next()) {
            rowsBySource[Integer.parseInt(rs.getString(1).substring("flood-".length())) % SOURCES]++;
          }
        }
        int ok = 0;
        for (int i = 0; i < SOURCES; i++) {
          assertTrue(okBySource[i] <= rowsBySource[i], "every OK names a stored row (source " + i + ")");
          ok += okBySource[i];
        }
        assertTrue(ok > 0, "the flood was served too");
      } finally {
        done.set(true);
        if (flood != null) {
          flood.join();
        }
        for (DatagramChannel ch : flooders) {
          ch.close();
        }
      }
    }
  }

  /** Milliseconds until OK, or null when no OK came within a second. */
  private static Long registerWithinASecond(String id, int port) throws Exception {
    try (UdpDevice device = new UdpDevice(id, id.getBytes(), key(id.hashCode()), port, "127.1.0.1")) {
      device.socket.setSoTimeout(1_000);
      long t0 = System.nanoTime();
      device.send(RendezvousMessage.newBuilder().setRegisterPk(RegisterPk.newBuilder().setId(id)
          .setUuid(ByteString.copyFrom(device.uuid)).setPk(ByteString.copyFrom(device.pk))).build());
      RendezvousMessage m = device.receive();
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      if (m == null || millis > 1_000) {
        return null;
      }
      assertEquals(RegisterPkResponse.Result.OK, m.getRegisterPkResponse().getResult(), id);
      return millis;
    }
  }

  /** REQUESTS RegisterPk of new IDs, round-robin over the sources, evenly spread over FLOOD_NANOS. */
  private static void flood(List<DatagramChannel> flooders, AtomicInteger sent, AtomicBoolean done) {
    Random random = new Random(13);
    long t0 = System.nanoTime();
    try {
      for (int i = 0; i < REQUESTS && !done.get(); i++) {
        long due = t0 + FLOOD_NANOS * i / REQUESTS;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        byte[] uuid = new byte[16];
        random.nextBytes(uuid);
        byte[] pk = new byte[32];
        random.nextBytes(pk);
        RendezvousMessage m = RendezvousMessage.newBuilder().setRegisterPk(RegisterPk.newBuilder()
            .setId("flood-" + i).setUuid(ByteString.copyFrom(uuid)).setPk(ByteString.copyFrom(pk))).build();
        ByteBuffer datagram = ByteBuffer.wrap(m.toByteArray());
        while (flooders.get(i % SOURCES).write(datagram) == 0 && !done.get()) {
          LockSupport.parkNanos(50_000); // the socket's send buffer is full: the datagram is not out yet
        }
        sent.incrementAndGet();
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      done.set(true);
    }
  }

  /** OK answers per source, reading until every request was answered or answers stop coming. */
  private static int[] collectAnswers(List<DatagramChannel> flooders) throws Exception {
    int[] ok = new int[SOURCES];
    int answered = 0;
    ByteBuffer buf = ByteBuffer.allocate(2048);
    long quietSince = System.nanoTime();
    while (answered < REQUESTS && System.nanoTime() - quietSince < TimeUnit.SECONDS.toNanos(5)) {
      boolean any = false;
      for (int i = 0; i < SOURCES; i++) {
        buf.clear();
        while (flooders.get(i).receive(buf) != null) {
          buf.flip();
          byte[] b = new byte[buf.remaining()];
          buf.get(b);
          buf.clear();
          RendezvousMessage m = Envelopes.parse(b);
          if (m != null && m.hasRegisterPkResponse()) {
            answered++;
            any = true;
            if (m.getRegisterPkResponse().getResult() == RegisterPkResponse.Result.OK) {
              ok[i]++;
            }
          }
        }
      }
      if (any) {
        quietSince = System.nanoTime();
      } else {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
    return ok;
  }

  private static byte[] key(int n) {
    byte[] pk = new byte[32];
    pk[0] = (byte) n;
    pk[1] = (byte) (n >> 8);
    return pk;
  }
}
