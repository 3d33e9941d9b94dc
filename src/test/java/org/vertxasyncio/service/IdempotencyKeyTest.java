package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /tasks} with an {@code Idempotency-Key}, on the service's store (SQLite, or PostgreSQL in the
 * postgres-store run; {@link IdempotencyKeyMemoryTest} runs these on the memory store): a retry answers the task the
 * first request made and makes nothing; another body with the key is 422; a bad key is 400 naming the header.
 */
class IdempotencyKeyTest {
  static final String KEY = "Idempotency-Key";
  static ServiceHarness svc;

  static Map<String, Object> config() {
    return new HashMap<>(Map.of("loops", "default,other"));
  }

  @BeforeAll
  static void start() throws Exception {
    svc = ServiceHarness.start(config());
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  static String newKey() {
    return UUID.randomUUID().toString();
  }

  /** The tasks named {@code name}, as GET /tasks lists them. */
  static int tasksNamed(ServiceHarness s, String name) {
    return s.get("/tasks?name=" + name + "&limit=100").expect(200).json().getJsonArray("tasks").size();
  }

  @Test
  void aRetryWithTheKeyAnswersTheTaskTheFirstRequestMadeAndMakesNoOther() {
    String key = newKey();
    String name = "retried-" + key.substring(0, 8);
    ServiceHarness.Resp first = svc.post("/tasks", sleep(0.2).put("name", name).put("result", "once"), KEY, key).expect(201);
    assertNull(first.header("Idempotent-Replayed"), "the first answer is no replay");
    String id = first.json().getString("id");

    // the same body, its fields in another order
    JsonObject same = new JsonObject().put("result", "once").put("name", name).put("seconds", 0.2).put("kind", "sleep");
    ServiceHarness.Resp again = svc.post("/tasks", same, KEY, key).expect(201);
    assertEquals("true", again.header("Idempotent-Replayed"));
    assertEquals("/tasks/" + id, again.header("Location"));
    assertEquals(id, again.json().getString("id"));
    assertEquals(1, tasksNamed(svc, name), "one task made");

    svc.awaitDone(id);
    JsonObject now = svc.post("/tasks", same, KEY, key).expect(201).json();
    assertEquals("finished", now.getString("state"), "a replay shows the task as it is now: " + now.encode());
    assertEquals("once", now.getValue("result"));
    assertEquals(1, tasksNamed(svc, name));
  }

  @Test
  void aRetryWithWaitAnswersWhenTheTaskIsDone() {
    String key = newKey();
    String id = svc.post("/tasks", sleep(0.3).put("result", "waited"), KEY, key).expect(201).json().getString("id");
    JsonObject t = svc.post("/tasks?wait=10", sleep(0.3).put("result", "waited"), KEY, key).expect(201).json();
    assertEquals(id, t.getString("id"));
    assertTrue(t.getBoolean("done"), t.encode());
    assertEquals("waited", t.getValue("result"));
  }

  @Test
  void theKeyWithAnotherBodyIsRefusedWith422AndMakesNothing() {
    String key = newKey();
    String name = "reused-" + key.substring(0, 8);
    svc.post("/tasks", sleep(0).put("name", name), KEY, key).expect(201);
    JsonObject e = svc.post("/tasks", sleep(1).put("name", name), KEY, key).expectError(422, "idempotency_key_reused", KEY);
    assertTrue(e.getString("message").contains(key), e.encode());
    // another loop is another request too
    svc.post("/tasks", sleep(0).put("name", name).put("loop", "other"), KEY, key).expectError(422, "idempotency_key_reused", KEY);
    assertEquals(1, tasksNamed(svc, name));
  }

  @Test
  void aQuotedKeyIsTheSameKeyAsItsBareForm() {
    String key = newKey();
    String id = svc.post("/tasks", sleep(0), KEY, "\"" + key + "\"").expect(201).json().getString("id");
    ServiceHarness.Resp again = svc.post("/tasks", sleep(0), KEY, key).expect(201);
    assertEquals("true", again.header("Idempotent-Replayed"));
    assertEquals(id, again.json().getString("id"));
  }

  @Test
  void aBadKeyIsRefusedWith400NamingTheHeader() {
    String name = "bad-key-" + newKey().substring(0, 8);
    JsonObject spec = sleep(0).put("name", name);
    JsonObject tooLong = svc.post("/tasks", spec, KEY, "k".repeat(256)).expectError(400, "invalid_request", KEY);
    assertTrue(tooLong.getString("message").contains("limits.idempotency.key.max"), tooLong.encode());
    svc.post("/tasks", spec, KEY, "\"a\\\"b\"").expectError(400, "invalid_request", KEY);
    svc.post("/tasks", spec, KEY, "\"\"").expectError(400, "invalid_request", KEY);
    svc.post("/tasks", spec, KEY, "one", KEY, "two").expectError(400, "invalid_request", KEY);
    assertEquals(0, tasksNamed(svc, name), "nothing made");
    svc.post("/tasks", spec, KEY, "k".repeat(255)).expect(201);
  }

  @Test
  void aGatherMadeWithAKeyMakesItsChildrenOnce() {
    String key = newKey();
    String name = "kids-" + key.substring(0, 8);
    JsonObject gather = new JsonObject().put("kind", "gather").put("tasks", new JsonArray()
        .add(sleep(0.1).put("name", name)).add(sleep(0.1).put("name", name)));
    JsonObject first = svc.post("/tasks", gather, KEY, key).expect(201).json();
    JsonObject again = svc.post("/tasks", gather, KEY, key).expect(201).json();
    assertEquals(first.getString("id"), again.getString("id"));
    assertEquals(first.getJsonArray("children"), again.getJsonArray("children"));
    assertEquals(2, tasksNamed(svc, name), "two children, made once");
  }

  @Test
  void theKeyOfADeletedTaskMakesANewTask() {
    String key = newKey();
    String first = svc.post("/tasks?wait=10", sleep(0), KEY, key).expect(201).json().getString("id");
    svc.delete("/tasks/" + first).expect(204);
    ServiceHarness.Resp again = svc.post("/tasks", sleep(0), KEY, key).expect(201);
    assertNull(again.header("Idempotent-Replayed"), "a new task: " + again.body());
    assertNotEquals(first, again.json().getString("id"));
  }

  @Test
  void aParkedTaskIsAnsweredAgainAsTheStoreKeepsIt() {
    // due after store.horizon (60 s): kept in a durable store only, not in memory
    String key = newKey();
    JsonObject spec = sleep(600).put("result", "parked");
    String id = svc.post("/tasks", spec, KEY, key).expect(201).json().getString("id");
    ServiceHarness.Resp again = svc.post("/tasks", spec, KEY, key).expect(201);
    assertEquals("true", again.header("Idempotent-Replayed"));
    assertEquals(id, again.json().getString("id"));
    assertEquals("pending", again.json().getString("state"));
    svc.post("/tasks/" + id + "/cancel").expect(200);
  }

  @Test
  void concurrentRequestsWithOneKeyMakeOneTask() throws Exception {
    String key = newKey();
    String name = "racing-" + key.substring(0, 8);
    String body = sleep(0.5).put("name", name).encode();
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      HttpRequest r = HttpRequest.newBuilder(URI.create(svc.url("/tasks"))).timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/json").header(KEY, key).POST(HttpRequest.BodyPublishers.ofString(body)).build();
      sent.add(svc.client().sendAsync(r, HttpResponse.BodyHandlers.ofString()));
    }
    int made = 0;
    String id = null;
    for (CompletableFuture<HttpResponse<String>> f : sent) {
      HttpResponse<String> r = f.get();
      if (r.statusCode() == 409) {
        assertEquals("idempotency_key_in_use", new JsonObject(r.body()).getJsonObject("error").getString("code"));
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null), "a 409 says when to retry");
        continue;
      }
      assertEquals(201, r.statusCode(), r.body());
      String got = new JsonObject(r.body()).getString("id");
      if (r.headers().firstValue("Idempotent-Replayed").isEmpty()) {
        made++;
      }
      assertTrue(id == null || id.equals(got), "one task id for all: " + id + ", " + got);
      id = got;
    }
    assertEquals(1, made, "one request made the task");
    assertEquals(1, tasksNamed(svc, name));
  }

  @Test
  void requestsWithoutAKeyAreNotAffectedByOthersKeys() {
    String key = newKey();
    String name = "unkeyed-" + key.substring(0, 8);
    svc.post("/tasks", sleep(0).put("name", name), KEY, key).expect(201);
    svc.post("/tasks", sleep(0).put("name", name)).expect(201);
    svc.post("/tasks", sleep(0).put("name", name)).expect(201);
    assertEquals(3, tasksNamed(svc, name), "without a key, each request makes a task");
  }
}
