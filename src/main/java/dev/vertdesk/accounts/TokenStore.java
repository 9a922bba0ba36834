package dev.vertdesk.accounts;

import dev.vertdesk.db.Database;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Bearer tokens and login challenges. Only SHA-256 of a token is stored: a copy of the database
 * lets nobody sign in. The tables are shared by every node of a cluster, so a token issued by one
 * node is good on all, and a revoked one on none.
 */
public final class TokenStore {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A token of a user, as stored. */
  record Stored(String kind, String userGuid, String scopes, long expiresAt, long lastUsedAt) {
  }

  private final Database db;

  public TokenStore(Database db) {
    this.db = db;
  }

  /** 256 random bits, URL-safe: what a client sends as {@code Authorization: Bearer}. */
  public static String newToken() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  public static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /** Stores a new token and returns it (the only time it exists in clear). */
  public Future<String> issue(String kind, String userGuid, String name, String scopes, JsonObject device,
                              long expiresAt) {
    String token = newToken();
    long now = System.currentTimeMillis();
    JsonObject d = device == null ? new JsonObject() : device;
    return db.update("insert into access_tokens (token_hash, kind, user_guid, name, scopes, device_id, device_uuid,"
            + " device_info, created_at, expires_at, last_used_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            hash(token), kind, userGuid, name, scopes, d.getString("id", ""), d.getString("uuid", ""),
            d.getJsonObject("info", new JsonObject()).encode(), now, expiresAt, now)
        .map(token);
  }

  Future<Stored> find(String tokenHash) {
    return db.first("select kind, user_guid, scopes, expires_at, last_used_at from access_tokens where token_hash = ?",
        r -> new Stored(r.getString("kind"), r.getString("user_guid"), r.getString("scopes"),
            Database.number(r, "expires_at"), Database.number(r, "last_used_at")), tokenHash);
  }

  Future<Void> touch(String tokenHash, long at) {
    return db.update("update access_tokens set last_used_at = ? where token_hash = ?", at, tokenHash).mapEmpty();
  }

  /** Revokes one token; true when it existed. */
  public Future<Boolean> revoke(String tokenHash) {
    return db.update("delete from access_tokens where token_hash = ?", tokenHash).map(n -> n > 0);
  }

  /** Revokes every session of a user (disabled, password reset, forced sign-out). */
  public Future<Integer> revokeSessions(String userGuid) {
    return db.update("delete from access_tokens where user_guid = ? and kind = ?", userGuid, Principal.SESSION);
  }

  /** Drops expired tokens and challenges. */
  public Future<Integer> purgeExpired(long now) {
    return db.update("delete from access_tokens where expires_at < ?", now)
        .compose(a -> db.update("delete from login_challenges where expires_at < ?", now).map(b -> a + b));
  }

  // ------------------------------------------------------------------ second-factor challenges

  /** A live challenge: whose it is, and for an e-mailed code, the code's hash ({@code null} for TOTP). */
  record Challenge(String userGuid, String codeHash) {
  }

  /** A challenge for the second login step; returns its secret (the client's {@code secret}). */
  public Future<String> challenge(String userGuid, String deviceId, long expiresAt) {
    return challenge(userGuid, deviceId, expiresAt, null);
  }

  /**
   * A challenge answered by {@code code} (mailed to the user): only a hash of secret and code is
   * stored, so the table alone gives neither. Returns the secret.
   */
  Future<String> challenge(String userGuid, String deviceId, long expiresAt, String code) {
    String secret = newToken();
    return db.update("insert into login_challenges (secret_hash, user_guid, device_id, attempts, created_at,"
            + " expires_at, code_hash) values (?, ?, ?, 0, ?, ?, ?)", hash(secret), userGuid, deviceId,
            System.currentTimeMillis(), expiresAt, code == null ? null : codeHash(secret, code))
        .map(secret);
  }

  /** What a challenge keeps of its mailed code. */
  static String codeHash(String secret, String code) {
    return hash(secret + ":" + code);
  }

  /** The live challenge of {@code secret}, counting this attempt; {@code null} when unknown, expired or spent. */
  Future<Challenge> challengeUser(String secret, long now, int maxAttempts) {
    String h = hash(secret);
    return db.update("update login_challenges set attempts = attempts + 1 where secret_hash = ? and expires_at >= ?"
            + " and attempts < ?", h, now, maxAttempts)
        .compose(n -> n == 0 ? Future.succeededFuture((Challenge) null)
            : db.first("select user_guid, code_hash from login_challenges where secret_hash = ?",
                r -> new Challenge(r.getString("user_guid"), r.getString("code_hash")), h));
  }

  Future<Void> endChallenge(String secret) {
    return db.update("delete from login_challenges where secret_hash = ?", hash(secret)).mapEmpty();
  }
}
