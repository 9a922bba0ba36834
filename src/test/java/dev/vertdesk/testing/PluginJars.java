package dev.vertdesk.testing;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Builds plugin jars during a test: compiles sources with javax.tools and jars a directory. */
public final class PluginJars {

  public static final String SERVICE = "META-INF/services/dev.vertdesk.plugin.VertdeskPlugin";

  private PluginJars() {
  }

  /**
   * Compiles {@code sources} (fully qualified class name → source) against the server's classes
   * and writes {@code jar} with the classes and a service file listing {@code providers}.
   */
  public static Path compile(Path work, Path jar, Map<String, String> sources, List<String> providers)
      throws IOException {
    Path src = Files.createTempDirectory(work, "src");
    Path classes = Files.createTempDirectory(work, "classes");
    List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", classpath(),
        "--release", "17", "-proc:none", "-nowarn"));
    for (Map.Entry<String, String> e : sources.entrySet()) {
      Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
      Files.createDirectories(file.getParent());
      Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no system Java compiler (tests need a JDK)");
    }
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = javac.run(null, err, err, args.toArray(String[]::new));
    if (rc != 0) {
      throw new IllegalStateException("plugin sources did not compile (exit " + rc + "):\n"
          + err.toString(StandardCharsets.UTF_8));
    }
    if (!providers.isEmpty()) {
      Path service = classes.resolve(SERVICE);
      Files.createDirectories(service.getParent());
      Files.writeString(service, String.join("\n", providers) + "\n", StandardCharsets.UTF_8);
    }
    return jar(classes, jar);
  }

  /** Writes every file under {@code dir} into {@code jar}. */
  public static Path jar(Path dir, Path jar) throws IOException {
    Files.createDirectories(jar.toAbsolutePath().getParent());
    Manifest mf = new Manifest();
    mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (OutputStream out = Files.newOutputStream(jar);
         JarOutputStream j = new JarOutputStream(out, mf);
         Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
        String name = dir.relativize(p).toString().replace(File.separatorChar, '/');
        if (name.equals("META-INF/MANIFEST.MF")) {
          continue;
        }
        j.putNextEntry(new JarEntry(name));
        j.write(Files.readAllBytes(p));
        j.closeEntry();
      }
    }
    return jar;
  }

  /** The test JVM's class path plus the code sources of the classes plugins compile against. */
  static String classpath() {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> c : List.of(dev.vertdesk.plugin.VertdeskPlugin.class, io.vertx.core.Vertx.class,
        io.netty.channel.Channel.class, org.slf4j.Logger.class, io.vertx.core.json.JsonObject.class,
        com.fasterxml.jackson.core.JsonFactory.class)) {
      try {
        entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
      } catch (URISyntaxException | NullPointerException e) {
        // the class path below has it
      }
    }
    for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!e.isBlank()) {
        entries.add(e);
      }
    }
    return String.join(File.pathSeparator, entries);
  }
}
