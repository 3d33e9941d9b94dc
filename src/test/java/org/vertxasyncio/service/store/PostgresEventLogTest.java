package org.vertxasyncio.service.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.testing.Postgres;

/**
 * The cluster's event log as {@link PostgresTaskStore} writes it: with several stores committing events at
 * once on one schema, a reader that tails {@code id > last} misses none of them (ids increase in commit
 * order), and the events are committed with the writes they were given with, but not those of a write
 * fenced by a lease a peer has since taken over.
 */
class PostgresEventLogTest {
  final String schema = Postgres.newSchema();
  final List<TaskStore> stores = new ArrayList<>();

  PostgresTaskStore store() throws Exception {
    PostgresTaskStore s = new PostgresTaskStore(Postgres.URL, "", 2, schema, 100, 0.001, 5);
    stores.add(s);
    TaskStoreContract.get(s.open());
    return s;
  }

  @AfterEach
  void close() throws Exception {
    for (TaskStore s : stores) {
      TaskStoreContract.get(s.close());
    }
    Postgres.drop(schema);
  }

  private static List<LoggedEvent> events(String task, int n) {
    List<LoggedEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      out.add(new LoggedEvent("task.x", task, () -> "{\"n\":" + k + "}"));
    }
    return out;
  }

  @Test
  void aReaderTailingTheLogWhileSeveralStoresCommitMissesNoEvent() throws Exception {
    List<PostgresTaskStore> writers = List.of(store(), store(), store());
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Long> tailed = new ArrayList<>();
    Thread tail = new Thread(() -> {
      long last = 0;
      while (true) {
        boolean more = writing.get();
        for (List<Object> r : Postgres.query("SELECT id FROM " + schema + ".events WHERE id > $1 ORDER BY id", last)) {
          last = (Long) r.get(0);
          tailed.add(last);
        }
        if (!more) {
          return; // a last read after every commit
        }
      }
    }, "tail");
    tail.start();
    List<Thread> threads = new ArrayList<>();
    int perThread = 150;
    for (PostgresTaskStore w : writers) {
      for (int t = 0; t < 3; t++) {
        String prefix = "T" + threads.size() + "-";
        Thread th = new Thread(() -> {
          for (int i = 0; i < perThread; i++) {
            String id = prefix + i;
            int n = 1 + i % 3;
            w.withEvents(() -> w.put(TaskStoreContract.insert(id, "pending")), () -> events(id, n));
          }
        });
        threads.add(th);
        th.start();
      }
    }
    for (Thread th : threads) {
      th.join();
    }
    for (PostgresTaskStore w : writers) {
      TaskStoreContract.get(w.sync());
    }
    writing.set(false);
    tail.join(30_000);
    long total = (Long) Postgres.value("SELECT count(*) FROM " + schema + ".events");
    int expected = 0;
    for (int i = 0; i < perThread; i++) {
      expected += 1 + i % 3;
    }
    assertEquals(expected * threads.size(), total);
    assertEquals(total, tailed.size(), "the tail read every event, each once");
    for (int i = 1; i < tailed.size(); i++) {
      assertTrue(tailed.get(i) > tailed.get(i - 1));
    }
    assertEquals(total, (long) (Long) Postgres.value("SELECT last FROM " + schema + ".event_ids"), "no id skipped");
    // each task's events are in the log with its row
    assertEquals(0L, Postgres.value("SELECT count(*) FROM " + schema + ".events e WHERE NOT EXISTS (SELECT 1 FROM " + schema
        + ".tasks t WHERE t.id = e.task_id)"));
  }

  @Test
  void aUnitOfWritesAndEventsIsOneTransactionAndNotifiesOnce() throws Exception {
    PostgresTaskStore s = store();
    long before = s.statements();
    s.withEvents(() -> {
      s.put(TaskStoreContract.insert("A", "pending"));
      s.put(TaskStoreContract.insert("B", "pending"));
    }, () -> events("A", 3));
    TaskStoreContract.get(s.sync());
    // BEGIN, the inserts, the lock of the ids, the events as one row (with their NOTIFY), COMMIT
    assertEquals(5, s.statements() - before);
    assertEquals(1L, Postgres.value("SELECT count(*) FROM " + schema + ".event_batches"));
    assertEquals(List.of(List.of(1L, "A", "{\"n\":0}"), List.of(2L, "A", "{\"n\":1}"), List.of(3L, "A", "{\"n\":2}")),
        Postgres.query("SELECT id, task_id, data FROM " + schema + ".events ORDER BY id"));
  }

  /** A task's row held by node {@code n1} under {@code token}, as a finish or a change writes it. */
  private static StoredTask held(String id, String state, String token) {
    return new StoredTask(id, "default", "n1", null, state, 1000, "finished".equals(state) ? 2000L : null, null, null, null,
        () -> "{\"id\":\"" + id + "\",\"state\":\"" + state + "\"}", "n1", token);
  }

  @Test
  void theEventsOfAFinishFencedOutByAPeersClaimAreNotLoggedAndLeaveNoGap() throws Exception {
    PostgresTaskStore s = store();
    List<String> fenced = new java.util.concurrent.CopyOnWriteArrayList<>();
    s.leases(3, fenced::add);
    s.put(new StoredTask("A", "default", "n1", null, "pending", 1000, null, null, null, "{\"kind\":\"sleep\"}",
        () -> "{\"id\":\"A\"}", "n1", "token-1"));
    TaskStoreContract.get(s.sync());
    // a peer claims the task: a new token
    Postgres.query("UPDATE " + schema + ".tasks SET owner = 'n2', lease_token = 'token-2' WHERE id = 'A'");
    // n1, which lost the task without knowing yet, finishes it; in the same batch, another task's events
    s.withEvents(() -> s.finish(held("A", "finished", "token-1"), List.of(), 3), () -> events("A", 2));
    s.withEvents(() -> s.put(TaskStoreContract.insert("B", "pending")), () -> events("B", 1));
    TaskStoreContract.get(s.sync());
    assertEquals(List.of("A"), fenced, "the store reports the finish that matched nothing");
    assertEquals("pending", Postgres.value("SELECT state FROM " + schema + ".tasks WHERE id = 'A'"));
    assertEquals(List.of(List.of(1L, "B")), Postgres.query("SELECT id, task_id FROM " + schema + ".events ORDER BY id"),
        "only the events of the writes that happened, numbered without a gap");
    assertEquals(1L, Postgres.value("SELECT last FROM " + schema + ".event_ids"));
    // the peer, holding the lease, finishes it: its events are logged
    s.withEvents(() -> s.finish(held("A", "finished", "token-2"), List.of(), 3), () -> events("A", 2));
    TaskStoreContract.get(s.sync());
    assertEquals(List.of(List.of(1L, "B"), List.of(2L, "A"), List.of(3L, "A")),
        Postgres.query("SELECT id, task_id FROM " + schema + ".events ORDER BY id"));
    assertEquals("finished", Postgres.value("SELECT state FROM " + schema + ".tasks WHERE id = 'A'"));
  }

  @Test
  void aBatchSentAgainAfterItsAnswerWasLostAddsOnlyTheEventsItHadNotCommitted() throws Exception {
    PostgresTaskStore s = new PostgresTaskStore(Postgres.URL, "", 2, schema, 100, 0.001, 1);
    stores.add(s);
    TaskStoreContract.get(s.open());
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      // another transaction holds the log's counter: the first attempt waits for it past the store's timeout, its
      // connection is dropped and the batch carried, but its statements are in the server's hands and commit later
      io.vertx.pgclient.PgConnection other = io.vertx.pgclient.PgConnection.connect(vertx,
          io.vertx.pgclient.PgConnectOptions.fromUri(Postgres.URL)).await();
      other.query("BEGIN").execute().await();
      other.query("SELECT last FROM " + schema + ".event_ids FOR UPDATE").execute().await();
      s.withEvents(() -> {
      }, () -> events("A", 3));
      io.vertx.core.Future<Void> first = s.sync();
      assertTrue(first.toCompletionStage().toCompletableFuture().handle((v, e) -> e != null).get(),
          "the first attempt is not answered in time");
      // sent again with more events, while the first attempt still waits
      s.withEvents(() -> {
      }, () -> events("B", 2));
      Thread.sleep(300);
      other.query("ROLLBACK").execute().await();
      other.close().await();
      TaskStoreContract.get(s.sync());
      assertEquals(List.of(List.of(1L, "A", "{\"n\":0}"), List.of(2L, "A", "{\"n\":1}"), List.of(3L, "A", "{\"n\":2}"),
          List.of(4L, "B", "{\"n\":0}"), List.of(5L, "B", "{\"n\":1}")),
          Postgres.query("SELECT id, task_id, data FROM " + schema + ".events ORDER BY id"), "each event once, no gap");
      assertEquals(5L, Postgres.value("SELECT last FROM " + schema + ".event_ids"));
    } finally {
      vertx.close().await();
    }
  }
}
