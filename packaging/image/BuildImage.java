import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Builds Vertdesk's container image without a container engine, run by the Maven build (see
 * pom.xml, execution "container-image") as a single-file program: {@code java BuildImage.java ...}.
 *
 * <p>The image is a Java runtime made by jlink from the build's JDK (only the modules the server
 * uses), the C libraries that runtime and the jar's native parts need, copied from the build host
 * (its Debian packages' glibc, zlib, libstdc++), a few files of /etc, and the jar with its
 * plugins. It is written as a Docker image archive ({@code docker load}, {@code podman load}):
 * one layer for the runtime and the libraries, one for the application. The same inputs give
 * the same layers byte for byte (sorted entries, fixed times and owners), so a rebuilt image
 * shares them with the last one; only the configuration's creation time differs.
 *
 * <p>On a host that cannot make a Linux image of the build's architecture (not Linux, no jlink,
 * a JDK without jmods) it prints why and exits 0, so that {@code ./mvnw package} still works
 * there; everything else that goes wrong fails the build.
 */
public final class BuildImage {

  /** The user the server runs as, and the owner of /data. */
  static final int UID = 1000;
  static final String RUNTIME = "opt/java";
  static final String APP = "opt/vertdesk";
  /** The image's files carry this time (2000-01-01), so that rebuilding changes nothing. */
  static final long MTIME = 946_684_800L;

  /** java.desktop's native libraries: the server uses java.beans only (Micrometer), which needs none. */
  static final Set<String> DESKTOP_LIBRARIES = Set.of("libawt.so", "libawt_headless.so", "libawt_xawt.so",
      "libfontmanager.so", "libjavajpeg.so", "libjawt.so", "libjsound.so", "liblcms.so", "libmlib_image.so",
      "libsplashscreen.so");
  /** Loaded by glibc at run time (name service), not named by any NEEDED entry. */
  static final List<String> DLOPENED = List.of("libnss_files.so.2", "libnss_dns.so.2", "libresolv.so.2");

