package dev.vertdesk.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {

  @TempDir
  Path dir;

  @Test
  void generatedOnceThenReadBack() throws Exception {
    Path file = dir.resolve("sub/admin.token");
    // several instances starting together agree on one token
    List<CompletableFuture<AdminToken>> racers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      racers.add(CompletableFuture.supplyAsync(() -> AdminToken.loadOrCreate(file)));
    }
    CompletableFuture.allOf(racers.toArray(CompletableFuture[]::new)).get();
    String token = Files.readString(file).trim();
    assertEquals(43, token.length(), "32 bytes, base64url");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    for (CompletableFuture<AdminToken> r : racers) {
      assertTrue(r.get().matches(token));
    }
    AdminToken again = AdminToken.loadOrCreate(file);
    assertTrue(again.matches(token));
    assertFalse(again.matches(token + "x"));
    assertFalse(again.matches(""));
    assertFalse(again.matches(null));
    try (var files = Files.list(file.getParent())) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
  }

  @Test
  void anEmptyFileIsAnError() throws Exception {
    Path file = Files.writeString(dir.resolve("admin.token"), "\n");
    assertThrows(ConfigException.class, () -> AdminToken.loadOrCreate(file));
  }

  @Test
  void bearerHeader() {
    assertEquals("abc", AdminToken.fromHeader("Bearer abc"));
    assertEquals("abc", AdminToken.fromHeader("bearer  abc "));
    assertNull(AdminToken.fromHeader("Basic abc"));
    assertNull(AdminToken.fromHeader("Bearer "));
    assertNull(AdminToken.fromHeader(null));
  }
}
