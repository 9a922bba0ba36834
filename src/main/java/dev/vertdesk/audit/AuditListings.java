package dev.vertdesk.audit;

import dev.vertdesk.db.Database;
import dev.vertdesk.db.Page;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The admin listings of the audit records, newest first: pages as the client and Pro's scripts
 * read them ({@code {total, data}}), and the whole of a listing in pages of {@link #CHUNK} rows
 * (for the CSV export), each asked for after the one before was taken, so that only one page is
 * ever held.
 */
public final class AuditListings {

  /** Rows per read of a whole listing. */
  static final int CHUNK = 500;

  private final Database db;

  AuditListings(Database db) {
    this.db = db;
  }

  public Future<JsonObject> page(AuditQuery q, Page page) {
    AuditQuery.Where w = q.where();
    AuditKind k = q.kind();
    String countFrom = k == AuditKind.CONN ? "audit_conn t" : k.from();
    Future<Long> total = db.first("select count(*) as n from " + countFrom + w.sql(), r -> Database.number(r, "n"),
        w.args().toArray());
    List<Object> args = new ArrayList<>(w.args());
    args.add(page.size());
    args.add(page.offset());
    Future<List<JsonObject>> rows = db.list("select " + k.columns() + " from " + k.from() + w.sql()
        + " order by t.created_at desc, t.guid desc limit ? offset ?", k::item, args.toArray());
    return Future.all(total, rows).map(x -> new JsonObject().put("total", total.result())
        .put("data", new JsonArray(new ArrayList<>(rows.result()))));
  }

  /**
   * Every row of the listing, newest first, handed to {@code sink} a chunk at a time; the next
   * chunk is read once the sink's future completes (the writer's back-pressure).
   */
  public Future<Void> each(AuditQuery q, Function<List<JsonObject>, Future<Void>> sink) {
    return next(q, q.where(), sink, 0, null);
  }

  private Future<Void> next(AuditQuery q, AuditQuery.Where base, Function<List<JsonObject>, Future<Void>> sink,
                            long afterCreated, String afterGuid) {
    AuditQuery.Where w = afterGuid == null ? base
        // written so that the (created_at, guid) index serves it: a range on created_at, then a filter
        : base.and("t.created_at <= ? and (t.created_at < ? or t.guid < ?)", afterCreated, afterCreated, afterGuid);
    List<Object> args = new ArrayList<>(w.args());
    args.add(CHUNK);
    AuditKind k = q.kind();
    // the raw time rides along for the next chunk's bound (items carry seconds)
    return db.list("select " + k.columns() + ", t.created_at as created_ms from " + k.from() + w.sql()
            + " order by t.created_at desc, t.guid desc limit ?",
        r -> new Keyed(Database.number(r, "created_ms"), r.getString("guid"), k.item(r)), args.toArray())
        .compose(rows -> {
          if (rows.isEmpty()) {
            return Future.succeededFuture();
          }
          List<JsonObject> items = new ArrayList<>(rows.size());
          rows.forEach(row -> items.add(row.item()));
          Keyed last = rows.get(rows.size() - 1);
          return sink.apply(items).compose(v -> rows.size() < CHUNK ? Future.succeededFuture()
              : next(q, base, sink, last.created(), last.guid()));
        });
  }

  private record Keyed(long created, String guid, JsonObject item) {
  }
}
