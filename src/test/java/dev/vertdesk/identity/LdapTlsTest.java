package dev.vertdesk.identity;

import static dev.vertdesk.api.ApiErrors.clientError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.unboundid.ldap.listener.SelfSignedCertificateGenerator;
import com.unboundid.util.ObjectPair;
import com.unboundid.util.ssl.KeyStoreKeyManager;
import com.unboundid.util.ssl.SSLUtil;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestDirectory;
import dev.vertdesk.testing.TestNode;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * StartTLS to a directory with a certificate of its own: trusted through {@code caFile} the login
 * works; with only Java's trusted authorities the certificate is refused and nothing is sent in
 * clear (the directory "cannot be reached").
 */
class LdapTlsTest {

  @TempDir
  static Path dataDir;

  static TestDirectory directory;

  @BeforeAll
  static void start() throws Exception {
    ObjectPair<File, char[]> keys = SelfSignedCertificateGenerator.generateTemporarySelfSignedCertificate(
        "vertdesk-test", "JKS");
    directory = new TestDirectory(new SSLUtil(new KeyStoreKeyManager(keys.getFirst(), keys.getSecond(), "JKS",
        "server-cert"), null).createSSLSocketFactory());
    directory.addUser("alice", "alice-pw", "alice@example.com", "Alice");
    KeyStore store = KeyStore.getInstance("JKS");
    try (InputStream in = Files.newInputStream(keys.getFirst().toPath())) {
      store.load(in, keys.getSecond());
    }
    Files.writeString(dataDir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(store.getCertificate("server-cert").getEncoded())
        + "\n-----END CERTIFICATE-----\n");
  }

  @AfterAll
  static void stop() {
    directory.close();
  }

  @Test
  void startTlsWithTheDirectorysAuthorityWorks() throws Exception {
    Path dir = Files.createTempDirectory(dataDir, "trusted");
    Files.copy(dataDir.resolve("ca.pem"), dir.resolve("ca.pem"));
    try (TestNode node = TestNode.start(dir, LdapLoginTest.ldap(directory.searchConfig().put("startTls", true)
        .put("caFile", "ca.pem")))) {
      Answer a = LdapLoginTest.login(new ApiClient(node.port("api")), "alice", "alice-pw");
      assertEquals(200, a.status(), a.body());
    }
  }

  @Test
  void anUntrustedCertificateIsRefused() throws Exception {
    try (TestNode node = TestNode.start(Files.createTempDirectory(dataDir, "untrusted"),
        LdapLoginTest.ldap(directory.searchConfig().put("startTls", true)))) {
      Answer a = LdapLoginTest.login(new ApiClient(node.port("api")), "alice", "alice-pw");
      clientError(a, "untrusted certificate");
      assertEquals(424, a.status(), a.body());
    }
  }
}
