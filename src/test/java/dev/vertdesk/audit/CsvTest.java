package dev.vertdesk.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CSV cells: quoted where RFC 4180 needs it, formulas defused, numbers and absent values plain. */
class CsvTest {

  @Test
  void cellsAreQuotedAndFormulasDefused() {
    List<String> columns = List.of("a", "b", "c", "d", "e", "f");
    JsonObject item = new JsonObject().put("a", "plain").put("b", "with, comma").put("c", "say \"hi\"\nbye")
        .put("d", "=1+2").put("e", -5);
    assertEquals("a,b,c,d,e,f\r\n", Csv.header(columns));
    assertEquals("plain,\"with, comma\",\"say \"\"hi\"\"\nbye\",'=1+2,-5,\r\n", Csv.row(columns, item));
    assertEquals("'@SUM(A1),'+1,'-x\r\n", Csv.row(List.of("a", "b", "c"),
        new JsonObject().put("a", "@SUM(A1)").put("b", "+1").put("c", "-x")));
  }
}
