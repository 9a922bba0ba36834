package dev.vertdesk.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertdesk.access.AccessRules.Decision;
import dev.vertdesk.access.AccessRules.Device;
import dev.vertdesk.access.AccessRules.Rules;
import dev.vertdesk.access.AccessRules.Target;
import dev.vertdesk.accounts.User;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The decision itself, without a database: who passes which rule. */
class AccessRulesTest {

  static User user(String guid, String group, boolean admin) {
    return new User(guid, guid, "", "", "", null, admin, User.NORMAL, group, null, false, 0, 0, 0, 0, 0);
  }

  static Device device(String owner, String ownerGroup, String deviceGroup) {
    return new Device(owner, ownerGroup, deviceGroup, 0);
  }

  static Rules in(Target... t) {
    return new Rules(Set.of(t), Set.of());
  }

  static Rules out(Target... t) {
    return new Rules(Set.of(), Set.of(t));
  }

  @Test
  void withoutRulesOfTheirOwnBothSidesPass() {
    Map<String, Rules> rules = Map.of("elsewhere", in(new Target(AccessRules.USER, "x")));
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, user("u", "g", false), device(null, null, null)));
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, user("u", null, false), device("o", "og", "dg")));
  }

  @Test
  void incomingRulesOfTheDeviceGroupOrTheOwnersGroupAdmitOnlyWhomTheyName() {
    Map<String, Rules> rules = Map.of("dg", in(new Target(AccessRules.USER_GROUP, "ops")),
        "og", in(new Target(AccessRules.USER, "eve")));
    Device d = device("o", "og", "dg");
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, user("u", "ops", false), d), "named group");
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, user("eve", "sales", false), d), "named user");
    assertEquals(Decision.INCOMING, AccessRules.decide(rules, user("u", "sales", false), d));
    assertEquals(Decision.INCOMING, AccessRules.decide(rules, user("u", null, false), d));
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, user("o", null, false), d), "the owner");
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, user("u", "og", false), d), "the owner's group");
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, user("u", "sales", true), d), "an admin");
  }

  @Test
  void outgoingRulesLetAGroupReachOnlyWhatTheyName() {
    Map<String, Rules> rules = Map.of("support", out(new Target(AccessRules.DEVICE_GROUP, "desktops"),
        new Target(AccessRules.USER_GROUP, "clients"), new Target(AccessRules.USER, "dave")));
    User carol = user("carol", "support", false);
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, carol, device(null, null, "desktops")));
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, carol, device("x", "clients", null)));
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, carol, device("dave", null, null)));
    assertEquals(Decision.OUTGOING, AccessRules.decide(rules, carol, device(null, null, "servers")));
    assertEquals(Decision.OUTGOING, AccessRules.decide(rules, carol, device(null, null, null)));
    assertEquals(Decision.ALLOWED, AccessRules.decide(rules, carol, device("carol", null, "servers")), "her own");
  }

  @Test
  void bothSidesMustAgree() {
    Map<String, Rules> rules = Map.of("support", out(new Target(AccessRules.DEVICE_GROUP, "servers")),
        "servers", in(new Target(AccessRules.USER_GROUP, "ops")));
    assertEquals(Decision.INCOMING, AccessRules.decide(rules, user("carol", "support", false),
        device(null, null, "servers")), "her group may go there, the device does not admit it");
  }
}
