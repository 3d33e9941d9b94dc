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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.testing.Postgres;

/**
 * Two nodes on one PostgreSQL schema ({@code store.type} {@code postgres}), each a real service on its own
 * port: every node answers for every task, whichever node runs it. A task accepted on B is read, listed,
 * cancelled, deleted and gathered on A.
 */
class ClusterApiTest {
  static final String SCHEMA = Postgres.newSchema();
  static ServiceHarness a;
  static ServiceHarness b;

  static Map<String, Object> node(String id) {
    Map<String, Object> c = new HashMap<>();
    c.put("store.type", "postgres");
    c.put("store.postgres.url", Postgres.URL);
    c.put("store.postgres.schema", SCHEMA);
    c.put("node.id", id);
    c.put("cluster.heartbeat", 0.2);
    c.put("loops", "default,other");
    return c;
  }

  @BeforeAll
  static void start() throws Exception {
    a = ServiceHarness.start(node("node-a"));
    b = ServiceHarness.start(node("node-b"));
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (a != null) {
        a.close();
      }
    } finally {
      try {
        if (b != null) {
          b.close();
        }
      } finally {
        Postgres.drop(SCHEMA);
      }
    }
  }

  static String unique(String prefix) {
    return prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void twoNodesRacingWithOneIdempotencyKeyMakeOneTask() throws Exception {
    for (int round = 0; round < 5; round++) {
      String key = java.util.UUID.randomUUID().toString();
      String name = unique("raced");
      String body = sleep(30).put("name", name).encode();
      List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> sent = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        ServiceHarness node = i % 2 == 0 ? a : b;
        java.net.http.HttpRequest r = java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.url("/tasks")))
            .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json").header("Idempotency-Key", key)
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
        sent.add(node.client().sendAsync(r, java.net.http.HttpResponse.BodyHandlers.ofString()));
      }
      int made = 0;
      String id = null;
      for (var f : sent) {
        java.net.http.HttpResponse<String> r = f.get();
        if (r.statusCode() == 409) {
          assertEquals("idempotency_key_in_use", new JsonObject(r.body()).getJsonObject("error").getString("code"), r.body());
          continue;
        }
        assertEquals(201, r.statusCode(), r.body());
        made += r.headers().firstValue("Idempotent-Replayed").isEmpty() ? 1 : 0;
        String got = new JsonObject(r.body()).getString("id");
        assertTrue(id == null || id.equals(got), "one task for the key: " + id + ", " + got);
        id = got;
      }
      assertEquals(1, made, "one request made the task");
      assertEquals(1, a.get("/tasks?name=" + name).expect(200).json().getJsonArray("tasks").size(), "one task in the store");
      for (ServiceHarness node : List.of(a, b)) {
        ServiceHarness.Resp again = node.post("/tasks", new JsonObject(body), "Idempotency-Key", key).expect(201);
        assertEquals("true", again.header("Idempotent-Replayed"));
        assertEquals(id, again.json().getString("id"), "either node answers the task made");
        node.post("/tasks", sleep(1).put("name", name), "Idempotency-Key", key).expectError(422, "idempotency_key_reused",
            "Idempotency-Key");
      }
      a.post("/tasks/" + id + "/cancel").expect(200);
    }
  }

  @Test
  void aTaskAcceptedOnBIsReadOnAWithTheSameJson() {
    JsonObject done = b.submitAndWait(sleep(0).put("result", "from b"), 10);
    assertTrue(done.getBoolean("done"), done.encode());
    String id = done.getString("id");
    assertEquals(b.get("/tasks/" + id).expect(200).json(), a.get("/tasks/" + id).expect(200).json());
    assertEquals("node-b", a.get("/tasks/" + id).json().getString("node"));

    String pending = b.submit(sleep(60)).getString("id");
    eventually("A shows B's pending task as B does", Duration.ofSeconds(10),
        () -> a.get("/tasks/" + pending).expect(200).json().equals(b.get("/tasks/" + pending).json()));
    JsonObject seen = a.get("/tasks/" + pending).json();
    assertEquals("pending", seen.getString("state"));
    assertEquals("node-b", seen.getString("node"));
    b.post("/tasks/" + pending + "/cancel").expect(200);
  }

  @Test
  void aTaskNoNodeHasIsNotFoundOnEither() {
    a.get("/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV").expectError(404, "not_found", null);
    a.post("/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel").expectError(404, "not_found", null);
    a.delete("/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV").expectError(404, "not_found", null);
  }

  @Test
  void aListOnAShowsTheTasksOfBothNodesWithFiltersAndPaging() {
    String name = unique("listed");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ServiceHarness node = i % 2 == 0 ? b : a;
      ids.add(node.submitAndWait(sleep(0).put("name", name).put("result", i), 10).getString("id"));
    }
    String pendingOnB = b.submit(sleep(60).put("name", name)).getString("id");
    ids.add(pendingOnB);
    List<String> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);

    // pages of two, newest first, on either node
    for (ServiceHarness node : List.of(a, b)) {
      List<String> seen = new ArrayList<>();
      String cursor = null;
      do {
        JsonObject page = node.get("/tasks?name=" + name + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor)).expect(200).json();
        JsonArray tasks = page.getJsonArray("tasks");
        assertTrue(tasks.size() <= 2, page.encode());
        tasks.forEach(t -> seen.add(((JsonObject) t).getString("id")));
        cursor = page.getString("nextCursor");
      } while (cursor != null);
      assertEquals(newestFirst, seen, "every task of both nodes, newest first");
    }
    JsonArray pending = a.get("/tasks?name=" + name + "&state=pending").expect(200).json().getJsonArray("tasks");
    assertEquals(1, pending.size(), pending.encode());
    assertEquals(pendingOnB, pending.getJsonObject(0).getString("id"));
    assertEquals("node-b", pending.getJsonObject(0).getString("node"));
    assertEquals(5, a.get("/tasks?name=" + name + "&state=finished&kind=sleep&loop=default").json().getJsonArray("tasks").size());
    assertEquals(0, a.get("/tasks?name=" + name + "&kind=work").json().getJsonArray("tasks").size());
    assertEquals(0, a.get("/tasks?name=" + name + "&loop=other").json().getJsonArray("tasks").size());
    JsonObject last = a.get("/tasks?name=" + name + "&limit=6").json();
    assertEquals(6, last.getJsonArray("tasks").size());
    assertNull(last.getValue("nextCursor"), "no page after the last: " + last.encode());
    b.post("/tasks/" + pendingOnB + "/cancel").expect(200);
  }

  @Test
  void aCancelOnAOfASleepRunningOnBAnswersTrueAndEndsItOnBAtItsAwait() {
    String id = b.submit(sleep(60)).getString("id");
    eventually("the sleep has started on B", Duration.ofSeconds(10),
        () -> b.get("/tasks/" + id).json().getValue("startedAt") != null);
    assertEquals(Boolean.TRUE, a.post("/tasks/" + id + "/cancel").expect(200).json().getBoolean("cancelled"));

    JsonObject onB = b.awaitDone(id);
    assertEquals("cancelled", onB.getString("state"), onB.encode());
    assertEquals("CancelledError", onB.getJsonObject("exception").getString("type"));
    assertEquals("node-b", onB.getString("node"), "it ended on the node that ran it");
    assertNotNull(onB.getValue("startedAt"), "it was cancelled at its await, after it started");
    eventually("A reads it cancelled", Duration.ofSeconds(10),
        () -> "cancelled".equals(a.get("/tasks/" + id).json().getString("state")));

    assertEquals(Boolean.FALSE, a.post("/tasks/" + id + "/cancel").expect(200).json().getBoolean("cancelled"),
        "a done task: cancel() answers false");
    String finished = b.submitAndWait(sleep(0).put("result", 1), 10).getString("id");
    assertEquals(Boolean.FALSE, a.post("/tasks/" + finished + "/cancel").expect(200).json().getBoolean("cancelled"));
    assertEquals("finished", b.get("/tasks/" + finished).json().getString("state"));
  }

  @Test
  void aTaskNoNodeHoldsWithACancelAskedForIsCancelledByTheNodeThatClaimsItBeforeItRuns() {
    // a task left unowned (its node gave it back) and not started, whose cancel was recorded meanwhile
    JsonObject model = b.submitAndWait(sleep(30).put("timeout", 0.01), 10);
    String id = model.getString("id").substring(0, 20) + "ZZZZZZ";
    List<List<Object>> row = Postgres.query("SELECT spec, loop, created_at FROM " + SCHEMA + ".tasks WHERE id = $1", model.getString("id"));
    JsonObject record = model.copy().put("id", id).put("name", unique("unowned")).put("state", "pending").put("done", false)
        .put("exception", null).put("startedAt", null).put("doneAt", null).put("callbacks", new JsonArray());
    Postgres.query("INSERT INTO " + SCHEMA + ".tasks (id, loop, state, created_at, spec, record, node, cancel_requested) "
        + "VALUES ($1, $2, 'pending', $3, $4, $5, 'node-gone', true) RETURNING id", id, row.get(0).get(1), row.get(0).get(2),
        row.get(0).get(0), record.encode());

    JsonObject done = eventually("a node claims it and cancels it", Duration.ofSeconds(10), () -> a.get("/tasks/" + id).json(),
        t -> t.getBoolean("done"));
    assertEquals("cancelled", done.getString("state"), done.encode());
    assertEquals("CancelledError", done.getJsonObject("exception").getString("type"));
    assertNull(done.getValue("startedAt"), "its coroutine never ran: " + done.encode());
    assertTrue(List.of("node-a", "node-b").contains(done.getString("node")), done.encode());
  }

  @Test
  void aDeleteOnARemovesADoneTaskOfBEverywhere() {
    String id = b.submitAndWait(sleep(0).put("result", "gone"), 10).getString("id");
    a.delete("/tasks/" + id).expect(204);
    a.get("/tasks/" + id).expectError(404, "not_found", null);
    eventually("B forgets it too", Duration.ofSeconds(10), () -> b.get("/tasks/" + id).status() == 404);
    assertEquals(0L, ((Number) Postgres.value("SELECT count(*) FROM " + SCHEMA + ".tasks WHERE id = $1", id)).longValue());
    a.delete("/tasks/" + id).expectError(404, "not_found", null);

    String pending = b.submit(sleep(60)).getString("id");
    a.delete("/tasks/" + pending).expectError(409, "task_pending", null);
    assertEquals("pending", b.get("/tasks/" + pending).expect(200).json().getString("state"), "left alone");
    b.post("/tasks/" + pending + "/cancel").expect(200);
  }

  @Test
  void aDeleteOnTheNodeThatRanATaskIsHeardByANodeThatRestoredItAtItsStart() throws Exception {
    String id = b.submitAndWait(sleep(0).put("result", "kept"), 10).getString("id");
    try (ServiceHarness c = ServiceHarness.start(node("node-c"))) {
      assertEquals("kept", c.get("/tasks/" + id).expect(200).json().getString("result"));
      b.delete("/tasks/" + id).expect(204);
      b.get("/tasks/" + id).expectError(404, "not_found", null);
      eventually("the node that restored it forgets it", Duration.ofSeconds(10), () -> c.get("/tasks/" + id).status() == 404);
    }
  }

  @Test
  void aDeleteWhoseNotificationWasLostStillReachesANodeThatRestoredItThroughTheEventLog() throws Exception {
    String id = b.submitAndWait(sleep(0).put("result", "kept"), 10).getString("id");
    try (ServiceHarness c = ServiceHarness.start(node("node-c"))) {
      assertEquals("kept", c.get("/tasks/" + id).expect(200).json().getString("result"));
      // the row removed and its task.deleted logged, as a DELETE on a node does, but no NOTIFY on any channel
      Postgres.query("WITH d AS (DELETE FROM " + SCHEMA + ".tasks WHERE id = $1::text), n AS (UPDATE " + SCHEMA
          + ".event_ids SET last = last + 1 RETURNING last) INSERT INTO " + SCHEMA + ".event_batches(id, first, types, "
          + "task_ids, data) SELECT n.last, n.last, ARRAY['task.deleted'], ARRAY[$1::text], ARRAY[json_build_object('id', "
          + "$1::text)::text] FROM n", id);
      eventually("the node that restored it forgets it", Duration.ofSeconds(10), () -> c.get("/tasks/" + id).status() == 404);
    }
  }

  @Test
  void aGatherOnAOverTasksOfBFinishesWithTheirResultsInOrder() {
    String slow = b.submit(sleep(0.6).put("result", "first")).getString("id");
    String quick = b.submit(sleep(0.1).put("result", "second")).getString("id");
    String done = b.submitAndWait(sleep(0).put("result", "third"), 10).getString("id");
    JsonObject g = a.submit(new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(slow).add(quick).add(done)));
    assertEquals(new JsonArray().add(slow).add(quick).add(done), g.getJsonArray("children"));
    JsonObject out = a.awaitDone(g.getString("id"));
    assertEquals("finished", out.getString("state"), out.encode());
    assertEquals(new JsonArray().add("first").add("second").add("third"), out.getJsonArray("result"));
    assertEquals("node-a", out.getString("node"));
  }

  @Test
  void aGatherCancelledOnACancelsItsChildOnBAsAsyncioGatherDoes() {
    String child = b.submit(sleep(60)).getString("id");
    String g = a.submit(new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(child))).getString("id");
    assertEquals(Boolean.TRUE, a.post("/tasks/" + g + "/cancel").expect(200).json().getBoolean("cancelled"));
    assertEquals("cancelled", a.awaitDone(g).getString("state"));
    JsonObject onB = b.awaitDone(child);
    assertEquals("cancelled", onB.getString("state"), onB.encode());
    assertEquals("node-b", onB.getString("node"));
  }

  @Test
  void aGatherOnAOverATaskOfBOnAnotherLoopIsRefused() {
    String other = b.submit(sleep(0).put("loop", "other")).getString("id");
    JsonObject e = a.post("/tasks", new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(other)))
        .expectError(400, "invalid_request", "tasks[0]");
    assertTrue(e.getString("message").contains("loop 'other'"), e.encode());
    a.post("/tasks", new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add("01ARZ3NDEKTSV4RRFFQ69G5FAV")))
        .expectError(404, "not_found", "tasks[0]");
    assertFalse(a.get("/tasks/" + other).json().isEmpty());
  }
}
