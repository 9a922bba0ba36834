import com.google.protobuf.ByteString;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHole;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleResponse;
import dev.vertdesk.proto.PunchHoleSent;
import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.FrameCodec;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Punch-hole round trip client for bench/cluster/run.sh (docs/protocol.md §11 (b)).
 *
 * <pre>
 * PunchBench &lt;warm&gt; &lt;n per round&gt; &lt;rounds&gt; &lt;block&gt; &lt;outdir&gt; &lt;scenario&gt;...
 *   scenario = name:keyfile:udpPort:controllerSignalingPort:answerSignalingPort
 * </pre>
 *
 * Per scenario one simulated device B (a UDP socket on 127.0.0.2) registers with RegisterPk on
 * udpPort and sends RegisterPeer every 10 s. Per iteration the controller A opens a new TCP
 * connection from 127.0.0.3 to the controller signaling port, reads the server's KeyExchange
 * offer (and never answers it: the connection stays in clear), then the clock starts: A sends
 * PunchHoleRequest; B receives PunchHole over UDP, opens a new TCP connection from 127.0.0.2 to
 * the answer signaling port and sends PunchHoleSent at once (as the real client does, without
 * waiting for the KeyExchange); the clock stops when A has read a successful PunchHoleResponse.
 * One iteration is in flight at a time. Scenarios alternate in blocks of {@code block}
 * iterations (the order flips every block) so that machine noise hits all of them alike.
 *
 * Output (stdout, key=value lines): one per scenario and round, then one "total" line per
 * scenario; raw samples (µs, one per line) go to outdir/&lt;name&gt;.us.
 */
public final class PunchBench {

  static final String VERSION = "1.4.2";
  static final InetAddress DEVICE_IP = ip("127.0.0.2");
  static final InetAddress CONTROLLER_IP = ip("127.0.0.3");
  static final InetAddress SERVER_IP = ip("127.0.0.1");
  static final int TIMEOUT_MS = 5000;
  static final SecureRandom RND = new SecureRandom();

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- framing

  static void writeFrame(OutputStream out, RendezvousMessage m) throws IOException {
    out.write(FrameCodec.encode(m.toByteArray()));
    out.flush();
  }

  /** One frame (docs/protocol.md §2.1); EOFException at end of stream. */
  static RendezvousMessage readFrame(DataInputStream in) throws IOException {
    int b0 = in.readUnsignedByte();
    int n = (b0 & 3) + 1;
    long v = b0;
    for (int i = 1; i < n; i++) {
      v |= ((long) in.readUnsignedByte()) << (8 * i);
    }
    int len = (int) (v >>> 2);
    byte[] payload = new byte[len];
    in.readFully(payload);
    return RendezvousMessage.parseFrom(payload);
  }

  /** Next frame that is not a KeyExchange (as the client's get_next_nonkeyexchange_msg). */
  static RendezvousMessage readNonKeyExchange(DataInputStream in) throws IOException {
    while (true) {
      RendezvousMessage m = readFrame(in);
      if (m.getUnionCase() != RendezvousMessage.UnionCase.KEY_EXCHANGE) {
        return m;
      }
    }
  }

  // ---------------------------------------------------------------- device B

