package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.testing.Postgres;

/**
 * Webhooks from the outbox with two nodes on one real PostgreSQL schema and a real receiver: a task's
 * finish and its outbox rows are committed together; a delivery whose lease expired while its node's
 * attempt hung is made again by the other node with the same {@code webhook-id}, and the first node, its
 * lease gone, makes no further attempt; two healthy nodes deliver each row once; a delivery of one node's
 * task is redelivered by the other; a slow endpoint holds back none of a fast one's deliveries.
 */
class ClusterWebhooksTest {
  final String schema = Postgres.newSchema();
  final List<ServiceHarness> nodes = new ArrayList<>();
  Vertx receiverVertx;
  HttpServer receiver;
  String base;
  /** Every request the receiver got: path and webhook-id, in order of arrival. */
  final List<String[]> got = new CopyOnWriteArrayList<>();
  /** Requests to /hang wait here until the test answers them. */
  final List<Promise<Integer>> hanging = new CopyOnWriteArrayList<>();

  @BeforeEach
  void receiver() throws Exception {
    receiverVertx = Vertx.vertx();
    receiver = receiverVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      got.add(new String[] {req.path(), req.getHeader("webhook-id")});
      if (req.path().startsWith("/hang") && hanging.isEmpty()) {
        Promise<Integer> p = Promise.promise();
        hanging.add(p);
        p.future().onSuccess(status -> req.response().setStatusCode(status).end());
      } else if (req.path().startsWith("/slow")) {
        receiverVertx.setTimer(600, t -> req.response().setStatusCode(204).end());
      } else {
        req.response().setStatusCode(204).end();
      }
    }));
    receiver.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    base = "http://127.0.0.1:" + receiver.actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    hanging.forEach(p -> p.tryComplete(204));
    for (ServiceHarness n : nodes) {
      n.close();
    }
    receiverVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Postgres.drop(schema);
  }

  ServiceHarness node(String id, Map<String, Object> more) throws Exception {
    Map<String, Object> c = new HashMap<>(Map.of("store.type", "postgres", "store.postgres.url", Postgres.URL,
        "store.postgres.schema", schema, "node.id", id, "cluster.lease", 1.5, "cluster.heartbeat", 0.2,
        "webhooks.allow", "127.0.0.1", "webhook.timeout.request", 30, "webhook.retry.backoff.initial", 0.05));
    c.putAll(more);
    ServiceHarness n = ServiceHarness.start(c);
    nodes.add(n);
    return n;
  }

  static JsonObject withHooks(JsonObject spec, String... urls) {
    JsonArray a = new JsonArray();
    for (String u : urls) {
      a.add(new JsonObject().put("url", u));
    }
    return spec.put("callbacks", a);
  }

  /** Entry {@code n} of the task's callback log as the store has it (what every node reads). */
  JsonObject storedEntry(String taskId, int n) {
    List<List<Object>> rows = Postgres.query("SELECT record FROM " + schema + ".tasks WHERE id = $1", taskId);
    return new JsonObject((String) rows.get(0).get(0)).getJsonArray("callbacks").getJsonObject(n);
  }

  long count(String sql, Object... args) {
    return ((Number) Postgres.query(sql.replace("{s}", schema), args).get(0).get(0)).longValue();
  }

  @Test
  void aDeliveryWhoseLeaseExpiredIsMadeAgainByAnotherNodeWithTheSameWebhookIdAndTheFirstNodeStops() throws Exception {
    // node-a looks for deliveries to claim ten times less often than node-b: node-b is the one that takes it up
    ServiceHarness a = node("node-a", Map.of("cluster.heartbeat", 1.0));
    ServiceHarness b = node("node-b", Map.of("cluster.heartbeat", 0.1));
    String id = a.submit(withHooks(sleep(0), base + "/hang")).getString("id");
    eventually("node-a's first attempt reaches the receiver and hangs there", Duration.ofSeconds(10), () -> hanging.size() == 1);
    assertEquals("finished", a.get("/tasks/" + id).json().getString("state"));
    assertEquals(1, count("SELECT count(*) FROM {s}.webhook_outbox WHERE task_id = $1 AND owner = 'node-a'", id),
        "the finish was committed with its delivery, held by the node that finished the task");
    // node-a stalls as far as the outbox can tell: its lease on the row ends (as when it stops renewing)
    Postgres.query("UPDATE " + schema + ".webhook_outbox SET lease_until = now() - interval '1 second', owner = 'stalled' "
        + "WHERE task_id = $1", id);
    JsonObject entry = eventually("node-b takes the delivery up and delivers it", Duration.ofSeconds(15),
        () -> storedEntry(id, 1), e -> "delivered".equals(e.getString("outcome")));
    assertEquals(2, got.size(), "node-a's hanging attempt and node-b's");
    assertEquals(got.get(0)[1], got.get(1)[1], "the same webhook-id");
    assertEquals("msg_" + id + "_1", got.get(1)[1]);
    assertEquals(1, entry.getJsonArray("attempts").size(), entry.encode());
    assertEquals(1, count("SELECT count(*) FROM {s}.webhook_outbox WHERE task_id = $1 AND owner = 'node-b' AND state = 'delivered'", id));
    JsonObject shown = eventually("node-a, which ran the task, shows node-b's attempt", Duration.ofSeconds(10),
        () -> a.get("/tasks/" + id).json().getJsonArray("callbacks").getJsonObject(1), e -> "delivered".equals(e.getString("outcome")));
    assertEquals(entry.getJsonArray("attempts").getJsonObject(0).getString("at"),
        shown.getJsonArray("attempts").getJsonObject(0).getString("at"), shown.encode());
    // node-a's attempt ends now with an error its retry policy retries: its lease is gone, so it writes
    // nothing and makes no further attempt
    hanging.get(0).complete(503);
    Thread.sleep(1000); // node-a's retry would come within 0.05 s
    assertEquals(2, got.size(), "no further attempt from node-a: " + got.size());
    assertEquals(entry, storedEntry(id, 1), "node-a wrote nothing");
  }

  @Test
  void aDeliveryUnderWayWhenItsNodeShutsDownIsMadeByAnotherNodeWithTheSameWebhookId() throws Exception {
    ServiceHarness a = node("node-a", Map.of("shutdown.timeout", 0.5));
    ServiceHarness b = node("node-b", Map.of());
    String id = a.submit(withHooks(sleep(0), base + "/hang")).getString("id");
    eventually("node-a's first attempt reaches the receiver and hangs there", Duration.ofSeconds(10), () -> hanging.size() == 1);
    a.close();
    nodes.remove(a);
    JsonObject entry = eventually("node-b takes the delivery up and delivers it", Duration.ofSeconds(15),
        () -> storedEntry(id, 1), e -> "delivered".equals(e.getString("outcome")));
    assertEquals(2, got.size(), "node-a's attempt, cut short, and node-b's");
    assertEquals(got.get(0)[1], got.get(1)[1], "the same webhook-id");
    assertEquals(1, entry.getJsonArray("attempts").size(), entry.encode());
  }

  @Test
  void twoHealthyNodesDeliverEachRowOnceAndEitherRedeliversTheOthersTask() throws Exception {
    ServiceHarness a = node("node-a", Map.of());
    ServiceHarness b = node("node-b", Map.of());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add((i % 2 == 0 ? a : b).submit(withHooks(sleep(0), base + "/fast", base + "/fast2")).getString("id"));
    }
    eventually("every delivery arrives", Duration.ofSeconds(20), () -> got.size() >= 40);
    Thread.sleep(1000); // a few rounds of both nodes' claims: none takes a row its peer holds
    Map<String, Integer> perId = new ConcurrentHashMap<>();
    got.forEach(g -> perId.merge(g[1], 1, Integer::sum));
    assertEquals(40, perId.size(), "one webhook-id per delivery");
    assertTrue(perId.values().stream().allMatch(n -> n == 1), "each delivered once: " + perId);
    assertEquals(40, count("SELECT count(*) FROM {s}.webhook_outbox WHERE state = 'delivered'"));
    String id = ids.get(0); // node-a's task
    JsonObject r = b.post("/tasks/" + id + "/callbacks/2/redeliver").expect(202).json();
    assertEquals("pending", r.getString("outcome"), r.encode());
    JsonObject entry = eventually("node-b redelivers node-a's webhook", Duration.ofSeconds(10), () -> storedEntry(id, 2),
        e -> "delivered".equals(e.getString("outcome")) && e.getJsonArray("attempts").size() == 2);
    assertEquals(2, entry.getJsonArray("attempts").getJsonObject(1).getInteger("attempt"), entry.encode());
    assertEquals(2, got.stream().filter(g -> g[1].equals("msg_" + id + "_2")).count(), "the same webhook-id again");
    eventually("node-a, which ran the task, shows the redelivery node-b made", Duration.ofSeconds(10),
        () -> a.get("/tasks/" + id).json().getJsonArray("callbacks").getJsonObject(2),
        e -> "delivered".equals(e.getString("outcome")) && e.getJsonArray("attempts").size() == 2);
    b.post("/tasks/" + id + "/callbacks/0/redeliver").expectError(404, "not_found", null);
  }

  @Test
  void aSlowEndpointHoldsBackNoneOfAFastOnesDeliveries() throws Exception {
    // one attempt at a time to the slow endpoint, 0.6 s each: its deliveries take 7 s, the fast one's none of it
    ServiceHarness a = node("node-a", Map.of("webhook.concurrency.endpoint", 1));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      ids.add(a.submit(withHooks(sleep(0), base + "/slow", base + "/fast")).getString("id"));
    }
    eventually("every delivery arrives", Duration.ofSeconds(30), () -> got.size() >= 24);
    int lastFast = -1;
    int lastSlow = -1;
    for (int i = 0; i < got.size(); i++) {
      if (got.get(i)[0].equals("/fast")) {
        lastFast = i;
      } else {
        lastSlow = i;
      }
    }
    assertTrue(lastFast < lastSlow, "the fast endpoint's deliveries did not queue behind the slow one's");
    for (String id : ids) {
      JsonObject t = eventually("both delivered", Duration.ofSeconds(10), () -> a.get("/tasks/" + id).json(),
          j -> j.getJsonArray("callbacks").stream().skip(1).allMatch(e -> "delivered".equals(((JsonObject) e).getString("outcome"))));
      assertEquals(2, t.getJsonArray("callbacks").size() - 1, t.encode());
    }
  }
}
