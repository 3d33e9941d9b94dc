package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restarts of the real service on one data directory (graceful, with {@code shutdown.tasks} {@code keep}):
 * what was pending resumes as the README's "What survives a restart" says, what was done stays done, and
 * the memory store keeps nothing. The fault test with SIGKILL is {@code CrashRecoveryIT}.
 */
class RecoveryTest {
  @TempDir
  Path data;

  ServiceHarness start(Map<String, Object> more) throws Exception {
    Map<String, Object> c = new HashMap<>(more);
    c.put("store.path", data.toString());
    c.putIfAbsent("loops", "default,other");
    c.putIfAbsent("webhooks.allow", "127.0.0.1"); // the receivers are on loopback
    return ServiceHarness.start(c);
  }

  ServiceHarness start() throws Exception {
    return start(Map.of());
  }

  static Instant at(JsonObject t, String field) {
    return Instant.parse(t.getString(field));
  }

  @Test
  void aPendingSleepResumesAtItsAbsoluteDeadline() throws Exception {
    String id;
    Instant started;
    try (ServiceHarness svc = start()) {
      id = svc.submit(sleep(6).put("result", "hello")).getString("id");
      started = at(started(svc, id), "startedAt");
    }
    // down for half the sleep: a sleep that began again at the restart would end 3 s or more after its
    // deadline, so that is the bound that tells the two apart (real time is the point; a loaded machine
    // delays the finish, never by that much)
    downUntil(started.plusSeconds(3));
    try (ServiceHarness svc = start()) {
      JsonObject t = svc.get("/tasks/" + id).expect(200).json();
      assertEquals("pending", t.getString("state"), t.encode());
      assertEquals(1, t.getInteger("recoveries"));
      t = svc.get("/tasks/" + id + "?wait=10").json();
      assertEquals("finished", t.getString("state"), t.encode());
      assertEquals("hello", t.getString("result"));
      // its deadline is 6 s after it started, whenever the restart happened: never earlier; on time if
      // the service was back by then, else at once on recovery (and then it says how late)
      double afterDeadline = Duration.between(started.plusSeconds(6), at(t, "doneAt")).toMillis() / 1000.0;
      assertTrue(afterDeadline >= -0.01, "done " + afterDeadline + " s after its deadline: " + t.encode());
      Double late = t.getDouble("lateSeconds");
      assertTrue(afterDeadline < (late == null ? 3 : late + 3), "done " + afterDeadline + " s after its deadline: " + t.encode());
      assertEquals(1, count(t, "record"), "one record callback: " + t.encode());
    }
  }

  @Test
  void aSleepDueWhileDownFinishesAtOnceAndSaysHowLate() throws Exception {
    String id;
    Instant deadline;
    try (ServiceHarness svc = start()) {
      // long enough that the service stops before it is due, however loaded the machine
      id = svc.submit(sleep(2).put("result", 7)).getString("id");
      deadline = at(started(svc, id), "startedAt").plusSeconds(2);
    }
    downUntil(deadline.plusMillis(800)); // the service is down past the sleep's deadline: real time is the point
    try (ServiceHarness svc = start()) {
      JsonObject t = svc.get("/tasks/" + id + "?wait=5").json();
      assertEquals("finished", t.getString("state"), t.encode());
      assertEquals(7, t.getInteger("result"));
      assertNotNull(t.getValue("lateSeconds"), "it was due while the service was down: " + t.encode());
      double late = t.getDouble("lateSeconds");
      assertTrue(late >= 0.5 && late < 30, "late by " + late);
      Duration sinceDeadline = Duration.between(deadline, at(t, "doneAt"));
      assertTrue(Math.abs(sinceDeadline.toMillis() / 1000.0 - late) < 5, "lateSeconds " + late + " vs " + sinceDeadline);
    }
  }

