package dev.vertdesk.tools;

import dev.vertdesk.accounts.AdminBootstrap;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.accounts.User;
import dev.vertdesk.accounts.UserStore;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.ConfigLoader;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.crypto.Argon2id;
import dev.vertdesk.db.Database;
import dev.vertdesk.store.PeerStores;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code vertdesk admin reset-password <user> [-conf <file>]}: works on the data directory's
 * database (or the cluster's PostgreSQL) without a running server, for an admin locked out of the
 * API: the user gets a new random password, printed once, and every session of theirs ends
 * (nodes still running forget their cached copies within half a minute).
 */
final class ResetPassword {

  private ResetPassword() {
  }

  /** @return the exit status: 0 done, 1 usage, 2 no such user or the database refused */
  static int run(List<String> args, PrintStream out, Map<String, String> env) {
    String name = null;
    String conf = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("-conf") || a.equals("--conf")) && i + 1 < args.size()) {
        conf = args.get(++i);
      } else if (name == null && !a.startsWith("-")) {
        name = a;
      } else {
        out.println("error: usage: admin reset-password <user> [-conf <file>]");
        return 1;
      }
    }
    if (name == null) {
      out.println("error: usage: admin reset-password <user> [-conf <file>]");
      return 1;
    }
    NodeConfig config;
    PeerStores.Location where;
    try {
      config = NodeConfig.load(ConfigLoader.readConf(conf), env);
      where = PeerStores.locate(config.server().dbUrl(), config.server().dataDir());
    } catch (ConfigException e) {
      out.println("error: " + e.getMessage());
      return 1;
    }
    Vertx vertx = Vertx.vertx();
    try {
      Database db = Database.open(vertx, where).await(60, TimeUnit.SECONDS);
      try {
        UserStore users = new UserStore(db);
        User user = users.byName(name).await(30, TimeUnit.SECONDS);
        if (user == null) {
          out.println("error: no user named " + name);
          return 2;
        }
        String password = AdminBootstrap.randomPassword();
        users.setPassword(user.guid(), Argon2id.hash(password)).await(30, TimeUnit.SECONDS);
        int ended = new TokenStore(db).revokeSessions(user.guid()).await(30, TimeUnit.SECONDS);
        out.println("new password of " + user.name() + ": " + password);
        out.println(ended + " session(s) ended");
        return 0;
      } finally {
        db.close().await(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      out.println("error: " + e.getMessage());
      return 2;
    } finally {
      vertx.close();
    }
  }
}
