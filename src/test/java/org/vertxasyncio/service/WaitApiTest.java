package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /wait}: asyncio.wait with each returnWhen, timeouts, and its errors. */
class WaitApiTest {
  static ServiceHarness svc;

  @BeforeAll
  static void start() throws Exception {
    svc = ServiceHarness.start(Map.of("loops", "default,other", "limits.wait.max", 60));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  private static JsonObject wait(JsonArray ids, String returnWhen, Double timeout) {
    JsonObject body = new JsonObject().put("tasks", ids);
    if (returnWhen != null) {
      body.put("returnWhen", returnWhen);
    }
    if (timeout != null) {
      body.put("timeout", timeout);
    }
    return svc.post("/wait", body).expect(200).json();
  }

  private static String id(JsonObject spec) {
    return svc.submit(spec).getString("id");
  }

  @Test
  void firstCompletedReturnsWithTheFirstDone() {
    String fast = id(sleep(0.1));
    String slow = id(sleep(30));
    JsonObject r = wait(new JsonArray().add(slow).add(fast), "FIRST_COMPLETED", null);
    assertEquals(new JsonArray().add(fast), r.getJsonArray("done"));
    assertEquals(new JsonArray().add(slow), r.getJsonArray("pending"));
    // a wait cancels nothing
    assertEquals("pending", svc.get("/tasks/" + slow).json().getString("state"));
    svc.post("/tasks/" + slow + "/cancel").expect(200);
  }

  @Test
  void firstExceptionReturnsWithTheFirstFailure() {
    String ok = id(sleep(0.05));
    String bad = id(sleep(0.2).put("raise", "x"));
    String slow = id(sleep(300));
    long t0 = System.nanoTime();
    JsonObject r = wait(new JsonArray().add(ok).add(bad).add(slow), "FIRST_EXCEPTION", 60.0);
    double took = (System.nanoTime() - t0) / 1e9;
    // the 60 s timeout would give the same sets: an answer well before it came at the failure
    assertTrue(took < 30, "answered at the failure, not at the timeout: " + took + " s");
    assertEquals(new JsonArray().add(ok).add(bad), r.getJsonArray("done"));
    assertEquals(new JsonArray().add(slow), r.getJsonArray("pending"));
    svc.post("/tasks/" + slow + "/cancel").expect(200);
  }

  @Test
  void allCompletedIsTheDefault() {
    String a = id(sleep(0.1));
    String b = id(sleep(0.2).put("raise", "x"));
    JsonObject r = wait(new JsonArray().add(a).add(b), null, null);
    assertEquals(new JsonArray().add(a).add(b), r.getJsonArray("done"));
    assertEquals(new JsonArray(), r.getJsonArray("pending"));
    JsonObject r2 = wait(new JsonArray().add(a).add(b), "ALL_COMPLETED", 5.0);
    assertEquals(2, r2.getJsonArray("done").size());
  }

  @Test
  void aTimeoutReturnsTheSetsAndCancelsNothing() {
    String slow = id(sleep(30));
    long t0 = System.nanoTime();
    JsonObject r = wait(new JsonArray().add(slow), "ALL_COMPLETED", 0.2);
    double took = (System.nanoTime() - t0) / 1e9;
    assertTrue(took >= 0.2, "answered at the timeout, not before: " + took + " s");
    assertEquals(new JsonArray(), r.getJsonArray("done"));
    assertEquals(new JsonArray().add(slow), r.getJsonArray("pending"));
    assertEquals("pending", svc.get("/tasks/" + slow).json().getString("state"));
    svc.post("/tasks/" + slow + "/cancel").expect(200);
  }

  @Test
  void errors() {
    String a = id(sleep(0.1));
    String b = id(sleep(0.1).put("loop", "other"));
    svc.post("/wait", new JsonObject().put("tasks", new JsonArray().add(a).add(b))).expectError(400, "invalid_request", "tasks[1]");
    svc.post("/wait", new JsonObject().put("tasks", new JsonArray().add(a).add("NOPE"))).expectError(404, "not_found", "tasks[1]");
    svc.post("/wait", new JsonObject().put("tasks", new JsonArray())).expectError(400, "invalid_request", "tasks");
    svc.post("/wait", new JsonObject().put("tasks", new JsonArray().add(a)).put("returnWhen", "SOMETIMES"))
        .expectError(400, "invalid_request", "returnWhen");
    svc.post("/wait", new JsonObject().put("tasks", new JsonArray().add(a)).put("timeout", -1)).expectError(400, "invalid_request", "timeout");
    svc.post("/wait", new JsonObject().put("tasks", new JsonArray().add(a)).put("timeout", 1000)).expectError(400, "invalid_request", "timeout");
    svc.post("/wait", new JsonObject()).expectError(400, "invalid_request", "tasks");
  }
}
