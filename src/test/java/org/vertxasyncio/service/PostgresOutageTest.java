package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.vertxasyncio.testing.Postgres;
import org.vertxasyncio.testing.TcpProxy;

/**
 * The service on the postgres store while PostgreSQL cannot be reached: its traffic goes through a TCP
 * proxy the test cuts (the shared server runs on). Writes answer 503 {@code store_unavailable}, never
 * 500; {@code /ready} says the store is down; reads go on from memory; the tasks accepted before go on
 * running and what they write is kept and committed, in order, once the database is back; the node
 * recovers by itself, with no restart.
 */
class PostgresOutageTest {
  final String schema = Postgres.newSchema();

  @AfterEach
  void dropSchema() {
    Postgres.drop(schema);
  }

  Map<String, Object> config(int port) {
    Map<String, Object> c = new HashMap<>();
    c.put("store.type", "postgres");
    c.put("store.postgres.url", Postgres.URL.replace(":5432/", ":" + port + "/"));
    c.put("store.postgres.schema", schema);
    c.put("store.postgres.timeout", 2);
    c.put("loops", "default,other");
    return c;
  }

  static JsonObject check(JsonObject ready, String id) {
    for (Object o : ready.getJsonArray("checks", new JsonArray())) {
      JsonObject c = (JsonObject) o;
      if (id.equals(c.getString("id"))) {
        return c;
      }
    }
    return null;
  }

  @Test
  void whilePostgresIsUnreachableWritesAnswer503AndNothingAcceptedIsLost() throws Exception {
    try (TcpProxy proxy = new TcpProxy(5432); ServiceHarness svc = ServiceHarness.start(config(proxy.port()))) {
      JsonObject done = svc.submitAndWait(sleep(0).put("result", "before"), 10);
      String doneId = done.getString("id");
      assertTrue(done.getBoolean("done"), done.encode());
      // finishes while the database is away: its finish must reach the store once it is back
      String pending = svc.submit(sleep(1.5).put("result", "during")).getString("id");
      String longOne = svc.submit(sleep(60)).getString("id");
      assertEquals("UP", svc.get("/ready").expect(200).json().getString("status"));

      proxy.cut();
      eventually("/ready reports the store down", Duration.ofSeconds(20), () -> {
        ServiceHarness.Resp r = svc.get("/ready");
        JsonObject store = check(r.json(), "store");
        return r.status() == 503 && store != null && "DOWN".equals(store.getString("status"));
      });
      svc.post("/tasks", sleep(1)).expectError(503, "store_unavailable", null);
      svc.post("/tasks/" + longOne + "/cancel").expectError(503, "store_unavailable", null);
      svc.delete("/tasks/" + doneId).expectError(503, "store_unavailable", null);
      svc.post("/loops", new JsonObject().put("name", "later")).expectError(503, "store_unavailable", null);
      svc.post("/loops/other/stop").expectError(503, "store_unavailable", null);
      ServiceHarness.Resp refused = svc.post("/tasks", sleep(1));
      assertEquals("1", refused.header("Retry-After"), "a 503 says when to try again");
      // reads go on, from memory
      assertEquals("before", svc.get("/tasks/" + doneId).expect(200).json().getValue("result"));
      JsonObject during = svc.awaitDone(pending);
      assertEquals("during", during.getValue("result"), "a task accepted before runs to its end");
      assertEquals("pending", svc.get("/tasks/" + longOne).expect(200).json().getString("state"), "not cancelled");
      assertEquals(true, svc.get("/loops/other").expect(200).json().getBoolean("running"), "not stopped");

      proxy.restore();
      eventually("/ready is up again, by itself", Duration.ofSeconds(20), () -> svc.get("/ready").status() == 200);
      JsonObject after = svc.submitAndWait(sleep(0).put("result", "after"), 10);
      assertEquals("after", after.getValue("result"));
      eventually("the finish made during the outage is committed", Duration.ofSeconds(20), () ->
          "finished".equals(Postgres.value("SELECT state FROM " + schema + ".tasks WHERE id = $1", pending)));
      assertEquals(List.of(List.of("finished"), List.of("pending")), Postgres.query(
          "SELECT state FROM " + schema + ".tasks WHERE id = ANY($1) ORDER BY state", (Object) new String[] {doneId, longOne}),
          "the task done before is kept, the long one still pending (its cancel was refused)");
      assertEquals(true, svc.post("/tasks/" + longOne + "/cancel").expect(200).json().getBoolean("cancelled"));
      svc.post("/loops", new JsonObject().put("name", "later")).expect(201);
    }
  }

