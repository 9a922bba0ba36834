package dev.vertdesk.accounts;

import dev.vertdesk.crypto.Argon2id;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first start of the API creates the first admin: user {@code admin} with a random password,
 * written to a file only its owner can read and printed once in the log. There is no default
 * password, ever. When two nodes of a cluster start at once, the unique name lets one of them win.
 */
public final class AdminBootstrap {

  private static final Logger LOG = LoggerFactory.getLogger(AdminBootstrap.class);
  public static final String FIRST_ADMIN = "admin";
  private static final SecureRandom RANDOM = new SecureRandom();

  private AdminBootstrap() {
  }

  /** Creates the first admin when there is no user at all; completes when done or not needed. */
  public static Future<Void> ensureAdmin(Vertx vertx, UserStore users, Path passwordFile) {
    return users.count().compose(n -> {
      if (n > 0) {
        return Future.succeededFuture();
      }
      String password = randomPassword();
      return vertx.executeBlocking(() -> Argon2id.hash(password), false)
          .compose(hash -> users.create(FIRST_ADMIN, hash, true, "", "created at first start"))
          .compose(u -> vertx.executeBlocking(() -> {
            writeOwnerOnly(passwordFile, password + "\n");
            return null;
          }, false))
          .onSuccess(v -> LOG.warn("first start: created user '{}' with password {} (also in {}); sign in and"
              + " change it", FIRST_ADMIN, password, passwordFile.toAbsolutePath()))
          .<Void>mapEmpty()
          .recover(e -> e instanceof AccountException ? Future.succeededFuture() // another node was first
              : Future.failedFuture(e));
    });
  }

  /** 20 characters from 57 unambiguous ones: 116 bits. */
  public static String randomPassword() {
    String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
    StringBuilder b = new StringBuilder(20);
    for (int i = 0; i < 20; i++) {
      b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  /** Writes {@code text} readable by the owner only (0600), replacing what was there. */
  public static void writeOwnerOnly(Path file, String text) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.deleteIfExists(file);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
  }
}
