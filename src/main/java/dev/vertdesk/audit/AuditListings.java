package dev.vertdesk.audit;

import dev.vertdesk.db.Database;
import dev.vertdesk.db.Page;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
   * chunk is read once the sink's future completes (the writer's back-pressure). Each chunk is a
   * step of its own, not a link in a chain of futures, so nothing holds the chunks before it.
   */
  public Future<Void> each(AuditQuery q, Function<List<JsonObject>, Future<Void>> sink) {
    Promise<Void> done = Promise.promise();
    step(q, q.where(), sink, null, done);
    return done.future();
  }

  private void step(AuditQuery q, AuditQuery.Where base, Function<List<JsonObject>, Future<Void>> sink, Keyed after,
                    Promise<Void> done) {
    AuditQuery.Where w = after == null ? base
        // written so that the (created_at, guid) index serves it: a range on created_at, then a filter
        : base.and("t.created_at <= ? and (t.created_at < ? or t.guid < ?)", after.created(), after.created(),
            after.guid());
    List<Object> args = new ArrayList<>(w.args());
    args.add(CHUNK);
    AuditKind k = q.kind();
    // the raw time rides along for the next chunk's bound (items carry seconds)
    db.list("select " + k.columns() + ", t.created_at as created_ms from " + k.from() + w.sql()
            + " order by t.created_at desc, t.guid desc limit ?",
        r -> new Keyed(Database.number(r, "created_ms"), r.getString("guid"), k.item(r)), args.toArray())
        .compose(rows -> {
          if (rows.isEmpty()) {
            return Future.succeededFuture((Keyed) null);
          }
          List<JsonObject> items = new ArrayList<>(rows.size());
          rows.forEach(row -> items.add(row.item()));
          Keyed last = rows.size() < CHUNK ? null : new Keyed(rows.get(rows.size() - 1).created(),
              rows.get(rows.size() - 1).guid(), null);
          return sink.apply(items).map(last);
        })
        .onComplete(ar -> {
          if (ar.failed()) {
            done.fail(ar.cause());
          } else if (ar.result() == null) {
            done.complete();
          } else {
            step(q, base, sink, ar.result(), done);
          }
        });
  }

  private record Keyed(long created, String guid, JsonObject item) {
  }
}