  @Test
  void aRequestWithAnIdempotencyKeyAnswered503IsRetriedSafelyOnceTheDatabaseIsBack() throws Exception {
    String key = "Idempotency-Key";
    String kept = java.util.UUID.randomUUID().toString();
    String lost = java.util.UUID.randomUUID().toString();
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try (TcpProxy proxy = new TcpProxy(5432); ServiceHarness svc = ServiceHarness.start(config(proxy.port()))) {
      // made and committed; its client never saw the answer
      String keptId = svc.post("/tasks", sleep(60).put("name", "kept"), key, kept).expect(201).json().getString("id");

      // another transaction holds the event log's counter, so the next commit waits past store.postgres.timeout: its
      // request is answered 503, though the store has claimed its key (and the commit may still go through)
      io.vertx.pgclient.PgConnection other = io.vertx.pgclient.PgConnection.connect(vertx,
          io.vertx.pgclient.PgConnectOptions.fromUri(Postgres.URL)).await();
      other.query("BEGIN").execute().await();
      other.query("SELECT last FROM " + schema + ".event_ids FOR UPDATE").execute().await();
      svc.post("/tasks", sleep(60).put("name", "lost"), key, lost).expectError(503, "store_unavailable", null);

      proxy.cut();
      other.query("ROLLBACK").execute().await();
      other.close().await();
      eventually("/ready reports the store down", Duration.ofSeconds(20), () -> svc.get("/ready").status() == 503);
      svc.post("/tasks", sleep(60).put("name", "kept"), key, kept).expectError(503, "store_unavailable", null);
      svc.post("/tasks", sleep(60).put("name", "lost"), key, lost).expectError(503, "store_unavailable", null);

      proxy.restore();
      eventually("/ready is up again", Duration.ofSeconds(20), () -> svc.get("/ready").status() == 200);
      ServiceHarness.Resp again = svc.post("/tasks", sleep(60).put("name", "kept"), key, kept).expect(201);
      assertEquals("true", again.header("Idempotent-Replayed"), "the task made before: " + again.body());
      assertEquals(keptId, again.json().getString("id"));

      String lostId = svc.post("/tasks", sleep(60).put("name", "lost"), key, lost).expect(201).json().getString("id");
      ServiceHarness.Resp replay = svc.post("/tasks", sleep(60).put("name", "lost"), key, lost).expect(201);
      assertEquals("true", replay.header("Idempotent-Replayed"));
      assertEquals(lostId, replay.json().getString("id"));
      // the refused request's task, if its commit went through after all, is cancelled and removed: one task is left
      eventually("one task made for the key answered 503", Duration.ofSeconds(20), () -> Postgres.query("SELECT id FROM "
          + schema + ".tasks WHERE (record::jsonb ->> 'name') = 'lost'").equals(List.of(List.of(lostId))));
      assertEquals(List.of(List.of(keptId)), Postgres.query("SELECT id FROM " + schema + ".tasks WHERE (record::jsonb ->> "
          + "'name') = 'kept'"));
      assertEquals("pending", svc.get("/tasks/" + lostId).expect(200).json().getString("state"));
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void writesQueuedWhileTheDatabaseIsAwayAreCommittedInOrderWhenItIsBack() throws Exception {
    try (TcpProxy proxy = new TcpProxy(5432); ServiceHarness svc = ServiceHarness.start(config(proxy.port()))) {
      List<String> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ids.add(svc.submit(sleep(1 + i * 0.05).put("result", i)).getString("id"));
      }
      proxy.cut();
      for (String id : ids) {
        svc.awaitDone(id); // each finish is queued behind the ones before, none committed yet
      }
      proxy.restore();
      eventually("every finish is committed", Duration.ofSeconds(30), () -> ((Number) Postgres.value(
          "SELECT COUNT(*) FROM " + schema + ".tasks WHERE state = 'finished'")).intValue() == 20);
    }
    // a restart on the same schema finds them all finished, with their results
    Map<String, Object> c = config(5432);
    try (ServiceHarness again = ServiceHarness.start(c)) {
      JsonObject list = again.get("/tasks?state=finished&limit=100").expect(200).json();
      assertEquals(20, list.getJsonArray("tasks").size(), list.encode());
    }
  }
}