  public static void main(String[] args) throws Exception {
    Map<String, String> o = options(args);
    Path jar = Path.of(o.get("--jar"));
    Path plugins = Path.of(o.get("--plugins"));
    Path work = Path.of(o.get("--work"));
    Path out = Path.of(o.get("--out"));
    String name = o.get("--name");
    String version = o.get("--version");
    List<String> modules = List.of(o.get("--modules").split(","));

    Optional<String> unable = unableHere();
    if (unable.isPresent()) {
      System.out.println("[image] not built: " + unable.get());
      Files.deleteIfExists(out);
      return;
    }
    String arch = dockerArch();
    String triplet = arch.equals("amd64") ? "x86_64-linux-gnu" : "aarch64-linux-gnu";
    long t0 = System.nanoTime();
    Path runtime = jlink(work.resolve("runtime"), modules);

    Layer base = new Layer();
    base.dir("etc", 0755, 0);
    base.file("etc/passwd", 0644, ("root:x:0:0:root:/root:/usr/sbin/nologin\n"
        + "vertdesk:x:" + UID + ":" + UID + ":Vertdesk:/data:/usr/sbin/nologin\n"
        + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n").getBytes(StandardCharsets.US_ASCII));
    base.file("etc/group", 0644, ("root:x:0:\nvertdesk:x:" + UID + ":\nnogroup:x:65534:\n")
        .getBytes(StandardCharsets.US_ASCII));
    base.file("etc/nsswitch.conf", 0644, "passwd: files\ngroup: files\nhosts: files dns\n"
        .getBytes(StandardCharsets.US_ASCII));
    base.dir("root", 0700, 0);
    base.dir("tmp", 01777, 0);
    base.dir("data", 0750, UID);
    base.dir("usr", 0755, 0);
    base.dir("usr/lib", 0755, 0);
    base.dir("usr/lib/" + triplet, 0755, 0);
    base.link("lib", "usr/lib");
    base.tree(runtime, RUNTIME, p -> !DESKTOP_LIBRARIES.contains(p.getFileName().toString()));

    // every ELF file of the runtime, and the jar's native libraries for this architecture
    List<byte[]> elves = new ArrayList<>();
    Set<String> provided = new TreeSet<>();
    for (Entry e : base.entries.values()) {
      if (e.type() == '0' && Elf.is(head(e))) {
        byte[] elf = e.bytes();
        elves.add(elf);
        provided.add(Path.of(e.path()).getFileName().toString());
      }
    }
    elves.addAll(nativeLibrariesIn(jar, arch));
    String interpreter = Elf.interpreter(Files.readAllBytes(runtime.resolve("bin/java")))
        .orElseThrow(() -> new IllegalStateException("bin/java names no program interpreter"));
    Map<String, Path> libraries = resolve(elves, provided, triplet, interpreter);
    for (Map.Entry<String, Path> lib : libraries.entrySet()) {
      base.copy("usr/lib/" + triplet + "/" + lib.getKey(), 0755, lib.getValue());
    }
    String interpreterName = Path.of(interpreter).getFileName().toString();
    String interpreterEntry = interpreter.startsWith("/lib/") ? "usr/" + interpreter.substring(1) : interpreter.substring(1);
    if (!interpreterEntry.equals("usr/lib/" + triplet + "/" + interpreterName)) {
      base.parents(interpreterEntry);
      base.link(interpreterEntry, "/usr/lib/" + triplet + "/" + interpreterName);
    }

    Layer app = new Layer();
    app.dir("opt", 0755, 0);
    app.dir(APP, 0755, 0);
    app.copy(APP + "/vertdesk.jar", 0644, jar);
    app.dir(APP + "/plugins", 0755, 0);
    if (Files.isDirectory(plugins)) {
      try (Stream<Path> s = Files.list(plugins)) {
        for (Path p : s.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
          app.copy(APP + "/plugins/" + p.getFileName(), 0644, p);
        }
      }
    }

    Files.createDirectories(out.toAbsolutePath().getParent());
    Path tmp = out.resolveSibling(out.getFileName() + ".part");
    try (OutputStream file = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
      writeArchive(file, work, List.of(base, app), name, version, arch);
    }
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.printf("[image] %s:%s (%s, %d MB, %d libraries from the build host) in %s, %d ms%n", name, version,
        arch, Files.size(out) >> 20, libraries.size(), out, (System.nanoTime() - t0) / 1_000_000);
  }

  /** The first bytes of a file entry, enough to tell an ELF file. */
  static byte[] head(Entry e) throws IOException {
    if (e.content() != null) {
      return e.content();
    }
    try (InputStream in = Files.newInputStream(e.source())) {
      return in.readNBytes(65);
    }
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      o.put(args[i], args[i + 1]);
    }
    for (String required : List.of("--jar", "--plugins", "--work", "--out", "--name", "--version", "--modules")) {
      if (!o.containsKey(required)) {
        throw new IllegalArgumentException("missing " + required);
      }
    }
    return o;
  }

  /** Why no image can be made on this host, if it cannot. */
  static Optional<String> unableHere() {
    if (!System.getProperty("os.name").equals("Linux")) {
      return Optional.of("the image takes its runtime and C libraries from the build host, which must be Linux (this is "
          + System.getProperty("os.name") + ")");
    }
    if (!Set.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch"))) {
      return Optional.of("no image for " + System.getProperty("os.arch"));
    }
    if (ToolProvider.findFirst("jlink").isEmpty()) {
      return Optional.of("this Java has no jlink (build with a JDK, not a JRE)");
    }
    if (!Files.isDirectory(Path.of(System.getProperty("java.home"), "jmods"))) {
      return Optional.of(Path.of(System.getProperty("java.home"), "jmods") + " is missing: jlink needs the JDK's jmods");
    }
    return Optional.empty();
  }

  static String dockerArch() {
    return System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64";
  }

  /** A runtime with {@code modules}, reused while the modules and the JDK stay the same. */
  static Path jlink(Path dir, List<String> modules) throws IOException {
    String stamp = String.join(",", modules) + "\n" + System.getProperty("java.home") + "\n"
        + System.getProperty("java.vm.version") + "\n";
    Path stampFile = dir.resolveSibling(dir.getFileName() + ".stamp");
    if (Files.isRegularFile(dir.resolve("bin/java")) && Files.isRegularFile(stampFile)
        && Files.readString(stampFile).equals(stamp)) {
      return dir;
    }
    deleteTree(dir);
    Files.deleteIfExists(stampFile);
    Files.createDirectories(dir.getParent());
    StringWriter log = new StringWriter();
    int code = ToolProvider.findFirst("jlink").orElseThrow().run(new PrintWriter(log), new PrintWriter(log),
        "--add-modules", String.join(",", modules), "--strip-debug", "--no-header-files", "--no-man-pages",
        "--compress=2", "--output", dir.toString());
    if (code != 0) {
      throw new IllegalStateException("jlink failed (" + code + "):\n" + log);
    }
    Files.writeString(stampFile, stamp);
    return dir;
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The jar's native libraries for this architecture (Netty's epoll transport, SQLite's driver). */
  static List<byte[]> nativeLibrariesIn(Path jar, String arch) throws IOException {
    String token = arch.equals("amd64") ? "x86_64" : "aarch";
    List<byte[]> out = new ArrayList<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      for (ZipEntry e : java.util.Collections.list(zip.entries())) {
        String n = e.getName();
        boolean linux = n.startsWith("META-INF/native/") || n.contains("/Linux/");
        if (n.endsWith(".so") && linux && n.contains(token) && !n.contains("Musl") && !n.contains("Android")) {
          try (InputStream in = zip.getInputStream(e)) {
            out.add(in.readAllBytes());
          }
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("no native libraries for " + arch + " in " + jar);
    }
    return out;
  }

  /**
   * The host's libraries that {@code elves} need, transitively, by the name they are needed
   * under (their SONAME), with the program interpreter and the name-service modules glibc loads.
   */
  static Map<String, Path> resolve(List<byte[]> elves, Set<String> runtimeFiles, String triplet, String interpreter)
      throws IOException {
    List<Path> dirs = List.of(Path.of("/lib", triplet), Path.of("/usr/lib", triplet), Path.of("/lib64"),
        Path.of("/usr/lib64"), Path.of("/lib"), Path.of("/usr/lib"));
    // the runtime's own libraries find each other through their RUNPATH ($ORIGIN)
    Set<String> provided = new TreeSet<>(runtimeFiles);
    for (byte[] elf : elves) {
      Elf.soname(elf).ifPresent(provided::add);
    }
    Map<String, Path> found = new TreeMap<>();
    Deque<String> wanted = new ArrayDeque<>();
    for (byte[] elf : elves) {
      wanted.addAll(Elf.needed(elf));
    }
    wanted.add(Path.of(interpreter).getFileName().toString());
    for (String lib : DLOPENED) {
      if (dirs.stream().anyMatch(d -> Files.exists(d.resolve(lib)))) {
        wanted.add(lib);
      }
    }
    List<String> missing = new ArrayList<>();
    while (!wanted.isEmpty()) {
      String lib = wanted.poll();
      if (found.containsKey(lib) || provided.contains(lib)) {
        continue;
      }
      Optional<Path> path = dirs.stream().map(d -> d.resolve(lib)).filter(Files::isRegularFile).findFirst();
      if (path.isEmpty()) {
        missing.add(lib);
        continue;
      }
      Path real = path.get().toRealPath();
      found.put(lib, real);
      wanted.addAll(Elf.needed(Files.readAllBytes(real)));
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("the runtime needs " + missing + ", which this build host lacks in " + dirs);
    }
    return found;
  }

  static void writeArchive(OutputStream out, Path work, List<Layer> layers, String name, String version, String arch)
      throws IOException, NoSuchAlgorithmException {
    Tar archive = new Tar(out);
    List<String> diffIds = new ArrayList<>();
    List<String> layerFiles = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Path file = work.resolve("layer-" + i + ".tar");
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (OutputStream layerOut = new DigestOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16), sha)) {
        Tar t = new Tar(layerOut);
        for (Entry e : layers.get(i).entries.values()) {
          t.entry(e);
        }
        t.finish();
      }
      String digest = HexFormat.of().formatHex(sha.digest());
      diffIds.add("sha256:" + digest);
      layerFiles.add(digest + ".tar");
      archive.entry(Entry.copy(digest + ".tar", 0644, file));
      Files.delete(file);
    }
    byte[] config = imageConfig(diffIds, version, arch).getBytes(StandardCharsets.UTF_8);
    String configName = sha256(config) + ".json";
    archive.entry(Entry.file(configName, 0644, 0, config));
    String manifest = "[{\"Config\":" + json(configName) + ",\"RepoTags\":[" + json(name + ":" + version) + ","
        + json(name + ":latest") + "],\"Layers\":[" + String.join(",", layerFiles.stream().map(BuildImage::json).toList())
        + "]}]";
    archive.entry(Entry.file("manifest.json", 0644, 0, manifest.getBytes(StandardCharsets.UTF_8)));
    archive.finish();
  }

