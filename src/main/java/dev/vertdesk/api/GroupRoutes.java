package dev.vertdesk.api;

import static dev.vertdesk.api.AdminRequests.optionalText;
import static dev.vertdesk.api.AdminRequests.pathKey;
import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.access.AccessAdmin;
import dev.vertdesk.accounts.GroupAdmin;
import dev.vertdesk.accounts.Scopes;
import dev.vertdesk.events.AssignmentChanges;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;

/**
 * Pro's user groups and device groups ({@code rustdesk/rustdesk: res/user-groups.py},
 * {@code res/device-groups.py}) and the client's list of accessible device groups
 * ({@code flutter/lib/models/group_model.dart}), with their access rules. Admin calls need an
 * admin's session or an API token with the {@code groups} scope.
 */
final class GroupRoutes {

  private final ApiVerticle api;
  private final GroupAdmin groups;
  private final AccessAdmin access;
  private final AssignmentChanges assignments;

  GroupRoutes(ApiVerticle api, GroupAdmin groups, AccessAdmin access, AssignmentChanges assignments) {
    this.api = api;
    this.groups = groups;
    this.access = access;
    this.assignments = assignments;
  }

  void mount(Router r) {
    mount(r, "/api/user-groups", GroupAdmin.Kind.USER, "user guids");
    mount(r, "/api/device-groups", GroupAdmin.Kind.DEVICE, "device IDs");
    r.delete("/api/device-groups/:guid/devices").handler(rc -> api.empty(rc, api.admin(rc, Scopes.GROUPS).compose(p -> {
      List<String> ids = AdminRequests.keys(api.bodyArray(rc), "device IDs");
      return groups.removeDevices(pathKey(rc, "guid"), ids).map(v -> devicesMoved(ids));
    })));
    r.get("/api/device-group/accessible").handler(rc -> api.json(rc, api.signedIn(rc).compose(p ->
        groups.accessibleDeviceGroups(Scopes.allows(p, Scopes.GROUPS) ? null : p.user().guid(),
            AdminRequests.page(rc)))));
  }

  /**
   * The five calls of one kind of group; requests are read once the caller is known to be an admin.
   * Groups are shown with their access rules ({@code allowed_incomings}, and
   * {@code allowed_outgoings} for user groups), which create and edit take too.
   */
  private void mount(Router r, String base, GroupAdmin.Kind kind, String members) {
    boolean devices = kind == GroupAdmin.Kind.DEVICE;
    r.get(base).handler(rc -> api.json(rc, api.admin(rc, Scopes.GROUPS).compose(p ->
        groups.list(kind, AdminRequests.query(rc, "name"), AdminRequests.page(rc))).compose(page ->
        access.show(items(page.getJsonArray("data")), devices).map(page))));
    r.post(base).handler(rc -> api.json(rc, api.admin(rc, Scopes.GROUPS).compose(p -> {
      JsonObject b = api.body(rc);
      String name = text(b, "name", 1024);
      String note = text(b, "note", 4096);
      return access.resolve(devices, AdminRequests.arrayField(b, AccessAdmin.INCOMINGS),
              AdminRequests.arrayField(b, AccessAdmin.OUTGOINGS))
          .compose(rules -> groups.create(kind, name, note).compose(g ->
              access.replace(g.getString("guid"), rules).compose(v -> shown(g, devices))));
    })));
    r.patch(base + "/:guid").handler(rc -> api.json(rc, api.admin(rc, Scopes.GROUPS).compose(p -> {
      JsonObject b = api.body(rc);
      String guid = pathKey(rc, "guid");
      String name = optionalText(b, "name", 1024);
      String note = optionalText(b, "note", 4096);
      return access.resolve(devices, AdminRequests.arrayField(b, AccessAdmin.INCOMINGS),
              AdminRequests.arrayField(b, AccessAdmin.OUTGOINGS))
          .compose(rules -> groups.update(kind, guid, name, note).compose(g ->
              access.replace(guid, rules).compose(v -> shown(g, devices))));
    })));
    r.delete(base + "/:guid").handler(rc -> api.empty(rc, api.admin(rc, Scopes.GROUPS).compose(p -> {
      String guid = pathKey(rc, "guid");
      return groups.delete(kind, guid).compose(v -> access.groupDeleted(guid));
    })));
    r.post(base + "/:guid").handler(rc -> api.empty(rc, api.admin(rc, Scopes.GROUPS).compose(p -> {
      List<String> keys = AdminRequests.keys(api.bodyArray(rc), members);
      return groups.addMembers(kind, pathKey(rc, "guid"), keys).map(v -> devices ? devicesMoved(keys) : null);
    })));
  }

  private Future<JsonObject> shown(JsonObject group, boolean devices) {
    return access.show(List.of(group), devices).map(group);
  }

  private static List<JsonObject> items(JsonArray data) {
    List<JsonObject> out = new ArrayList<>(data.size());
    data.forEach(o -> out.add((JsonObject) o));
    return out;
  }

  /** Devices changed group: their strategy and the access rules that apply to them are resolved again. */
  private Void devicesMoved(List<String> ids) {
    assignments.devices(ids);
    return null;
  }
}
