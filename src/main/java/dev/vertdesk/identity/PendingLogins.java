package dev.vertdesk.identity;

import dev.vertdesk.accounts.ClientDevice;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.db.Database;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;

/**
 * Single sign-on logins under way ({@code oidc_logins}), in the database every node shares: the
 * node that receives the browser's callback and the node the client polls need not be the one
 * that started the login. Codes and states are stored as SHA-256 only. Each step claims the row
 * by moving its status forward in one conditional update, so a replayed state or code finds
 * nothing to claim.
 */
final class PendingLogins {

  static final String PENDING = "pending";
  static final String EXCHANGING = "exchanging";
  static final String AUTHED = "authed";
  static final String FAILED = "failed";
  static final String DONE = "done";

  /** One login as stored. */
  record Login(String provider, String codeVerifier, String nonce, String redirectUri, ClientDevice device,
               String ip, String status, String userGuid, String error, long expiresAt) {
  }

  private static final String COLUMNS = "provider, code_verifier, nonce, redirect_uri, device_id, device_uuid,"
      + " device_os, device_name, ip, status, user_guid, error, expires_at";

  private final Database db;

  PendingLogins(Database db) {
    this.db = db;
  }

  private static Login from(Row r) {
    return new Login(r.getString("provider"), r.getString("code_verifier"), r.getString("nonce"),
        r.getString("redirect_uri"), new ClientDevice(r.getString("device_id"), r.getString("device_uuid"),
            r.getString("device_os"), r.getString("device_name")), r.getString("ip"), r.getString("status"),
        r.getString("user_guid"), r.getString("error"), Database.number(r, "expires_at"));
  }

  /** Logins from {@code ip} still under way: not expired, the browser not back yet. */
  Future<Long> underWayFrom(String ip, long now) {
    return db.first("select count(*) as n from oidc_logins where ip = ? and expires_at >= ? and status in (?, ?)",
        r -> Database.number(r, "n"), ip, now, PENDING, EXCHANGING);
  }

  /** Drops logins expired before {@code before}. */
  Future<Integer> purge(long before) {
    return db.update("delete from oidc_logins where expires_at < ?", before);
  }

  Future<Void> create(String code, String state, String provider, String verifier, String nonce, String redirectUri,
                      ClientDevice device, String ip, long now, long expiresAt) {
    return db.update("insert into oidc_logins (code_hash, state_hash, provider, code_verifier, nonce, redirect_uri,"
            + " device_id, device_uuid, device_os, device_name, ip, status, created_at, expires_at)"
            + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        TokenStore.hash(code), TokenStore.hash(state), provider, verifier, nonce, redirectUri, device.id(),
        device.uuid(), device.os(), device.name(), ip, PENDING, now, expiresAt).mapEmpty();
  }

  /** The browser is back: the login of that state, claimed for the exchange; {@code null} if none is pending. */
  Future<Login> claimState(String state, long now) {
    String h = TokenStore.hash(state);
    return db.update("update oidc_logins set status = ? where state_hash = ? and status = ? and expires_at >= ?",
            EXCHANGING, h, PENDING, now)
        .compose(n -> n == 0 ? Future.succeededFuture((Login) null)
            : db.first("select " + COLUMNS + " from oidc_logins where state_hash = ?", PendingLogins::from, h));
  }

  Future<Void> authed(String state, String userGuid) {
    return db.update("update oidc_logins set status = ?, user_guid = ? where state_hash = ? and status = ?",
        AUTHED, userGuid, TokenStore.hash(state), EXCHANGING).mapEmpty();
  }

  Future<Void> failed(String state, String error) {
    return db.update("update oidc_logins set status = ?, error = ? where state_hash = ? and status = ?",
        FAILED, error, TokenStore.hash(state), EXCHANGING).mapEmpty();
  }

  /**
   * The client's poll: the authed login of that code and device, claimed for its token (once);
   * {@code null} when there is none to claim.
   */
  Future<Login> claimCode(String code, String deviceId, String deviceUuid, long now) {
    String h = TokenStore.hash(code);
    return db.update("update oidc_logins set status = ? where code_hash = ? and device_id = ? and device_uuid = ?"
            + " and status = ? and expires_at >= ?", DONE, h, deviceId, deviceUuid, AUTHED, now)
        .compose(n -> n == 0 ? Future.succeededFuture((Login) null)
            : db.first("select " + COLUMNS + " from oidc_logins where code_hash = ?", PendingLogins::from, h));
  }

  /** The login of that code, whatever its state; {@code null} when unknown. */
  Future<Login> byCode(String code) {
    return db.first("select " + COLUMNS + " from oidc_logins where code_hash = ?", PendingLogins::from,
        TokenStore.hash(code));
  }
}
