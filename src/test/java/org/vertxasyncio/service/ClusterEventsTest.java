package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.testing.Postgres;

/**
 * {@code GET /events} in a cluster: two nodes in one JVM on one PostgreSQL schema stream one log, with the ids
 * PostgreSQL gave its events, whichever node made them; and long polls on one node for tasks that run on the
 * other end when they finish, from that log (the nodes' heartbeats are far apart: no heartbeat answers them).
 */
class ClusterEventsTest {
  private static final Duration T = Duration.ofSeconds(15);
  private static String schema;
  private static ServiceHarness a;
  private static ServiceHarness b;

  @BeforeAll
  static void start() throws Exception {
    schema = Postgres.newSchema();
    a = ServiceHarness.start(node("a"));
    b = ServiceHarness.start(node("b"));
  }

  static Map<String, Object> node(String id) {
    // the lease first: the heartbeat must stay below it at each step
    Map<String, Object> c = new java.util.LinkedHashMap<>();
    c.put("cluster.lease", 60);
    c.put("cluster.heartbeat", 30);
    c.putAll(Map.of("store.type", "postgres", "store.postgres.url", Postgres.URL, "store.postgres.schema", schema,
        "node.id", id, "events.buffer.size", 20));
    return c;
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (a != null) {
        a.close();
      }
      if (b != null) {
        b.close();
      }
    } finally {
      Postgres.drop(schema);
    }
  }

  /** The events of a stream until every task of {@code ids} has its task.done, as "id type task". */
  private static List<String> until(SseClient sse, Set<String> ids) throws InterruptedException {
    Set<String> waiting = new HashSet<>(ids);
    List<String> seen = new ArrayList<>();
    while (!waiting.isEmpty()) {
      SseClient.Event e = sse.next(T);
      String about = e.data().getString("taskId", e.data().getString("id"));
      seen.add(e.id() + " " + e.type() + " " + about);
      if (e.type().equals("task.done")) {
        waiting.remove(about);
      }
    }
    return seen;
  }

  private static long idOf(String line) {
    return Long.parseLong(line.substring(0, line.indexOf(' ')));
  }

  @Test
  void eventsFromEveryNodeArriveOnEveryNodesStreamInOneOrderWithTheSameIds() throws Exception {
    try (SseClient onA = new SseClient(a.url("/events"), null); SseClient onB = new SseClient(b.url("/events"), null)) {
      onA.status();
      onB.status();
      Set<String> ids = new LinkedHashSet<>();
      for (int i = 0; i < 20; i++) {
        ids.add((i % 2 == 0 ? a : b).submit(ServiceHarness.sleep(0.01 * (i % 3))).getString("id"));
      }
      List<String> fromA = until(onA, ids);
      List<String> fromB = until(onB, ids);
      // what each saw up to the last task.done of these tasks: the same events, ids and order
      int n = Math.min(fromA.size(), fromB.size());
      assertEquals(fromA.subList(0, n), fromB.subList(0, n));
      for (int i = 1; i < fromA.size(); i++) {
        assertTrue(idOf(fromA.get(i)) > idOf(fromA.get(i - 1)), "ids increase: " + fromA);
      }
      for (String id : ids) {
        assertEquals(1, fromA.stream().filter(l -> l.endsWith(" task.done " + id)).count(), "one task.done of " + id);
        assertEquals(1, fromA.stream().filter(l -> l.endsWith(" task.created " + id)).count(), "one task.created of " + id);
      }
      // and they are the log's rows
      List<List<Object>> rows = Postgres.query("SELECT id, type, task_id FROM " + schema + ".events WHERE id >= $1 AND id <= $2 "
          + "ORDER BY id", idOf(fromA.get(0)), idOf(fromA.get(fromA.size() - 1)));
      assertEquals(fromA, rows.stream().map(r -> r.get(0) + " " + r.get(1) + " " + r.get(2)).toList());
    }
  }

  @Test
  void aClientThatReconnectsToAnotherNodeWithLastEventIdMissesNothingAndSeesNothingTwice() throws Exception {
    List<String> seen = new ArrayList<>();
    Set<String> first = new LinkedHashSet<>();
    try (SseClient onA = new SseClient(a.url("/events"), null)) {
      onA.status();
      for (int i = 0; i < 4; i++) {
        first.add((i % 2 == 0 ? a : b).submit(ServiceHarness.sleep(0)).getString("id"));
      }
      seen.addAll(until(onA, first));
    }
    long last = idOf(seen.get(seen.size() - 1));
    // while the client is away, more than the buffers hold (events.buffer.size 20): the rest comes from the log
    Set<String> second = new LinkedHashSet<>();
    for (int i = 0; i < 12; i++) {
      ServiceHarness on = i % 2 == 0 ? a : b;
      String id = on.submit(ServiceHarness.sleep(0)).getString("id");
      second.add(id);
      on.awaitDone(id);
    }
    try (SseClient onB = new SseClient(b.url("/events"), Long.toString(last))) {
      onB.status();
      List<String> resumed = until(onB, second);
      assertEquals(last + 1, idOf(resumed.get(0)), "the first event after the one last seen: " + resumed);
      seen.addAll(resumed);
    }
    List<Long> ids = seen.stream().map(ClusterEventsTest::idOf).toList();
    assertEquals(ids.size(), new HashSet<>(ids).size(), "nothing twice: " + seen);
    List<List<Object>> rows = Postgres.query("SELECT id, type, task_id FROM " + schema + ".events WHERE id >= $1 AND id <= $2 "
        + "ORDER BY id", ids.get(0), ids.get(ids.size() - 1));
    assertEquals(rows.stream().map(r -> r.get(0) + " " + r.get(1) + " " + r.get(2)).toList(), seen, "nothing missed");
  }

  @Test
  void theStreamIsTheLogsOnEveryNode() throws Exception {
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(": connected, stream (\\w+), last event id (\\d+)");
    String onA;
    String onB;
    try (SseClient sse = new SseClient(a.url("/events"), null)) {
      sse.status();
      onA = sse.nextComment(T);
    }
    try (SseClient sse = new SseClient(b.url("/events"), null)) {
      sse.status();
      onB = sse.nextComment(T);
    }
    java.util.regex.Matcher ma = p.matcher(onA);
    java.util.regex.Matcher mb = p.matcher(onB);
    assertTrue(ma.matches() && mb.matches(), onA + " / " + onB);
    assertEquals(ma.group(1), mb.group(1), "one stream");
    assertEquals(Postgres.query("SELECT stream FROM " + schema + ".event_ids").get(0).get(0), ma.group(1));
  }

  @Test
  void aResumeFromBeforeTheLogsRetentionSaysWhatIsNoLongerKept() throws Exception {
    String id = a.submit(ServiceHarness.sleep(0)).getString("id");
    a.awaitDone(id);
    long pruned = (Long) Postgres.query("SELECT pruned FROM " + schema + ".event_ids").get(0).get(0);
    // as the leader's retention does: the oldest events go (the batches they fill), and the cut is recorded
    long cut = (Long) Postgres.query("SELECT min(id) + 2 FROM " + schema + ".events").get(0).get(0);
    Postgres.query("DELETE FROM " + schema + ".event_batches WHERE id <= $1", cut);
    Postgres.query("UPDATE " + schema + ".event_ids SET pruned = $1", cut);
    try (SseClient sse = new SseClient(b.url("/events"), Long.toString(Math.max(0, cut - 5)))) {
      sse.status();
      String c = sse.nextComment(T);
      assertTrue(c.matches(": events \\d+ to " + cut + " are no longer buffered \\(past the log's retention\\)"), c);
      assertEquals(cut + 1, sse.next(T).id());
    }
    assertTrue(pruned <= cut);
  }

  @Test
  void aLongPollOnOneNodeForATaskRunningOnAnotherAnswersWhenItFinishes() throws Exception {
    String id = b.submit(ServiceHarness.sleep(1).put("result", "there")).getString("id");
    long t0 = System.nanoTime();
    JsonObject t = a.get("/tasks/" + id + "?wait=25").expect(200).json();
    double took = (System.nanoTime() - t0) / 1e9;
    assertEquals("finished", t.getString("state"), t.encode());
    assertEquals("there", t.getString("result"));
    assertEquals("b", t.getString("node"));
    assertTrue(took < 25, "answered when the task finished, not when the wait ran out: " + took + " s");
  }

  @Test
  void aLongPollForATaskDoneElsewhereAnswersAtOnceAndAnUnknownIdIs404() throws Exception {
    String id = b.submit(ServiceHarness.sleep(0)).getString("id");
    b.awaitDone(id);
    assertEquals("finished", a.get("/tasks/" + id + "?wait=25").expect(200).json().getString("state"));
    a.get("/tasks/01ZZZZZZZZZZZZZZZZZZZZZZZZ?wait=1").expectError(404, "not_found", null);
  }

  @Test
  void waitOnOneNodeOverTasksOfBothNodesEndsWhenTheyFinish() throws Exception {
    String there = b.submit(ServiceHarness.sleep(1)).getString("id");
    String here = a.submit(ServiceHarness.sleep(0.2)).getString("id");
    JsonObject out = a.post("/wait", new JsonObject().put("tasks", new io.vertx.core.json.JsonArray().add(there).add(here))
        .put("timeout", 25)).expect(200).json();
    assertEquals(List.of(there, here), out.getJsonArray("done").getList(), out.encode());
    assertEquals(List.of(), out.getJsonArray("pending").getList());
    JsonObject first = a.post("/wait", new JsonObject().put("tasks", new io.vertx.core.json.JsonArray()
        .add(b.submit(ServiceHarness.sleep(20)).getString("id")).add(b.submit(ServiceHarness.sleep(0.5)).getString("id")))
        .put("returnWhen", "FIRST_COMPLETED").put("timeout", 25)).expect(200).json();
    assertEquals(1, first.getJsonArray("done").size(), first.encode());
    assertEquals(1, first.getJsonArray("pending").size(), first.encode());
  }

  @Test
  void aGatherOnOneNodeOverATaskRunningOnAnotherEndsWhenItFinishes() throws Exception {
    String there = b.submit(ServiceHarness.sleep(1).put("result", 7)).getString("id");
    JsonObject g = a.post("/tasks?wait=25", new JsonObject().put("kind", "gather")
        .put("tasks", new io.vertx.core.json.JsonArray().add(there).add(ServiceHarness.sleep(0).put("result", 8)))).expect(201).json();
    assertEquals("finished", g.getString("state"), g.encode());
    assertEquals(List.of(7, 8), g.getJsonArray("result").getList());
  }
}
