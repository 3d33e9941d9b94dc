package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every error status, as JSON, and no 500 for any input. */
class ErrorsApiTest {
  static ServiceHarness svc;

  @BeforeAll
  static void start() throws Exception {
    svc = ServiceHarness.start(Map.of("limits.body.max", 1024, "limits.sleep.max", 100, "limits.work.iterations.max", 1000,
        "limits.gather.children.max", 3));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void badRequestsNameTheFieldAndTheReason() {
    Object[][] cases = {
        {new JsonObject().put("seconds", 1), "kind", "is required"},
        {new JsonObject().put("kind", "nap"), "kind", "must be one of \"sleep\", \"work\", \"gather\""},
        // the body is a oneOf by kind: only the branch of the kind given is held against it
        {new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(new JsonObject().put("seconds", 1))),
            "tasks[0].kind", "is required"},
        {new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add("ABC").add(new JsonObject().put("kind", "gather")
            .put("tasks", new JsonArray().add(new JsonObject().put("kind", "sleep"))))), "tasks[1].tasks[0].seconds", "is required"},
        {new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleep(-1))), "tasks[0].seconds", "less than 0"},
        {new JsonObject().put("kind", "sleep"), "seconds", "required"},
        {sleep(-1), "seconds", "less than 0"},
        {sleep(101), "seconds", "limits.sleep.max"},
        {new JsonObject().put("kind", "sleep").put("seconds", "soon"), "seconds", "Expected number"},
        {sleep(1).put("iterations", 3), "iterations", "kind sleep"},
        {new JsonObject().put("kind", "work").put("iterations", 1.5), "iterations", "integer"},
        {new JsonObject().put("kind", "work").put("iterations", 1001), "iterations", "limits.work.iterations.max"},
        {new JsonObject().put("kind", "gather"), "tasks", "required"},
        {new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleep(1)).add(3)), "tasks[1]", "Expected"},
        {new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleep(0)).add(sleep(0)).add(sleep(0)).add(sleep(0))),
            "tasks", "limits.gather.children.max"},
        {new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleep(0)).add(sleep(0))
            .add(new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleep(0))))),
            "tasks[2].tasks[0]", "limits.gather.children.max"},
        {sleep(1).put("colour", "red"), "colour", "not a known field"},
        {sleep(1).put("timeout", -2), "timeout", "less than 0"},
        {sleep(1).put("loop", "has space"), "loop", "pattern"},
        {sleep(1).put("callbacks", new JsonArray().add(new JsonObject())), "callbacks[0].url", "required"},
        {sleep(1).put("callbacks", new JsonArray().add(new JsonObject().put("url", "not a url"))), "callbacks[0].url", "http"},
        {sleep(1).put("callbacks", new JsonArray().add(new JsonObject().put("url", "http://x").put("secret", "whsec_!!!"))),
            "callbacks[0].secret", "base64"},
    };
    for (Object[] c : cases) {
      JsonObject e = svc.post("/tasks", (JsonObject) c[0]).expectError(400, "invalid_request", (String) c[1]);
      assertTrue(e.getString("message").contains((String) c[2]), c[0] + " -> " + e.encode());
    }
    svc.send("POST", "/tasks", "{\"kind\":", "application/json").expectError(400, "invalid_request", "body");
    svc.send("POST", "/tasks", "[]", "application/json").expectError(400, "invalid_request", "body");
    svc.post("/tasks", null).expectError(400, "invalid_request", "body");
    svc.get("/tasks?limit=0").expectError(400, "invalid_request", "limit");
    svc.get("/tasks/x?wait=-1").expectError(400, "invalid_request", "wait");
    svc.get("/tasks/x?wait=soon").expectError(400, "invalid_request", "wait");
  }

  @Test
  void notFound() {
    svc.get("/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV").expectError(404, "not_found", null);
    svc.get("/no/such/thing").expectError(404, "not_found", null);
    svc.post("/tasks", sleep(0).put("loop", "nowhere")).expectError(404, "not_found", "loop");
    svc.post("/tasks", new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add("NOPE"))).expectError(404, "not_found", "tasks[0]");
  }

  @Test
  void methodNotAllowedSaysWhatIs() {
    var r = svc.send("PUT", "/tasks", "{}", "application/json");
    r.expectError(405, "method_not_allowed", null);
    assertTrue(r.header("Allow").contains("POST") && r.header("Allow").contains("GET"), r.header("Allow"));
    svc.send("PATCH", "/loops/default", null, null).expectError(405, "method_not_allowed", null);
    svc.send("DELETE", "/loops", null, null).expectError(405, "method_not_allowed", null);
  }

  @Test
  void tooLarge() {
    String big = sleep(1).put("result", "x".repeat(2000)).encode();
    svc.send("POST", "/tasks", big, "application/json").expectError(413, "payload_too_large", null);
  }

  @Test
  void unsupportedMediaType() {
    svc.send("POST", "/tasks", "kind=sleep", "application/x-www-form-urlencoded").expectError(415, "unsupported_media_type", null);
    svc.send("POST", "/tasks", sleep(1).encode(), "text/plain").expectError(415, "unsupported_media_type", null);
    svc.send("POST", "/tasks", sleep(0).encode(), "application/json; charset=utf-8").expect(201);
  }

  @Test
  void noInputGivesA500() {
    List<String> bodies = List.of("", "null", "0", "\"x\"", "{}", "{\"kind\":null}", "{\"kind\":\"sleep\",\"seconds\":1e308}",
        "{\"kind\":\"sleep\",\"seconds\":NaN}", "{\"kind\":\"gather\",\"tasks\":[[]]}", "{\"kind\":\"gather\",\"tasks\":[{\"kind\":\"gather\",\"tasks\":[{}]}]}",
        "{\"kind\":\"work\",\"iterations\":-5}", "{\"kind\":\"work\",\"iterations\":99999999999999999999999}",
        "{\"kind\":\"sleep\",\"seconds\":1,\"callbacks\":\"http://x\"}", "{\"kind\":\"sleep\",\"seconds\":1,\"name\":\"\"}",
        "{\"kind\":\"sleep\",\"seconds\":1,\"callbacks\":[{\"url\":\"http://\"}]}", "\u0000\u0001", "{\"a\":" .repeat(50),
        "{\"kind\":\"sleep\",\"seconds\":0,\"result\":{\"deep\":[1,2,{\"x\":null}]}}");
    for (String b : bodies) {
      var r = svc.send("POST", "/tasks", b, "application/json");
      assertTrue(r.status() < 500, b + " -> " + r.status() + " " + r.body());
      assertTrue(!r.body().contains("\tat "), r.body());
    }
    for (String path : List.of("/tasks?limit=abc", "/tasks?cursor=" + "z".repeat(60), "/tasks/%00", "/loops/%2F",
        "/events?lastEventId=x", "/tasks?state=", "/tasks/" + "a".repeat(100), "/wait", "/../etc/passwd")) {
      var r = svc.get(path);
      assertTrue(r.status() < 500, path + " -> " + r.status() + " " + r.body());
    }
    for (String b : List.of("{\"tasks\":\"x\"}", "{\"tasks\":[1]}", "{\"tasks\":[\"a\"],\"timeout\":\"x\"}", "x")) {
      var r = svc.send("POST", "/wait", b, "application/json");
      assertTrue(r.status() < 500 && r.status() >= 400, b + " -> " + r.status() + " " + r.body());
    }
    // and the service still works
    assertEquals("finished", svc.submitAndWait(sleep(0), 5).getString("state"));
  }

  @Test
  void tooManyPendingTasksIs429WithRetryAfter() throws Exception {
    try (ServiceHarness small = ServiceHarness.start(Map.of("limits.pending.max", 3))) {
      String a = small.submit(sleep(30)).getString("id");
      small.submit(sleep(30));
      // a gather of two new children needs three places
      var r = small.post("/tasks", new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleep(0)).add(sleep(0))));
      r.expectError(429, "too_many_requests", null);
      assertEquals("1", r.header("Retry-After"));
      small.submit(sleep(30));
      small.post("/tasks", sleep(0)).expectError(429, "too_many_requests", null);
      small.post("/tasks/" + a + "/cancel").expect(200);
      small.awaitDone(a);
      small.submit(sleep(0)); // a place is free again
    }
  }

  @Test
  void drainingAnswers503AndLetsInFlightRequestsFinish() throws Exception {
    ServiceHarness s = ServiceHarness.start(Map.of("shutdown.tasks", "finish", "shutdown.timeout", 10));
    try {
      String id = s.submit(sleep(1.0).put("result", "made it")).getString("id");
      CompletableFuture<HttpResponse<String>> poll = s.client().sendAsync(
          HttpRequest.newBuilder(URI.create(s.url("/tasks/" + id + "?wait=20"))).build(), HttpResponse.BodyHandlers.ofString());
      eventually("the long poll is being answered", Duration.ofSeconds(10), () -> s.activeRequests() >= 1);
      var shutdown = s.running.service().shutdown();
      eventually("the service is draining", Duration.ofSeconds(10), () -> s.running.service().draining());
      var refused = s.post("/tasks", sleep(0));
      refused.expectError(503, "shutting_down", null);
      s.get("/tasks").expectError(503, "shutting_down", null);
      assertEquals(503, s.get("/ready").status());
      HttpResponse<String> answered = poll.get(10, TimeUnit.SECONDS);
      assertEquals(200, answered.statusCode());
      assertEquals("made it", new JsonObject(answered.body()).getString("result"), "finish mode lets the task finish");
      shutdown.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertNotEquals(0, 1);
    } finally {
      s.close();
    }
  }
}
