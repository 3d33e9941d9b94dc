package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.testing.Postgres;

/**
 * Retention in a cluster: the leader applies {@code retention.tasks.max} to the whole table, so a node may hold in
 * memory a done task the table no longer keeps. The leader's removal is logged as the task's {@code task.deleted}
 * ({@code reason: retention}): every node forgets the task, and every stream tells it once, as one node's
 * retention does.
 */
class ClusterRetentionTest {
  private static final Duration T = Duration.ofSeconds(20);

  static Map<String, Object> node(String schema, String id) {
    // the lease first: the heartbeat (the leader's upkeep) must stay below it at each step
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("cluster.lease", 5);
    c.put("cluster.heartbeat", 0.5);
    c.putAll(Map.of("store.type", "postgres", "store.postgres.url", Postgres.URL, "store.postgres.schema", schema,
        "node.id", id, "retention.tasks.max", 1));
    return c;
  }

  /** The ids of the task.deleted events of {@code sse}, each with reason retention, until {@code last}'s. */
  private static List<String> deletedUntil(SseClient sse, String last) throws InterruptedException {
    List<String> ids = new ArrayList<>();
    while (ids.isEmpty() || !ids.get(ids.size() - 1).equals(last)) {
      SseClient.Event e = sse.next("task.deleted", T);
      assertEquals("retention", e.data().getString("reason"), e.data().encode());
      ids.add(e.data().getString("id"));
    }
    return ids;
  }

  @Test
  void aTaskTheLeadersRetentionRemovesIsForgottenOnEveryNodeAndAnnouncedOnce() throws Exception {
    String schema = Postgres.newSchema();
    try (ServiceHarness a = ServiceHarness.start(node(schema, "a")); ServiceHarness b = ServiceHarness.start(node(schema, "b"));
        SseClient onA = new SseClient(a.url("/events"), null); SseClient onB = new SseClient(b.url("/events"), null)) {
      onA.status();
      onB.status();
      // each node holds one done task, within its own retention.tasks.max; the table holds two, one too many
      JsonObject onlyOnB = b.submitAndWait(sleep(0), 5);
      assertEquals("b", onlyOnB.getString("node"), onlyOnB.encode());
      String x = onlyOnB.getString("id");
      String y = a.submitAndWait(sleep(0), 5).getString("id");
      eventually("the older one is forgotten on both nodes", T,
          () -> a.get("/tasks/" + x).status() == 404 && b.get("/tasks/" + x).status() == 404);
      assertEquals(200, a.get("/tasks/" + y).status());
      assertEquals(200, b.get("/tasks/" + y).status());
      String z = b.submitAndWait(sleep(0), 5).getString("id");
      eventually("the next older one is forgotten on both nodes", T,
          () -> a.get("/tasks/" + y).status() == 404 && b.get("/tasks/" + y).status() == 404);
      assertEquals(200, a.get("/tasks/" + z).status());
      assertEquals(List.of(x, y), deletedUntil(onA, y), "each forgotten task announced once on a");
      assertEquals(List.of(x, y), deletedUntil(onB, y), "each forgotten task announced once on b");
    } finally {
      Postgres.drop(schema);
    }
  }
}
