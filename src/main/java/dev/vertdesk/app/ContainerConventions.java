package dev.vertdesk.app;

import dev.vertdesk.config.CommandLineSettings;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.Role;
import dev.vertdesk.crypto.ServerKeys;
import dev.vertdesk.tools.Utilities;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What rustdesk-server's all-in-one image reads, honoured by ours (rustdesk-server
 * docker/rootfs/etc/s6-overlay/s6-rc.d: hbbs/run, hbbr/run, key-secret/up.real): {@code RELAY}
 * is handed to the ID server as {@code -r}, {@code ENCRYPTED_ONLY=1} as {@code -k _}; the key pair
 * comes from the Docker secrets {@code key_pub}/{@code key_priv} or from {@code KEY_PUB}/{@code KEY_PRIV}
 * and is written into the data directory. Unlike the original, a pair that is half given or
 * invalid, or that differs from the pair already in the data directory, stops the start.
 */
final class ContainerConventions {

  /** Where Docker and Podman mount secrets. */
  static final Path SECRETS = Path.of("/run/secrets");

  private ContainerConventions() {
  }

  /**
   * The command line with {@code RELAY} and {@code ENCRYPTED_ONLY} put before the flags given,
   * so that a flag typed in the container's command still wins.
   */
  static CommandLineSettings settings(LauncherCommand.Serve serve, Map<String, String> env) {
    List<CommandLineSettings.Setting> out = new ArrayList<>();
    String relay = env.getOrDefault("RELAY", "").trim();
    if (!relay.isEmpty() && serve.role().orElse(Role.ALL) != Role.HBBR) {
      out.add(new CommandLineSettings.Setting("relayServers", relay, "environment variable RELAY"));
    }
    String encryptedOnly = env.getOrDefault("ENCRYPTED_ONLY", "").trim();
    switch (encryptedOnly) {
      case "", "0" -> {
        // the server's own key setting applies (by default the key pair in the data directory)
      }
      case "1" -> out.add(new CommandLineSettings.Setting("key", "_", "environment variable ENCRYPTED_ONLY=1"));
      default -> throw new ConfigException("ENCRYPTED_ONLY", "expected 0 or 1, got " + encryptedOnly);
    }
    out.addAll(serve.settings().settings());
    return new CommandLineSettings(serve.settings().optionsFile(), out);
  }

  /** A key given to the container, and where it came from. */
  private record GivenKey(String value, String source) {
  }

  /**
   * Writes the key pair given as secrets or variables into {@code dataDir}, unless the same pair
   * is there already.
   *
   * @throws ConfigException when only one half is given, the pair is invalid, or the data
   *     directory holds another pair
   */
  static void installKeys(Path dataDir, Map<String, String> env, Path secrets) {
    Optional<GivenKey> pub = given(secrets.resolve("key_pub"), env, "KEY_PUB");
    Optional<GivenKey> priv = given(secrets.resolve("key_priv"), env, "KEY_PRIV");
    if (pub.isEmpty() && priv.isEmpty()) {
      return;
    }
    String what = "KEY_PUB/KEY_PRIV";
    if (pub.isEmpty() || priv.isEmpty()) {
      GivenKey half = pub.orElseGet(priv::get);
      throw new ConfigException(what, "only one half of the key pair is given (" + half.source()
          + "): give the public key (secret key_pub or KEY_PUB) and the secret key (secret key_priv or KEY_PRIV), or neither");
    }
    String problem = Utilities.keyPairProblem(pub.get().value(), priv.get().value());
    if (problem != null) {
      throw new ConfigException(what, "the key pair from " + pub.get().source() + " and " + priv.get().source()
          + " is not valid: " + problem);
    }
    Path sk = dataDir.resolve(ServerKeys.SECRET_FILE);
    Path pk = dataDir.resolve(ServerKeys.PUBLIC_FILE);
    try {
      if (Files.exists(sk) || Files.exists(pk)) {
        if (Files.exists(sk) && Files.exists(pk) && read(sk).equals(priv.get().value()) && read(pk).equals(pub.get().value())) {
          return;
        }
        throw new ConfigException(what, dataDir.toAbsolutePath() + " already holds another key pair (" + ServerKeys.SECRET_FILE
            + ", " + ServerKeys.PUBLIC_FILE + "): remove those files to use the given one, or stop giving it");
      }
      Files.createDirectories(dataDir);
      write(sk, priv.get().value(), "rw-------");
      write(pk, pub.get().value(), "rw-r--r--");
    } catch (IOException e) {
      throw new ConfigException(what, "cannot write the key pair into " + dataDir.toAbsolutePath() + ": " + e.getMessage());
    }
    System.out.println("vertdesk: key pair from " + pub.get().source() + " and " + priv.get().source()
        + " written to " + dataDir.toAbsolutePath());
  }

  private static Optional<GivenKey> given(Path secret, Map<String, String> env, String variable) {
    if (Files.isReadable(secret)) {
      try {
        return Optional.of(new GivenKey(read(secret), "secret " + secret.getFileName()));
      } catch (IOException e) {
        throw new ConfigException(variable, "cannot read " + secret + ": " + e.getMessage());
      }
    }
    String value = env.getOrDefault(variable, "").trim();
    return value.isEmpty() ? Optional.empty() : Optional.of(new GivenKey(value, "variable " + variable));
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.US_ASCII).trim();
  }

  private static void write(Path file, String value, String mode) throws IOException {
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
    Files.writeString(tmp, value, StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * For a data directory this container's user cannot use (a rustdesk-server {@code ./data}
   * owned by root), the one setting that fixes it.
   */
  static String hint(ConfigException e) {
    if (!e.key().equals("dataDir") && !e.key().equals("db.url")) {
      return "";
    }
    String uid;
    try {
      uid = String.valueOf(DataDirectory.processUid());
    } catch (IOException | RuntimeException unknown) {
      uid = "1000";
    }
    return "\n  The container runs as uid " + uid + ". On the host, once: sudo chown -R " + uid + ":" + uid
        + " ./data (the directory mounted on /data); or run the container as root (compose: user: \"0:0\").";
  }
}
