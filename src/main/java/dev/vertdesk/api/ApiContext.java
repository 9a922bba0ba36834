package dev.vertdesk.api;

import dev.vertdesk.accounts.AccountService;
import dev.vertdesk.accounts.ApiTokens;
import dev.vertdesk.accounts.GroupAdmin;
import dev.vertdesk.accounts.UserAdmin;
import dev.vertdesk.audit.AuditService;
import dev.vertdesk.db.Database;
import dev.vertdesk.identity.SingleSignOn;
import dev.vertdesk.devices.DeviceService;

/**
 * What the API verticles of a node share, built once by the composition root: the database and
 * the services over it.
 *
 * @param sso single sign-on (OIDC) logins under way and their providers
 * @param tunnel runs the API requests clients tunnel through the rendezvous port
 * @param audit audit records, the server's own view of connections, the console-operation log
 */
public record ApiContext(Database db, AccountService accounts, UserAdmin users, GroupAdmin groups, ApiTokens tokens,
                         OpenApiDocument openApi, TunnelledRequests tunnel, SingleSignOn sso, DeviceService devices,
                         AuditService audit) {
}
