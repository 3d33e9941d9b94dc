package org.vertxasyncio.service.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.config.ServiceConfig;
import org.vertxasyncio.service.webhooks.AllowList;
import org.vertxasyncio.service.webhooks.WebhookGuard;

public class StoredSpecTest {
  private static final WebhookGuard TRUSTING = new WebhookGuard(AllowList.parse(List.of("127.0.0.0/8")), host -> List.of());

  private static TaskSpec parse(String json) {
    return TaskSpec.parse(new JsonObject(json), ServiceConfig.defaults(), TRUSTING);
  }

  /** Field by field (a webhook's key is an array: compared by content). */
  private static void assertSameSpec(TaskSpec want, TaskSpec got) {
    assertEquals(want.kind(), got.kind());
    assertEquals(want.name(), got.name());
    assertEquals(want.loop(), got.loop());
    assertEquals(want.seconds(), got.seconds());
    assertEquals(want.result(), got.result());
    assertEquals(want.iterations(), got.iterations());
    assertEquals(want.input(), got.input());
    assertEquals(want.returnExceptions(), got.returnExceptions());
    assertEquals(want.raise(), got.raise());
    assertEquals(want.timeout(), got.timeout());
    assertEquals(want.echo(), got.echo());
    assertEquals(want.callbacks().size(), got.callbacks().size());
    for (int i = 0; i < want.callbacks().size(); i++) {
      assertEquals(want.callbacks().get(i).url(), got.callbacks().get(i).url());
      assertArrayEquals(want.callbacks().get(i).key(), got.callbacks().get(i).key());
    }
  }

  @Test
  void aPlainSleepIsKeptAsItsKindLoopSecondsAndEchoOnly() {
    TaskSpec spec = parse("{\"kind\":\"sleep\",\"seconds\":1}");
    String stored = StoredSpec.encode(spec);
    assertEquals(new JsonObject().put("kind", "sleep").put("loop", spec.loop()).put("seconds", 1.0).put("echo", spec.echo()),
        new JsonObject(stored), stored);
    assertSameSpec(spec, StoredSpec.decode(stored));
  }

  @Test
  void everyFieldGivenIsKeptAndReadBack() {
    for (String json : List.of(
        "{\"kind\":\"sleep\",\"seconds\":0.25,\"name\":\"n\",\"result\":{\"a\":[1,\"x\",null]},\"timeout\":2.5}",
        "{\"kind\":\"sleep\",\"seconds\":0,\"result\":false,\"raise\":\"ValueError\"}",
        "{\"kind\":\"sleep\",\"seconds\":0,\"result\":\"text \\\"quoted\\\" é\"}",
        "{\"kind\":\"work\",\"iterations\":12,\"input\":\"abc\",\"loop\":\"batch\"}",
        "{\"kind\":\"gather\",\"returnExceptions\":true,\"tasks\":[{\"kind\":\"sleep\",\"seconds\":0}]}",
        "{\"kind\":\"sleep\",\"seconds\":0,\"callbacks\":[{\"url\":\"http://127.0.0.1:9/a\"},"
            + "{\"url\":\"http://127.0.0.1:9/b\",\"secret\":\"s3cret\"}]}")) {
      TaskSpec spec = parse(json);
      String stored = StoredSpec.encode(spec);
      assertSameSpec(spec, StoredSpec.decode(stored));
    }
  }

  @Test
  void aSpecStoredWithEveryFieldWrittenOutIsStillRead() {
    // as rows written before the stored spec left out what a task was not given
    TaskSpec spec = parse("{\"kind\":\"sleep\",\"seconds\":1}");
    String old = new JsonObject().put("kind", "sleep").put("name", null).put("loop", spec.loop()).put("seconds", 1.0)
        .put("result", null).put("iterations", null).put("input", null).put("returnExceptions", false).put("raise", null)
        .put("timeout", null).put("callbacks", new JsonArray()).put("echo", spec.echo())
        .encode();
    assertSameSpec(spec, StoredSpec.decode(old));
  }
}