  @Test
  void aTimeoutKeepsItsAbsoluteDeadline() throws Exception {
    String timedOut;
    String beatsTimeout;
    Instant deadline;
    try (ServiceHarness svc = start()) {
      // long enough that the service stops before it times out, however loaded the machine
      timedOut = svc.submit(sleep(30).put("timeout", 3)).getString("id");
      beatsTimeout = svc.submit(sleep(0.3).put("result", "first").put("timeout", 0.5)).getString("id");
      deadline = at(started(svc, timedOut), "startedAt").plusSeconds(3);
      started(svc, beatsTimeout);
    }
    downUntil(deadline.plusMillis(500)); // the service is down past both deadlines: real time is the point
    try (ServiceHarness svc = start()) {
      JsonObject t = svc.get("/tasks/" + timedOut + "?wait=5").json();
      assertEquals("TimeoutError", t.getJsonObject("exception").getString("type"), t.encode());
      assertNotNull(t.getValue("lateSeconds"), "it timed out while the service was down: " + t.encode());
      assertTrue(t.getDouble("lateSeconds") > 0.2, t.encode());
      JsonObject b = svc.get("/tasks/" + beatsTimeout + "?wait=5").json();
      assertEquals("first", b.getString("result"), "its sleep was due before its timeout: " + b.encode());
    }
  }

  @Test
  void workRunsAgainAndAGatherAwaitsItsRecoveredChildren() throws Exception {
    String gid;
    JsonArray children;
    String doneBefore;
    try (ServiceHarness svc = start()) {
      doneBefore = svc.submitAndWait(new JsonObject().put("kind", "work").put("iterations", 3).put("input", "x"), 5).getString("id");
      JsonObject g = svc.submit(new JsonObject().put("kind", "gather").put("returnExceptions", true).put("tasks", new JsonArray()
          .add(sleep(2.5).put("result", "a"))
          .add(new JsonObject().put("kind", "work").put("iterations", 5).put("input", "abc"))
          .add(sleep(0.05).put("raise", "boom"))
          .add(doneBefore)));
      gid = g.getString("id");
      children = g.getJsonArray("children");
      // kept as it stands: the raising child and the work done, the long sleep started
      JsonArray kids = children;
      eventually("two children are done and the long sleep has started", Duration.ofSeconds(10), () ->
          svc.get("/tasks/" + kids.getString(1)).json().getBoolean("done")
              && svc.get("/tasks/" + kids.getString(2)).json().getBoolean("done")
              && svc.get("/tasks/" + kids.getString(0)).json().getValue("startedAt") != null);
    }
    try (ServiceHarness svc = start()) {
      JsonObject g = svc.get("/tasks/" + gid + "?wait=10").json();
      assertEquals("finished", g.getString("state"), g.encode());
      assertEquals(children, g.getJsonArray("children"), "the same children");
      JsonArray r = g.getJsonArray("result");
      assertEquals("a", r.getString(0));
      assertEquals(sha("abc", 5), r.getString(1));
      assertEquals(new JsonObject().put("exception", new JsonObject().put("type", "RaisedError").put("message", "boom")),
          r.getJsonObject(2), "a child done before the restart gives its kept exception");
      assertEquals(sha("x", 3), r.getString(3));
      assertEquals(1, g.getInteger("recoveries"));
      JsonObject raised = svc.get("/tasks/" + children.getString(2)).json();
      assertEquals(0, raised.getInteger("recoveries"), "done before the restart: not run again " + raised.encode());
      assertEquals(1, count(raised, "record"));
    }
  }

  @Test
  void aTaskKeepsTheNodeThatRanItAndAResumedOneTakesTheNodeThatResumesIt() throws Exception {
    String doneBefore;
    String pending;
    try (ServiceHarness svc = start(Map.of("node.id", "before-1"))) {
      doneBefore = svc.submitAndWait(sleep(0).put("result", 1), 5).getString("id");
      pending = svc.submit(sleep(30)).getString("id");
      assertEquals("before-1", started(svc, pending).getString("node"));
    }
    try (ServiceHarness svc = start(Map.of("node.id", "after-2"))) {
      assertEquals("before-1", svc.get("/tasks/" + doneBefore).expect(200).json().getString("node"),
          "done before the restart: the node that ran it");
      JsonObject resumed = svc.get("/tasks/" + pending).expect(200).json();
      assertEquals(1, resumed.getInteger("recoveries"), resumed.encode());
      assertEquals("after-2", resumed.getString("node"), "resumed: the node that runs it now");
      svc.post("/tasks/" + pending + "/cancel").expect(200);
      svc.awaitDone(pending);
    }
    try (ServiceHarness svc = start(Map.of("node.id", "third-3"))) {
      assertEquals("after-2", svc.get("/tasks/" + pending).expect(200).json().getString("node"),
          "the node that ran it to its end, as the store kept it");
    }
  }

