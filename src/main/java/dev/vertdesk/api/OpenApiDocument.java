package dev.vertdesk.api;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI 3 document of the API server, served at {@code /api/openapi.json}: assembled once
 * at start from {@code openapi/base.json} and the fragments listed in {@code openapi/index.txt}
 * (one per area, each {@code {"paths": {...}, "components": {"schemas": {...}}}}), all on the
 * classpath so that the shaded jar carries them. A fragment that documents an operation twice or
 * redefines a schema differently stops the start: the document would lie.
 */
public final class OpenApiDocument {

  static final String DIR = "openapi/";
  static final String BASE = DIR + "base.json";
  static final String INDEX = DIR + "index.txt";

  private final String json;

  private OpenApiDocument(String json) {
    this.json = json;
  }

  /** The document as served. */
  public String json() {
    return json;
  }

  /** Reads and merges the document (blocking: call it off the event loop, once). */
  public static OpenApiDocument load(ClassLoader loader) {
    JsonObject doc = read(loader, BASE);
    for (String fragment : fragments(loader)) {
      merge(doc, read(loader, DIR + fragment), fragment);
    }
    return new OpenApiDocument(doc.encode());
  }

  /** The fragment files named by the index: one a line, {@code #} comments and blank lines skipped. */
  static List<String> fragments(ClassLoader loader) {
    List<String> out = new ArrayList<>();
    for (String line : text(loader, INDEX).split("\n")) {
      String name = line.strip();
      if (!name.isEmpty() && !name.startsWith("#")) {
        out.add(name);
      }
    }
    return out;
  }

  /** Adds a fragment's operations and schemas to {@code doc}. */
  static void merge(JsonObject doc, JsonObject fragment, String name) {
    for (String key : fragment.fieldNames()) {
      if (!key.equals("paths") && !key.equals("components")) {
        throw new IllegalStateException("OpenAPI fragment " + name + ": unexpected top-level key '" + key
            + "' (a fragment has paths and components.schemas)");
      }
    }
    JsonObject paths = doc.getJsonObject("paths", new JsonObject());
    doc.put("paths", paths);
    for (Map.Entry<String, Object> p : fragment.getJsonObject("paths", new JsonObject())) {
      JsonObject into = paths.getJsonObject(p.getKey(), new JsonObject());
      paths.put(p.getKey(), into);
      for (Map.Entry<String, Object> op : (JsonObject) p.getValue()) {
        if (into.containsKey(op.getKey())) {
          throw new IllegalStateException("OpenAPI fragment " + name + ": " + op.getKey() + " " + p.getKey()
              + " is documented twice");
        }
        into.put(op.getKey(), op.getValue());
      }
    }
    JsonObject components = doc.getJsonObject("components", new JsonObject());
    doc.put("components", components);
    JsonObject schemas = components.getJsonObject("schemas", new JsonObject());
    components.put("schemas", schemas);
    JsonObject added = fragment.getJsonObject("components", new JsonObject());
    for (String key : added.fieldNames()) {
      if (!key.equals("schemas")) {
        throw new IllegalStateException("OpenAPI fragment " + name + ": components." + key
            + " belongs in base.json");
      }
    }
    for (Map.Entry<String, Object> s : added.getJsonObject("schemas", new JsonObject())) {
      Object had = schemas.getValue(s.getKey());
      if (had != null && !had.equals(s.getValue())) {
        throw new IllegalStateException("OpenAPI fragment " + name + ": schema " + s.getKey()
            + " is defined differently elsewhere");
      }
      schemas.put(s.getKey(), s.getValue());
    }
  }

  private static JsonObject read(ClassLoader loader, String resource) {
    try {
      return new JsonObject(text(loader, resource));
    } catch (DecodeException e) {
      throw new IllegalStateException("OpenAPI file " + resource + " is not a JSON object: " + e.getMessage(), e);
    }
  }

  private static String text(ClassLoader loader, String resource) {
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("OpenAPI file " + resource + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("OpenAPI file " + resource + " cannot be read: " + e.getMessage(), e);
    }
  }
}
