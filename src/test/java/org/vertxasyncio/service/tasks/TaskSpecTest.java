package org.vertxasyncio.service.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.ServiceError;
import org.vertxasyncio.service.config.ServiceConfig;
import org.vertxasyncio.service.webhooks.AllowList;
import org.vertxasyncio.service.webhooks.WebhookGuard;

public class TaskSpecTest {
  private static final ServiceConfig CONFIG = ServiceConfig.defaults();

  private static JsonObject sleepWithHook(String url) {
    return new JsonObject("{\"kind\":\"sleep\",\"seconds\":0,\"callbacks\":[{\"url\":\"" + url + "\"}]}");
  }

  @Test
  void webhookUrlsAreCheckedByTheGuardItIsGiven() {
    WebhookGuard strict = new WebhookGuard(AllowList.NONE, host -> List.of());
    ServiceError e = assertThrows(ServiceError.Invalid.class, () -> TaskSpec.parse(sleepWithHook("http://10.1.2.3/hook"), CONFIG, strict));
    assertEquals("callbacks[0].url", e.field());
    assertTrue(e.getMessage().startsWith("targets a private address (10.1.2.3)"), e.getMessage());

    WebhookGuard trusting = new WebhookGuard(AllowList.parse(List.of("10.0.0.0/8")), host -> List.of());
    TaskSpec spec = TaskSpec.parse(sleepWithHook("http://10.1.2.3/hook"), CONFIG, trusting);
    assertEquals("http://10.1.2.3/hook", spec.callbacks().get(0).url());
  }

  @Test
  void aNestedSpecIsCheckedByTheSameGuard() {
    WebhookGuard strict = new WebhookGuard(AllowList.NONE, host -> List.of());
    JsonObject gather = new JsonObject().put("kind", "gather").put("tasks",
        new io.vertx.core.json.JsonArray().add(sleepWithHook("http://127.0.0.1:9/hook")));
    ServiceError e = assertThrows(ServiceError.Invalid.class, () -> TaskSpec.parse(gather, CONFIG, strict));
    assertEquals("tasks[0].callbacks[0].url", e.field());
  }
  @Test
  void theEchoKeepsTheFieldsInTheirOrderAndCannotBeChanged() {
    WebhookGuard trusting = new WebhookGuard(AllowList.parse(List.of("10.0.0.0/8")), host -> List.of());
    JsonObject body = new JsonObject().put("kind", "gather").put("name", "g").put("timeout", 5).put("returnExceptions", true)
        .put("tasks", new io.vertx.core.json.JsonArray().add(new JsonObject().put("kind", "sleep").put("seconds", 1)
            .put("result", new JsonObject().put("b", 1).put("a", 2))).add("01ABC"));
    TaskSpec spec = TaskSpec.parse(body, CONFIG, trusting);
    assertEquals("{\"tasks\":[{\"seconds\":1.0,\"result\":{\"b\":1,\"a\":2},\"kind\":\"sleep\",\"loop\":\"default\"},\"01ABC\"],"
        + "\"returnExceptions\":true,\"kind\":\"gather\",\"loop\":\"default\",\"name\":\"g\",\"timeout\":5.0}", spec.echo().encode());
    assertEquals(List.of("tasks", "returnExceptions", "kind", "loop", "name", "timeout"), List.copyOf(spec.echo().fieldNames()));
    assertEquals(1.0, spec.echo().getJsonArray("tasks").getJsonObject(0).getDouble("seconds"));
    assertEquals(new JsonObject(spec.echo().encode()), spec.echo());
    assertEquals(spec.echo(), new JsonObject(spec.echo().encode()));
    assertTrue(spec.echo().containsKey("name"));
    assertEquals(null, spec.echo().getValue("raise"));
    assertThrows(UnsupportedOperationException.class, () -> spec.echo().put("kind", "work"));
    assertThrows(UnsupportedOperationException.class, () -> spec.echo().remove("kind"));
    JsonObject copy = spec.echo().copy();
    copy.put("kind", "work");
    assertEquals("work", copy.getString("kind"));
    assertEquals("gather", spec.echo().getString("kind"));
  }
}
