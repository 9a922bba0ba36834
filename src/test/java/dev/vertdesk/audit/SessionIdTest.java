package dev.vertdesk.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Full-range u64 session ids: parsed from JSON numbers and query strings, given back exactly. */
class SessionIdTest {

  @Test
  void everyU64RoundTripsThroughJsonExactly() {
    for (String n : new String[] {"0", "1", "9223372036854775807", "9223372036854775808", "18446744073709551615"}) {
      Object parsed = new JsonObject("{\"s\": " + n + "}").getValue("s");
      String text = SessionId.parse(parsed);
      assertEquals(n, text);
      assertEquals(n, SessionId.parse(n), "from a query string");
      assertEquals("{\"s\":" + n + "}", new JsonObject().put("s", SessionId.json(text)).encode());
    }
    assertEquals("7", SessionId.parse("007"));
    assertNull(SessionId.parse(null));
  }

  @Test
  void anythingElseIsRefused() {
    for (Object bad : new Object[] {-1, -1L, new BigInteger("18446744073709551616"), 1.5, "1e3", "-1", "", " 1",
        "123456789012345678901", true, new JsonObject()}) {
      assertThrows(IllegalArgumentException.class, () -> SessionId.parse(bad), String.valueOf(bad));
    }
  }
}
