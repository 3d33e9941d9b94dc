package org.vertxasyncio.service.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.ServiceHarness;
import org.vertxasyncio.testing.Postgres;

/**
 * Named loops shared by two nodes on one PostgreSQL schema (each a real service on its own port, in this
 * JVM): what is made, stopped, started or closed on one is so on the other; {@code GET /loops/{name}} on
 * either shows the cluster's counts and each node's.
 */
class ClusterLoopsTest {
  static final Duration SOON = Duration.ofSeconds(15);
  final String schema = Postgres.newSchema();

  @AfterEach
  void dropSchema() {
    Postgres.drop(schema);
  }

  Map<String, Object> node(String id) {
    Map<String, Object> c = new HashMap<>();
    c.put("node.id", id);
    c.put("store.type", "postgres");
    c.put("store.postgres.url", Postgres.URL);
    c.put("store.postgres.schema", schema);
    c.put("cluster.lease", 3);
    c.put("cluster.heartbeat", 0.3);
    c.put("shutdown.timeout", 2);
    return c;
  }

  static JsonObject loop(ServiceHarness n, String name) {
    return n.get("/loops/" + name).expect(200).json();
  }

  @Test
  void aLoopMadeOnOneNodeRunsOnTheOther() throws Exception {
    try (ServiceHarness a = ServiceHarness.start(node("a")); ServiceHarness b = ServiceHarness.start(node("b"))) {
      a.post("/loops", new JsonObject().put("name", "batch")).expect(201);
      eventually("b has the loop, running", SOON, () -> b.get("/loops/batch").status() == 200
          && loop(b, "batch").getBoolean("running"));
      assertEquals("done", b.submitAndWait(sleep(0).put("loop", "batch").put("result", "done"), 10).getString("result"));
      b.post("/loops", new JsonObject().put("name", "batch")).expectError(409, "loop_exists", null);
      assertEquals("running", Postgres.value("SELECT state FROM " + schema + ".loops WHERE name = 'batch'"));
    }
  }

  @Test
  void aLoopStoppedOnOneNodeStopsOnTheOtherAndStartsAgainEverywhere() throws Exception {
    try (ServiceHarness a = ServiceHarness.start(node("a")); ServiceHarness b = ServiceHarness.start(node("b"))) {
      a.post("/loops", new JsonObject().put("name", "batch")).expect(201);
      eventually("b has the loop", SOON, () -> b.get("/loops/batch").status() == 200);
      String waiting = a.submit(sleep(0.2).put("loop", "batch").put("result", "kept")).getString("id");
      b.post("/loops/batch/stop").expect(200);
      eventually("a's loop is stopped", SOON, () -> !loop(a, "batch").getBoolean("running"));
      assertEquals("stopped", Postgres.value("SELECT state FROM " + schema + ".loops WHERE name = 'batch'"));
      b.post("/loops/batch/start").expect(200);
      eventually("a's loop runs again", SOON, () -> loop(a, "batch").getBoolean("running"));
      assertEquals("kept", a.awaitDone(waiting).getString("result"), "a stopped loop keeps its tasks and runs them when started");
    }
  }

  @Test
  void aLoopChangeIsOneEventOfTheClustersLogHoweverManyNodesApplyIt() throws Exception {
    try (ServiceHarness a = ServiceHarness.start(node("a")); ServiceHarness b = ServiceHarness.start(node("b"))) {
      a.post("/loops", new JsonObject().put("name", "batch")).expect(201);
      eventually("b has the loop", SOON, () -> b.get("/loops/batch").status() == 200);
      b.post("/loops/batch/stop").expect(200);
      eventually("a's loop is stopped", SOON, () -> !loop(a, "batch").getBoolean("running"));
      a.post("/loops/batch/start").expect(200);
      eventually("b's loop runs again", SOON, () -> loop(b, "batch").getBoolean("running"));
      // a task's row commits after what its node queued before it: each node's loop events are in the log by then
      a.submit(sleep(0));
      b.submit(sleep(0));
      List<Object> types = Postgres.query("SELECT type FROM " + schema + ".events WHERE type LIKE 'loop.%' "
          + "AND (data::jsonb ->> 'name') = 'batch' ORDER BY id").stream().map(r -> r.get(0)).toList();
      assertEquals(List.of("loop.created", "loop.stopped", "loop.started"), types, "one event per change, not one per node");
    }
  }

