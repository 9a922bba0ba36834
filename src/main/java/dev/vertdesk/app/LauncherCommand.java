package dev.vertdesk.app;

import dev.vertdesk.config.CommandLineSettings;
import dev.vertdesk.config.Role;
import java.util.List;
import java.util.Optional;

/** What one command line asks the launcher for ({@link LauncherArgs#parse}). */
sealed interface LauncherCommand {

  /**
   * Start a node.
   *
   * @param role      {@code hbbs} or {@code hbbr} when given as the command; else the configuration's
   * @param conf      the {@code -conf} value, a file or inline JSON
   * @param settings  hbbs/hbbr flags as configuration keys, and the role
   * @param vertxArgs the options handed to Vert.x's launcher ({@code -cluster}, {@code -options} ...)
   */
  record Serve(Optional<Role> role, Optional<String> conf, CommandLineSettings settings, List<String> vertxArgs)
      implements LauncherCommand {
  }

  /**
   * Ask this host's node whether it is ready.
   *
   * @param serve   the node's command line, from which its admin port follows
   * @param given   whether {@code serve} was typed after {@code healthcheck} (else it is the default)
   * @param url     {@code --url}, which wins over the configuration
   */
  record Healthcheck(Serve serve, boolean given, Optional<String> url, int timeoutMillis) implements LauncherCommand {
  }

  /** One of rustdesk-utils' commands ({@code genkeypair}, {@code validatekeypair}, {@code doctor}). */
  record Utility(String[] args) implements LauncherCommand {
  }

  /** The admin API's client, with the arguments after {@code admin}. */
  record Admin(String[] args) implements LauncherCommand {
  }

  /** Usage text: the launcher's, or a server command's flags. */
  record Help(Optional<Role> topic) implements LauncherCommand {
  }

  record Version() implements LauncherCommand {
  }
}
