package dev.vertdesk.audit;

import dev.vertdesk.db.Like;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One audit listing's filters, checked: a time range on {@code created_at} (epoch millis, from
 * inclusive, to exclusive; 0 for open) and the kind's own filters by name. Turned into a WHERE
 * clause of the kind's named columns with every value bound.
 */
public record AuditQuery(AuditKind kind, long from, long to, Map<String, String> filters) {

  public AuditQuery {
    for (String name : filters.keySet()) {
      if (!kind.filters().containsKey(name)) {
        throw new IllegalArgumentException(kind.pathName() + " records have no filter " + name);
      }
    }
    filters = Map.copyOf(filters);
  }

  /** This query, once its values are known to be good; {@link IllegalArgumentException} naming the first bad one. */
  public AuditQuery checked() {
    where();
    return this;
  }

  /** The WHERE clause (with a leading {@code where}, or empty) and its arguments. */
  Where where() {
    List<String> terms = new ArrayList<>();
    List<Object> args = new ArrayList<>();
    if (from > 0) {
      terms.add("t.created_at >= ?");
      args.add(from);
    }
    if (to > 0) {
      terms.add("t.created_at < ?");
      args.add(to);
    }
    filters.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      AuditKind.Filter f = kind.filters().get(e.getKey());
      String v = e.getValue();
      switch (f.match()) {
        case LIKE -> {
          terms.add("lower(" + f.column() + ") like ? escape '\\'");
          args.add(Like.pattern(v));
        }
        case EXACT -> {
          terms.add(f.column() + " = ?");
          args.add(v);
        }
        case SESSION -> {
          terms.add(f.column() + " = ?");
          args.add(SessionId.parse(v.strip()));
        }
        case INTEGER -> {
          int n;
          try {
            n = Integer.parseInt(v.strip());
          } catch (NumberFormatException x) {
            n = Integer.MIN_VALUE;
          }
          if (n < f.min() || n > f.max()) {
            throw new IllegalArgumentException(e.getKey() + " must be an integer from " + f.min() + " to " + f.max());
          }
          terms.add(f.column() + " = ?");
          args.add(n);
        }
      }
    });
    return new Where(terms.isEmpty() ? "" : " where " + String.join(" and ", terms), args);
  }

  record Where(String sql, List<Object> args) {
    /** This clause with one more term ANDed on. */
    Where and(String term, Object... more) {
      List<Object> all = new ArrayList<>(args);
      all.addAll(List.of(more));
      return new Where(sql.isEmpty() ? " where " + term : sql + " and " + term, all);
    }
  }
}
