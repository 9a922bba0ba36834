package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient.Answer;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** What every refusal of the API looks like: a 4xx, a JSON object with a string error, nothing of Java in it. */
public final class ApiErrors {

  private ApiErrors() {
  }

  public static void clientError(Answer a, String what) {
    assertTrue(a.status() >= 400 && a.status() < 500, what + ": HTTP " + a.status() + " " + a.body());
    JsonObject j = new JsonObject(a.body());
    assertTrue(j.getValue("error") instanceof String, what + ": " + a.body());
    for (String internal : List.of("Exception", "java.", "io.vertx", "dev.vertdesk", "at ", "jdbc", "SQL", "LDAP")) {
      assertFalse(a.body().contains(internal), what + " leaks " + internal + ": " + a.body());
    }
  }
}
