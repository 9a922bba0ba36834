package dev.vertdesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single sign-on providers ({@code accounts.oidc}, a list) and the LDAP directory
 * ({@code accounts.ldap}): item keys checked as strictly as any other key, reachable from
 * {@code VERTDESK_*} variables by index, and values validated before anything opens.
 */
class IdentityConfigTest {

  @TempDir
  Path dir;

  private IdentityConfig identity(JsonObject accounts, Map<String, String> env) {
    return NodeConfig.load(new JsonObject().put("dataDir", dir.toString()).put("accounts", accounts), env).identity();
  }

  private ConfigException refused(JsonObject accounts, Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> identity(accounts, env));
  }

  private static JsonObject providers(JsonObject... items) {
    return new JsonObject().put("oidc", new JsonArray(List.of((Object[]) items)));
  }

  private static JsonObject keycloak() {
    return new JsonObject().put("name", "Keycloak").put("preset", "keycloak")
        .put("issuer", "https://sso.example.com/realms/staff").put("clientId", "rustdesk").put("clientSecret", "s3cret");
  }

  @Test
  void nothingIsConfiguredByDefault() {
    IdentityConfig c = identity(new JsonObject(), Map.of());
    assertTrue(c.oidc().isEmpty());
    assertFalse(c.ldap().enabled());
    assertEquals("", c.publicUrl());
  }

  @Test
  void aProviderGetsTheItemDefaults() {
    OidcProviderConfig p = identity(providers(keycloak()), Map.of()).oidc().get(0);
    assertEquals(OidcProviderConfig.Preset.KEYCLOAK, p.preset());
    assertEquals(List.of("openid", "email", "profile"), p.scopes());
    assertFalse(p.createUsers(), "unknown identities are refused unless configured");
    assertFalse(p.linkByEmail());
    assertEquals("https://sso.example.com/realms/staff", p.identityKey());
    assertFalse(p.toString().contains("s3cret"), "the secret stays out of logs");
  }

  @Test
  void presetsFillInWhatTheyKnow() {
    IdentityConfig c = identity(providers(
        new JsonObject().put("name", "Google").put("preset", "google").put("clientId", "a").put("clientSecret", "b"),
        new JsonObject().put("name", "Entra").put("preset", "entra").put("tenant", "0b1f7e6c-2d3a-4e5f-8a9b-1c2d3e4f5a6b")
            .put("clientId", "a").put("clientSecret", "b"),
        new JsonObject().put("name", "GitHub").put("preset", "github").put("clientId", "a").put("clientSecret", "b"),
        new JsonObject().put("name", "authentik").put("preset", "authentik")
            .put("issuer", "https://auth.example.com/application/o/rustdesk/").put("clientId", "a").put("clientSecret", "b")
            .put("scopes", "email").put("icon", "https://auth.example.com/logo.png")), Map.of());
    assertEquals("https://accounts.google.com", c.oidc().get(0).issuer());
    assertEquals("https://login.microsoftonline.com/0b1f7e6c-2d3a-4e5f-8a9b-1c2d3e4f5a6b/v2.0", c.oidc().get(1).issuer());
    assertEquals(OidcProviderConfig.Preset.AZURE, c.oidc().get(1).preset());
    assertFalse(c.oidc().get(2).openIdConnect());
    assertEquals(List.of("read:user", "user:email"), c.oidc().get(2).scopes());
    assertEquals("https://github.com", c.oidc().get(2).identityKey());
    assertEquals("https://auth.example.com/application/o/rustdesk", c.oidc().get(3).issuer(),
        "discovery appends the well-known path; the provider's document brings the slash back");
    assertEquals(List.of("openid", "email"), c.oidc().get(3).scopes(), "openid is always asked for");
    assertTrue(c.provider("GITHUB").isPresent(), "the client's op matches whatever its case");
  }

  @Test
  void badProvidersNameTheirItemAndKey() {
    assertEquals("accounts.oidc.0.clientSecret", refused(providers(keycloak().put("clientSecret", "")), Map.of()).key());
    assertEquals("accounts.oidc.0.clientId", refused(providers(keycloak().put("clientId", "")), Map.of()).key());
    assertEquals("accounts.oidc.0.issuer", refused(providers(keycloak().put("issuer", "")), Map.of()).key());
    assertEquals("accounts.oidc.0.issuer", refused(providers(keycloak().put("issuer", "ftp://x")), Map.of()).key());
    ConfigException plain = refused(providers(keycloak().put("issuer", "http://sso.example.com/realms/x")), Map.of());
    assertTrue(plain.getMessage().contains("https"), plain.getMessage());
    assertEquals("accounts.oidc.0.preset", refused(providers(keycloak().put("preset", "okta2")), Map.of()).key());
    assertEquals("accounts.oidc.0.name", refused(providers(keycloak().put("name", "<script>")), Map.of()).key());
    assertEquals("accounts.oidc.1.name", refused(providers(keycloak(), keycloak().put("name", "KEYCLOAK")), Map.of()).key());
    assertEquals("accounts.oidc.0.tenant", refused(providers(new JsonObject().put("name", "Entra").put("preset", "azure")
        .put("tenant", "common").put("clientId", "a").put("clientSecret", "b")), Map.of()).key());
    assertEquals("accounts.oidc.0.issuer", refused(providers(new JsonObject().put("name", "gh").put("preset", "github")
        .put("issuer", "https://github.com").put("clientId", "a").put("clientSecret", "b")), Map.of()).key());
    assertEquals("accounts.oidc.0.icon", refused(providers(keycloak().put("icon", "javascript:alert(1)")), Map.of()).key());
    assertEquals("accounts.publicUrl", refused(new JsonObject().put("publicUrl", "rd.example.com"), Map.of()).key());
    assertEquals("accounts.oidc", refused(new JsonObject().put("oidc", keycloak()), Map.of()).key(),
        "an object where a list belongs");
    assertEquals("accounts.oidc.0", refused(new JsonObject().put("oidc", new JsonArray().add("Google")), Map.of()).key());
  }

  @Test
  void itemKeysAreCheckedStrictly() {
    ConfigException typo = refused(providers(keycloak().put("clientSecet", "x")), Map.of());
    assertEquals("accounts.oidc.0.clientSecet", typo.key());
    assertTrue(typo.getMessage().contains("did you mean 'accounts.oidc.0.clientSecret'"), typo.getMessage());
    assertEquals("accounts.oidc[]", refused(new JsonObject().put("oidc[]", new JsonObject()), Map.of()).key(),
        "the item defaults are not a key to set");
    assertEquals("accounts.ldap.bindPasswd", refused(new JsonObject().put("ldap", new JsonObject()
        .put("bindPasswd", "x")), Map.of()).key());
  }

  @Test
  void variablesReachListItemsByIndex() {
    IdentityConfig c = identity(providers(keycloak().put("clientSecret", "from-file")), Map.of(
        "VERTDESK_ACCOUNTS__OIDC__0__CLIENT_SECRET", "from-env",
        "VERTDESK_ACCOUNTS__OIDC__1__NAME", "Google",
        "VERTDESK_ACCOUNTS__OIDC__1__PRESET", "google",
        "VERTDESK_ACCOUNTS__OIDC__1__CLIENT_ID", "id",
        "VERTDESK_ACCOUNTS__OIDC__1__CLIENT_SECRET", "secret",
        "VERTDESK_ACCOUNTS__OIDC__1__CREATE_USERS", "true"));
    assertEquals(2, c.oidc().size());
    assertEquals("from-env", c.oidc().get(0).clientSecret());
    assertEquals("Google", c.oidc().get(1).name());
    assertTrue(c.oidc().get(1).createUsers());

    IdentityConfig whole = identity(new JsonObject(), Map.of("VERTDESK_ACCOUNTS__OIDC", new JsonArray().add(keycloak()).encode()));
    assertEquals("Keycloak", whole.oidc().get(0).name());

    ConfigException typo = refused(new JsonObject(), Map.of("VERTDESK_ACCOUNTS__OIDC__0__CLIENT_SECRT", "x"));
    assertEquals("accounts.oidc.0.clientSecrt", typo.key());
    assertTrue(typo.getMessage().contains("VERTDESK_ACCOUNTS__OIDC__0__CLIENT_SECRET"), typo.getMessage());
    ConfigException index = refused(new JsonObject(), Map.of("VERTDESK_ACCOUNTS__OIDC__FIRST__NAME", "x"));
    assertTrue(index.getMessage().contains("not a list index"), index.getMessage());
    ConfigException gap = refused(new JsonObject(), Map.of("VERTDESK_ACCOUNTS__OIDC__1__NAME", "x"));
    assertEquals("accounts.oidc.0.name", gap.key(), "items are numbered from 0 without gaps");
    ConfigException noKey = refused(new JsonObject(), Map.of("VERTDESK_ACCOUNTS__OIDC__0", "x"));
    assertTrue(noKey.getMessage().contains("list item"), noKey.getMessage());
    ConfigException badJson = refused(new JsonObject(), Map.of("VERTDESK_ACCOUNTS__OIDC", "[{"));
    assertEquals("accounts.oidc", badJson.key());
  }

  @Test
  void ldapSearchAndBind() {
    LdapConfig l = identity(new JsonObject().put("ldap", new JsonObject().put("enabled", true)
        .put("url", "ldaps://dc1.corp.example.com").put("bindDn", "cn=svc,dc=corp,dc=example,dc=com")
        .put("bindPassword", "pw").put("baseDn", "dc=corp,dc=example,dc=com")
        .put("userFilter", "(&(objectClass=user)(sAMAccountName={username}))")), Map.of()).ldap();
    assertTrue(l.ldaps());
    assertEquals(636, l.port());
    assertEquals("dc1.corp.example.com", l.host());
    assertTrue(l.createUsers());
    assertFalse(l.toString().contains("pw,"), "the bind password stays out of logs");
    LdapConfig direct = identity(new JsonObject().put("ldap", new JsonObject().put("enabled", true)
        .put("url", "ldap://127.0.0.1:1389").put("startTls", "true")
        .put("userDnPattern", "{username}@corp.example.com")), Map.of()).ldap();
    assertEquals(1389, direct.port());
    assertTrue(direct.tls());
  }

  @Test
  void badLdapSettingsNameTheirKey() {
    JsonObject ok = new JsonObject().put("enabled", true).put("url", "ldap://127.0.0.1").put("baseDn", "dc=x");
    assertEquals("accounts.ldap.url", refused(new JsonObject().put("ldap", ok.copy().put("url", "")), Map.of()).key());
    assertEquals("accounts.ldap.url", refused(new JsonObject().put("ldap", ok.copy().put("url", "http://dc1")), Map.of()).key());
    assertEquals("accounts.ldap.url", refused(new JsonObject().put("ldap", ok.copy()
        .put("url", "ldap://dc1/dc=x?uid")), Map.of()).key());
    assertEquals("accounts.ldap.startTls", refused(new JsonObject().put("ldap", ok.copy()
        .put("url", "ldaps://dc1").put("startTls", true)), Map.of()).key());
    assertEquals("accounts.ldap.bindPassword", refused(new JsonObject().put("ldap", ok.copy()
        .put("bindDn", "cn=svc")), Map.of()).key());
    assertEquals("accounts.ldap.userFilter", refused(new JsonObject().put("ldap", ok.copy()
        .put("userFilter", "(uid=alice)")), Map.of()).key());
    assertEquals("accounts.ldap.baseDn", refused(new JsonObject().put("ldap", ok.copy().put("baseDn", "")), Map.of()).key());
    assertEquals("accounts.ldap.userDnPattern", refused(new JsonObject().put("ldap", ok.copy()
        .put("userDnPattern", "uid=alice,dc=x")), Map.of()).key());
    assertEquals("accounts.ldap.responseTimeoutMillis", refused(new JsonObject().put("ldap", ok.copy()
        .put("responseTimeoutMillis", 0)), Map.of()).key());
    ConfigException fromEnv = refused(new JsonObject(), Map.of("VERTDESK_ACCOUNTS__LDAP__ENABLED", "true"));
    assertEquals("accounts.ldap.url", fromEnv.key());
  }
}
