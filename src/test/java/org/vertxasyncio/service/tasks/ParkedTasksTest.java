package org.vertxasyncio.service.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vertxasyncio.service.ServiceHarness;
import org.vertxasyncio.testing.Postgres;

/**
 * Timers in the store ({@code store.horizon}): a sleep due later than the horizon is parked (its row only: no
 * coroutine, no lease), staged before it is due and finished at its absolute deadline, on the SQLite store (one
 * node) and the PostgreSQL store (nodes sharing a schema). Real services on real ports; horizons of a second or
 * two, so that real time stays short.
 */
class ParkedTasksTest {
  static final Duration SOON = Duration.ofSeconds(20);
  final String schema = Postgres.newSchema();
  Path dir;

  @AfterEach
  void cleanUp() throws Exception {
    Postgres.drop(schema);
    if (dir != null) {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** A node of {@code store} ({@code sqlite}: on this test's data directory; {@code postgres}: on its schema). */
  Map<String, Object> node(String store, String id) throws Exception {
    Map<String, Object> c = new HashMap<>();
    c.put("store.horizon", 1);
    c.put("node.id", id);
    c.put("shutdown.timeout", 2);
    if ("postgres".equals(store)) {
      c.put("store.type", "postgres");
      c.put("store.postgres.url", Postgres.URL);
      c.put("store.postgres.schema", schema);
      c.put("cluster.lease", 3);
      c.put("cluster.heartbeat", 0.2);
    } else {
      if (dir == null) {
        dir = Files.createTempDirectory("vertx-asyncio-parked-");
      }
      c.put("store.type", "sqlite");
      c.put("store.path", dir.toString());
    }
    return c;
  }

  /** A gauge of the service's {@code /metrics}: {@code name{...labels} value}. */
  static double gauge(ServiceHarness svc, String name, String labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$").matcher(svc.get("/metrics").expect(200).body());
    while (m.find()) {
      if (labels == null || m.group(1).contains(labels)) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError(name + " {" + labels + "} is not in /metrics");
  }

  static double parked(ServiceHarness svc) {
    return gauge(svc, "asyncio_tasks_parked", null);
  }

  /** Tasks in the service's memory that are pending. */
  static double pendingInMemory(ServiceHarness svc) {
    return gauge(svc, "asyncio_tasks", "state=\"pending\"");
  }

  static Instant at(JsonObject task, String field) {
    return Instant.parse(task.getString(field));
  }

  /** Polls the task (no long poll: that would bring it in) until it is done. */
  static JsonObject doneWithoutWaiting(ServiceHarness svc, String id) {
    return eventually("task " + id + " is done", SOON, () -> svc.get("/tasks/" + id).expect(200).json(),
        t -> t.getBoolean("done"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void aFarSleepIsParkedThenStagedAndFinishesAtItsDeadlineNotBefore(String store) throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(node(store, "n1"))) {
      JsonObject made = svc.submit(sleep(3).put("result", "on time"));
      String id = made.getString("id");
      assertEquals("pending", made.getString("state"));
      assertEquals(1.0, parked(svc), "the sleep is parked");
      assertEquals(0.0, pendingInMemory(svc), "no coroutine holds it");
      assertEquals(0, svc.get("/loops/default").expect(200).json().getInteger("pending"));
      JsonObject read = svc.get("/tasks/" + id).expect(200).json();
      assertEquals("pending", read.getString("state"));
      assertFalse(read.getBoolean("done"));
      assertEquals(made.getString("startedAt"), read.getString("startedAt"), "its deadline runs from its creation");
      JsonArray listed = svc.get("/tasks?state=pending").expect(200).json().getJsonArray("tasks");
      assertEquals(read, listed.getJsonObject(0), "listed as it reads");

      JsonObject done = doneWithoutWaiting(svc, id);
      assertEquals("finished", done.getString("state"));
      assertEquals("on time", done.getValue("result"));
      assertFalse(at(done, "doneAt").isBefore(at(made, "startedAt").plusSeconds(3)), "not early: " + done.encode());
      assertNull(done.getValue("lateSeconds"), "staged before its deadline, so not late: " + done.encode());
      assertEquals(0, done.getInteger("recoveries"), "staging is no recovery");
      assertEquals(0.0, parked(svc));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void aParkedTaskSurvivesARestartAndFinishesAtItsDeadline(String store) throws Exception {
    String id;
    Instant started;
    try (ServiceHarness svc = ServiceHarness.start(node(store, "n1"))) {
      JsonObject made = svc.submit(sleep(4).put("result", "kept"));
      id = made.getString("id");
      started = at(made, "startedAt");
      assertEquals(1.0, parked(svc));
    }
    try (ServiceHarness again = ServiceHarness.start(node(store, "n1"))) {
      JsonObject read = again.get("/tasks/" + id).expect(200).json();
      assertEquals("pending", read.getString("state"), read.encode());
      JsonObject done = doneWithoutWaiting(again, id);
      assertEquals("kept", done.getValue("result"));
      assertFalse(at(done, "doneAt").isBefore(started.plusSeconds(4)), "not early: " + done.encode());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void aCancelOfAParkedTaskAnswersTrueAndItEndsCancelled(String store) throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(node(store, "n1"))) {
      String id = svc.submit(sleep(600)).getString("id");
      assertEquals(1.0, parked(svc));
      assertEquals(true, svc.post("/tasks/" + id + "/cancel").expect(200).json().getBoolean("cancelled"));
      JsonObject done = svc.awaitDone(id);
      assertEquals("cancelled", done.getString("state"));
      assertEquals(false, svc.post("/tasks/" + id + "/cancel").expect(200).json().getBoolean("cancelled"),
          "done: a second cancel does nothing, as asyncio's");
      eventually("nothing is parked", SOON, () -> parked(svc) == 0.0);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void aLongPollAWaitAndAGatherFollowAParkedTaskToItsEnd(String store) throws Exception {
    Map<String, Object> c = node(store, "n1");
    c.put("store.horizon", 2);
    try (ServiceHarness svc = ServiceHarness.start(c)) {
      String polled = svc.submit(sleep(3).put("result", "polled")).getString("id");
      String waited = svc.submit(sleep(3).put("result", "waited")).getString("id");
      String gathered = svc.submit(sleep(3).put("result", "gathered")).getString("id");
      assertEquals(3.0, parked(svc));

      JsonObject wait = svc.post("/wait", new JsonObject().put("tasks", new JsonArray().add(waited)).put("timeout", 20))
          .expect(200).json();
      assertEquals(new JsonArray().add(waited), wait.getJsonArray("done"), wait.encode());
      JsonObject g = svc.post("/tasks?wait=20", new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(gathered)))
          .expect(201).json();
      assertEquals(new JsonArray().add("gathered"), g.getJsonArray("result"), g.encode());
      JsonObject p = svc.get("/tasks/" + polled + "?wait=20").expect(200).json();
      assertTrue(p.getBoolean("done"), p.encode());
      assertEquals("polled", p.getValue("result"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void closingALoopCancelsItsParkedTasks(String store) throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(node(store, "n1"))) {
      svc.post("/loops", new JsonObject().put("name", "batch")).expect(201);
      String id = svc.submit(sleep(600).put("loop", "batch")).getString("id");
      String other = svc.submit(sleep(600)).getString("id");
      assertEquals(2.0, parked(svc));
      svc.post("/loops/batch/close").expect(200);
      assertEquals("cancelled", doneWithoutWaiting(svc, id).getString("state"));
      assertEquals("pending", svc.get("/tasks/" + other).expect(200).json().getString("state"), "another loop's stays parked");
      eventually("one task is parked", SOON, () -> parked(svc) == 1.0);
    }
  }

  @Test
  void onOneNodeALongPollOnATaskParkedBeyondItsWaitAnswersItPendingOnceTheWaitIsOver() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(node("sqlite", "n1"))) {
      String id = svc.submit(sleep(600)).getString("id");
      long t0 = System.nanoTime();
      JsonObject p = svc.get("/tasks/" + id + "?wait=0.5").expect(200).json();
      assertTrue(System.nanoTime() - t0 >= 500_000_000L, "the poll lasted its wait");
      assertEquals("pending", p.getString("state"));
      assertEquals(1.0, parked(svc), "still parked: it cannot finish within the wait");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void parkedTasksHaveALimitOfTheirOwnAndADeleteOfOneIsAConflict(String store) throws Exception {
    Map<String, Object> c = node(store, "n1");
    c.put("limits.parked.max", 2);
    c.put("limits.pending.max", 1);
    try (ServiceHarness svc = ServiceHarness.start(c)) {
      String first = svc.submit(sleep(600)).getString("id");
      svc.submit(sleep(600));
      JsonObject e = svc.post("/tasks", sleep(600)).expectError(429, "too_many_requests", null);
      assertTrue(e.getString("message").contains("limits.parked.max"), e.encode());
      // the pending-task budget counts what is in memory only: a near sleep still has its place
      assertEquals("near", svc.submitAndWait(sleep(0.1).put("result", "near"), 10).getValue("result"));
      svc.delete("/tasks/" + first).expectError(409, "task_pending", null);
      assertEquals("pending", svc.get("/tasks/" + first).expect(200).json().getString("state"));
    }
  }

  @Test
  void onTwoNodesAParkedTaskOfANodeThatLeftIsStagedByItsPeerAndFinishesOnTime() throws Exception {
    JsonObject made;
    try (ServiceHarness b = ServiceHarness.start(node("postgres", "b"))) {
      try (ServiceHarness a = ServiceHarness.start(node("postgres", "a"))) {
        made = a.submit(sleep(3).put("result", "b ran it"));
        assertEquals(0.0, pendingInMemory(a), "a holds nothing of it");
        assertEquals(0.0, pendingInMemory(b), "b neither, until it is due");
        assertEquals(1L, Postgres.value("SELECT count(*) FROM " + schema + ".tasks WHERE parked_until IS NOT NULL AND owner IS NULL"));
      }
      String id = made.getString("id");
      JsonObject done = doneWithoutWaiting(b, id);
      assertEquals("b ran it", done.getValue("result"));
      assertEquals("b", done.getString("node"));
      assertFalse(at(done, "doneAt").isBefore(at(made, "startedAt").plusSeconds(3)), "not early: " + done.encode());
      assertNull(done.getValue("lateSeconds"), "staged before its deadline: " + done.encode());
      assertEquals(0L, Postgres.value("SELECT value FROM " + schema + ".meta WHERE key = 'tasks.parked'"),
          "the count of parked rows went down with the claim");
    }
  }
}
