package dev.vertdesk.node;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** What the build recorded about itself: the version printed by {@code --version}, the banner and {@code /metrics}. */
public final class BuildInfo {

  private static final String VERSION = read();

  private BuildInfo() {
  }

  /** The project version ({@code 0.1.0-SNAPSHOT}), or {@code unknown} in classes not built by Maven. */
  public static String version() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in = BuildInfo.class.getResourceAsStream("/vertdesk-build.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "").trim();
      return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
