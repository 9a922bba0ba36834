package dev.vertdesk.api;

import static dev.vertdesk.api.AdminRequests.optionalText;
import static dev.vertdesk.api.AdminRequests.pathKey;
import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.Principal;
import dev.vertdesk.accounts.Scopes;
import dev.vertdesk.addressbook.AddressBookService;
import dev.vertdesk.addressbook.SharedBooks;
import dev.vertdesk.api.ApiRequests.BadRequest;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Address books: the calls of the client's address book tab ({@code rustdesk/rustdesk:
 * flutter/lib/models/ab_model.dart}; actions answered 200 with an exactly empty body, pulls as
 * pages with an integer {@code total}), the legacy whole-book API of older clients ({@code GET}
 * and {@code POST /api/ab}, Sciter's {@code POST /api/ab/get}), the recycle bin, and Pro's admin
 * calls for shared books and their rules ({@code res/ab.py}; scope {@code address_books}). The
 * pulls Pro's scripts make with GET are served on GET and POST alike.
 */
final class AddressBookRoutes {

  private final ApiVerticle api;
  private final AddressBookService books;
  private final SharedBooks shared;

  AddressBookRoutes(ApiVerticle api, AddressBookService books) {
    this.api = api;
    this.books = books;
    this.shared = books.shared();
  }

  void mount(Router r) {
    pull(r, "/api/ab/personal", rc -> api.json(rc, api.signedIn(rc).compose(p -> books.config().personal()
        ? books.personal(p).map(guid -> new JsonObject().put("guid", guid))
        // 404: the client falls back to the legacy API (ab_model.dart)
        : Future.failedFuture(new AccountException(AccountException.Kind.NOT_FOUND,
            "personal address books are off on this server")))));
    pull(r, "/api/ab/settings", rc -> api.json(rc, api.signedIn(rc).map(p -> books.settings())));
    pull(r, "/api/ab/shared/profiles", rc -> api.json(rc, api.signedIn(rc).compose(p ->
        books.sharedProfiles(p, AdminRequests.query(rc, "name"), AdminRequests.page(rc)))));
    pull(r, "/api/ab/peers", rc -> api.json(rc, api.signedIn(rc).compose(p ->
        books.peers(p, book(rc), AdminRequests.page(rc)))));
    pull(r, "/api/ab/tags/:guid", rc -> api.json(rc, api.signedIn(rc).compose(p ->
        books.tags(p, pathKey(rc, "guid")))));

    r.post("/api/ab/peer/add/:guid").handler(rc -> action(rc, p ->
        books.addPeer(p, pathKey(rc, "guid"), api.body(rc))));
    r.put("/api/ab/peer/update/:guid").handler(rc -> action(rc, p ->
        books.updatePeer(p, pathKey(rc, "guid"), api.body(rc))));
    r.delete("/api/ab/peer/:guid").handler(rc -> action(rc, p ->
        books.deletePeers(p, pathKey(rc, "guid"), AdminRequests.keys(api.bodyArray(rc), "peer IDs"))));
    r.post("/api/ab/tag/add/:guid").handler(rc -> action(rc, p -> {
      JsonObject b = api.body(rc);
      return books.addTag(p, pathKey(rc, "guid"), AddressBookService.tagName(b.getValue("name")),
          AddressBookService.tagColor(b.getValue("color")));
    }));
    r.put("/api/ab/tag/rename/:guid").handler(rc -> action(rc, p -> {
      JsonObject b = api.body(rc);
      return books.renameTag(p, pathKey(rc, "guid"), AddressBookService.tagName(b.getValue("old")),
          AddressBookService.tagName(b.getValue("new")));
    }));
    r.put("/api/ab/tag/update/:guid").handler(rc -> action(rc, p -> {
      JsonObject b = api.body(rc);
      return books.recolorTag(p, pathKey(rc, "guid"), AddressBookService.tagName(b.getValue("name")),
          AddressBookService.tagColor(b.getValue("color")));
    }));
    r.delete("/api/ab/tag/:guid").handler(rc -> action(rc, p ->
        books.deleteTags(p, pathKey(rc, "guid"), tagNames(AdminRequests.keys(api.bodyArray(rc), "tag names")))));

    pull(r, "/api/ab/recycle-bin", rc -> api.json(rc, api.signedIn(rc).compose(p ->
        books.recycleBin(p, book(rc), AdminRequests.page(rc)))));
    r.post("/api/ab/recycle-bin/restore/:guid").handler(rc -> action(rc, p ->
        books.restore(p, pathKey(rc, "guid"), AdminRequests.keys(api.bodyArray(rc), "peer IDs"))));
    r.delete("/api/ab/recycle-bin/:guid").handler(rc -> action(rc, p ->
        books.emptyBin(p, pathKey(rc, "guid"), AdminRequests.keys(api.bodyArray(rc), "peer IDs"))));

    // the legacy API: the whole personal book as one JSON string
    r.get("/api/ab").handler(rc -> api.json(rc, api.signedIn(rc).compose(books::legacy)));
    r.post("/api/ab/get").handler(rc -> api.json(rc, api.signedIn(rc).compose(books::legacy)));
    r.post("/api/ab").handler(rc -> action(rc, p -> {
      Object data = api.body(rc).getValue("data");
      if (!(data instanceof String text)) {
        throw new BadRequest("data must be a string holding the address book's JSON");
      }
      JsonObject book = api.jsonText(text, "data");
      Object colors = book.getValue("tag_colors");
      if (colors != null && !(colors instanceof String)) {
        throw new BadRequest("tag_colors must be a string holding a JSON object");
      }
      return books.replaceLegacy(p, book, colors == null || ((String) colors).isEmpty() ? new JsonObject()
          : api.jsonText((String) colors, "tag_colors"));
    }));

    // Pro's admin calls (res/ab.py)
    r.post("/api/ab/shared/add").handler(rc -> api.json(rc, admin(rc).compose(p -> {
      JsonObject b = api.body(rc);
      return shared.create(p.user().guid(), text(b, "name", 1024), text(b, "note", 4096),
          text(ApiRequests.object(b, "info"), "password", 1024));
    })));
    r.put("/api/ab/shared/update/profile").handler(rc -> api.empty(rc, admin(rc).compose(p -> {
      JsonObject b = api.body(rc);
      JsonObject info = b.getValue("info") == null ? null : ApiRequests.object(b, "info");
      return shared.update(required(b, "guid"), new SharedBooks.Changes(optionalText(b, "name", 1024),
          optionalText(b, "note", 4096), optionalText(b, "owner", 1024),
          info == null || !info.containsKey("password") ? null : text(info, "password", 1024)));
    })));
    r.delete("/api/ab/shared").handler(rc -> api.empty(rc, admin(rc).compose(p ->
        shared.delete(AdminRequests.keys(api.bodyArray(rc), "address book guids")))));
    r.get("/api/ab/rules").handler(rc -> api.json(rc, admin(rc).compose(p ->
        shared.rules(book(rc), AdminRequests.page(rc)))));
    r.post("/api/ab/rule").handler(rc -> api.json(rc, admin(rc).compose(p -> {
      JsonObject b = api.body(rc);
      return shared.addRule(required(b, "guid"), AdminRequests.integer(b, "rule", 0, 1, 3),
          optionalText(b, "user", 1024), optionalText(b, "group", 1024));
    })));
    r.patch("/api/ab/rule").handler(rc -> api.empty(rc, admin(rc).compose(p -> {
      JsonObject b = api.body(rc);
      return shared.changeRule(required(b, "guid"), AdminRequests.integer(b, "rule", 0, 1, 3));
    })));
    r.delete("/api/ab/rules").handler(rc -> api.empty(rc, admin(rc).compose(p ->
        shared.deleteRules(AdminRequests.keys(api.bodyArray(rc), "rule guids")))));
  }

  /** A pull the client makes with POST and Pro's scripts with GET. */
  private static void pull(Router r, String path, Handler<RoutingContext> handler) {
    r.post(path).handler(handler);
    r.get(path).handler(handler);
  }

  /** An action of the client: 200 with an exactly empty body, or {@code {"error"}} it shows. */
  private void action(RoutingContext rc, java.util.function.Function<Principal, Future<Void>> work) {
    api.empty(rc, api.signedIn(rc).compose(work));
  }

  private Future<Principal> admin(RoutingContext rc) {
    return api.admin(rc, Scopes.ADDRESS_BOOKS);
  }

  /** The book of a pull: {@code ?ab=<guid>}. */
  private static String book(RoutingContext rc) {
    String ab = AdminRequests.query(rc, "ab");
    if (ab == null) {
      throw new BadRequest("ab (the address book's guid) is required");
    }
    return ab;
  }

  private static String required(JsonObject b, String key) {
    String v = text(b, key, AdminRequests.MAX_KEY);
    if (v.isEmpty()) {
      throw new BadRequest(key + " is required");
    }
    return v;
  }

  private static List<String> tagNames(List<String> names) {
    names.forEach(n -> AddressBookService.tagName(n));
    return names;
  }
}
