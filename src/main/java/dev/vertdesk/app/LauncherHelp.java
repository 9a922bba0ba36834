package dev.vertdesk.app;

import dev.vertdesk.config.Role;
import dev.vertdesk.node.BuildInfo;
import java.util.List;
import java.util.Optional;

/** The launcher's {@code --help} texts: plain text, never colour codes. */
final class LauncherHelp {

  private LauncherHelp() {
  }

  static String text(Optional<Role> topic) {
    return topic.map(LauncherHelp::serverCommand).orElseGet(LauncherHelp::general);
  }

  static String version() {
    return "vertdesk " + BuildInfo.version();
  }

  private static String general() {
    return String.join("\n",
        "vertdesk " + BuildInfo.version() + ": RustDesk ID/rendezvous server (hbbs) and relay (hbbr)",
        "",
        "Usage: vertdesk [hbbs|hbbr] [options]       start a server",
        "       vertdesk <command> [arguments]       run a tool",
        "(vertdesk is the installed command; java -jar vertdesk.jar takes the same arguments)",
        "",
        "Servers:",
        "  (no command)      ID server and relay in one process, ports PORT-1 .. PORT+4",
        "  hbbs [flags]      the ID server only: UDP+TCP PORT, TCP PORT-1, WebSocket PORT+2, admin PORT+4",
        "  hbbr [flags]      the relay only: TCP PORT+1, WebSocket relay PORT+3, admin PORT+5",
        "                    (vertdesk hbbs --help, vertdesk hbbr --help: rustdesk-server's flags)",
        "",
        "Tools:",
        "  genkeypair                           print a new key pair",
        "  validatekeypair <public> <secret>    check that two keys form a pair",
        "  doctor [--port PORT] <host>          check a server's ports from outside",
        "  admin <command>                      the admin API's client (vertdesk admin help)",
        "  healthcheck [hbbs|hbbr] [options]    exit 0 when the node on this host is ready",
        "                                       (its /health/ready; --url URL to ask another)",
        "  help [hbbs|hbbr], -h, --help         this text",
        "  version, -V, --version               the version",
        "",
        "Server options (any server):",
        "  -conf <file|json>        JSON configuration file, or the JSON itself",
        "  -cluster                 join the cluster of cluster.members (see README, Cluster)",
        "  -cluster-host <ip>       this host's cluster address; also -cluster-port, -cluster-public-host,",
        "                           -cluster-public-port",
        "  -options <file|json>     Vert.x options",
        "",
        "Data directory: \"dataDir\" in the JSON or VERTDESK_DATA_DIR; else the working directory, as",
        "with hbbs and hbbr. It holds id_ed25519 and id_ed25519.pub (the key pair, created on first",
        "start), db_v2.sqlite3, .env and admin.token.",
        "",
        "Environment:",
        "  rustdesk-server's names: PORT, KEY, RELAY_SERVERS, ALWAYS_USE_RELAY, DB_URL, BIND, RMEM,",
        "    MASK, TOTAL_BANDWIDTH, SINGLE_BANDWIDTH, LIMIT_SPEED ... (also read from <dataDir>/.env)",
        "  VERTDESK_<KEY> reaches any key: VERTDESK_VERTICLES__UDP__ENABLED=false, VERTDESK_ROLE=hbbr",
        "  VERTDESK_LOG_LEVEL=DEBUG, VERTDESK_LOG_FORMAT=json",
        "Every key with its variable and default: README.md, section \"Configuration\"",
        "(/usr/share/doc/vertdesk/README.md when installed from the .deb).",
        "",
        "Exit status: 0 done, 64 usage error, 78 configuration error, 1 the server could not start.",
        "");
  }

  private static String serverCommand(Role role) {
    List<LauncherArgs.Flag> flags = role == Role.HBBS ? LauncherArgs.HBBS_FLAGS : LauncherArgs.HBBR_FLAGS;
    StringBuilder out = new StringBuilder();
    out.append("vertdesk ").append(role.word()).append(' ').append(BuildInfo.version()).append(": ")
        .append(role == Role.HBBS ? "the RustDesk ID/rendezvous server (verticles udp, signaling, nat, ws, admin)"
            : "the RustDesk relay (verticles relay, wsrelay, admin)").append("\n\n");
    out.append("Usage: vertdesk ").append(role.word()).append(" [flags] [server options]\n\n");
    out.append("Flags (rustdesk-server's ").append(role.word()).append(", same meaning):\n");
    for (LauncherArgs.Flag f : flags) {
      out.append(String.format("  %-34s %s%n", f.usage(), f.help()));
    }
    out.append("\nFlags win over the environment, .env and -conf").append(role == Role.HBBS
        ? "; -c FILE is read between .env and the flags.\n" : ".\n");
    out.append(role == Role.HBBS
        ? "The relay's verticles stay off: run 'vertdesk hbbr' for them, here or elsewhere.\n"
        : "The ID server's verticles stay off: run 'vertdesk hbbs' for them, here or elsewhere.\n"
            + "PORT in the environment is the ID server's base port, as with hbbr: the relay listens on PORT+1.\n");
    out.append("\nServer options: -conf, -cluster, -cluster-host ... as in 'vertdesk --help'.\n");
    return out.toString();
  }
}
