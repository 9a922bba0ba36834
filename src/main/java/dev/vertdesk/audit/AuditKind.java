package dev.vertdesk.audit;

import dev.vertdesk.db.Database;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The audit listings ({@code GET /api/audits/<kind>}): the table behind each, its filters (Pro's:
 * {@code remote}, {@code conn_type}, {@code device}, {@code operator}, rustdesk/rustdesk:
 * res/audits.py, and a few more), its items and the columns of its CSV export. Items carry times
 * in epoch seconds as Pro's do ({@code created_at}, {@code end_time}); every column is named here
 * and bound, never taken from a request.
 */
public enum AuditKind {

  CONN("audit_conn t left join audit_server_sessions s on s.session_key = t.server_key",
      "t.guid, t.created_at, t.device_id, t.device_uuid, t.conn_id, t.session_id, t.ip, t.peer_id, t.peer_name,"
          + " t.conn_type, t.primary_auth, t.two_factor, t.conn_audit_ref, t.authorized_at, t.closed_at, t.note,"
          + " t.from_device, s.kind as route, s.relay_server, s.relay_uuid, s.first_end, s.second_end,"
          + " s.bytes_first_to_second, s.bytes_second_to_first, s.duration_ms, s.close_reason",
      Map.of("remote", Filter.like("t.peer_id"), "device", Filter.like("t.device_id"), "ip", Filter.like("t.ip"),
          "peer_name", Filter.like("t.peer_name"), "note", Filter.like("t.note"),
          "conn_type", Filter.integer("t.conn_type", -1, 4), "session_id", Filter.session("t.session_id")),
      List.of("guid", "created_at", "end_time", "id", "uuid", "conn_id", "session_id", "ip", "peer_id", "peer_name",
          "conn_type", "primary_auth", "two_factor", "authorized_at", "duration_ms", "note", "conn_audit_ref",
          "source", "route", "relay_server", "relay_uuid", "relay_first", "relay_second",
          "relay_bytes_first_to_second", "relay_bytes_second_to_first", "relay_duration_ms", "relay_close_reason"),
      AuditKind::conn),

  FILE("audit_file t", "t.guid, t.created_at, t.device_id, t.device_uuid, t.peer_id, t.conn_id, t.direction, t.path,"
      + " t.is_file, t.info, t.ip, t.peer_name, t.num",
      Map.of("remote", Filter.like("t.peer_id"), "device", Filter.like("t.device_id"), "path", Filter.like("t.path"),
          "type", Filter.integer("t.direction", 0, 1)),
      List.of("guid", "created_at", "id", "uuid", "peer_id", "peer_name", "ip", "conn_id", "type", "path", "is_file",
          "num", "info"),
      r -> base(r).put("id", r.getString("device_id")).put("uuid", r.getString("device_uuid"))
          .put("peer_id", r.getString("peer_id")).put("peer_name", r.getString("peer_name"))
          .put("ip", r.getString("ip")).put("conn_id", Database.number(r, "conn_id"))
          .put("type", Database.number(r, "direction")).put("path", r.getString("path"))
          .put("is_file", Database.bool(r, "is_file")).put("num", Database.number(r, "num"))
          .put("info", r.getString("info"))),

  ALARM("audit_alarm t", "t.guid, t.created_at, t.device_id, t.device_uuid, t.typ, t.info, t.conn_id, t.conn_audit_ref",
      Map.of("device", Filter.like("t.device_id"), "typ", Filter.integer("t.typ", 0, 1000)),
      List.of("guid", "created_at", "id", "uuid", "typ", "conn_id", "conn_audit_ref", "info"),
      r -> base(r).put("id", r.getString("device_id")).put("uuid", r.getString("device_uuid"))
          .put("typ", Database.number(r, "typ")).put("conn_id", Database.number(r, "conn_id"))
          .put("conn_audit_ref", r.getString("conn_audit_ref")).put("info", r.getString("info"))),

  CONSOLE("audit_console t", "t.guid, t.created_at, t.operator, t.operator_guid, t.via, t.ip, t.typ, t.iop,"
      + " t.operation, t.target, t.detail",
      Map.of("operator", Filter.like("t.operator"), "operation", Filter.like("t.operation"),
          "target", Filter.like("t.target"), "ip", Filter.like("t.ip"), "typ", Filter.integer("t.typ", 0, 3)),
      List.of("guid", "created_at", "operator", "operator_guid", "via", "ip", "typ", "iop", "operation", "target",
          "detail"),
      r -> {
        JsonObject o = base(r).put("operator", r.getString("operator")).put("operator_guid", r.getString("operator_guid"))
            .put("via", r.getString("via")).put("ip", r.getString("ip")).put("typ", Database.number(r, "typ"))
            .put("operation", r.getString("operation")).put("target", r.getString("target"))
            .put("detail", r.getString("detail"));
        long iop = Database.number(r, "iop");
        return iop >= 0 ? o.put("iop", iop) : o;
      }),

