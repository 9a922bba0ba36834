package dev.vertdesk.accounts;

import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.db.Database;
import dev.vertdesk.db.Page;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * API tokens for automation (Pro's scripts, monitoring, provisioning): created by an admin with
 * scopes ({@link Scopes}) and an expiry, shown once, stored as SHA-256 like every bearer token,
 * listed by name and identifier, revoked on every node at once. A token acts for the admin who
 * created it and stops working when that user is disabled, deleted or no longer an admin.
 */
public final class ApiTokens {

  public static final int MAX_DAYS = 3650;

  private final Database db;
  private final AccountService accounts;

  public ApiTokens(Database db, AccountService accounts) {
    this.db = db;
    this.accounts = accounts;
  }

  /** A new token for {@code creator}: the answer is the only place the token ever appears. */
  public Future<JsonObject> create(User creator, String name, Set<String> scopes, int expiresInDays) {
    if (!User.validName(name)) {
      return bad("a token name is 1 to 128 characters, without control characters");
    }
    if (scopes.isEmpty()) {
      return bad("scopes names at least one of " + new TreeSet<>(Scopes.ALL));
    }
    for (String s : scopes) {
      if (!Scopes.ALL.contains(s)) {
        return bad("unknown scope; scopes are " + new TreeSet<>(Scopes.ALL));
      }
    }
    if (expiresInDays < 1 || expiresInDays > MAX_DAYS) {
      return bad("expires_in_days is 1 to " + MAX_DAYS);
    }
    String token = TokenStore.newToken();
    String guid = UUID.randomUUID().toString();
    long now = System.currentTimeMillis();
    long expires = now + TimeUnit.DAYS.toMillis(expiresInDays);
    String scopeText = String.join(",", new TreeSet<>(scopes));
    return db.update("insert into access_tokens (token_hash, guid, kind, user_guid, name, scopes, created_at,"
            + " expires_at, last_used_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)", TokenStore.hash(token), guid,
            Principal.API, creator.guid(), name.strip(), scopeText, now, expires, 0L)
        .compose(n -> get(guid))
        .map(item -> item.put("token", token));
  }

  /** The API tokens of every admin, never the token itself. */
  public Future<JsonObject> list(Page page) {
    return db.first("select count(*) as n from access_tokens where kind = ?", r -> Database.number(r, "n"),
            Principal.API)
        .compose(total -> db.list(SELECT + " where t.kind = ? order by t.created_at, t.guid limit ? offset ?",
            ApiTokens::item, Principal.API, page.size(), page.offset()).map(rows -> Listing.page(total, rows)));
  }

  /** Revokes a token; every node forgets what it cached of its creator's tokens. */
  public Future<Void> delete(String guid) {
    return db.first("select user_guid from access_tokens where guid = ? and kind = ?", r -> r.getString("user_guid"),
            guid, Principal.API)
        .compose(owner -> owner == null ? Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no API token " + guid))
            : db.update("delete from access_tokens where guid = ?", guid)
                .compose(n -> accounts.invalidateUser(owner)));
  }

  private static final String SELECT = "select t.guid, t.name, t.scopes, t.created_at, t.expires_at, t.last_used_at,"
      + " coalesce(u.name, '') as user_name from access_tokens t left join users u on u.guid = t.user_guid";

  private Future<JsonObject> get(String guid) {
    return db.first(SELECT + " where t.guid = ?", ApiTokens::item, guid);
  }

  private static JsonObject item(Row r) {
    String scopes = r.getString("scopes");
    long expires = Database.number(r, "expires_at");
    return new JsonObject()
        .put("id", r.getString("guid"))
        .put("name", r.getString("name"))
        .put("scopes", new JsonArray(scopes.isEmpty() ? java.util.List.of() : java.util.List.of(scopes.split(","))))
        .put("created_by", r.getString("user_name"))
        .put("created_at", Listing.iso(Database.number(r, "created_at")))
        .put("expires_at", Listing.iso(expires))
        .put("expired", expires <= System.currentTimeMillis())
        .put("last_used_at", Listing.iso(Database.number(r, "last_used_at")));
  }

  private static <T> Future<T> bad(String message) {
    return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, message));
  }
}