  static final class Device implements Runnable {
    final String name;
    final String id;
    final byte[] uuid = new byte[16];
    final byte[] pk = new byte[32];
    final InetSocketAddress udpServer;
    final InetSocketAddress answerServer;
    final DatagramSocket socket;
    final ExecutorService closers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "answer-closer");
      t.setDaemon(true);
      return t;
    });
    volatile boolean registered;
    final AtomicInteger punchHoles = new AtomicInteger();
    final AtomicInteger answerErrors = new AtomicInteger();
    final AtomicInteger requestPk = new AtomicInteger();
    volatile String lastRegisterResult = "none";
    /** nanoTime when the last PunchHole arrived, and when its PunchHoleSent was written. */
    volatile long punchAt;
    volatile long answeredAt;

    Device(String name, int udpPort, int answerPort) throws IOException {
      this.name = name;
      this.id = String.valueOf(700_000_000L + RND.nextInt(200_000_000));
      RND.nextBytes(uuid);
      RND.nextBytes(pk);
      this.udpServer = new InetSocketAddress(SERVER_IP, udpPort);
      this.answerServer = new InetSocketAddress(SERVER_IP, answerPort);
      this.socket = new DatagramSocket(new InetSocketAddress(DEVICE_IP, 0));
    }

    void send(RendezvousMessage m) {
      byte[] b = m.toByteArray();
      try {
        socket.send(new DatagramPacket(b, b.length, udpServer));
      } catch (IOException e) {
        System.err.println(name + ": UDP send failed: " + e);
      }
    }

    void registerPk() {
      send(RendezvousMessage.newBuilder().setRegisterPk(RegisterPk.newBuilder().setId(id)
          .setUuid(ByteString.copyFrom(uuid)).setPk(ByteString.copyFrom(pk))).build());
    }

    void heartbeat() {
      send(RendezvousMessage.newBuilder().setRegisterPeer(RegisterPeer.newBuilder().setId(id).setSerial(3)).build());
    }

    void register() throws InterruptedException {
      for (int attempt = 0; attempt < 20 && !registered; attempt++) {
        registerPk();
        for (int i = 0; i < 10 && !registered; i++) {
          Thread.sleep(50);
        }
      }
      if (!registered) {
        throw new IllegalStateException(name + ": no RegisterPkResponse OK from " + udpServer
            + " (last result " + lastRegisterResult + ")");
      }
    }

    @Override
    public void run() {
      byte[] buf = new byte[2048];
      while (!socket.isClosed()) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        RendezvousMessage m;
        try {
          socket.receive(p);
          m = RendezvousMessage.parseFrom(Arrays.copyOf(p.getData(), p.getLength()));
        } catch (IOException e) {
          if (!socket.isClosed()) {
            System.err.println(name + ": UDP receive: " + e);
          }
          continue;
        }
        switch (m.getUnionCase()) {
          case REGISTER_PK_RESPONSE -> {
            lastRegisterResult = m.getRegisterPkResponse().getResult().name();
            if (m.getRegisterPkResponse().getResult() == RegisterPkResponse.Result.OK) {
              registered = true;
            }
          }
          case REGISTER_PEER_RESPONSE -> {
            if (m.getRegisterPeerResponse().getRequestPk()) {
              requestPk.incrementAndGet();
              registerPk();
            }
          }
          case PUNCH_HOLE -> answer(m.getPunchHole());
          default -> {
          }
        }
      }
    }

    /** B's reaction to PunchHole (§10.2): a new TCP connection, PunchHoleSent, done. */
    void answer(PunchHole ph) {
      punchAt = System.nanoTime();
      punchHoles.incrementAndGet();
      Socket s = new Socket();
      try {
        s.setTcpNoDelay(true);
        s.bind(new InetSocketAddress(DEVICE_IP, 0));
        s.connect(answerServer, TIMEOUT_MS);
        writeFrame(s.getOutputStream(), RendezvousMessage.newBuilder().setPunchHoleSent(PunchHoleSent.newBuilder()
            .setSocketAddr(ph.getSocketAddr()).setId(id).setRelayServer(ph.getRelayServer())
            .setNatType(NatType.ASYMMETRIC).setVersion(VERSION)).build());
        answeredAt = System.nanoTime();
      } catch (IOException e) {
        answerErrors.incrementAndGet();
        System.err.println(name + ": answering PunchHole: " + e);
        closeQuietly(s);
        return;
      }
      // the server closes B's connection once it has passed the answer on: wait for that off
      // the receive thread (closing first could reset the connection before the answer is read)
      closers.execute(() -> {
        try {
          s.setSoTimeout(TIMEOUT_MS);
          InputStream in = s.getInputStream();
          byte[] sink = new byte[512];
          while (in.read(sink) >= 0) {
            // KeyExchange offer, then EOF
          }
        } catch (IOException e) {
          // timeout or reset: nothing to do
        } finally {
          closeQuietly(s);
        }
      });
    }

    void close() {
      socket.close();
      closers.shutdownNow();
    }
  }

  static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing
    }
  }

  // ---------------------------------------------------------------- controller A

  static final class Scenario {
    final String name;
    final String licenceKey;
    final InetSocketAddress controllerServer;
    final Device device;
    final List<long[]> rounds = new ArrayList<>();
    /** Legs of the successful round trips: request to PunchHole at B, B's connect and send, answer to response. */
    final List<Long> toDevice = new ArrayList<>();
    final List<Long> deviceAnswer = new ArrayList<>();
    final List<Long> toController = new ArrayList<>();
    final Map<String, Integer> failures = new LinkedHashMap<>();
    int failed;
    int failedInARow;

    Scenario(String spec) throws IOException {
      String[] f = spec.split(":");
      if (f.length != 5) {
        throw new IllegalArgumentException("scenario must be name:keyfile:udp:ctlSig:answerSig, got " + spec);
      }
      name = f[0];
      licenceKey = Files.readString(Path.of(f[1]), StandardCharsets.UTF_8).trim();
      controllerServer = new InetSocketAddress(SERVER_IP, Integer.parseInt(f[3]));
      device = new Device(name, Integer.parseInt(f[2]), Integer.parseInt(f[4]));
    }

    /** One punch-hole round trip in ns, or -1 (failure recorded). */
    long once() {
      Socket s = new Socket();
      try {
        s.setTcpNoDelay(true);
        s.bind(new InetSocketAddress(CONTROLLER_IP, 0));
        s.connect(controllerServer, TIMEOUT_MS);
        s.setSoTimeout(TIMEOUT_MS);
        DataInputStream in = new DataInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        RendezvousMessage first = readFrame(in);
        if (first.getUnionCase() != RendezvousMessage.UnionCase.KEY_EXCHANGE) {
          return fail("first frame " + first.getUnionCase());
        }
        RendezvousMessage req = RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
            .setId(device.id).setNatType(NatType.ASYMMETRIC).setLicenceKey(licenceKey).setVersion(VERSION)).build();
        long t0 = System.nanoTime();
        writeFrame(out, req);
        RendezvousMessage m = readNonKeyExchange(in);
        long dt = System.nanoTime() - t0;
        if (m.getUnionCase() != RendezvousMessage.UnionCase.PUNCH_HOLE_RESPONSE) {
          return fail("reply " + m.getUnionCase());
        }
        PunchHoleResponse r = m.getPunchHoleResponse();
        if (r.getSocketAddr().isEmpty()) {
          return fail("PunchHoleResponse failure " + r.getFailure());
        }
        if (r.getPk().isEmpty()) {
          return fail("PunchHoleResponse without signed pk");
        }
        failedInARow = 0;
        long punchAt = device.punchAt;
        long answeredAt = device.answeredAt;
        if (punchAt - t0 > 0 && answeredAt - punchAt >= 0 && t0 + dt - answeredAt >= 0) {
          toDevice.add(punchAt - t0);
          deviceAnswer.add(answeredAt - punchAt);
          toController.add(t0 + dt - answeredAt);
        }
        return dt;
      } catch (SocketTimeoutException e) {
        return fail("timeout " + TIMEOUT_MS + " ms");
      } catch (EOFException e) {
        return fail("connection closed");
      } catch (IOException e) {
        return fail(e.getClass().getSimpleName() + ": " + e.getMessage());
      } finally {
        try {
          s.setSoLinger(true, 0); // reset instead of TIME_WAIT: thousands of connections per run
        } catch (IOException ignored) {
          // already closed
        }
        closeQuietly(s);
      }
    }

    long fail(String why) {
      failed++;
      if (++failedInARow >= 20) {
        System.err.println(name + ": 20 failures in a row, giving up: " + failures + " (last: " + why + ")");
        System.exit(1);
      }
      failures.merge(why, 1, Integer::sum);
      return -1;
    }
  }

  // ---------------------------------------------------------------- statistics

  static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0;
  }

  static double p50(List<Long> ns) {
    long[] s = ns.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(s);
    return pct(s, 50);
  }

  static String line(long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    double mean = s.length == 0 ? Double.NaN : Arrays.stream(s).average().orElse(0) / 1000.0;
    return String.format("n=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f mean_us=%.1f min_us=%.1f max_us=%.1f",
        s.length, pct(s, 50), pct(s, 90), pct(s, 99), mean, pct(s, 0), pct(s, 100));
  }

  // ---------------------------------------------------------------- main

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println("usage: PunchBench warm n rounds block outdir scenario...");
      System.exit(2);
    }
    int warm = Integer.parseInt(args[0]);
    int n = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    int block = Math.max(1, Integer.parseInt(args[3]));
    Path outDir = Path.of(args[4]);
    List<Scenario> scenarios = new ArrayList<>();
    for (int i = 5; i < args.length; i++) {
      scenarios.add(new Scenario(args[i]));
    }

    for (Scenario sc : scenarios) {
      Thread t = new Thread(sc.device, sc.name + "-device");
      t.setDaemon(true);
      t.start();
      sc.device.register();
      System.err.println(sc.name + ": device " + sc.device.id + " registered at " + sc.device.udpServer);
    }
    ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "heartbeats");
      t.setDaemon(true);
      return t;
    });
    heartbeats.scheduleAtFixedRate(() -> scenarios.forEach(sc -> sc.device.heartbeat()), 0, 10, TimeUnit.SECONDS);

    // First a successful round trip on every scenario: a cluster that has not formed yet (or a
    // registration that has not reached the other node) shows up here, not as failures later.
    for (Scenario sc : scenarios) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (sc.once() < 0) {
        sc.failedInARow = 0; // only the deadline counts here
        if (System.nanoTime() > deadline) {
          System.err.println(sc.name + ": no successful punch-hole round trip in 30 s: " + sc.failures);
          System.exit(1);
        }
        Thread.sleep(200);
      }
      sc.failures.clear();
      sc.failed = 0;
      sc.failedInARow = 0;
    }

    // warm-up (JIT of servers and client), interleaved as the measurement
    run(scenarios, warm, block, false);
    for (Scenario sc : scenarios) {
      if (sc.failed > 0) {
        System.err.println(sc.name + ": " + sc.failed + " failure(s) during warm-up: " + sc.failures);
      }
      sc.failures.clear();
      sc.failed = 0;
      sc.toDevice.clear();
      sc.deviceAnswer.clear();
      sc.toController.clear();
    }

    for (int r = 1; r <= rounds; r++) {
      List<List<Long>> samples = run(scenarios, n, block, (r % 2) == 0);
      for (int i = 0; i < scenarios.size(); i++) {
        Scenario sc = scenarios.get(i);
        long[] ns = samples.get(i).stream().mapToLong(Long::longValue).toArray();
        sc.rounds.add(ns);
        System.out.println("round=" + r + " scenario=" + sc.name + " " + line(ns));
        System.out.flush();
      }
    }
    heartbeats.shutdownNow();

    for (Scenario sc : scenarios) {
      long[] all = sc.rounds.stream().flatMapToLong(Arrays::stream).toArray();
      try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(outDir.resolve(sc.name + ".us")))) {
        for (long v : all) {
          w.printf("%.1f%n", v / 1000.0);
        }
      }
      StringBuilder fails = new StringBuilder();
      sc.failures.forEach((k, v) -> fails.append(fails.length() == 0 ? "" : "; ").append(v).append("x ").append(k));
      System.out.println("total scenario=" + sc.name + " " + line(all) + " failed=" + sc.failed
          + " punch_holes=" + sc.device.punchHoles.get() + " answer_errors=" + sc.device.answerErrors.get()
          + " request_pk=" + sc.device.requestPk.get()
          + String.format(" leg_to_device_p50_us=%.1f leg_device_p50_us=%.1f leg_to_controller_p50_us=%.1f",
              p50(sc.toDevice), p50(sc.deviceAnswer), p50(sc.toController)));
      if (sc.failed > 0) {
        System.err.println(sc.name + ": failures: " + fails);
      }
      sc.device.close();
    }
  }

  /** n iterations per scenario in blocks, alternating scenarios; samples per scenario. */
  static List<List<Long>> run(List<Scenario> scenarios, int n, int block, boolean reversed) {
    List<List<Long>> samples = new ArrayList<>();
    scenarios.forEach(sc -> samples.add(new ArrayList<>(n)));
    int done = 0;
    boolean flip = reversed;
    while (done < n) {
      int k = Math.min(block, n - done);
      for (int j = 0; j < scenarios.size(); j++) {
        int i = flip ? scenarios.size() - 1 - j : j;
        Scenario sc = scenarios.get(i);
        for (int x = 0; x < k; x++) {
          long dt = sc.once();
          if (dt >= 0) {
            samples.get(i).add(dt);
          }
        }
      }
      flip = !flip;
      done += k;
    }
    return samples;
  }
}
