package dev.vertdesk.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admin CLI's text for answers of the admin API, without a server. */
class AdminFormatTest {

  private static JsonObject json(String text) {
    return new JsonObject(text);
  }

  @Test
  void oneNodeIsShownWithoutHeading() {
    JsonObject answer = json("{\"nodes\": [{\"node\": \"n1\", \"ok\": true, \"result\": {\"value\": true}}]}");
    assertEquals(List.of("ALWAYS_USE_RELAY: Y"), AdminFormat.perNode(answer, AdminFormat::alwaysUseRelay));
  }

  @Test
  void severalNodesAreHeadedAndAFailedOrMissingNodeIsSaid() {
    JsonObject answer = json("{\"nodes\": [{\"node\": \"n1\", \"ok\": true, \"result\": {\"cleared\": 2}},"
        + " {\"node\": \"n2\", \"ok\": false, \"error\": \"disk full\"}], \"partial\": true, \"expected\": 3}");
    assertEquals(List.of("== node n1", "cleared 2", "== node n2", "error on node n2: disk full", "(2 of 3 nodes answered)"),
        AdminFormat.perNode(answer, AdminFormat::cleared));
  }

  @Test
  void status() {
    JsonObject s = json("{\"node\": \"n1\", \"clustered\": true, \"members\": 3, \"uptimeSeconds\": 12, \"draining\": true,"
        + " \"ports\": {\"udp\": 21116, \"relay\": 21117}, \"peers\": {\"registered\": 5, \"online\": 2},"
        + " \"relay\": {\"running\": true, \"sessions\": 1, \"waiting\": 0, \"blocklist\": 2, \"blacklist\": 3},"
        + " \"alwaysUseRelay\": false, \"relayServers\": [\"r1\", \"r2:21117\"]}");
    assertEquals(List.of(
        "node n1 (cluster of 3), up 12s, DRAINING",
        "  ports: udp=21116 relay=21117",
        "  peers: 5 registered, 2 online",
        "  relay: 1 sessions, 0 waiting, blocklist 2, blacklist 3",
        "  always-use-relay: N, relay servers: r1,r2:21117"), AdminFormat.status(s));
    assertEquals(List.of(
        "node n2, up 1s",
        "  ports: ",
        "  peers: 0 registered, 0 online",
        "  relay: not running on this node",
        "  always-use-relay: N, relay servers: (none)"),
        AdminFormat.status(json("{\"node\": \"n2\", \"uptimeSeconds\": 1, \"peers\": {\"registered\": 0, \"online\": 0}}")));
  }

  @Test
  void healthShowsEachCheckWithWhatElseItSays() {
    JsonObject body = json("{\"status\": \"DOWN\", \"checks\": {\"store\": {\"ok\": true},"
        + " \"cluster\": {\"ok\": false, \"members\": 1}}}");
    assertEquals(List.of("DOWN (HTTP 503)", "  store: ok", "  cluster: NOT OK {\"members\":1}"),
        AdminFormat.health(body, 503));
  }

  @Test
  void peersBracketIpv6AndMarkWhatIsUnknown() {
    JsonObject r = json("{\"node\": \"n1\", \"registered\": 2, \"online\": 1, \"peers\": ["
        + "{\"id\": \"123\", \"online\": true, \"ip\": \"::1\", \"port\": 5, \"lastRegMillis\": 1700000000123},"
        + " {\"id\": \"456\"}]}");
    assertEquals(List.of(
        "2 registered, 1 online on node n1",
        String.format("%-20s %-8s %-40s %s", "123", "online", "[::1]:5", "2023-11-14T22:13:20.123Z"),
        String.format("%-20s %-8s %-40s %s", "456", "offline", "-", "-")), AdminFormat.peers(r));
    assertEquals(List.of("id:       456", "online:   null", "address:  -", "last seen: -", "key:      -",
        "linked to this node: false"), AdminFormat.peer(json("{\"id\": \"456\"}")));
  }

  @Test
  void anEventLineHasTimeAndTypeFirstAndItsNodeLast() {
    JsonObject e = json("{\"node\": \"n1\", \"type\": \"peer.registered\", \"ts\": 1700000000123, \"id\": \"1\", \"ip\": \"1.2.3.4\"}");
    assertEquals("2023-11-14T22:13:20.123Z peer.registered id=1 ip=1.2.3.4 node=n1", AdminFormat.event(e));
    assertEquals("- ? x=1", AdminFormat.event(json("{\"x\": 1}")));
  }