  /**
   * The image configuration: non-root, /data as working directory and volume, the server as
   * entry point with the image's conventions on (rustdesk-server's RELAY, ENCRYPTED_ONLY,
   * KEY_PUB/KEY_PRIV), a health check through the launcher itself (the image has no shell, no
   * curl), and rustdesk-server's ports.
   */
  static String imageConfig(List<String> diffIds, String version, String arch) {
    String created = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    String java = "/" + RUNTIME + "/bin/java";
    String jar = "/" + APP + "/vertdesk.jar";
    long second = 1_000_000_000L;
    return "{\"architecture\":" + json(arch) + ",\"os\":\"linux\",\"created\":" + json(created) + ","
        + "\"config\":{"
        + "\"User\":\"" + UID + ":" + UID + "\","
        + "\"Env\":[" + json("PATH=/" + RUNTIME + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") + ","
        + json("JAVA_HOME=/" + RUNTIME) + "," + json("LANG=C.UTF-8") + "],"
        + "\"Entrypoint\":[" + json(java) + "," + json("-Dvertdesk.container=true") + "," + json("-jar") + ","
        + json(jar) + "],"
        + "\"Cmd\":[],"
        + "\"WorkingDir\":\"/data\","
        + "\"Volumes\":{\"/data\":{}},"
        + "\"ExposedPorts\":{\"21115/tcp\":{},\"21116/tcp\":{},\"21116/udp\":{},\"21117/tcp\":{},\"21118/tcp\":{},"
        + "\"21119/tcp\":{}},"
        + "\"StopSignal\":\"SIGTERM\","
        + "\"Healthcheck\":{\"Test\":[\"CMD\"," + json(java) + "," + json("-XX:TieredStopAtLevel=1") + ","
        + json("-XX:+UseSerialGC") + "," + json("-Xmx32m") + "," + json("-Xshare:auto") + "," + json("-jar") + ","
        + json(jar) + "," + json("healthcheck") + "],"
        + "\"Interval\":" + 30 * second + ",\"Timeout\":" + 10 * second + ",\"StartPeriod\":" + 60 * second
        + ",\"Retries\":3},"
        + "\"Labels\":{\"org.opencontainers.image.title\":\"vertdesk\","
        + "\"org.opencontainers.image.description\":\"RustDesk ID/rendezvous server (hbbs) and relay (hbbr)\","
        + "\"org.opencontainers.image.version\":" + json(version) + "}},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + String.join(",", diffIds.stream().map(BuildImage::json).toList())
        + "]},"
        + "\"history\":[{\"created\":" + json(created) + ",\"created_by\":\"jlink runtime and C libraries of the build host\"},"
        + "{\"created\":" + json(created) + ",\"created_by\":\"vertdesk.jar and plugins\"}]}";
  }

  static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** One tar entry: a directory, a file (its bytes, or a file of the build host) or a symbolic link. */
  record Entry(String path, char type, int mode, int owner, byte[] content, Path source, String target) {
    static Entry file(String path, int mode, int owner, byte[] content) {
      return new Entry(path, '0', mode, owner, content, null, null);
    }

    static Entry copy(String path, int mode, Path source) {
      return new Entry(path, '0', mode, 0, null, source, null);
    }

    long size() throws IOException {
      return content != null ? content.length : source != null ? Files.size(source) : 0;
    }

    byte[] bytes() throws IOException {
      return content != null ? content : Files.readAllBytes(source);
    }
  }

  /** The entries of one layer, by path (parents first when written, as tar extraction wants). */
  static final class Layer {
    final TreeMap<String, Entry> entries = new TreeMap<>();

    void dir(String path, int mode, int owner) {
      entries.put(path, new Entry(path, '5', mode, owner, null, null, null));
    }

    void file(String path, int mode, byte[] content) {
      entries.put(path, Entry.file(path, mode, 0, content));
    }

    void copy(String path, int mode, Path source) {
      entries.put(path, Entry.copy(path, mode, source));
    }

    void link(String path, String target) {
      entries.put(path, new Entry(path, '2', 0777, 0, null, null, target));
    }

    void parents(String path) {
      Path p = Path.of(path).getParent();
      List<String> missing = new ArrayList<>();
      while (p != null && !entries.containsKey(p.toString())) {
        missing.add(0, p.toString());
        p = p.getParent();
      }
      for (String dir : missing) {
        dir(dir, 0755, 0);
      }
    }

    /** A directory tree of the build host, owned by root, executables kept executable. */
    void tree(Path root, String at, java.util.function.Predicate<Path> keep) throws IOException {
      parents(at + "/x");
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.sorted().toList()) {
          String path = root.relativize(p).toString().isEmpty() ? at : at + "/" + root.relativize(p);
          if (Files.isSymbolicLink(p)) {
            link(path, Files.readSymbolicLink(p).toString());
          } else if (Files.isDirectory(p)) {
            dir(path, 0755, 0);
          } else if (keep.test(p)) {
            copy(path, Files.isExecutable(p) ? 0755 : 0644, p);
          }
        }
      }
    }
  }

  /** A POSIX (ustar) tar writer; long paths use ustar's prefix field. */
  static final class Tar {
    private final OutputStream out;

    Tar(OutputStream out) {
      this.out = out;
    }

    void entry(Entry e) throws IOException {
      String path = e.type() == '5' ? e.path() + "/" : e.path();
      byte[] h = new byte[512];
      String name = path;
      String prefix = "";
      if (bytes(path).length > 100) {
        int cut = path.lastIndexOf('/', path.length() - 2);
        while (cut > 0 && (bytes(path.substring(cut + 1)).length > 100 || bytes(path.substring(0, cut)).length > 155)) {
          cut = path.lastIndexOf('/', cut - 1);
        }
        if (cut <= 0) {
          throw new IllegalArgumentException("path too long for ustar: " + path);
        }
        prefix = path.substring(0, cut);
        name = path.substring(cut + 1);
      }
      put(h, 0, 100, bytes(name));
      octal(h, 100, 8, e.mode());
      octal(h, 108, 8, e.owner());
      octal(h, 116, 8, e.owner());
      long size = e.size();
      octal(h, 124, 12, size);
      octal(h, 136, 12, MTIME);
      java.util.Arrays.fill(h, 148, 156, (byte) ' ');
      h[156] = (byte) e.type();
      if (e.target() != null) {
        put(h, 157, 100, bytes(e.target()));
      }
      put(h, 257, 6, bytes("ustar"));
      put(h, 263, 2, bytes("00"));
      put(h, 265, 32, bytes(e.owner() == 0 ? "root" : "vertdesk"));
      put(h, 297, 32, bytes(e.owner() == 0 ? "root" : "vertdesk"));
      put(h, 345, 155, bytes(prefix));
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      octal(h, 148, 7, sum);
      out.write(h);
      if (size > 0) {
        if (e.content() != null) {
          out.write(e.content());
        } else {
          Files.copy(e.source(), out);
        }
        int pad = (int) ((512 - size % 512) % 512);
        out.write(new byte[pad]);
      }
    }

    void finish() throws IOException {
      out.write(new byte[1024]);
      out.flush();
    }

    private static byte[] bytes(String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void put(byte[] h, int at, int len, byte[] v) {
      if (v.length > len) {
        throw new IllegalArgumentException("tar field too long: " + new String(v, StandardCharsets.UTF_8));
      }
      System.arraycopy(v, 0, h, at, v.length);
    }

    private static void octal(byte[] h, int at, int len, long v) {
      String s = Long.toOctalString(v);
      if (s.length() > len - 1) {
        throw new IllegalArgumentException("tar number too large: " + v);
      }
      put(h, at, len, bytes("0".repeat(len - 1 - s.length()) + s));
    }
  }

  /** What the build needs of an ELF file: its NEEDED libraries, its SONAME, its interpreter. */
  static final class Elf {

    static boolean is(byte[] b) {
      return b.length > 64 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F' && b[4] == 2;
    }

    private static ByteBuffer buffer(byte[] b) {
      if (!is(b)) {
        throw new IllegalArgumentException("not a 64-bit ELF file");
      }
      return ByteBuffer.wrap(b).order(b[5] == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    }

    static Optional<String> interpreter(byte[] b) {
      ByteBuffer e = buffer(b);
      long phoff = e.getLong(0x20);
      int phentsize = e.getShort(0x36) & 0xffff;
      int phnum = e.getShort(0x38) & 0xffff;
      for (int i = 0; i < phnum; i++) {
        int at = (int) (phoff + (long) i * phentsize);
        if (e.getInt(at) == 3) { // PT_INTERP
          int offset = (int) e.getLong(at + 8);
          int size = (int) e.getLong(at + 32);
          return Optional.of(new String(b, offset, size - 1, StandardCharsets.US_ASCII));
        }
      }
      return Optional.empty();
    }

    static List<String> needed(byte[] b) {
      return dynamicStrings(b, 1); // DT_NEEDED
    }

    static Optional<String> soname(byte[] b) {
      return dynamicStrings(b, 14).stream().findFirst(); // DT_SONAME
    }

    /** The strings of the dynamic section's entries with {@code tag}. */
    private static List<String> dynamicStrings(byte[] b, long tag) {
      ByteBuffer e = buffer(b);
      long shoff = e.getLong(0x28);
      int shentsize = e.getShort(0x3a) & 0xffff;
      int shnum = e.getShort(0x3c) & 0xffff;
      List<String> out = new ArrayList<>();
      for (int i = 0; i < shnum; i++) {
        int at = (int) (shoff + (long) i * shentsize);
        if (e.getInt(at + 4) != 6) { // SHT_DYNAMIC
          continue;
        }
        long offset = e.getLong(at + 0x18);
        long size = e.getLong(at + 0x20);
        int link = e.getInt(at + 0x28);
        int strtab = (int) e.getLong((int) (shoff + (long) link * shentsize) + 0x18);
        for (long d = offset; d + 16 <= offset + size; d += 16) {
          long t = e.getLong((int) d);
          if (t == 0) {
            break;
          }
          if (t == tag) {
            int s = strtab + (int) e.getLong((int) d + 8);
            int end = s;
            while (b[end] != 0) {
              end++;
            }
            out.add(new String(b, s, end - s, StandardCharsets.US_ASCII));
          }
        }
      }
      return out;
    }
  }

  private BuildImage() {
  }
}
