package dev.vertdesk.api;

import static dev.vertdesk.api.AdminRequests.optionalText;
import static dev.vertdesk.api.AdminRequests.pathKey;
import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.GroupAdmin;
import dev.vertdesk.accounts.Scopes;
import dev.vertdesk.api.ApiRequests.BadRequest;
import dev.vertdesk.db.Page;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Pro's user groups and device groups ({@code rustdesk/rustdesk: res/user-groups.py},
 * {@code res/device-groups.py}) and the client's list of accessible device groups
 * ({@code flutter/lib/models/group_model.dart}). Admin calls need an admin's session or an API
 * token with the {@code groups} scope.
 */
final class GroupRoutes {

  private final ApiVerticle api;
  private final GroupAdmin groups;

  GroupRoutes(ApiVerticle api, GroupAdmin groups) {
    this.api = api;
    this.groups = groups;
  }

  void mount(Router r) {
    mount(r, "/api/user-groups", GroupAdmin.Kind.USER, "user guids");
    mount(r, "/api/device-groups", GroupAdmin.Kind.DEVICE, "device IDs");
    r.delete("/api/device-groups/:guid/devices").handler(rc -> {
      String guid = pathKey(rc, "guid");
      List<String> ids = AdminRequests.keys(api.bodyArray(rc), "device IDs");
      api.empty(rc, api.admin(rc, Scopes.GROUPS).compose(p -> groups.removeDevices(guid, ids)));
    });
    r.get("/api/device-group/accessible").handler(rc -> {
      Page page = AdminRequests.page(rc);
      api.json(rc, api.signedIn(rc).compose(p -> groups.accessibleDeviceGroups(
          Scopes.allows(p, Scopes.GROUPS) ? null : p.user().guid(), page)));
    });
  }

  private void mount(Router r, String base, GroupAdmin.Kind kind, String members) {
    r.get(base).handler(rc -> {
      Page page = AdminRequests.page(rc);
      String name = AdminRequests.query(rc, "name");
      api.json(rc, api.admin(rc, Scopes.GROUPS).compose(p -> groups.list(kind, name, page)));
    });
    r.post(base).handler(rc -> {
      JsonObject b = api.body(rc);
      noRules(b);
      String name = text(b, "name", 1024);
      String note = text(b, "note", 4096);
      api.json(rc, api.admin(rc, Scopes.GROUPS).compose(p -> groups.create(kind, name, note)));
    });
    r.patch(base + "/:guid").handler(rc -> {
      String guid = pathKey(rc, "guid");
      JsonObject b = api.body(rc);
      noRules(b);
      String name = optionalText(b, "name", 1024);
      String note = optionalText(b, "note", 4096);
      api.json(rc, api.admin(rc, Scopes.GROUPS).compose(p -> groups.update(kind, guid, name, note)));
    });
    r.delete(base + "/:guid").handler(rc -> {
      String guid = pathKey(rc, "guid");
      api.empty(rc, api.admin(rc, Scopes.GROUPS).compose(p -> groups.delete(kind, guid)));
    });
    r.post(base + "/:guid").handler(rc -> {
      String guid = pathKey(rc, "guid");
      List<String> keys = AdminRequests.keys(api.bodyArray(rc), members);
      api.empty(rc, api.admin(rc, Scopes.GROUPS).compose(p -> groups.addMembers(kind, guid, keys)));
    });
  }

  /**
   * Who may connect to whom ({@code allowed_incomings}, {@code allowed_outgoings}) is not kept yet:
   * an empty list is accepted, rules are refused rather than dropped in silence.
   */
  private static void noRules(JsonObject b) {
    for (String key : new String[] {"allowed_incomings", "allowed_outgoings"}) {
      JsonArray rules = AdminRequests.arrayField(b, key);
      if (rules != null && !rules.isEmpty()) {
        throw new BadRequest(key + ": access rules between groups are not supported yet");
      }
    }
  }
}
