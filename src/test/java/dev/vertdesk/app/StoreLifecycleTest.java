package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.testing.TestNode;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The node and its store at start and at shutdown. */
class StoreLifecycleTest {

  private static final int SOURCES = 50;

  @TempDir
  Path dataDir;

  @Test
  void aDamagedDatabaseStopsTheStartBeforeAnyDeviceIsServed() throws Exception {
    try (TestNode node = TestNode.start(dataDir)) {
      Path db = dataDir.resolve("db_v2.sqlite3");
      assertTrue(Files.isRegularFile(db));
    }
    Path db = dataDir.resolve("db_v2.sqlite3");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("insert into peer (guid, id, uuid, pk, info) values (?, ?, x'01', x'02', '{}')")) {
        for (int i = 0; i < 2_000; i++) {
          ps.setBytes(1, ByteBuffer.allocate(16).putInt(i).putInt(~i).array());
          ps.setString(2, "device" + i);
          ps.executeUpdate();
        }
      }
      c.commit();
    }
    long pages = Files.size(db) / 4096;
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      byte[] garbage = new byte[4096];
      Arrays.fill(garbage, (byte) 0x5A);
      f.seek(4096 * (pages - 2));
      f.write(garbage);
    }
    byte[] damaged = Files.readAllBytes(db);
    Exception e = assertThrows(Exception.class, () -> TestNode.start(dataDir).close());
    String m = String.valueOf(e.getMessage());
    assertTrue(m.contains(db.toAbsolutePath().normalize().toString()) && m.contains("damaged") && m.contains(".recover"), m);
    assertArrayEquals(damaged, Files.readAllBytes(db), "left as it was, for recovery");
  }

  /**
   * Registrations keep arriving while the node stops: whatever is answered OK is in the database,
   * and the requests the closing store drops are not logged one by one.
   */
  @Test
  void atShutdownNoOkIsSentForARowNotWrittenAndDropsAreQuiet() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    List<DatagramChannel> senders = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread load = null;
    int[] ok = new int[SOURCES];
    try {
      TestNode node = TestNode.start(dataDir);
      int port = node.port("udp");
      for (int i = 0; i < SOURCES; i++) {
        DatagramChannel ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress("127.0." + (10 + i) + ".1", 0));
        ch.connect(new InetSocketAddress("127.0.0.1", port));
        ch.configureBlocking(false);
        senders.add(ch);
      }
      load = new Thread(() -> send(senders, stop), "registrations");
      load.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (Arrays.stream(ok).sum() < 200) { // the node is serving the load
        assertTrue(System.nanoTime() < deadline, "registrations answered OK: " + Arrays.stream(ok).sum());
        receive(senders, ok);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
      node.close(); // while registrations are queued and being written
      stop.set(true);
      load.join();
      long quiet = System.nanoTime();
      while (System.nanoTime() - quiet < TimeUnit.MILLISECONDS.toNanos(500)) {
        receive(senders, ok);
      }
    } finally {
      stop.set(true);
      if (load != null) {
        load.join();
      }
      for (DatagramChannel ch : senders) {
        ch.close();
      }
      root.detachAppender(logs);
    }

    int[] rows = new int[SOURCES];
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("db_v2.sqlite3"));
         ResultSet rs = c.createStatement().executeQuery("select id from peer")) {
      while (rs.next()) {
        rows[Integer.parseInt(rs.getString(1).substring("dev".length())) % SOURCES]++;
      }
    }
    for (int i = 0; i < SOURCES; i++) {
      assertTrue(ok[i] <= rows[i], "source " + i + ": " + ok[i] + " OK, " + rows[i] + " rows");
    }
    List<String> problems = logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertTrue(problems.size() <= 5, "a shutdown logs a few lines, not one per request: " + problems);
  }

  /** False when nothing is waiting, or the node is gone (ICMP port unreachable). */
  private static boolean receiveOne(DatagramChannel ch, ByteBuffer buf) {
    try {
      return ch.receive(buf) != null;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** New IDs from every source in turn, as fast as the sockets take them, until told to stop. */
  private static void send(List<DatagramChannel> senders, AtomicBoolean stop) {
    try {
      for (int i = 0; !stop.get(); i++) {
        RendezvousMessage m = RendezvousMessage.newBuilder().setRegisterPk(RegisterPk.newBuilder()
            .setId("dev" + (1_000_000 + i)).setUuid(ByteString.copyFromUtf8("u" + i))
            .setPk(ByteString.copyFrom(new byte[32]))).build();
        senders.get(i % SOURCES).write(ByteBuffer.wrap(m.toByteArray()));
        if (i % SOURCES == SOURCES - 1) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // about 10 000 a second
        }
      }
    } catch (java.io.IOException e) {
      // the node is gone: its port answers with ICMP port unreachable
    }
  }

  private static void receive(List<DatagramChannel> senders, int[] ok) {
    ByteBuffer buf = ByteBuffer.allocate(2048);
    for (int i = 0; i < SOURCES; i++) {
      buf.clear();
      while (receiveOne(senders.get(i), buf)) {
        buf.flip();
        byte[] b = new byte[buf.remaining()];
        buf.get(b);
        buf.clear();
        RendezvousMessage m = Envelopes.parse(b);
        if (m != null && m.hasRegisterPkResponse()
            && m.getRegisterPkResponse().getResult() == RegisterPkResponse.Result.OK) {
          ok[i]++;
        }
      }
    }
  }
}
