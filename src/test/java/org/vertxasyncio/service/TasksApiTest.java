package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /tasks}: submit each kind, get, list, cancel, delete, and {@code ?wait}. */
class TasksApiTest {
  static ServiceHarness svc;

  @BeforeAll
  static void start() throws Exception {
    svc = ServiceHarness.start(Map.of("loops", "default,other"));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void submitAnswers201WithLocationAndAPendingTask() {
    ServiceHarness.Resp r = svc.post("/tasks", sleep(0.2).put("result", "hi").put("name", "greeting")).expect(201);
    JsonObject t = r.json();
    assertEquals("/tasks/" + t.getString("id"), r.header("Location"));
    assertEquals(26, t.getString("id").length());
    assertEquals("greeting", t.getString("name"));
    assertEquals("sleep", t.getString("kind"));
    assertEquals("default", t.getString("loop"));
    assertEquals("pending", t.getString("state"));
    assertFalse(t.getBoolean("done"));
    for (String f : new String[] {"result", "exception", "createdAt", "doneAt", "children", "callbacks"}) {
      assertTrue(t.containsKey(f), "missing " + f);
    }
    JsonObject done = svc.awaitDone(t.getString("id"));
    assertEquals("finished", done.getString("state"));
    assertEquals("hi", done.getString("result"));
    assertNull(done.getValue("exception"));
    Instant created = Instant.parse(done.getString("createdAt"));
    Instant finished = Instant.parse(done.getString("doneAt"));
    assertTrue(!finished.isBefore(created.plusMillis(150)), "slept about 0.2 s: " + done);
    JsonArray cbs = done.getJsonArray("callbacks");
    assertEquals(1, cbs.size());
    assertEquals("record", cbs.getJsonObject(0).getString("callback"));
    assertNotNull(cbs.getJsonObject(0).getString("firedAt"));
  }

  @Test
  void everyTaskSaysWhichNodeRunsIt() {
    String node = svc.running.service().nodeId();
    assertTrue(node.matches(java.util.regex.Pattern.quote(org.vertxasyncio.service.config.NodeId.hostName())
        + "-[0-9a-f]{4}"), "no node.id: the host name and a random suffix (port 0 left out): " + node);
    JsonObject g = svc.submit(new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleep(0)).add(sleep(0))));
    assertEquals(node, g.getString("node"), "from its creation: " + g.encode());
    JsonObject done = svc.awaitDone(g.getString("id"));
    assertEquals(node, done.getString("node"));
    for (Object child : done.getJsonArray("children")) {
      assertEquals(node, svc.get("/tasks/" + child).expect(200).json().getString("node"), "its children too");
    }
    JsonArray listed = svc.get("/tasks?limit=5").expect(200).json().getJsonArray("tasks");
    assertFalse(listed.isEmpty());
    listed.forEach(t -> assertEquals(node, ((JsonObject) t).getString("node"), "in the listing too"));
  }

  @Test
  void defaultNamesAreAsyncioTaskN() {
    JsonObject t = svc.submit(sleep(0));
    assertTrue(t.getString("name").matches("Task-\\d+"), t.getString("name"));
  }

  @Test
  void idsAreTimeOrderedAndUnique() {
    Set<String> ids = new HashSet<>();
    String prev = "";
    for (int i = 0; i < 20; i++) {
      String id = svc.submit(sleep(0)).getString("id");
      assertTrue(id.compareTo(prev) > 0, id + " after " + prev);
      assertTrue(ids.add(id));
      prev = id;
    }
  }

  @Test
  void workRunsIteratedSha256InTheExecutor() throws Exception {
    JsonObject t = svc.submitAndWait(new JsonObject().put("kind", "work").put("iterations", 1000).put("input", "abc"), 10);
    assertEquals("finished", t.getString("state"), t.encode());
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] d = "abc".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 1000; i++) {
      d = md.digest(d);
    }
    assertEquals(HexFormat.of().formatHex(d), t.getString("result"));
  }

  @Test
  void raiseFinishesWithTheException() {
    JsonObject t = svc.submitAndWait(sleep(0.05).put("raise", "boom"), 10);
    assertEquals("finished", t.getString("state"));
    assertEquals(new JsonObject().put("type", "RaisedError").put("message", "boom"), t.getJsonObject("exception"));
    assertNull(t.getValue("result"));
  }

  @Test
  void timeoutEndsWithTimeoutError() {
    JsonObject t = svc.submitAndWait(sleep(30).put("timeout", 0.1), 10);
    assertTrue(t.getBoolean("done"));
    assertEquals("finished", t.getString("state"));
    assertEquals("TimeoutError", t.getJsonObject("exception").getString("type"));
  }

  @Test
  void gatherRunsChildrenConcurrentlyAndKeepsArgumentOrder() {
    JsonObject spec = new JsonObject().put("kind", "gather").put("tasks", new JsonArray()
        .add(sleep(1).put("result", "a")).add(sleep(0.5).put("result", "b")).add(sleep(0).put("result", "c")));
    long t0 = System.nanoTime();
    JsonObject t = svc.submitAndWait(spec, 20);
    double took = (System.nanoTime() - t0) / 1e9;
    assertEquals("finished", t.getString("state"), t.encode());
    assertEquals(new JsonArray().add("a").add("b").add("c"), t.getJsonArray("result"));
    assertTrue(took >= 1, "the gather waited for its longest child: " + took + " s");
    JsonArray children = t.getJsonArray("children");
    assertEquals(3, children.size());
    Instant[] doneAt = new Instant[3];
    for (int i = 0; i < 3; i++) {
      JsonObject c = svc.get("/tasks/" + children.getString(i)).expect(200).json();
      assertEquals(t.getString("id"), c.getString("parent"));
      assertEquals("finished", c.getString("state"));
      doneAt[i] = Instant.parse(c.getString("doneAt"));
    }
    // run one after the other they would finish in argument order; run together, the shortest sleep first
    assertTrue(doneAt[2].isBefore(doneAt[1]) && doneAt[1].isBefore(doneAt[0]), "children done at " + java.util.Arrays.toString(doneAt));
  }

  @Test
  void gatherWithoutReturnExceptionsFailsWithTheFirstException() {
    JsonObject spec = new JsonObject().put("kind", "gather").put("tasks", new JsonArray()
        .add(sleep(0.05).put("raise", "first")).add(sleep(0.3)));
    JsonObject t = svc.submitAndWait(spec, 10);
    assertEquals("RaisedError", t.getJsonObject("exception").getString("type"));
    assertEquals("first", t.getJsonObject("exception").getString("message"));
  }

  @Test
  void gatherWithReturnExceptionsPutsThemInTheResults() {
    JsonObject spec = new JsonObject().put("kind", "gather").put("returnExceptions", true).put("tasks", new JsonArray()
        .add(sleep(0.05).put("result", 1)).add(sleep(0.05).put("raise", "bad")));
    JsonObject t = svc.submitAndWait(spec, 10);
    assertEquals("finished", t.getString("state"));
    assertEquals(1, t.getJsonArray("result").getInteger(0));
    assertEquals("bad", t.getJsonArray("result").getJsonObject(1).getJsonObject("exception").getString("message"));
  }

  @Test
  void gatherAcceptsIdsOfExistingTasksOfItsLoop() {
    String a = svc.submit(sleep(0.2).put("result", "x")).getString("id");
    JsonObject spec = new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(a).add(sleep(0.1).put("result", "y")));
    JsonObject t = svc.submitAndWait(spec, 10);
    assertEquals(new JsonArray().add("x").add("y"), t.getJsonArray("result"));
    assertEquals(a, t.getJsonArray("children").getString(0));
  }

  @Test
  void gatherRefusesTasksOfAnotherLoop() {
    String a = svc.submit(sleep(0.1).put("loop", "other")).getString("id");
    JsonObject spec = new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(a));
    svc.post("/tasks", spec).expectError(400, "invalid_request", "tasks[0]");
    JsonObject child = new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleep(0).put("loop", "other")));
    svc.post("/tasks", child).expectError(400, "invalid_request", "tasks[0].loop");
  }

  @Test
  void cancelIsTaskCancel() {
    String id = svc.submit(sleep(30)).getString("id");
    assertEquals(true, svc.post("/tasks/" + id + "/cancel").expect(200).json().getBoolean("cancelled"));
    JsonObject t = svc.awaitDone(id);
    assertEquals("cancelled", t.getString("state"));
    assertEquals("CancelledError", t.getJsonObject("exception").getString("type"));
    // asyncio: cancelling a done task answers False
    assertEquals(false, svc.post("/tasks/" + id + "/cancel").expect(200).json().getBoolean("cancelled"));
    svc.post("/tasks/NOSUCHTASK/cancel").expectError(404, "not_found", null);
  }

  @Test
  void cancellingAGatherCancelsItsChildren() {
    JsonObject g = svc.submit(new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleep(30)).add(sleep(30))));
    svc.post("/tasks/" + g.getString("id") + "/cancel").expect(200);
    assertEquals("cancelled", svc.awaitDone(g.getString("id")).getString("state"));
    for (Object c : g.getJsonArray("children")) {
      assertEquals("cancelled", svc.awaitDone((String) c).getString("state"));
    }
  }

  @Test
  void deleteForgetsDoneTasksOnly() {
    String pending = svc.submit(sleep(30)).getString("id");
    svc.delete("/tasks/" + pending).expectError(409, "task_pending", null);
    svc.post("/tasks/" + pending + "/cancel").expect(200);
    svc.awaitDone(pending);
    svc.delete("/tasks/" + pending).expect(204);
    svc.get("/tasks/" + pending).expectError(404, "not_found", null);
    svc.delete("/tasks/" + pending).expectError(404, "not_found", null);
  }

  @Test
  void waitOnGetAnswersWhenDoneOrAtTheDeadline() throws Exception {
    // on a stopped loop the task is done exactly when the loop starts again, whatever the machine's speed
    svc.post("/loops", new JsonObject().put("name", "polled")).expect(201);
    svc.post("/loops/polled/stop").expect(200);
    String id = svc.submit(sleep(0).put("loop", "polled").put("result", 7)).getString("id");
    long t0 = System.nanoTime();
    JsonObject early = svc.get("/tasks/" + id + "?wait=0.2").expect(200).json();
    double waited = (System.nanoTime() - t0) / 1e9;
    assertFalse(early.getBoolean("done"), "the deadline came first");
    assertTrue(waited >= 0.2, "answered at its deadline, not before: " + waited + " s");

    CompletableFuture<HttpResponse<String>> poll = svc.client().sendAsync(
        HttpRequest.newBuilder(URI.create(svc.url("/tasks/" + id + "?wait=60"))).build(), HttpResponse.BodyHandlers.ofString());
    eventually("the long poll is held by the service", Duration.ofSeconds(30), () -> svc.activeRequests() == 1);
    assertFalse(poll.isDone(), "a long poll does not answer before its task is done");
    svc.post("/loops/polled/start").expect(200);
    // the deadline is 60 s away: an answer within 30 s came because the task was done
    HttpResponse<String> answered = poll.get(30, TimeUnit.SECONDS);
    assertEquals(200, answered.statusCode(), answered.body());
    JsonObject done = new JsonObject(answered.body());
    assertTrue(done.getBoolean("done"), done.encode());
    assertEquals(7, done.getInteger("result"));
  }

  @Test
  void waitOnSubmitAnswersWithTheDoneTask() {
    JsonObject t = svc.submitAndWait(sleep(0.1).put("result", true), 10);
    assertTrue(t.getBoolean("done"));
    assertEquals(true, t.getBoolean("result"));
  }

  @Test
  void manyLongPollsAtOnceHoldNoThread() throws Exception {
    // 50 concurrent ?wait requests on one HTTP event-loop thread: they can only all be answered if none blocks it
    String id = svc.submit(sleep(0.5).put("result", "ok")).getString("id");
    var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>>();
    for (int i = 0; i < 50; i++) {
      futures.add(svc.client().sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/tasks/" + id + "?wait=10"))).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()));
    }
    for (var f : futures) {
      JsonObject t = new JsonObject(f.get(15, java.util.concurrent.TimeUnit.SECONDS).body());
      assertEquals("ok", t.getString("result"));
    }
  }

  @Test
  void listIsNewestFirstFilteredAndPaged() {
    String name = "list-" + System.nanoTime();
    String[] ids = new String[5];
    for (int i = 0; i < 5; i++) {
      ids[i] = svc.submit(sleep(0).put("name", name)).getString("id");
    }
    for (String id : ids) {
      svc.awaitDone(id);
    }
    JsonObject p1 = svc.get("/tasks?name=" + name + "&limit=2").expect(200).json();
    assertEquals(ids[4], p1.getJsonArray("tasks").getJsonObject(0).getString("id"));
    assertEquals(ids[3], p1.getJsonArray("tasks").getJsonObject(1).getString("id"));
    String cursor = p1.getString("nextCursor");
    assertNotNull(cursor);
    JsonObject p2 = svc.get("/tasks?name=" + name + "&limit=2&cursor=" + cursor).expect(200).json();
    assertEquals(ids[2], p2.getJsonArray("tasks").getJsonObject(0).getString("id"));
    JsonObject p3 = svc.get("/tasks?name=" + name + "&limit=2&cursor=" + p2.getString("nextCursor")).expect(200).json();
    assertEquals(1, p3.getJsonArray("tasks").size());
    assertNull(p3.getValue("nextCursor"));

    String other = svc.submit(sleep(30).put("name", name).put("loop", "other")).getString("id");
    JsonObject pendingOther = svc.get("/tasks?name=" + name + "&state=pending&loop=other&kind=sleep").expect(200).json();
    assertEquals(1, pendingOther.getJsonArray("tasks").size());
    assertEquals(other, pendingOther.getJsonArray("tasks").getJsonObject(0).getString("id"));
    assertEquals(0, svc.get("/tasks?name=" + name + "&kind=work").json().getJsonArray("tasks").size());
    svc.post("/tasks/" + other + "/cancel").expect(200);
    svc.awaitDone(other);
    assertEquals(1, svc.get("/tasks?name=" + name + "&state=cancelled").json().getJsonArray("tasks").size());
    svc.get("/tasks?state=running").expectError(400, "invalid_request", "state");
  }

  @Test
  void aTaskOnAStoppedLoopRunsWhenTheLoopRunsAgain() {
    svc.post("/loops", new JsonObject().put("name", "parked")).expect(201);
    svc.post("/loops/parked/stop").expect(200);
    String id = svc.submit(sleep(0).put("loop", "parked").put("result", "later")).getString("id");
    assertFalse(svc.get("/tasks/" + id + "?wait=0.3").json().getBoolean("done"), "a stopped loop runs nothing");
    svc.post("/loops/parked/start").expect(200);
    assertEquals("later", svc.awaitDone(id).getString("result"));
  }
}
