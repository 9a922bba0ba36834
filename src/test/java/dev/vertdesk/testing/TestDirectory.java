package dev.vertdesk.testing;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;

/**
 * An LDAP directory in this JVM that speaks the real protocol on 127.0.0.1 (UnboundID's
 * in-memory server): base {@code dc=example,dc=com}, users under {@code ou=people} (uid,
 * userPassword, mail, displayName), groups of names under {@code ou=groups}, and a service
 * account {@code cn=svc,dc=example,dc=com} / {@code svc-password} that may search.
 */
public final class TestDirectory implements AutoCloseable {

  public static final String BASE = "dc=example,dc=com";
  public static final String SERVICE_DN = "cn=svc," + BASE;
  public static final String SERVICE_PASSWORD = "svc-password";
  public static final String ADMINS = "cn=rustdesk-admins,ou=groups," + BASE;

  public final InMemoryDirectoryServer server;

  public TestDirectory() throws Exception {
    this(null);
  }

  /** @param startTls the server side of StartTLS (its certificate), or {@code null} for plain LDAP only */
  public TestDirectory(javax.net.ssl.SSLSocketFactory startTls) throws Exception {
    InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
    config.addAdditionalBindCredentials(SERVICE_DN, SERVICE_PASSWORD);
    config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getByName("127.0.0.1"), 0,
        startTls));
    server = new InMemoryDirectoryServer(config);
    server.add("dn: " + BASE, "objectClass: top", "objectClass: domain", "dc: example");
    server.add("dn: ou=people," + BASE, "objectClass: top", "objectClass: organizationalUnit", "ou: people");
    server.add("dn: ou=groups," + BASE, "objectClass: top", "objectClass: organizationalUnit", "ou: groups");
    server.add("dn: " + ADMINS, "objectClass: top", "objectClass: groupOfNames", "cn: rustdesk-admins",
        "member: " + SERVICE_DN);
    server.startListening();
  }

  public int port() {
    return server.getListenPort();
  }

  public String url() {
    return "ldap://127.0.0.1:" + port();
  }

  public static String dn(String uid) {
    return "uid=" + uid + ",ou=people," + BASE;
  }

  public void addUser(String uid, String password, String mail, String displayName) throws Exception {
    server.add("dn: " + dn(uid), "objectClass: top", "objectClass: person", "objectClass: organizationalPerson",
        "objectClass: inetOrgPerson", "uid: " + uid, "cn: " + uid, "sn: " + uid, "userPassword: " + password,
        "mail: " + mail, "displayName: " + displayName);
  }

  public void addAdmin(String uid) throws Exception {
    server.modify(ADMINS, new Modification(ModificationType.ADD, "member", dn(uid)));
  }

  public void removeAdmin(String uid) throws Exception {
    server.modify(ADMINS, new Modification(ModificationType.DELETE, "member", dn(uid)));
  }

  /** {@code accounts.ldap} searching with the service account, admins in {@link #ADMINS}. */
  public JsonObject searchConfig() {
    return new JsonObject().put("enabled", true).put("url", url()).put("bindDn", SERVICE_DN)
        .put("bindPassword", SERVICE_PASSWORD).put("baseDn", BASE).put("adminGroup", ADMINS)
        .put("userFilter", "(&(objectClass=person)(uid={username}))");
  }

  @Override
  public void close() {
    server.shutDown(true);
  }
}
