package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /loops}: list, create, get, start, stop, close, and a closed loop's 409. */
class LoopsApiTest {
  static ServiceHarness svc;

  @BeforeAll
  static void start() throws Exception {
    svc = ServiceHarness.start(Map.of("loops", "default,batch"));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void listShowsTheConfiguredLoops() {
    var loops = svc.get("/loops").expect(200).json().getJsonArray("loops");
    assertEquals("default", loops.getJsonObject(0).getString("name"));
    assertEquals("batch", loops.getJsonObject(1).getString("name"));
    JsonObject d = svc.get("/loops/default").expect(200).json();
    assertTrue(d.getBoolean("running"));
    assertFalse(d.getBoolean("closed"));
    assertTrue(d.getDouble("time") > 0);
    assertTrue(d.containsKey("pending") && d.containsKey("done"));
    svc.get("/loops/nope").expectError(404, "not_found", null);
  }

  @Test
  void createStartsANewLoop() {
    var r = svc.post("/loops", new JsonObject().put("name", "fresh")).expect(201);
    assertEquals("/loops/fresh", r.header("Location"));
    assertTrue(r.json().getBoolean("running"));
    svc.post("/loops", new JsonObject().put("name", "fresh")).expectError(409, "loop_exists", null);
    svc.post("/loops", new JsonObject().put("name", "bad name!")).expectError(400, "invalid_request", "name");
    JsonObject t = svc.submitAndWait(sleep(0.05).put("loop", "fresh").put("result", 1), 10);
    assertEquals(1, t.getInteger("result"));
    JsonObject l = svc.get("/loops/fresh").json();
    assertEquals(0, l.getInteger("pending"));
    assertEquals(1, l.getInteger("done"));
  }

  @Test
  void stopPausesTheLoopAndStartRunsItAgain() {
    svc.post("/loops", new JsonObject().put("name", "pausable")).expect(201);
    // stopped within 2 s of the submit (one request), then held stopped past the sleep's deadline
    String running = svc.submit(sleep(2).put("loop", "pausable").put("result", "r")).getString("id");
    JsonObject stopped = svc.post("/loops/pausable/stop").expect(200).json();
    assertFalse(stopped.getBoolean("running"));
    assertFalse(svc.get("/tasks/" + running + "?wait=2.5").json().getBoolean("done"), "its timer waits while stopped");
    assertEquals(1, svc.get("/loops/pausable").json().getInteger("pending"));
    svc.post("/loops/pausable/stop").expect(200); // stopping a stopped loop changes nothing
    assertTrue(svc.post("/loops/pausable/start").expect(200).json().getBoolean("running"));
    svc.post("/loops/pausable/start").expectError(409, "loop_running", null);
    assertEquals("r", svc.awaitDone(running).getString("result"));
  }

  @Test
  void aClosedLoopRefusesTasksWith409() {
    svc.post("/loops", new JsonObject().put("name", "doomed")).expect(201);
    String pending = svc.submit(sleep(30).put("loop", "doomed")).getString("id");
    JsonObject closed = svc.post("/loops/doomed/close").expect(200).json();
    assertTrue(closed.getBoolean("closed"));
    assertFalse(closed.getBoolean("running"));
    // closing cancelled the loop's task and let it finish, so nothing stays pending forever
    assertEquals("cancelled", svc.get("/tasks/" + pending).json().getString("state"));
    JsonObject e = svc.post("/tasks", sleep(0).put("loop", "doomed")).expectError(409, "loop_closed", null);
    assertEquals("Event loop is closed", e.getString("message"));
    svc.post("/loops/doomed/start").expectError(409, "loop_closed", null);
    svc.post("/loops/doomed/close").expect(200); // closing a closed loop does nothing
    // a wait over a closed loop's tasks still answers
    JsonObject w = svc.post("/wait", new JsonObject().put("tasks", new io.vertx.core.json.JsonArray().add(pending))).expect(200).json();
    assertEquals(pending, w.getJsonArray("done").getString(0));
  }

  @Test
  void closingAStoppedLoopRunsItToCancelItsTasks() {
    svc.post("/loops", new JsonObject().put("name", "parked")).expect(201);
    svc.post("/loops/parked/stop").expect(200);
    String id = svc.submit(sleep(30).put("loop", "parked")).getString("id");
    svc.post("/loops/parked/close").expect(200);
    assertEquals("cancelled", svc.get("/tasks/" + id).json().getString("state"));
  }
}
