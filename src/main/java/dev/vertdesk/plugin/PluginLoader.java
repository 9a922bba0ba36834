package dev.vertdesk.plugin;

import dev.vertdesk.config.ConfigException;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads every {@code *.jar} directly in the plugins directory, each with its own
 * {@link URLClassLoader} (parent: the server's class loader), and collects the
 * {@link VertdeskPlugin}s its service file lists. A jar that cannot be loaded, a plugin whose
 * name is taken or invalid, stops the start with an error naming the jar: every jar there is
 * meant to run.
 */
public final class PluginLoader {

  private static final Logger LOG = LoggerFactory.getLogger(PluginLoader.class);
  private static final Pattern NAME = Pattern.compile("[a-z][A-Za-z0-9]{0,63}");

  private PluginLoader() {
  }

  /** One loaded plugin and the class loader of its jar. */
  public record Loaded(VertdeskPlugin<?> plugin, Path jar, URLClassLoader loader) {
    public String name() {
      return plugin.name();
    }
  }

  /** The loaded plugins by name, in jar order; close them when the node stops. */
  public static final class Plugins implements AutoCloseable {

    private final Map<String, Loaded> byName;
    private final List<URLClassLoader> loaders;

    Plugins(Map<String, Loaded> byName, List<URLClassLoader> loaders) {
      this.byName = byName;
      this.loaders = loaders;
    }

    public static Plugins none() {
      return new Plugins(Map.of(), List.of());
    }

    public Set<String> names() {
      return byName.keySet();
    }

    public boolean has(String name) {
      return byName.containsKey(name);
    }

    public Collection<Loaded> all() {
      return byName.values();
    }

    @Override
    public void close() {
      for (URLClassLoader l : loaders) {
        try {
          l.close();
        } catch (IOException e) {
          LOG.debug("closing {}: {}", l.getName(), e.toString());
        }
      }
    }
  }

  /**
   * {@code plugins} next to the jar the server runs from; {@code plugins} in the working
   * directory when it runs from a class directory (an IDE, the build).
   */
  public static Path defaultDir() {
    try {
      CodeSource source = PluginLoader.class.getProtectionDomain().getCodeSource();
      if (source != null && source.getLocation() != null) {
        Path location = Path.of(source.getLocation().toURI());
        if (Files.isRegularFile(location) && location.getParent() != null) {
          return location.getParent().resolve("plugins");
        }
      }
    } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
      // fall through
    }
    return Path.of("plugins");
  }

  /**
   * Loads the plugins in {@code dir}; a missing directory means none. Reads files: call it off
   * the event loop.
   *
   * @param reserved names plugins may not take (the built-in verticles)
   */
  public static Plugins load(Path dir, Set<String> reserved) {
    if (!Files.isDirectory(dir)) {
      LOG.debug("no plugins directory at {}", dir.toAbsolutePath());
      return Plugins.none();
    }
    List<Path> jars;
    try (Stream<Path> s = Files.list(dir)) {
      jars = s.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
          .sorted().toList();
    } catch (IOException e) {
      throw new ConfigException("pluginsDir", "cannot list " + dir.toAbsolutePath() + ": " + e.getMessage());
    }
    Map<String, Loaded> byName = new LinkedHashMap<>();
    List<URLClassLoader> loaders = new ArrayList<>();
    ClassLoader parent = VertdeskPlugin.class.getClassLoader();
    try {
      for (Path jar : jars) {
        URLClassLoader loader = newLoader(jar, parent);
        loaders.add(loader);
        List<VertdeskPlugin<?>> found = providers(jar, loader);
        if (found.isEmpty()) {
          LOG.warn("plugin jar {} lists no {} in META-INF/services; ignored", jar.toAbsolutePath(),
              VertdeskPlugin.class.getName());
        }
        for (VertdeskPlugin<?> p : found) {
          String name = name(jar, p);
          if (reserved.contains(name)) {
            throw new ConfigException("pluginsDir", jar.getFileName() + ": plugin name '" + name
                + "' is a built-in verticle");
          }
          Loaded clash = byName.get(name);
          if (clash != null) {
            throw new ConfigException("pluginsDir", jar.getFileName() + ": plugin name '" + name
                + "' is also used by " + clash.jar().getFileName());
          }
          byName.put(name, new Loaded(p, jar, loader));
          LOG.info("plugin {} ({}) loaded from {}", name, p.getClass().getName(), jar.toAbsolutePath());
        }
      }
    } catch (RuntimeException | Error e) {
      new Plugins(Map.of(), loaders).close();
      throw e;
    }
    return new Plugins(Collections.unmodifiableMap(byName), List.copyOf(loaders));
  }

  private static URLClassLoader newLoader(Path jar, ClassLoader parent) {
    try {
      URL url = jar.toUri().toURL();
      return new URLClassLoader("plugin:" + jar.getFileName(), new URL[] {url}, parent);
    } catch (MalformedURLException e) {
      throw new ConfigException("pluginsDir", "bad plugin path " + jar + ": " + e.getMessage());
    }
  }

  /** The providers defined in this jar (not those the parent loader also sees). */
  @SuppressWarnings("rawtypes")
  private static List<VertdeskPlugin<?>> providers(Path jar, URLClassLoader loader) {
    List<VertdeskPlugin<?>> out = new ArrayList<>();
    try {
      for (ServiceLoader.Provider<VertdeskPlugin> p
          : ServiceLoader.load(VertdeskPlugin.class, loader).stream().toList()) {
        if (p.type().getClassLoader() == loader) {
          out.add(p.get());
        }
      }
    } catch (ServiceConfigurationError | LinkageError e) {
      throw new ConfigException("pluginsDir", "cannot load plugin jar " + jar.toAbsolutePath() + ": "
          + e.getMessage() + (e.getCause() != null ? " (" + e.getCause() + ")" : ""));
    }
    return out;
  }

  private static String name(Path jar, VertdeskPlugin<?> p) {
    String name;
    try {
      name = p.name();
    } catch (RuntimeException | LinkageError e) {
      throw new ConfigException("pluginsDir", jar.getFileName() + ": " + p.getClass().getName()
          + ".name() failed: " + e);
    }
    if (name == null || !NAME.matcher(name).matches()) {
      throw new ConfigException("pluginsDir", jar.getFileName() + ": plugin name '" + name
          + "' must be letters and digits starting with a lower-case letter");
    }
    return name;
  }
}
