package dev.vertdesk.api;

import dev.vertdesk.accounts.AccountService;
import dev.vertdesk.db.Database;
import dev.vertdesk.devices.DeviceService;

/**
 * What the API verticles of a node share, built once by the composition root: the database and
 * the services over it.
 */
public record ApiContext(Database db, AccountService accounts, DeviceService devices) {
}
