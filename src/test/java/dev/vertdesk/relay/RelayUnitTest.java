package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.config.RelayOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay's pure parts: token bucket, list format, downgrade figure, options. */
class RelayUnitTest {

  @TempDir
  Path dir;

  @Test
  void tokenBucketHoldsItsRateOverSimulatedTime() {
    long t = 0;
    TokenBucket b = new TokenBucket(1_000_000, 50_000, t); // 1 MB/s, 50 kB burst
    long sent = 0;
    // a sender that always sends 64 kB, then waits as told
    while (t < TimeUnit.SECONDS.toNanos(10)) {
      long wait = b.charge(64_000, t);
      sent += 64_000;
      t += Math.max(wait, 1);
    }
    double rate = sent / (t / 1e9);
    assertEquals(1_000_000, rate, 20_000, "long-run rate");
  }

  @Test
  void tokenBucketSavesAtMostItsBurstWhileIdle() {
    TokenBucket b = new TokenBucket(1_000_000, 50_000, 0);
    long t = TimeUnit.SECONDS.toNanos(60); // a minute idle
    assertEquals(0, b.charge(50_000, t), "the burst goes through at once");
    long wait = b.charge(100_000, t);
    assertEquals(100_000_000, wait, 1_000, "then 100 kB costs 100 ms");
  }

  @Test
  void megabitsAreHbbrMegabitsAndZeroIsUnlimited() {
    TokenBucket b = TokenBucket.megabitsPerSecond(8, 0);
    assertEquals(8 * 1024 * 1024 / 8.0, b.bytesPerSecond(), 0.001);
    assertNull(TokenBucket.megabitsPerSecond(0, 0));
    assertNull(TokenBucket.megabitsPerSecond(-1, 0));
  }

  @Test
  void listFilesFollowHbbrsFormatAndNormaliseAddresses() {
    Set<String> s = AccessLists.parse("1.2.3.4 office\n\n  5.6.7.8\t# tab comment\r\n::ffff:9.9.9.9\n::1\nhost.example\n");
    assertTrue(s.contains("1.2.3.4"));
    assertTrue(s.contains("5.6.7.8"));
    assertTrue(s.contains("9.9.9.9"), "IPv4-mapped entry normalised to IPv4: " + s);
    assertTrue(s.contains("0:0:0:0:0:0:0:1"), "IPv6 in one canonical form: " + s);
    assertTrue(s.contains("host.example"), "names are kept as written and never looked up");
    assertFalse(s.contains(""), "blank lines add nothing");
    assertEquals(5, s.size(), s.toString());
  }

  @Test
  void downgradeLineIsHbbrs() {
    RelayPolicy p = new RelayPolicy(1024, 128, 32, 0.66, 1_800_000, TimeUnit.SECONDS.toNanos(30));
    assertEquals(88_583, p.downgradeBitsPerMilli(), "§7.4: 88 583 bit/ms by default");
    assertTrue(p.downgradeEnabled());
    assertFalse(new RelayPolicy(1024, 0, 32, 0.66, 1_800_000, 1).downgradeEnabled(), "no SINGLE limit");
    assertEquals(1000, p.tickMillis());
    assertEquals(250, new RelayPolicy(0, 0, 0, 0, 0, TimeUnit.SECONDS.toNanos(1)).tickMillis());
  }

  private RelayOptions relay(JsonObject config, Map<String, String> env) {
    return NodeConfig.load(new JsonObject().put("dataDir", dir.toString())
        .put("verticles", new JsonObject().put("relay", new JsonObject().put("config", config))), env).relay().options();
  }

  @Test
  void optionsHaveHbbrDefaultsAndNameBadKeys() {
    RelayOptions o = relay(new JsonObject(), Map.of());
    assertEquals(21117, o.port());
    assertTrue(o.checkKey(), "secure by default");
    assertFalse(o.brokeredOnly());
    assertEquals(1024, o.totalBandwidth());
    assertEquals(128, o.singleBandwidth());
    assertEquals(32, o.limitSpeed());
    assertEquals(0.66, o.downgradeThreshold());
    assertEquals(1800, o.downgradeStartCheck());
    assertEquals(30, o.idleTimeoutSeconds());
    assertEquals(30, o.pairTimeoutSeconds());
    assertEquals(30, o.firstMessageTimeoutSeconds());

    RelayOptions s = relay(new JsonObject().put("singleBandwidth", "16.5").put("checkKey", "N"), Map.of());
    assertEquals(16.5, s.singleBandwidth());
    assertFalse(s.checkKey());

    ConfigException e = assertThrows(ConfigException.class,
        () -> relay(new JsonObject().put("limitSpeed", "fast"), Map.of()));
    assertTrue(e.getMessage().contains("verticles.relay.config.limitSpeed"), e.getMessage());
  }

  @Test
  void hbbrOptionNamesReachTheRelayBlock() {
    RelayOptions o = relay(new JsonObject(), Map.of(
        "TOTAL_BANDWIDTH", "2048", "SINGLE_BANDWIDTH", "64", "LIMIT_SPEED", "8",
        "DOWNGRADE_THRESHOLD", "0.5", "DOWNGRADE_START_CHECK", "600"));
    assertEquals(2048, o.totalBandwidth());
    assertEquals(64, o.singleBandwidth());
    assertEquals(8, o.limitSpeed());
    assertEquals(0.5, o.downgradeThreshold());
    assertEquals(600, o.downgradeStartCheck());
  }
}