  @Test
  void aLoopClosedOnOneNodeIsClosedOnTheOtherAndItsPendingTasksAreCancelled() throws Exception {
    try (ServiceHarness a = ServiceHarness.start(node("a")); ServiceHarness b = ServiceHarness.start(node("b"))) {
      a.post("/loops", new JsonObject().put("name", "batch")).expect(201);
      eventually("b has the loop", SOON, () -> b.get("/loops/batch").status() == 200);
      String onB = b.submit(sleep(600).put("loop", "batch")).getString("id");
      a.post("/loops/batch/close").expect(200);
      eventually("b's loop is closed", SOON, () -> loop(b, "batch").getBoolean("closed"));
      b.post("/tasks", sleep(1).put("loop", "batch")).expectError(409, "loop_closed", null);
      b.post("/loops/batch/start").expectError(409, "loop_closed", null);
      a.post("/tasks", sleep(1).put("loop", "batch")).expectError(409, "loop_closed", null);
      assertEquals("cancelled", b.awaitDone(onB).getString("state"), "b's pending task on it got what a close gives");
      assertEquals("closed", Postgres.value("SELECT state FROM " + schema + ".loops WHERE name = 'batch'"));
    }
  }

  @Test
  void aLoopShowsTheClusterTotalsAndEachNodesCountsOnEitherNode() throws Exception {
    try (ServiceHarness a = ServiceHarness.start(node("a")); ServiceHarness b = ServiceHarness.start(node("b"))) {
      for (int i = 0; i < 3; i++) {
        a.submit(sleep(600));
      }
      b.submit(sleep(600));
      b.submitAndWait(sleep(0), 10);
      for (ServiceHarness n : List.of(a, b)) {
        JsonObject cluster = eventually("the counts of both nodes, as published", SOON, () -> loop(n, "default").getJsonObject("cluster"),
            c -> c.getInteger("pending") == 4 && c.getInteger("done") == 1);
        JsonArray nodes = cluster.getJsonArray("nodes");
        assertEquals(2, nodes.size(), cluster.encode());
        Map<String, JsonObject> byNode = new HashMap<>();
        nodes.forEach(o -> byNode.put(((JsonObject) o).getString("node"), (JsonObject) o));
        assertEquals(3, byNode.get("a").getInteger("pending"), cluster.encode());
        assertEquals(0, byNode.get("a").getInteger("done"), cluster.encode());
        assertEquals(1, byNode.get("b").getInteger("pending"), cluster.encode());
        assertEquals(1, byNode.get("b").getInteger("done"), cluster.encode());
        for (JsonObject o : byNode.values()) {
          assertEquals("running", o.getString("state"));
          assertTrue(o.getDouble("ageSeconds") >= 0 && o.getDouble("ageSeconds") < 10, cluster.encode());
        }
        assertFalse(loop(n, "default").containsKey("nodes"), "the top-level counts stay this node's");
      }
    }
  }

  @Test
  void aNodeStartingLaterMakesTheLoopsAsTheTableHasThem() throws Exception {
    try (ServiceHarness a = ServiceHarness.start(node("a"))) {
      a.post("/loops", new JsonObject().put("name", "paused")).expect(201);
      a.post("/loops/paused/stop").expect(200);
      a.post("/loops", new JsonObject().put("name", "gone")).expect(201);
      a.post("/loops/gone/close").expect(200);
      try (ServiceHarness b = ServiceHarness.start(node("b"))) {
        assertFalse(loop(b, "paused").getBoolean("running"));
        assertFalse(loop(b, "paused").getBoolean("closed"));
        assertTrue(loop(b, "gone").getBoolean("closed"));
      }
    }
  }
}
