package org.vertxasyncio.service.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The thread's buffer is reused from one text to the next: each text is whole and its own. */
class JsonTextTest {
  private static String text(String key, String value) {
    return JsonText.write(g -> {
      g.writeStartObject();
      g.writeStringField(key, value);
      g.writeEndObject();
    });
  }

  @Test
  void aTextLongerThanTheBufferThenAShortOneAreEachWhole() {
    String big = "\u00e9x\"".repeat(20_000);
    assertEquals(new JsonObject().put("k", big).encode(), text("k", big));
    assertEquals("{\"a\":\"b\"}", text("a", "b"));
    assertEquals("{\"c\":\"\"}", text("c", ""));
  }

  @Test
  void aTextWrittenWhileAnotherIsHasItsOwnBuffer() {
    String outer = JsonText.write(g -> {
      g.writeStartObject();
      g.writeStringField("inner", text("x", "y"));
      g.writeEndObject();
    });
    assertEquals(new JsonObject().put("inner", "{\"x\":\"y\"}").encode(), outer);
  }

  @Test
  void aBodyThatFailsLeavesTheBufferEmptyForTheNextText() {
    assertThrows(IllegalStateException.class, () -> JsonText.write(g -> {
      g.writeStartObject();
      g.writeStringField("half", "written");
      throw new IllegalStateException("stop");
    }));
    assertThrows(io.vertx.core.json.EncodeException.class, () -> JsonText.write(g -> {
      throw new IOException("broken");
    }));
    assertEquals("{\"a\":1}", JsonText.write(g -> {
      g.writeStartObject();
      g.writeNumberField("a", 1);
      g.writeEndObject();
    }));
  }
}
