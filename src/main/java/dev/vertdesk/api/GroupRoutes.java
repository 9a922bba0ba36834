package dev.vertdesk.api;

import static dev.vertdesk.api.AdminRequests.optionalText;
import static dev.vertdesk.api.AdminRequests.pathKey;
import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.GroupAdmin;
import dev.vertdesk.accounts.Scopes;
import dev.vertdesk.api.ApiRequests.BadRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

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
    r.delete("/api/device-groups/:guid/devices").handler(rc -> api.empty(rc, api.admin(rc, Scopes.GROUPS)
        .compose(p -> groups.removeDevices(pathKey(rc, "guid"), AdminRequests.keys(api.bodyArray(rc), "device IDs")))));
    r.get("/api/device-group/accessible").handler(rc -> api.json(rc, api.signedIn(rc).compose(p ->
        groups.accessibleDeviceGroups(Scopes.allows(p, Scopes.GROUPS) ? null : p.user().guid(),
            AdminRequests.page(rc)))));
  }

  /** The five calls of one kind of group; requests are read once the caller is known to be an admin. */
  private void mount(Router r, String base, GroupAdmin.Kind kind, String members) {
    r.get(base).handler(rc -> api.json(rc, api.admin(rc, Scopes.GROUPS).compose(p ->
        groups.list(kind, AdminRequests.query(rc, "name"), AdminRequests.page(rc)))));
    r.post(base).handler(rc -> api.json(rc, api.admin(rc, Scopes.GROUPS).compose(p -> {
      JsonObject b = withoutRules(api.body(rc));
      return groups.create(kind, text(b, "name", 1024), text(b, "note", 4096));
    })));
    r.patch(base + "/:guid").handler(rc -> api.json(rc, api.admin(rc, Scopes.GROUPS).compose(p -> {
      JsonObject b = withoutRules(api.body(rc));
      return groups.update(kind, pathKey(rc, "guid"), optionalText(b, "name", 1024), optionalText(b, "note", 4096));
    })));
    r.delete(base + "/:guid").handler(rc -> api.empty(rc, api.admin(rc, Scopes.GROUPS).compose(p ->
        groups.delete(kind, pathKey(rc, "guid")))));
    r.post(base + "/:guid").handler(rc -> api.empty(rc, api.admin(rc, Scopes.GROUPS).compose(p ->
        groups.addMembers(kind, pathKey(rc, "guid"), AdminRequests.keys(api.bodyArray(rc), members)))));
  }

  /**
   * Who may connect to whom ({@code allowed_incomings}, {@code allowed_outgoings}) is not kept yet:
   * an empty list is accepted, rules are refused rather than dropped in silence.
   */
  private static JsonObject withoutRules(JsonObject b) {
    for (String key : new String[] {"allowed_incomings", "allowed_outgoings"}) {
      JsonArray rules = AdminRequests.arrayField(b, key);
      if (rules != null && !rules.isEmpty()) {
        throw new BadRequest(key + ": access rules between groups are not supported yet");
      }
    }
    return b;
  }
}