  @Test
  void theServersNoticeOfDroppedEventsIsNotAnEvent() {
    JsonObject notice = json("{\"dropped\": 4}");
    assertTrue(AdminFormat.isDropNotice(notice));
    assertFalse(AdminFormat.isDropNotice(json("{\"type\": \"x\", \"dropped\": 4}")));
    assertEquals("(4 events dropped: this client reads too slowly)", AdminFormat.dropNotice(notice));
  }

  @Test
  void punchRequestsAreShownToTheSecond() {
    JsonObject r = json("{\"requests\": [{\"ts\": 1700000000123, \"from\": \"1.2.3.4\", \"id\": \"1\", \"to\": \"5.6.7.8\","
        + " \"outcome\": \"ok\"}, {\"from\": \"a\", \"id\": \"2\", \"outcome\": \"offline\"}]}");
    assertEquals(List.of("2023-11-14T22:13:20Z 1.2.3.4 -> 1@5.6.7.8 ok", "- a -> 2 offline"), AdminFormat.punchRequests(r));
  }

  @Test
  void usageLinesAreHbbrs() {
    JsonObject r = json("{\"relay\": true, \"sessions\": [{\"first\": \"1.2.3.4:5\", \"second\": \"6.7.8.9:10\","
        + " \"seconds\": 10, \"bytesFirstToSecond\": 3000000, \"bytesSecondToFirst\": 1234567,"
        + " \"highestBitsPerSecond\": 900000, \"currentBitsPerSecond\": 12345, \"blacklisted\": true}]}");
    assertEquals(List.of("6.7.8.9:10: 10s 4.04MB 878kb/s 3308kb/s 12kb/s (1.2.3.4:5) blacklisted"), AdminFormat.usage(r));
    assertEquals(List.of("no relay on this node"), AdminFormat.usage(json("{\"relay\": false}")));
  }

  @Test
  void relayLimitsShowWholeNumbersWithoutFraction() {
    JsonObject r = json("{\"relay\": true, \"totalBandwidth\": 1024.0, \"downgradeThreshold\": 0.66}");
    assertEquals(List.of("1024Mb/s"), AdminFormat.relayLimit(r, "totalBandwidth", "Mb/s"));
    assertEquals(List.of("0.66"), AdminFormat.relayLimit(r, "downgradeThreshold", ""));
    assertEquals(List.of("totalBandwidth: 1024.0", "downgradeThreshold: 0.66"),
        AdminFormat.relayLimits(r, List.of("totalBandwidth", "downgradeThreshold")));
    assertEquals(List.of("no relay on this node"), AdminFormat.relayLimit(json("{}"), "limitSpeed", "Mb/s"));
  }

  @Test
  void theEventBusTableSumsLocalAndRemoteCounts() {
    JsonObject r = json("{\"metrics\": true, \"addresses\": [{\"address\": \"vertdesk.a\", \"handlers\": {\"local\": 1, \"remote\": 2},"
        + " \"pending\": 3, \"processed\": {\"local\": 1.5, \"remote\": 1}}]}");
    String row = "%-44s %8s %8s %10s %10s";
    assertEquals(List.of(String.format(row, "address", "handlers", "pending", "processed", "published"),
        String.format(row, "vertdesk.a", "3", "3", "2.5", "-")), AdminFormat.eventBus(r));
    assertEquals(List.of("metrics are off on this node"), AdminFormat.eventBus(json("{}")));
  }

  @Test
  void emptyListsPrintNothingOrSaySo() {
    assertEquals(List.of(), AdminFormat.accessList(json("{\"entries\": []}")));
    assertEquals(List.of("(none)"), AdminFormat.relayServers(json("{\"active\": []}")));
    assertEquals(List.of("(none)"), AdminFormat.nextRelay(json("{\"relay\": \"\"}")));
  }

  @Test
  void theRegistrationLimiterInHbbsForm() {
    String entry = "\"count\": 3, \"lastSecondsAgo\": 5, \"ids\": 2, \"idsSecondsAgo\": 7";
    assertEquals(List.of("1", "1.2.3.4: 3/5s 2IDs/7s"), AdminFormat.ipBlocker(
        json("{\"available\": true, \"total\": 1, \"entries\": [{\"ip\": \"1.2.3.4\", " + entry + "}]}")));
    assertEquals(List.of("3/5s 2IDs/7s"), AdminFormat.ipBlockerEntry(json("{\"entry\": {" + entry + "}}")));
    assertEquals(List.of("not tracked"), AdminFormat.ipBlockerEntry(json("{}")));
    assertEquals(List.of("no registration limiter on this node"), AdminFormat.ipBlocker(json("{}")));
  }
}
