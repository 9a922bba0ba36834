package dev.vertdesk.admin;

import dev.vertdesk.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's bearer token: 32 random bytes, base64url, in a file of the data directory
 * ({@code admin.token}, mode 0600) written on first start and read on every later one. Requests
 * are compared in constant time (SHA-256 of both sides, then {@link MessageDigest#isEqual}).
 */
public final class AdminToken {

  private static final Logger LOG = LoggerFactory.getLogger(AdminToken.class);
  public static final String DEFAULT_FILE = "admin.token";
  private static final Set<PosixFilePermission> OWNER_ONLY = Set.copyOf(PosixFilePermissions.fromString("rw-------"));

  private final byte[] digest;

  private AdminToken(String token) {
    this.digest = sha256(token);
  }

  /** Reads the token file, creating it with a fresh token if it does not exist. Blocking. */
  public static AdminToken loadOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        String fresh = generate();
        try {
          write(file, fresh);
          LOG.info("admin API token written to {} (send it as 'Authorization: Bearer <token>')",
              file.toAbsolutePath());
          return new AdminToken(fresh);
        } catch (FileAlreadyExistsException raced) {
          // another instance wrote it first: read theirs
        }
      }
      String token = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (token.isEmpty()) {
        throw new ConfigException("verticles.admin.config.tokenFile", file + " is empty; delete it to get a new token");
      }
      warnIfReadableByOthers(file);
      return new AdminToken(token);
    } catch (IOException e) {
      throw new ConfigException("verticles.admin.config.tokenFile", "cannot read or create " + file + ": " + e);
    }
  }

  /** A token held in memory (tests). */
  public static AdminToken of(String token) {
    return new AdminToken(token);
  }

  /** True if {@code presented} is the token; compares digests in constant time. */
  public boolean matches(String presented) {
    return presented != null && MessageDigest.isEqual(digest, sha256(presented));
  }

  /**
   * The token of an {@code Authorization} header value ({@code Bearer <token>}, scheme
   * case-insensitive), or null.
   */
  public static String fromHeader(String header) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String t = header.substring(7).trim();
    return t.isEmpty() ? null : t;
  }

  static String generate() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /**
   * Writes a sibling file (owner-only from the start), then links it in place: the token file
   * appears whole or not at all, and {@link FileAlreadyExistsException} when someone was faster.
   */
  private static void write(Path file, String token) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp;
    try {
      tmp = Files.createTempFile(dir, ".admin-token", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException notPosix) {
      tmp = Files.createTempFile(dir, ".admin-token", ".tmp");
    }
    try {
      Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
      try {
        Files.createLink(file, tmp);
      } catch (UnsupportedOperationException noHardLinks) {
        Files.move(tmp, file); // fails if the file exists
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void warnIfReadableByOthers(Path file) {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
        LOG.warn("{} is readable by other users (mode {}); chmod 600 it", file,
            PosixFilePermissions.toString(p));
      }
    } catch (IOException | UnsupportedOperationException e) {
      // not POSIX: nothing to check
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