  @Test
  void aTaskKeptBeforeNodesWereRecordedIsShownWithTheNodeThatHasTheStore() throws Exception {
    String id;
    // the SQLite store, whose rows from before its migration 3 have no node
    try (ServiceHarness svc = start(Map.of("node.id", "first-1", "store.type", "sqlite"))) {
      id = svc.submitAndWait(sleep(0), 5).getString("id");
    }
    // the row as a build before node ids wrote it: no node column value, no node in the record
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:"
        + data.resolve(org.vertxasyncio.service.store.SqliteTaskStore.FILE_NAME));
        java.sql.Statement st = c.createStatement()) {
      assertEquals(1, st.executeUpdate("UPDATE tasks SET node = NULL, record = json_remove(record, '$.node')"));
    }
    try (ServiceHarness svc = start(Map.of("node.id", "second-2", "store.type", "sqlite"))) {
      JsonObject t = svc.get("/tasks/" + id).expect(200).json();
      assertEquals("second-2", t.getString("node"), "the only node the store had then is the one that has it now: " + t.encode());
    }
  }

  @Test
  void loopsComeBackInTheirStates() throws Exception {
    String onStopped;
    try (ServiceHarness svc = start(Map.of("loops", "default,other,third"))) {
      svc.post("/loops/other/stop").expect(200);
      onStopped = svc.submit(sleep(0).put("loop", "other").put("result", "later")).getString("id");
      svc.post("/loops/third/close").expect(200);
      svc.post("/loops", new JsonObject().put("name", "made")).expect(201);
    }
    try (ServiceHarness svc = start(Map.of("loops", "default,other,third"))) {
      assertTrue(svc.get("/loops/third").json().getBoolean("closed"), "a closed loop stays closed");
      svc.post("/tasks", sleep(0).put("loop", "third")).expectError(409, "loop_closed", null);
      assertFalse(svc.get("/loops/other").json().getBoolean("running"), "a stopped loop stays stopped");
      assertTrue(svc.get("/loops/made").json().getBoolean("running"), "a loop made by POST /loops is made again");
      assertEquals("pending", svc.get("/tasks/" + onStopped).json().getString("state"));
      svc.post("/loops/other/start").expect(200);
      assertEquals("later", svc.get("/tasks/" + onStopped + "?wait=5").json().getString("result"));
    }
  }

  @Test
  void eventIdsKeepIncreasingAcrossRestarts() throws Exception {
    long before;
    try (ServiceHarness svc = start()) {
      svc.submitAndWait(sleep(0), 5);
      before = lastEventId(svc);
      assertTrue(before >= 3, "created, started, done...: " + before);
    }
    try (ServiceHarness svc = start()) {
      svc.submitAndWait(sleep(0), 5);
      try (SseClient sse = new SseClient(svc.url("/events"), Long.toString(before))) {
        assertEquals(200, sse.status().code());
        SseClient.Event e = sse.next(Duration.ofSeconds(5));
        assertTrue(e.id() > before, "event " + e.id() + " after a restart, the last before it was " + before);
      }
    }
    try (ServiceHarness svc = start()) {
      assertTrue(lastEventId(svc) > before);
    }
  }

  @Test
  void deletedAndExpiredTasksAreForgottenByTheStoreToo() throws Exception {
    String deleted;
    String kept;
    try (ServiceHarness svc = start()) {
      deleted = svc.submitAndWait(sleep(0), 5).getString("id");
      kept = svc.submitAndWait(sleep(0), 5).getString("id");
      svc.delete("/tasks/" + deleted).expect(204);
    }
    try (ServiceHarness svc = start()) {
      svc.get("/tasks/" + deleted).expectError(404, "not_found", null);
      assertEquals("finished", svc.get("/tasks/" + kept).expect(200).json().getString("state"));
    }
    try (ServiceHarness svc = start(Map.of("retention.seconds", 0.2))) {
      eventually("the retention sweep forgets the kept task", Duration.ofSeconds(10),
          () -> svc.get("/tasks/" + kept).status() == 404);
    }
    try (ServiceHarness svc = start()) {
      svc.get("/tasks/" + kept).expectError(404, "not_found", null);
    }
  }

  @Test
  void anUnacknowledgedWebhookIsDeliveredAfterARestartWithTheSameId() throws Exception {
    AtomicInteger answer = new AtomicInteger(503);
    List<String[]> got = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", ex -> {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      got.add(new String[] {ex.getRequestHeaders().getFirst("webhook-id"), body});
      ex.sendResponseHeaders(answer.get(), -1);
      ex.close();
    });
    receiver.start();
    try {
      String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
      Map<String, Object> slowRetries = Map.of("webhook.retry.backoff.initial", 30, "webhook.retry.jitter", 0,
          "shutdown.timeout", 0.5);
      String id;
      try (ServiceHarness svc = start(slowRetries)) {
        id = svc.submit(sleep(0).put("callbacks", new JsonArray().add(new JsonObject().put("url", url)))).getString("id");
        eventually("the receiver gets the first attempt", Duration.ofSeconds(10), () -> !got.isEmpty());
        assertEquals(1, got.size(), "the first attempt, refused");
        eventually("the service logs the refused attempt", Duration.ofSeconds(10), () -> !svc.get("/tasks/" + id).json()
            .getJsonArray("callbacks").getJsonObject(1).getJsonArray("attempts").isEmpty());
      }
      answer.set(204);
      try (ServiceHarness svc = start()) {
        JsonObject entry = eventually("the webhook is delivered after the restart", Duration.ofSeconds(10),
            () -> svc.get("/tasks/" + id).json().getJsonArray("callbacks").getJsonObject(1),
            e -> "delivered".equals(e.getString("outcome")));
        assertNotNull(entry);
        assertEquals("delivered", entry.getString("outcome"), entry.encode());
        assertEquals(2, got.size());
        assertEquals(got.get(0)[0], got.get(1)[0], "the same delivery id");
        assertEquals(entry.getString("deliveryId"), got.get(1)[0]);
        JsonArray attempts = entry.getJsonArray("attempts");
        assertEquals(2, attempts.size(), attempts.encode());
        assertEquals(503, attempts.getJsonObject(0).getInteger("status"));
        assertEquals(2, attempts.getJsonObject(1).getInteger("attempt"), "numbered on from the kept attempts");
        assertEquals(new JsonObject(got.get(0)[1]).getString("doneAt"), new JsonObject(got.get(1)[1]).getString("doneAt"),
            "the same finish, told twice");
      }
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void aRedeliveryCutShortByARestartGoesOnWithTheAttemptsItHadLeft() throws Exception {
    java.util.concurrent.atomic.AtomicBoolean slowDown = new java.util.concurrent.atomic.AtomicBoolean();
    List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", ex -> {
      ex.getRequestBody().readAllBytes();
      attemptsSeen.add(attemptsSeen.size() + 1);
      if (slowDown.get()) {
        ex.getResponseHeaders().add("Retry-After", "30"); // the next attempt is due after the restart
      }
      ex.sendResponseHeaders(503, -1);
      ex.close();
    });
    receiver.start();
    try {
      String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
      Map<String, Object> threeQuickAttempts = Map.of("webhook.retry.attempts", 3, "webhook.retry.backoff.initial", 0.01,
          "webhook.retry.jitter", 0, "shutdown.timeout", 0.5);
      String id;
      try (ServiceHarness svc = start(threeQuickAttempts)) {
        id = svc.submit(sleep(0).put("callbacks", new JsonArray().add(new JsonObject().put("url", url)))).getString("id");
        JsonObject entry = webhookEntry(svc, id, e -> "failed".equals(e.getString("outcome")));
        assertEquals(3, entry.getJsonArray("attempts").size(), entry.encode());
        slowDown.set(true);
        svc.post("/tasks/" + id + "/callbacks/1/redeliver").expect(202);
        entry = webhookEntry(svc, id, e -> e.getJsonArray("attempts").size() == 4);
        assertEquals("pending", entry.getString("outcome"), "the redelivery's first attempt failed, its second is due in 30 s");
      }
      slowDown.set(false);
      try (ServiceHarness svc = start(threeQuickAttempts)) {
        JsonObject entry = webhookEntry(svc, id, e -> "failed".equals(e.getString("outcome")));
        JsonArray attempts = entry.getJsonArray("attempts");
        assertEquals(6, attempts.size(), "the redelivery made its 3 attempts, 1 before the restart and 2 after: " + entry.encode());
        for (int i = 0; i < attempts.size(); i++) {
          assertEquals(i + 1, attempts.getJsonObject(i).getInteger("attempt"), attempts.encode());
        }
        assertEquals(6, attemptsSeen.size(), "the receiver saw each attempt");
      }
    } finally {
      receiver.stop(0);
    }
  }

  /** The task's webhook entry ({@code callbacks[1]}) once {@code until} holds of it (30 s at most: generous, a loaded machine delays the attempts). */
  static JsonObject webhookEntry(ServiceHarness svc, String id, java.util.function.Predicate<JsonObject> until) {
    return eventually("the webhook entry of " + id + " comes to the expected state", Duration.ofSeconds(30), () -> {
      JsonArray log = svc.get("/tasks/" + id).json().getJsonArray("callbacks");
      return log.size() > 1 ? log.getJsonObject(1) : null;
    }, entry -> entry != null && until.test(entry));
  }

  @Test
  void taskNamesKeepCountingAcrossRestarts() throws Exception {
    List<String> names = new java.util.ArrayList<>();
    try (ServiceHarness svc = start()) {
      names.add(svc.submit(sleep(0)).getString("name"));
      assertEquals("greet", svc.submit(sleep(0).put("name", "greet")).getString("name"));
      JsonObject gather = svc.submit(new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleep(0)).add(sleep(0))));
      names.add(gather.getString("name"));
      for (Object child : gather.getJsonArray("children")) {
        names.add(svc.get("/tasks/" + child).json().getString("name"));
      }
    }
    assertEquals(List.of("Task-1", "Task-2", "Task-3", "Task-4"), names, "a gather is named before its children");
    try (ServiceHarness svc = start()) {
      String after = svc.submit(sleep(0)).getString("name");
      assertEquals("Task-" + (org.vertxasyncio.service.tasks.TaskNames.BLOCK + 1), after,
          "on after the block the previous run reserved");
      names.add(after);
      for (String name : names) {
        assertEquals(1, svc.get("/tasks?name=" + name).json().getJsonArray("tasks").size(), name + " names one task");
      }
    }
  }

  @Test
  void theMemoryStoreKeepsNothingByDesign() throws Exception {
    String id;
    try (ServiceHarness svc = start(Map.of("store.type", "memory"))) {
      id = svc.submit(sleep(30)).getString("id");
    }
    try (ServiceHarness svc = start(Map.of("store.type", "memory"))) {
      svc.get("/tasks/" + id).expectError(404, "not_found", null);
      assertEquals(0, svc.get("/tasks").json().getJsonArray("tasks").size());
    }
  }

  @Test
  void shutdownWithCancelKeepsTheTasksCancelled() throws Exception {
    String id;
    try (ServiceHarness svc = start(Map.of("shutdown.tasks", "cancel"))) {
      id = svc.submit(sleep(30)).getString("id");
      started(svc, id);
    }
    try (ServiceHarness svc = start()) {
      JsonObject t = svc.get("/tasks/" + id).json();
      assertEquals("cancelled", t.getString("state"), t.encode());
      assertEquals(0, t.getInteger("recoveries"));
    }
  }

  /** The task once it has started. */
  /** Sleeps until the wall clock has passed {@code instant}. */
  static void downUntil(Instant instant) throws InterruptedException {
    long millis = Duration.between(Instant.now(), instant).toMillis();
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }

  static JsonObject started(ServiceHarness svc, String id) {
    return eventually("task " + id + " has started", Duration.ofSeconds(10), () -> svc.get("/tasks/" + id).json(),
        t -> t.getValue("startedAt") != null);
  }

  static long lastEventId(ServiceHarness svc) throws Exception {
    try (SseClient sse = new SseClient(svc.url("/events"), null)) {
      sse.status();
      String comment = sse.nextComment(Duration.ofSeconds(5));
      while (!comment.contains("last event id")) {
        comment = sse.nextComment(Duration.ofSeconds(5));
      }
      return Long.parseLong(comment.substring(comment.lastIndexOf(' ') + 1));
    }
  }

  static int count(JsonObject task, String callback) {
    int n = 0;
    for (Object o : task.getJsonArray("callbacks")) {
      if (callback.equals(((JsonObject) o).getString("callback"))) {
        n++;
      }
    }
    return n;
  }

  static String sha(String input, int rounds) throws Exception {
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    byte[] d = input.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < rounds; i++) {
      d = md.digest(d);
    }
    return java.util.HexFormat.of().formatHex(d);
  }
}
