package dev.vertdesk.tools;

import dev.vertdesk.crypto.Nacl;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * The rustdesk-utils commands, run from {@code vertdesk.jar} before any server starts
 * (docs/protocol.md §9.5): {@code genkeypair}, {@code validatekeypair <pk> <sk>} and
 * {@code doctor <server>}. Output goes to the given stream (stdout in the CLI), as
 * rustdesk-utils prints everything, errors included, to stdout. Exit codes: 0 on success,
 * 1 for usage errors and invalid key pairs; {@code doctor} reports problems in its output and
 * exits 0 like the original.
 */
public final class Utilities {

  /** The command names, matched case-insensitively like rustdesk-utils does. */
  public static final Set<String> COMMANDS = Set.of("genkeypair", "validatekeypair", "doctor");

  static final String USAGE = String.join(System.lineSeparator(),
      "Usage: java -jar vertdesk.jar <command> [arguments]",
      "",
      "Commands:",
      "    genkeypair                           generate a new Ed25519 key pair (base64)",
      "    validatekeypair <public> <secret>    check that a public and a secret key form a pair",
      "    doctor [options] <server>            check that a server's ports answer",
      "",
      "doctor options:",
      "    --port <base>          base port of the ID server (default 21116); checks base-2 .. base+3",
      "    --admin-port <port>    admin HTTP port for /health/ready (default 21120)",
      "    --timeout <ms>         time limit of each check (default 3000)",
      "",
      "Without one of these commands the jar starts the server (-conf <file> and the other",
      "Vert.x launcher options apply).");

  /** What is signed and verified by {@code validatekeypair}; any fixed bytes do. */
  private static final byte[] PROBE_MESSAGE =
      "vertdesk validatekeypair probe".getBytes(StandardCharsets.US_ASCII);

  private Utilities() {
  }

  /** True if {@code arg} (the jar's first argument) names one of the utilities. */
  public static boolean isCommand(String arg) {
    return arg != null && COMMANDS.contains(arg.toLowerCase(Locale.ROOT));
  }

  /** Runs {@code args[0]} with its arguments, printing to stdout; returns the exit code. */
  public static int run(String[] args) {
    int code = run(args, System.out);
    System.out.flush();
    return code;
  }

  public static int run(String[] args, PrintStream out) {
    if (args == null || args.length == 0) {
      return usage(out);
    }
    switch (args[0].toLowerCase(Locale.ROOT)) {
      case "genkeypair":
        return genKeyPair(out);
      case "validatekeypair":
        if (args.length < 3) {
          return errorThenUsage(out, "You must supply both the public and the secret key");
        }
        return validateKeyPair(args[1], args[2], out);
      case "doctor":
        return Doctor.main(Arrays.copyOfRange(args, 1, args.length), out);
      default:
        return usage(out);
    }
  }

  static int usage(PrintStream out) {
    out.println(USAGE);
    return 1;
  }

  static int errorThenUsage(PrintStream out, String message) {
    out.println("ERROR: " + message);
    out.println();
    return usage(out);
  }

  private static int genKeyPair(PrintStream out) {
    Nacl.KeyPair pair = Nacl.signKeyPair();
    Base64.Encoder b64 = Base64.getEncoder();
    out.println("Public Key:  " + b64.encodeToString(pair.publicKey()));
    out.println("Secret Key:  " + b64.encodeToString(pair.secretKey()));
    return 0;
  }

  private static int validateKeyPair(String pk, String sk, PrintStream out) {
    String problem = keyPairProblem(pk, sk);
    if (problem != null) {
      out.println(problem);
      return 1;
    }
    out.println("Key pair is VALID");
    return 0;
  }

  /**
   * The rustdesk-utils verdict for a pair, or null if it is valid. The checks run in the
   * original's order: secret not base64, secret not 64 bytes, public not base64, public not
   * 32 bytes, then a signature made with the secret key must verify with the public key.
   */
  public static String keyPairProblem(String pk, String sk) {
    byte[] secret = decodeBase64(sk);
    if (secret == null) {
      return "Invalid secret key";
    }
    if (secret.length != Nacl.SIGN_SECRET_KEY_BYTES) {
      return "Invalid Secret key";
    }
    byte[] pub = decodeBase64(pk);
    if (pub == null) {
      return "Invalid public key";
    }
    if (pub.length != Nacl.SIGN_PUBLIC_KEY_BYTES) {
      return "Invalid Public key";
    }
    byte[] opened = Nacl.openSigned(Nacl.sign(PROBE_MESSAGE, secret), pub);
    if (opened == null || !Arrays.equals(opened, PROBE_MESSAGE)) {
      return "Key pair is INVALID";
    }
    return null;
  }

  /**
   * Standard-alphabet base64 with optional padding and no stray bits in the last symbol, the
   * way the Rust decoder rustdesk-utils uses reads it; null if the text is not such base64.
   */
  static byte[] decodeBase64(String text) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
    String canonical = Base64.getEncoder().withoutPadding().encodeToString(bytes);
    String unpadded = text.endsWith("==") ? text.substring(0, text.length() - 2)
        : text.endsWith("=") ? text.substring(0, text.length() - 1) : text;
    return canonical.equals(unpadded) ? bytes : null;
  }
}
