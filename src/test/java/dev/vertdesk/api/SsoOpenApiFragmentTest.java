package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The single sign-on area's OpenAPI fragment ({@code openapi/sso.json}) documents exactly the
 * routes {@link SsoRoutes} mounts on a router, and every schema it refers to is in it.
 */
class SsoOpenApiFragmentTest {

  @Test
  void theFragmentNamesEveryRouteAndResolvesItsReferences() throws Exception {
    JsonObject fragment;
    try (InputStream in = getClass().getResourceAsStream("/openapi/sso.json")) {
      fragment = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    Map<String, Set<String>> routes = new TreeMap<>();
    JsonObject paths = fragment.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      routes.put(path, new TreeSet<>(paths.getJsonObject(path).fieldNames()));
    }
    Map<String, Set<String>> mounted = new TreeMap<>();
    Vertx vertx = Vertx.vertx();
    try {
      Router router = Router.router(vertx);
      new SsoRoutes(null, null).mount(router);
      for (Route r : router.getRoutes()) {
        for (HttpMethod m : r.methods()) {
          mounted.computeIfAbsent(r.getPath(), k -> new TreeSet<>()).add(m.name().toLowerCase(Locale.ROOT));
        }
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    assertEquals(mounted, routes);
    assertEquals(3, mounted.size());
    Set<String> schemas = fragment.getJsonObject("components").getJsonObject("schemas").fieldNames();
    java.util.regex.Matcher refs = java.util.regex.Pattern.compile("\"#/components/schemas/([A-Za-z]+)\"")
        .matcher(fragment.encode());
    int found = 0;
    while (refs.find()) {
      assertTrue(schemas.contains(refs.group(1)), "unresolved " + refs.group(1));
      found++;
    }
    assertTrue(found > 5, "the answers are described");
  }
}
