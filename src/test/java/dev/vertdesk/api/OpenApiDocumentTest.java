package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestNode;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The served OpenAPI document is valid OpenAPI 3 and documents exactly the routes the API router
 * has: every route documented, no documented route missing. When a route is added without its
 * documentation (or the reverse), the failure names it.
 */
class OpenApiDocumentTest {

  /** Operation methods of OpenAPI 3 path items. */
  private static final Set<String> OPERATIONS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
      "trace");

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    api = new ApiClient(node.port("api"));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void theServedDocumentIsValidOpenApiAndNeedsNoToken() throws Exception {
    Answer a = api.get("/api/openapi.json", Map.of());
    assertEquals(200, a.status(), a.body());
    assertTrue(a.raw().headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(a.body(), null, options);
    assertEquals(List.of(), parsed.getMessages(), "the parser's complaints");
    assertEquals("3.0.3", parsed.getOpenAPI().getOpenapi());

    // the parser does complain: the same document with a dangling reference and an undeclared path parameter
    JsonObject broken = new JsonObject(a.body());
    JsonObject schema = new JsonObject().put("$ref", "#/components/schemas/Nowhere");
    JsonObject ok = new JsonObject().put("description", "x").put("content", new JsonObject()
        .put("application/json", new JsonObject().put("schema", schema)));
    broken.getJsonObject("paths").put("/api/broken/{guid}", new JsonObject().put("get", new JsonObject()
        .put("responses", new JsonObject().put("200", ok))));
    assertTrue(new OpenAPIV3Parser().readContents(broken.encode(), null, options).getMessages().size() >= 2,
        "a broken document is reported");
  }

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws Exception {
    Set<String> documented = documented(api.get("/api/openapi.json", Map.of()).json());
    Set<String> routed = routed(router());
    Set<String> undocumented = new TreeSet<>(routed);
    undocumented.removeAll(documented);
    Set<String> missing = new TreeSet<>(documented);
    missing.removeAll(routed);
    assertTrue(undocumented.isEmpty() && missing.isEmpty(),
        "routes without documentation (describe them in a fragment of src/main/resources/openapi/ listed in"
            + " index.txt): " + undocumented + "; documented operations no route serves: " + missing);
    assertTrue(routed.contains("HEAD /api/login-options") && routed.contains("DELETE /api/device-groups/{guid}/devices"),
        "the comparison sees the routes: " + routed);
  }

  @Test
  void everyFragmentInTheSourcesIsListedInTheIndex() throws Exception {
    Path dir = Path.of("src/main/resources", OpenApiDocument.DIR);
    Set<String> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json") && !n.equals("base.json"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(files, new TreeSet<>(OpenApiDocument.fragments(getClass().getClassLoader())),
        "src/main/resources/openapi/index.txt lists every fragment of the directory");
  }

  @Test
  void aFragmentThatDocumentsAnOperationTwiceOrRedefinesASchemaIsRefused() {
    JsonObject doc = new JsonObject().put("paths", new JsonObject().put("/api/x", new JsonObject()
        .put("get", new JsonObject()))).put("components", new JsonObject().put("schemas", new JsonObject()
        .put("S", new JsonObject().put("type", "string"))));
    IllegalStateException twice = assertThrows(IllegalStateException.class, () -> OpenApiDocument.merge(doc,
        new JsonObject().put("paths", new JsonObject().put("/api/x", new JsonObject().put("get", new JsonObject()))),
        "dup.json"));
    assertTrue(twice.getMessage().contains("dup.json") && twice.getMessage().contains("get /api/x"), twice.getMessage());
    IllegalStateException schema = assertThrows(IllegalStateException.class, () -> OpenApiDocument.merge(doc,
        new JsonObject().put("components", new JsonObject().put("schemas", new JsonObject()
            .put("S", new JsonObject().put("type", "integer")))), "schema.json"));
    assertTrue(schema.getMessage().contains("schema S"), schema.getMessage());
    // the same schema twice is fine; another operation on a known path too
    OpenApiDocument.merge(doc, new JsonObject().put("paths", new JsonObject().put("/api/x", new JsonObject()
        .put("post", new JsonObject()))).put("components", new JsonObject().put("schemas", new JsonObject()
        .put("S", new JsonObject().put("type", "string")))), "fine.json");
    assertEquals(Set.of("get", "post"), doc.getJsonObject("paths").getJsonObject("/api/x").fieldNames());
    assertThrows(IllegalStateException.class, () -> OpenApiDocument.merge(doc, new JsonObject().put("info",
        new JsonObject()), "info.json"), "only paths and components");
  }

  /** The router of an API verticle built on the node's own services and options. */
  private static Router router() throws Exception {
    ApiVerticle verticle = new ApiVerticle(node.core(), node.main.api().orElseThrow(),
        node.core().config().api().options(), node.main.connections());
    verticle.init(node.vertx, node.vertx.getOrCreateContext());
    return verticle.router();
  }

  /** "METHOD /path" for every operation of the document. */
  private static Set<String> documented(JsonObject doc) {
    Set<String> out = new TreeSet<>();
    JsonObject paths = doc.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        if (OPERATIONS.contains(method)) {
          out.add(method.toUpperCase(Locale.ROOT) + " " + path);
        }
      }
    }
    return out;
  }

  /**
   * "METHOD /path" for every route with methods, {@code :param} written {@code {param}} as OpenAPI
   * does. Routes for every method on a wildcard or no path (body limits, CORS, the JSON 404s) are the
   * router's plumbing; a route for every method on a concrete path is reported, since no document
   * could list its operations.
   */
  private static Set<String> routed(Router router) {
    Set<String> out = new TreeSet<>();
    List<String> methodless = new ArrayList<>();
    for (Route r : router.getRoutes()) {
      String path = r.getPath();
      Set<HttpMethod> methods = r.methods();
      if (methods == null || methods.isEmpty()) {
        if (path != null && r.isExactPath()) {
          methodless.add(path);
        }
        continue;
      }
      // a path with :params is matched by a regex too, but keeps its path; a pure regex route has none
      String openApiPath = path == null ? "(a regex route: give it a path)"
          : path.replaceAll(":([A-Za-z0-9_]+)", "{$1}") + (r.isExactPath() ? "" : "*");
      for (HttpMethod m : methods) {
        out.add(m.name() + " " + openApiPath);
      }
    }
    assertEquals(List.of(), methodless, "routes that answer every method: give them their methods");
    return out;
  }
}
