package dev.vertdesk.api;

import dev.vertdesk.access.AccessAdmin;
import dev.vertdesk.accounts.AccountService;
import dev.vertdesk.accounts.ApiTokens;
import dev.vertdesk.accounts.GroupAdmin;
import dev.vertdesk.accounts.UserAdmin;
import dev.vertdesk.addressbook.AddressBookService;
import dev.vertdesk.audit.AuditService;
import dev.vertdesk.db.Database;
import dev.vertdesk.identity.SingleSignOn;
import dev.vertdesk.devices.DeviceService;
import dev.vertdesk.strategy.StrategyAdmin;
import dev.vertdesk.mail.Invitations;

/**
 * What the API verticles of a node share, built once by the composition root: the database and
 * the services over it.
 *
 * @param sso single sign-on (OIDC) logins under way and their providers
 * @param tunnel runs the API requests clients tunnel through the rendezvous port
 * @param strategies the strategies an admin manages and assigns
 * @param access the access rules an admin sets with user groups and device groups
 * @param invitations invitations by e-mail (and whether the node mails at all)
 * @param addressBooks the personal and shared address books
 * @param audit audit records, the server's own view of connections, the console-operation log
 */
public record ApiContext(Database db, AccountService accounts, UserAdmin users, GroupAdmin groups, ApiTokens tokens,
                         OpenApiDocument openApi, TunnelledRequests tunnel, SingleSignOn sso, DeviceService devices,
                         StrategyAdmin strategies, AccessAdmin access, Invitations invitations,
                         AddressBookService addressBooks, AuditService audit) {
}
