package dev.vertdesk.audit;

import dev.vertdesk.db.Database;
import dev.vertdesk.events.EventPublisher;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * The records devices post about themselves (rustdesk/rustdesk: src/server/connection.rs
 * {@code post_conn_audit}, {@code post_file_audit}, {@code post_alarm_audit}) and the controlling
 * side's guid and note. A record's {@code nonce} is kept in the shared database, in the same
 * transaction as the record: a retried post is answered as stored and not stored twice, on any
 * node, and a write that fails releases it.
 */
public final class AuditRecords {

  /** What a connection post says happened (its {@code action}). */
  public enum ConnEvent { OPENED, AUTHORIZED, CLOSED }

  /**
   * One post to {@code /api/audit/conn} from the controlled side.
   *
   * @param connType   0..4 for an authorised connection, else -1
   * @param sessionId  u64 decimal text ({@link SessionId})
   */
  public record ConnPost(ConnEvent event, String deviceId, String uuid, int connId, String sessionId, String nonce,
                         String ip, String connAuditRef, String peerId, String peerName, int connType,
                         int primaryAuth, int twoFactor) {
  }

  /** One post to {@code /api/audit/file}; {@code direction} 0 the device sent, 1 it received. */
  public record FilePost(String deviceId, String uuid, String peerId, int connId, int direction, String path,
                         boolean isFile, String info, String nonce) {
  }

  /** One post to {@code /api/audit/alarm}. */
  public record AlarmPost(String deviceId, String uuid, int typ, String info, int connId, String nonce,
                          String connAuditRef) {
  }

  /** A device's nonces are kept this long at least (the client retries for two minutes). */
  static final long NONCE_MILLIS = 3_600_000;

  private final Database db;
  private final EventPublisher events;
  private final ServerSessions sessions;

  AuditRecords(Database db, EventPublisher events, ServerSessions sessions) {
    this.db = db;
    this.events = events;
    this.sessions = sessions;
  }

  /** Stores a connection post, merged with the other posts of the same connection. */
  public Future<Void> conn(ConnPost p) {
    long now = System.currentTimeMillis();
    return db.inTransaction(tx -> fresh(tx, p.nonce(), now).compose(fresh -> {
      if (!fresh) {
        return Future.succeededFuture((String) null);
      }
      return connectionRow(tx, p, now).compose(guid -> update(tx, p, guid, now)
          .compose(v -> sessions.linkRecord(tx, guid, p.deviceId(), now))
          .map(guid));
    })).onSuccess(guid -> {
      if (guid != null) {
        events.auditRecorded("conn", guid, p.deviceId());
      }
    }).mapEmpty();
  }

  /**
   * The row of this connection: the one its earlier posts made, else the one the controlling
   * side's guid request made, else a connection only the server saw for this device shortly
   * before, else a new one.
   */
  private Future<String> connectionRow(Database.Tx tx, ConnPost p, long now) {
    return tx.first("select guid from audit_conn where device_id = ? and conn_id = ? and session_id = ?",
        r -> r.getString("guid"), p.deviceId(), p.connId(), p.sessionId()).compose(guid -> {
          if (guid != null) {
            return Future.succeededFuture(guid);
          }
          return tx.first("select guid from audit_conn where device_id = ? and conn_id = -1 and session_id = ?",
              r -> r.getString("guid"), p.deviceId(), p.sessionId()).compose(placeholder -> {
                if (placeholder != null) {
                  return tx.update("update audit_conn set conn_id = ? where guid = ?", p.connId(), placeholder)
                      .map(placeholder);
                }
                return sessions.serverOnlyRow(tx, p.deviceId(), now).compose(seen -> {
                  if (seen != null) {
                    return tx.update("update audit_conn set conn_id = ?, session_id = ? where guid = ?", p.connId(),
                        p.sessionId(), seen).map(seen);
                  }
                  String fresh = UUID.randomUUID().toString();
                  return tx.update("insert into audit_conn (guid, created_at, updated_at, device_id, conn_id, session_id)"
                      + " values (?, ?, ?, ?, ?, ?)", fresh, now, now, p.deviceId(), p.connId(), p.sessionId())
                      .map(fresh);
                });
              });
        });
  }

  private static Future<Integer> update(Database.Tx tx, ConnPost p, String guid, long now) {
    return switch (p.event()) {
      case OPENED -> tx.update("update audit_conn set from_device = 1, updated_at = ?, device_uuid = ?, ip = ?,"
          + " conn_audit_ref = ? where guid = ?", now, p.uuid(), p.ip(), p.connAuditRef(), guid);
      case AUTHORIZED -> tx.update("update audit_conn set from_device = 1, updated_at = ?, device_uuid = ?,"
          + " peer_id = ?, peer_name = ?, conn_type = ?, primary_auth = ?, two_factor = ?, authorized_at = ?"
          + " where guid = ?", now, p.uuid(), p.peerId(), p.peerName(), p.connType(), p.primaryAuth(),
          p.twoFactor(), now, guid);
      case CLOSED -> tx.update("update audit_conn set from_device = 1, updated_at = ?, device_uuid = ?, closed_at = ?"
          + " where guid = ?", now, p.uuid(), now, guid);
    };
  }

  /**
   * The controlling side's note ({@code {id, session_id, note}}, src/ui_session_interface.rs),
   * on every record of that session of the device; a record of its own when none is there yet.
   */
  public Future<Void> sessionNote(String deviceId, String sessionId, String note) {
    long now = System.currentTimeMillis();
    return db.inTransaction(tx -> tx.update("update audit_conn set note = ?, updated_at = ? where device_id = ?"
        + " and session_id = ?", note, now, deviceId, sessionId).compose(n -> n > 0 ? Future.<Integer>succeededFuture(n)
        : placeholder(tx, deviceId, sessionId, now).compose(guid ->
            tx.update("update audit_conn set note = ? where guid = ?", note, guid)))).mapEmpty();
  }

