package dev.vertdesk.admin;

import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.relay.AccessLists;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Edits the relay's {@code blacklist.txt} and {@code blocklist.txt} in the data directory, the
 * files {@link AccessLists} reads, so an edit survives restarts. Lines that do not match are kept
 * as they are (comments after the address included); additions are appended. Every method
 * blocks (file I/O).
 */
final class AccessListFiles {

  static final Set<String> LISTS = Set.of("blacklist", "blocklist");
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");
  private final Path dataDir;

  /** @param dataDir where this node's blacklist.txt and blocklist.txt live */
  AccessListFiles(Path dataDir) {
    this.dataDir = dataDir;
  }

  static Path file(Path dataDir, String list) {
    return dataDir.resolve(list.equals("blacklist") ? AccessLists.BLACKLIST_FILE : AccessLists.BLOCKLIST_FILE);
  }

  /**
   * The normal form of an IP literal, as {@link AccessLists} compares them.
   *
   * @throws IllegalArgumentException if {@code ip} is not an IP address literal
   */
  static String normalize(String ip) {
    String t = ip == null ? "" : ip.trim();
    if (!IP_LITERAL.matcher(t).matches() || (!t.contains(".") && !t.contains(":"))) {
      throw new IllegalArgumentException("not an IP address: " + ip);
    }
    try {
      return AddrMangle.normalize(InetAddress.getByName(t)).getHostAddress(); // a literal: no DNS
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + ip);
    }
  }

  /** The entry of one line (hbbr's rule: trimmed, up to the first whitespace), or null if blank. */
  private static String entry(String line) {
    String t = line.trim();
    if (t.isEmpty()) {
      return null;
    }
    return t.split("\\s", 2)[0];
  }

  private static String normalOrSelf(String entry) {
    try {
      return normalize(entry);
    } catch (IllegalArgumentException e) {
      return entry;
    }
  }

  JsonObject list(String list) {
    JsonArray entries = new JsonArray();
    for (String line : read(file(dataDir, list))) {
      String e = entry(line);
      if (e != null) {
        entries.add(e);
      }
    }
    return new JsonObject().put("list", list).put("entries", entries);
  }

  JsonObject contains(String list, String ip) {
    String wanted = normalize(ip);
    boolean found = false;
    for (String line : read(file(dataDir, list))) {
      String e = entry(line);
      if (e != null && normalOrSelf(e).equals(wanted)) {
        found = true;
        break;
      }
    }
    return new JsonObject().put("list", list).put("ip", ip).put("listed", found);
  }

  JsonObject add(String list, List<String> ips) {
    Path f = file(dataDir, list);
    synchronized (this) { // one writer per file at a time: read, change, write back
      List<String> lines = read(f);
      Set<String> present = new LinkedHashSet<>();
      for (String line : lines) {
        String e = entry(line);
        if (e != null) {
          present.add(normalOrSelf(e));
        }
      }
      JsonArray added = new JsonArray();
      for (String ip : ips) {
        if (present.add(normalize(ip))) {
          lines.add(ip.trim());
          added.add(ip.trim());
        }
      }
      if (!added.isEmpty()) {
        write(f, lines);
      }
      return new JsonObject().put("list", list).put("added", added);
    }
  }

  /** Removes {@code ips}, or every entry when {@code ips} is null (hbbr's {@code all}). */
  JsonObject remove(String list, List<String> ips) {
    Path f = file(dataDir, list);
    synchronized (this) { // one writer per file at a time: read, change, write back
      List<String> lines = read(f);
      Set<String> wanted = new LinkedHashSet<>();
      if (ips != null) {
        for (String ip : ips) {
          wanted.add(normalize(ip));
        }
      }
      List<String> kept = new ArrayList<>();
      JsonArray removed = new JsonArray();
      for (String line : lines) {
        String e = entry(line);
        if (e != null && (ips == null || wanted.contains(normalOrSelf(e)))) {
          removed.add(e);
        } else {
          kept.add(line);
        }
      }
      if (!removed.isEmpty()) {
        write(f, kept);
      }
      return new JsonObject().put("list", list).put("removed", removed);
    }
  }

  private static List<String> read(Path f) {
    try {
      if (!Files.exists(f)) {
        return new ArrayList<>();
      }
      String text = Files.readString(f, StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1); // the final newline
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  /** Replaces the file in one step (write a sibling, then rename it over). */
  private static void write(Path f, List<String> lines) {
    StringBuilder sb = new StringBuilder();
    for (String l : lines) {
      sb.append(l).append('\n');
    }
    try {
      Path dir = f.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, f.getFileName().toString(), ".tmp");
      try {
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
    }
  }
}
