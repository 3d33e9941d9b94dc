package org.vertxasyncio.service.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.ServiceHarness;
import org.vertxasyncio.testing.Postgres;

/**
 * Placement across two nodes on one PostgreSQL schema (each a real service on its own port, in this JVM): a
 * node at its {@code limits.pending.max} still accepts a task when a peer published room for it, commits it
 * unowned, and the peer claims and runs it, once; with no room anywhere the answer is 429.
 */
class ClusterNodeTest {
  static final Duration SOON = Duration.ofSeconds(20);
  final String schema = Postgres.newSchema();

  @AfterEach
  void dropSchema() {
    Postgres.drop(schema);
  }

  Map<String, Object> node(String id, int maxPending) {
    Map<String, Object> c = new HashMap<>();
    c.put("node.id", id);
    c.put("store.type", "postgres");
    c.put("store.postgres.url", Postgres.URL);
    c.put("store.postgres.schema", schema);
    c.put("cluster.lease", 3);
    c.put("cluster.heartbeat", 0.3);
    c.put("shutdown.timeout", 2);
    c.put("limits.pending.max", maxPending);
    return c;
  }

  /** Waits until {@code n} has read its peer's published row (the cluster counts of a loop list both nodes). */
  static void seesItsPeer(ServiceHarness n) {
    eventually("the node has read its peer's row", SOON, () -> n.get("/loops/default").expect(200).json()
        .getJsonObject("cluster").getJsonArray("nodes").size() == 2);
  }

  /** {@code peer}'s counts of the default loop as {@code n} last read them (an empty object before it has). */
  static JsonObject peer(ServiceHarness n, String peer) {
    return n.get("/loops/default").expect(200).json().getJsonObject("cluster").getJsonArray("nodes").stream()
        .map(o -> (JsonObject) o).filter(j -> peer.equals(j.getString("node"))).findFirst().orElse(new JsonObject().put("pending", -1));
  }

  Object row(String id, String column) {
    return Postgres.value("SELECT " + column + " FROM " + schema + ".tasks WHERE id = $1", id);
  }

  @Test
  void aNodeAtItsLimitAcceptsATaskThatAPeerWithRoomRunsOnce() throws Exception {
    try (ServiceHarness a = ServiceHarness.start(node("a", 2)); ServiceHarness b = ServiceHarness.start(node("b", 100))) {
      seesItsPeer(a);
      a.submit(sleep(600));
      a.submit(sleep(600));
      JsonObject placed = a.post("/tasks", sleep(0.5).put("result", "ran on b")).expect(201).json();
      String id = placed.getString("id");
      assertEquals("pending", placed.getString("state"));
      JsonObject done = eventually("b claims the task and runs it to its end", SOON, () -> b.get("/tasks/" + id),
          r -> r.status() == 200 && r.json().getBoolean("done")).json();
      assertEquals("ran on b", done.getValue("result"));
      assertEquals("b", done.getString("node"));
      assertEquals("b", row(id, "owner"));
      // b shows the task done as its coroutine ends; the row follows with b's next store batch
      eventually("b commits the task's finish", SOON, () -> row(id, "state"), "finished"::equals);
      JsonArray log = done.getJsonArray("callbacks");
      assertEquals(1, log.size(), "its record callback fired once: " + log.encode());
      assertEquals(2, a.get("/loops/default").json().getInteger("pending"), "a ran none of it");
      JsonObject fromA = eventually("a answers for it from its row", SOON, () -> a.get("/tasks/" + id),
          r -> r.status() == 200 && r.json().getBoolean("done")).json();
      assertEquals("b", fromA.getString("node"));
      // a gather placed whole: its children are committed with it and run where they are claimed
      JsonObject gather = a.post("/tasks", new JsonObject().put("kind", "gather").put("tasks", new JsonArray()
          .add(sleep(0.1).put("result", 1)).add(sleep(0.2).put("result", 2)))).expect(201).json();
      JsonObject gathered = eventually("b runs the gather", SOON, () -> b.get("/tasks/" + gather.getString("id")),
          r -> r.status() == 200 && r.json().getBoolean("done")).json();
      assertEquals(new JsonArray().add(1).add(2), gathered.getJsonArray("result"));
    }
  }

  @Test
  void aNodeAtItsLimitPlacesNoMoreThanItsPeersRoomThenAnswers429() throws Exception {
    try (ServiceHarness a = ServiceHarness.start(node("a", 1)); ServiceHarness b = ServiceHarness.start(node("b", 3))) {
      seesItsPeer(a);
      a.submit(sleep(600));
      List<String> placed = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        placed.add(a.post("/tasks", sleep(600)).expect(201).json().getString("id"));
      }
      a.post("/tasks", sleep(600)).expectError(429, "too_many_requests", null);
      for (String id : placed) {
        eventually("b holds " + id, SOON, () -> "b".equals(row(id, "owner")));
      }
      eventually("b is at its limit", SOON, () -> b.get("/loops/default").json().getInteger("pending") == 3);
      eventually("b reads a's row with its 1 pending task", SOON, () -> peer(b, "a").getInteger("pending") == 1);
      b.post("/tasks", sleep(600)).expectError(429, "too_many_requests", null);
      // once a has read b's row as b published it full, there is still no room: refused, not placed
      eventually("a reads b's row with its 3 pending tasks", SOON, () -> peer(a, "b").getInteger("pending") == 3);
      a.post("/tasks", sleep(600)).expectError(429, "too_many_requests", null);
      assertEquals(4L, Postgres.value("SELECT count(*) FROM " + schema + ".tasks WHERE state = 'pending'"));
    }
  }
}