  /**
   * The guid of the record of a connection the caller controls ({@code GET /api/audit/conn/active},
   * flutter/lib/models/model.dart), made now when the device has not posted it yet, so that the
   * note at the end of the session has a record to go to.
   */
  public Future<String> active(String deviceId, String sessionId, int connType, String userGuid) {
    long now = System.currentTimeMillis();
    return db.inTransaction(tx -> tx.first("select guid from audit_conn where device_id = ? and session_id = ?"
        + " order by conn_id desc limit 1", r -> r.getString("guid"), deviceId, sessionId).compose(found ->
        (found != null ? Future.succeededFuture(found) : placeholder(tx, deviceId, sessionId, now))
            .compose(guid -> tx.update("update audit_conn set controller_user = ?,"
                + " conn_type = case when conn_type < 0 then ? else conn_type end where guid = ?",
                userGuid, connType, guid).map(guid))));
  }

  /** The record of a session the device has not posted for (conn_id -1), made once. */
  private static Future<String> placeholder(Database.Tx tx, String deviceId, String sessionId, long now) {
    return tx.update("insert into audit_conn (guid, created_at, updated_at, device_id, conn_id, session_id)"
        + " values (?, ?, ?, ?, -1, ?) on conflict (device_id, conn_id, session_id) do nothing",
        UUID.randomUUID().toString(), now, now, deviceId, sessionId)
        .compose(n -> tx.first("select guid from audit_conn where device_id = ? and conn_id = -1 and session_id = ?",
            r -> r.getString("guid"), deviceId, sessionId));
  }

  /**
   * The note at the end of a session ({@code PUT /api/audit}): false when there is no record
   * {@code guid} the caller may note (the user who asked for its guid, or an admin).
   */
  public Future<Boolean> setNote(String guid, String note, String userGuid, boolean admin) {
    return db.update("update audit_conn set note = ?, updated_at = ? where guid = ?"
            + (admin ? "" : " and controller_user = ?"),
        admin ? new Object[] {note, System.currentTimeMillis(), guid}
            : new Object[] {note, System.currentTimeMillis(), guid, userGuid})
        .map(n -> n > 0);
  }

  public Future<Void> file(FilePost p) {
    long now = System.currentTimeMillis();
    JsonObject info = infoObject(p.info());
    String guid = UUID.randomUUID().toString();
    Object num = info.getValue("num");
    return db.inTransaction(tx -> fresh(tx, p.nonce(), now).compose(fresh -> !fresh ? Future.succeededFuture(false)
        : tx.update("insert into audit_file (guid, created_at, device_id, device_uuid, peer_id, conn_id, direction, path,"
            + " is_file, info, ip, peer_name, num) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", guid, now,
            p.deviceId(), p.uuid(), p.peerId(), p.connId(), p.direction(), p.path(), p.isFile(), p.info(),
            text(info, "ip", 100), text(info, "name", 256),
            num instanceof Integer n && n >= 0 ? n : 0).map(true)))
        .onSuccess(stored -> {
          if (stored) {
            events.auditRecorded("file", guid, p.deviceId());
          }
        }).mapEmpty();
  }

  public Future<Void> alarm(AlarmPost p) {
    long now = System.currentTimeMillis();
    String guid = UUID.randomUUID().toString();
    return db.inTransaction(tx -> fresh(tx, p.nonce(), now).compose(fresh -> !fresh ? Future.succeededFuture(false)
        : tx.update("insert into audit_alarm (guid, created_at, device_id, device_uuid, typ, info, conn_id,"
            + " conn_audit_ref) values (?, ?, ?, ?, ?, ?, ?, ?)", guid, now, p.deviceId(), p.uuid(), p.typ(),
            p.info(), p.connId(), p.connAuditRef()).map(true)))
        .onSuccess(stored -> {
          if (stored) {
            events.auditRecorded("alarm", guid, p.deviceId());
          }
        }).mapEmpty();
  }

  /** Claims a nonce; false when it was claimed before (a post that is a retry). No nonce: always fresh. */
  private static Future<Boolean> fresh(Database.Tx tx, String nonce, long now) {
    if (nonce == null || nonce.isEmpty()) {
      return Future.succeededFuture(true);
    }
    return tx.update("insert into audit_nonces (nonce, created_at) values (?, ?) on conflict (nonce) do nothing",
        nonce, now).map(n -> n > 0);
  }

  /** Nesting the file post's {@code info} may have to be read (the client's is two levels deep). */
  static final int MAX_INFO_DEPTH = 8;

  /**
   * The file post's {@code info}: a JSON object in a string; what is not one, or nests deeper than
   * {@link #MAX_INFO_DEPTH}, is kept as text only (and never reaches the parser's recursion).
   */
  static JsonObject infoObject(String info) {
    if (info.isEmpty() || info.charAt(0) != '{' || depth(info) > MAX_INFO_DEPTH) {
      return new JsonObject();
    }
    try {
      return new JsonObject(info);
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject();
    }
  }

  /** The deepest nesting of arrays and objects in a JSON text, outside strings. */
  static int depth(String json) {
    int depth = 0;
    int max = 0;
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        max = Math.max(max, ++depth);
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return max;
  }

  private static String text(JsonObject o, String key, int max) {
    Object v = o.getValue(key);
    if (!(v instanceof String s)) {
      return "";
    }
    return s.length() <= max ? s : s.substring(0, max);
  }
}
