package dev.vertdesk.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a provider's answer says about who signed in, read defensively. */
class ProviderIdentityTest {

  @Test
  void githubsNumericIdIsTheSubjectAndItsAddressIsNotVouchedFor() {
    ProviderIdentity id = ProviderIdentity.fromGithub(new JsonObject().put("id", 583231).put("login", "octocat")
        .put("name", "The Octocat").put("email", "octocat@github.com"));
    assertEquals("583231", id.subject());
    assertEquals("octocat", id.login());
    assertFalse(id.emailVerified(), "GET /user vouches for no address");
    assertEquals(List.of("octocat", "octocat@github.com", "The Octocat"), id.nameCandidates());
    assertEquals("", ProviderIdentity.fromGithub(new JsonObject().put("id", "583231")).subject(),
        "an id that is not a number is no id");
  }

  @Test
  void claimsOfTheWrongTypeCountAsAbsent() {
    ProviderIdentity id = ProviderIdentity.fromClaims(new JsonObject().put("sub", "s").put("email", 12)
        .put("email_verified", "true").put("name", new JsonObject()).put("preferred_username", "a\u0000b"));
    assertEquals("s", id.subject());
    assertEquals("", id.email());
    assertTrue(id.emailVerified(), "some providers send the string");
    assertEquals(List.of("ab"), id.nameCandidates(), "control characters never reach a user name");
    assertFalse(ProviderIdentity.fromClaims(new JsonObject().put("sub", "s").put("email_verified", "yes"))
        .emailVerified());
  }

  @Test
  void thePkceChallengeIsRfc7636s() {
    // RFC 7636, appendix B
    assertEquals("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        SingleSignOn.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
  }
}
