package dev.vertdesk.audit;

import dev.vertdesk.db.Database;
import dev.vertdesk.events.EventPublisher;
import io.vertx.core.Future;
import java.util.UUID;

/**
 * Who changed what in the console or through the admin API, and from where: one record per
 * change that succeeded, announced as {@code audit.recorded}, and as {@code user.changed} or
 * {@code device.changed} for those areas.
 */
public final class ConsoleLog {

  /** Who acted: a user's name and guid, and {@code session} or {@code api} (an API token). */
  public record Operator(String name, String guid, String via) {
  }

  static final int MAX_TEXT = 1024;

  private final Database db;
  private final EventPublisher events;

  ConsoleLog(Database db, EventPublisher events) {
    this.db = db;
    this.events = events;
  }

  public Future<Void> record(ConsoleOperation op, Operator who, String ip, String target, String detail) {
    String guid = UUID.randomUUID().toString();
    String t = cut(target);
    return db.update("insert into audit_console (guid, created_at, operator, operator_guid, via, ip, typ, iop,"
            + " operation, target, detail) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", guid, System.currentTimeMillis(),
            cut(who.name()), who.guid(), who.via(), ip, op.typ(), op.iop(), op.name(), t, cut(detail))
        .onSuccess(n -> {
          events.auditRecorded("console", guid, who.name());
          if (op.name().startsWith("user.")) {
            events.userChanged(op.name(), t, who.name(), ip);
          } else if (op.name().startsWith("device.")) {
            events.deviceChanged(op.name(), t, who.name(), ip);
          } else if (op.name().startsWith("strategy.")) {
            events.strategyChanged(t, op.name().substring("strategy.".length()), who.name());
          }
        }).mapEmpty();
  }

  private static String cut(String s) {
    return s == null ? "" : s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
  }
}