  LOGIN("login_log t", "t.guid, t.created_at, t.user_guid, t.user_name, t.ip, t.method, t.result, t.reason,"
      + " t.device_id, t.device_os, t.device_name",
      Map.of("name", Filter.like("t.user_name"), "ip", Filter.like("t.ip"), "device", Filter.like("t.device_id"),
          "result", Filter.exact("t.result"), "method", Filter.exact("t.method")),
      List.of("guid", "created_at", "name", "user_guid", "ip", "method", "result", "reason", "device_id", "device_os",
          "device_name"),
      r -> base(r).put("name", r.getString("user_name")).put("user_guid", r.getString("user_guid"))
          .put("ip", r.getString("ip")).put("method", r.getString("method")).put("result", r.getString("result"))
          .put("reason", r.getString("reason")).put("device_id", r.getString("device_id"))
          .put("device_os", r.getString("device_os")).put("device_name", r.getString("device_name")));

  /** How a filter compares: Pro's LIKE on text, or equality on a number or text. */
  public record Filter(String column, Match match, int min, int max) {
    public enum Match { LIKE, INTEGER, EXACT, SESSION }

    static Filter like(String column) {
      return new Filter(column, Match.LIKE, 0, 0);
    }

    static Filter integer(String column, int min, int max) {
      return new Filter(column, Match.INTEGER, min, max);
    }

    static Filter exact(String column) {
      return new Filter(column, Match.EXACT, 0, 0);
    }

    static Filter session(String column) {
      return new Filter(column, Match.SESSION, 0, 0);
    }
  }

  private final String from;
  private final String columns;
  private final Map<String, Filter> filters;
  private final List<String> csvColumns;
  private final Function<Row, JsonObject> item;

  AuditKind(String from, String columns, Map<String, Filter> filters, List<String> csvColumns,
            Function<Row, JsonObject> item) {
    this.from = from;
    this.columns = columns;
    this.filters = filters;
    this.csvColumns = csvColumns;
    this.item = item;
  }

  /** The kind named in a path ({@code conn}, {@code file} ...), or null. */
  public static AuditKind named(String name) {
    for (AuditKind k : values()) {
      if (k.pathName().equals(name)) {
        return k;
      }
    }
    return null;
  }

  public String pathName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public Map<String, Filter> filters() {
    return filters;
  }

  public List<String> csvColumns() {
    return csvColumns;
  }

  String from() {
    return from;
  }

  String columns() {
    return columns;
  }

  JsonObject item(Row r) {
    return item.apply(r);
  }

  private static JsonObject base(Row r) {
    return new JsonObject().put("guid", r.getString("guid")).put("created_at", seconds(Database.number(r, "created_at")));
  }

  /** Pro's times: epoch seconds; {@code null} for never. */
  private static Long seconds(long millis) {
    return millis <= 0 ? null : millis / 1000;
  }

  private static JsonObject conn(Row r) {
    long created = Database.number(r, "created_at");
    long closed = Database.number(r, "closed_at");
    String session = r.getString("session_id");
    String route = r.getString("route");
    JsonObject o = base(r).put("end_time", seconds(closed)).put("id", r.getString("device_id"))
        .put("uuid", r.getString("device_uuid")).put("conn_id", Database.number(r, "conn_id"))
        .put("session_id", session == null ? null : SessionId.json(session)).put("ip", r.getString("ip"))
        .put("peer_id", r.getString("peer_id")).put("peer_name", r.getString("peer_name"))
        .put("primary_auth", Database.number(r, "primary_auth")).put("two_factor", Database.number(r, "two_factor"))
        .put("authorized_at", seconds(Database.number(r, "authorized_at")))
        .put("duration_ms", closed > 0 ? closed - created : null)
        .put("note", r.getString("note")).put("conn_audit_ref", r.getString("conn_audit_ref"))
        .put("source", Database.bool(r, "from_device") ? (route == null ? "device" : "device+server") : "server")
        .put("route", route == null ? "" : "punch".equals(route) ? "direct" : route);
    long connType = Database.number(r, "conn_type");
    if (connType >= 0) {
      o.put("conn_type", connType); // absent: never authorised ("Not Logged In" in res/audits.py)
    }
    if ("relay".equals(route)) {
      o.put("relay_server", r.getString("relay_server")).put("relay_uuid", r.getString("relay_uuid"))
          .put("relay_first", r.getString("first_end")).put("relay_second", r.getString("second_end"))
          .put("relay_bytes_first_to_second", Database.number(r, "bytes_first_to_second"))
          .put("relay_bytes_second_to_first", Database.number(r, "bytes_second_to_first"))
          .put("relay_duration_ms", Database.number(r, "duration_ms"))
          .put("relay_close_reason", r.getString("close_reason"));
    }
    return o;
  }
}
