package dev.vertdesk.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.AccountsConfig;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.db.Database;
import dev.vertdesk.db.Like;
import dev.vertdesk.db.Page;
import dev.vertdesk.store.PeerStores;
import dev.vertdesk.testing.EmbeddedPg;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The admin services on both engines, without sockets: LIKE filters match the same rows on SQLite
 * and PostgreSQL ({@code %} the only wildcard, {@code _} and {@code \} themselves, any case), pages
 * cover every row once, and batch changes are all or nothing.
 */
class AdminStoresTest {

  @TempDir
  Path dir;

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static Stream<Arguments> engines() {
    return Stream.of(Arguments.of("sqlite"), Arguments.of("postgresql"));
  }

  private Database open(String engine) throws Exception {
    PeerStores.Location where = engine.equals("sqlite") ? PeerStores.locate("db_v2.sqlite3", dir)
        : PeerStores.locate(EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema()), dir);
    return await(Database.open(vertx, where));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(30, TimeUnit.SECONDS);
  }

  private static Set<String> set(Future<JsonObject> page) throws Exception {
    return Set.copyOf(names(await(page)));
  }

  private static List<String> names(JsonObject page) {
    return page.getJsonArray("data").stream().map(o -> ((JsonObject) o).getString("name")).toList();
  }

  @Test
  void patternsEscapeEverythingButPercent() {
    assertEquals("%a\\_b\\\\c%", Like.pattern("%A_b\\C%"));
    assertEquals("' or 1=1 --", Like.pattern("' OR 1=1 --"));
    assertEquals(990, new Page(100, 10).offset());
  }

  @ParameterizedTest
  @MethodSource("engines")
  void filtersPagesAndBatchesBehaveAlikeOnBothEngines(String engine) throws Exception {
    Database db = open(engine);
    try {
      AccountsConfig config = NodeConfig.load(new JsonObject().put("dataDir", dir.toString()), Map.of()).accounts();
      TokenStore tokens = new TokenStore(db);
      AccountService accounts = new AccountService(vertx, config, new UserStore(db), tokens, new LoginLog(db), null, null, null);
      await(accounts.start());
      UserAdmin users = new UserAdmin(vertx, db, accounts, tokens);
      GroupAdmin groups = new GroupAdmin(db, accounts);

      await(groups.create(GroupAdmin.Kind.USER, "Team_1", ""));
      List<String> made = new ArrayList<>();
      for (String n : List.of("a_b", "axb", "A%B", "a\\b", "Ünï_X", "plain")) {
        made.add(await(users.create(new UserAdmin.NewUser(n, "password-" + n, "", "", "", false,
            n.startsWith("a") ? "team_1" : ""))).getString("guid"));
      }
      UserAdmin.Filter none = new UserAdmin.Filter(null, null, null);
      Page all = new Page(1, 100);
      assertEquals(Set.of("a_b"), set(users.list(new UserAdmin.Filter("a_b", null, null), all, null)));
      assertEquals(Set.of("a_b", "Ünï_X"), set(users.list(new UserAdmin.Filter("%_%", null, null), all, null)),
          "_ matches only _");
      assertEquals(Set.of("a\\b"), set(users.list(new UserAdmin.Filter("%\\%", null, null), all, null)),
          "\\ matches only \\");
      assertEquals(Set.of("a_b", "axb", "A%B", "a\\b"), set(users.list(new UserAdmin.Filter("a%b", null, null), all,
          null)), "% is the wildcard");
      assertEquals(Set.of("Ünï_X"), set(users.list(new UserAdmin.Filter("ÜNÏ%", null, null), all, null)),
          "case-insensitive beyond ASCII");
      assertEquals(0, await(users.list(new UserAdmin.Filter("' or 1=1 --", null, null), all, null)).getInteger("total"));
      assertEquals(Set.of("a_b", "a\\b", "axb"), set(users.list(new UserAdmin.Filter(null, "TEAM_1", null),
          all, null)));
      assertEquals(Set.of("A%B", "plain", "Ünï_X"), set(users.list(new UserAdmin.Filter(null, "-", null), all, null)));

      // pages of 4 over 6 users: every one once, total an integer on each page
      List<String> paged = new ArrayList<>();
      for (int p = 1; p <= 2; p++) {
        JsonObject page = await(users.list(none, new Page(p, 4), null));
        assertInstanceOf(Long.class, page.getValue("total"));
        assertEquals(6L, page.getLong("total"));
        paged.addAll(names(page));
      }
      assertEquals(names(await(users.list(none, all, null))), paged);

      // all or nothing: one unknown guid, and nobody joins the group
      String group = await(groups.list(GroupAdmin.Kind.USER, "team_1", all)).getJsonArray("data").getJsonObject(0)
          .getString("guid");
      Throwable refused = groups.addMembers(GroupAdmin.Kind.USER, group, List.of(made.get(5), "nobody"))
          .transform(ar -> Future.succeededFuture(ar.cause())).await(30, TimeUnit.SECONDS);
      assertTrue(refused instanceof AccountException a && a.kind() == AccountException.Kind.NOT_FOUND,
          String.valueOf(refused));
      assertEquals(Set.of("A%B", "plain", "Ünï_X"), set(users.list(new UserAdmin.Filter(null, "-", null), all, null)));

      // a viewer sees itself and its group
      assertEquals(Set.of("a_b", "a\\b", "axb"), set(users.list(none, all, made.get(0))));
      assertEquals(Set.of("plain"), set(users.list(none, all, made.get(5))));
      await(accounts.stop());
    } finally {
      await(db.close());
    }
  }
}
