package org.vertxasyncio.service.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.testing.Postgres;

/**
 * The PostgreSQL store on the real server, in a schema of its own per test: the store contract
 * ({@link TaskStoreContract}), and what is PostgreSQL's own: several stores opening on one new schema at
 * once migrate it once, stores sharing a schema never reserve the same name, a schema of a newer version
 * or a server that does not answer is refused with a message that never shows the password.
 */
class PostgresTaskStoreTest extends TaskStoreContract {
  final String schema = Postgres.newSchema();

  @Override
  TaskStore store() {
    return store(Postgres.URL);
  }

  PostgresTaskStore store(String url) {
    return new PostgresTaskStore(url, "", 2, schema, 100, 0.001, 5);
  }

  @AfterEach
  void dropSchema() {
    Postgres.drop(schema);
  }

  @Test
  void severalStoresOpeningAtOnceOnANewSchemaMigrateItOnce() throws Exception {
    List<TaskStore> stores = new ArrayList<>();
    List<Future<Stored>> opened = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      TaskStore s = store();
      stores.add(s);
      opened.add(s.open());
    }
    for (Future<Stored> f : opened) {
      assertEquals(0, get(f).tasks().size());
    }
    stores.get(0).put(insert("A", "pending"));
    get(stores.get(0).sync());
    for (TaskStore s : stores) {
      get(s.close());
    }
    assertEquals(List.of(List.of(PostgresMigrations.CURRENT)), Postgres.query(
        "SELECT COUNT(*)::int FROM " + schema + ".schema_migrations"), "each migration applied once");
    assertEquals("A", Postgres.value("SELECT id FROM " + schema + ".tasks"));
  }

  @Test
  void theWritersStatementsTakeTheKeysEvenWhenThePlannerThinksTheTableEmpty() throws Exception {
    PostgresTaskStore s = store(Postgres.URL);
    get(s.open());
    get(s.close());
    // a new schema, its statistics never gathered: what a plan kept from the first batches would be made for
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.pgclient.PgConnection c = get(io.vertx.pgclient.PgConnection.connect(vertx, s.connectOptions()));
      get(c.query("SET plan_cache_mode = force_generic_plan").execute());
      get(c.query("PREPARE lock(text[]) AS " + PostgresTaskStore.LOCK).execute());
      get(c.query("PREPARE del(text[]) AS " + PostgresTaskStore.DELETE).execute());
      get(c.query("PREPARE upd AS " + PostgresTaskStore.UPDATE).execute());
      for (String run : List.of("lock('{a}')", "del('{a}')", "upd('{a}', '{finished}', '{1}', '{null}', '{null}', '{}', "
          + "'{n}', '{t}')")) {
        StringBuilder plan = new StringBuilder();
        for (io.vertx.sqlclient.Row r : get(c.query("EXPLAIN EXECUTE " + run).execute())) {
          plan.append(r.getString(0)).append('\n');
        }
        assertTrue(plan.toString().contains("Index") && !plan.toString().contains("Seq Scan on tasks"), run + ":\n" + plan);
      }
      get(c.close());
    } finally {
      get(vertx.close());
    }
  }

  @Test
  void storesSharingASchemaNeverReserveTheSameName() throws Exception {
    TaskStore a = store();
    TaskStore b = store();
    get(a.open());
    get(b.open());
    List<Future<Long>> firsts = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      firsts.add(a.reserveNames(7));
      firsts.add(b.reserveNames(7));
    }
    Set<Long> numbers = new HashSet<>();
    for (Future<Long> f : firsts) {
      long first = get(f);
      for (long n = first; n < first + 7; n++) {
        assertTrue(numbers.add(n), "number " + n + " reserved twice");
      }
    }
    assertEquals(700, numbers.size());
    get(a.close());
    get(b.close());
  }

  @Test
  void eventIdReservationsOfSeveralStoresOnlyGoUp() throws Exception {
    TaskStore a = store();
    TaskStore b = store();
    get(a.open());
    get(b.open());
    a.putEventIdsReserved(500);
    get(a.sync());
    b.putEventIdsReserved(200); // a node that reserved less does not take the mark back
    get(b.sync());
    get(a.close());
    get(b.close());
    assertEquals(500, reopened().eventIdsReserved());
  }

  @Test
  void aSchemaOfANewerVersionIsRefused() throws Exception {
    TaskStore s = store();
    get(s.open());
    get(s.close());
    Postgres.query("INSERT INTO " + schema + ".schema_migrations(version, description) VALUES ($1, 'from the future')",
        PostgresMigrations.CURRENT + 1);
    ExecutionException e = assertThrows(ExecutionException.class, () -> get(store().open()));
    assertInstanceOf(StoreException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("newer"), e.getCause().getMessage());
  }

  @Test
  void aServerThatDoesNotAnswerIsRefusedWithoutShowingThePassword() throws Exception {
    int closedPort;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      closedPort = free.getLocalPort();
    }
    PostgresTaskStore s = store("postgresql://postgres:s3cret-pw@127.0.0.1:" + closedPort + "/test");
    assertFalse(s.describe().contains("s3cret-pw"), s.describe());
    ExecutionException e = assertThrows(ExecutionException.class, () -> get(s.open()));
    StoreException se = assertInstanceOf(StoreException.class, e.getCause());
    assertTrue(se.getMessage().contains("127.0.0.1:" + closedPort), se.getMessage());
    assertFalse(se.getMessage().contains("s3cret-pw"), se.getMessage());
  }

  @Test
  void aUriShowsNoPassword() {
    assertEquals("postgresql://app:***@db:5432/tasks", PostgresTaskStore.maskUrl("postgresql://app:pw@db:5432/tasks"));
    assertEquals("postgresql://app@db/tasks?password=***&sslmode=disable",
        PostgresTaskStore.maskUrl("postgresql://app@db/tasks?password=pw&sslmode=disable"));
    assertEquals("postgresql://db/tasks", PostgresTaskStore.maskUrl("postgresql://db/tasks"));
    assertTrue(PostgresTaskStore.checkUrl("mysql://db/x").contains("postgresql://"));
  }

  /** Runs {@code body} with a LISTEN on {@code channel} of the test database; what it hears goes to the queue. */
  void listening(String channel, ListenBody body) throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.pgclient.pubsub.PgSubscriber sub = io.vertx.pgclient.pubsub.PgSubscriber.subscriber(vertx,
          io.vertx.pgclient.PgConnectOptions.fromUri(Postgres.URL));
      java.util.concurrent.LinkedBlockingQueue<String> heard = new java.util.concurrent.LinkedBlockingQueue<>();
      sub.channel(channel).handler(heard::add);
      get(sub.connect());
      body.run(heard);
      get(sub.close());
    } finally {
      get(vertx.close());
    }
  }

  interface ListenBody {
    void run(java.util.concurrent.BlockingQueue<String> heard) throws Exception;
  }

  Object column(String sql) {
    List<List<Object>> rows = Postgres.query(sql.replace("tasks", schema + ".tasks"));
    return rows.isEmpty() ? null : rows.get(0).get(0);
  }

  @Test
  void aCancelIsRecordedInThePendingTasksRowOnlyAndItsIdNotified() throws Exception {
    TaskStore s = store();
    get(s.open());
    try {
      s.put(insert("P", "pending"));
      s.put(insert("F", "finished"));
      get(s.sync());
      listening(PostgresTaskStore.CANCEL_CHANNEL, heard -> {
        assertEquals(TaskStore.Found.PENDING, get(s.requestCancel("P")));
        assertEquals("P", heard.poll(10, java.util.concurrent.TimeUnit.SECONDS), "the nodes are woken with its id");
        assertEquals(TaskStore.Found.DONE, get(s.requestCancel("F")));
        assertEquals(TaskStore.Found.MISSING, get(s.requestCancel("X")));
        s.put(insert("Q", "pending"));
        get(s.sync());
        assertEquals(TaskStore.Found.PENDING, get(s.requestCancel("Q")));
        assertEquals("Q", heard.poll(10, java.util.concurrent.TimeUnit.SECONDS), "nothing was heard for F or X before Q");
      });
      assertEquals(true, column("SELECT cancel_requested FROM tasks WHERE id = 'P'"));
      assertEquals(false, column("SELECT cancel_requested FROM tasks WHERE id = 'F'"), "a done task's row is left as it is");
    } finally {
      get(s.close());
    }
  }

  /**
   * The outbox has no foreign key (a cascade's trigger ran a statement per removed task): a task removed by its node's
   * queued delete or by a delete of a done task takes its deliveries with it all the same.
   */
  @Test
  void aRemovedTasksDeliveriesGoWithItWithoutAForeignKey() throws Exception {
    TaskStore s = store();
    get(s.open());
    try {
      assertEquals(0L, Postgres.value("SELECT count(*) FROM pg_constraint WHERE conrelid = '" + schema
          + ".webhook_outbox'::regclass AND contype = 'f'"));
      for (String id : List.of("D1", "D2", "K")) {
        s.put(insert(id, "pending"));
        s.finish(finished(id), List.of(delivery(id, 1, "n1", "tok-" + id)), 30);
      }
      get(s.sync());
      assertEquals(3L, Postgres.value("SELECT count(*) FROM " + schema + ".webhook_outbox"));
      s.delete("D1"); // a batch of its own: the rows are committed
      get(s.sync());
      assertEquals(TaskStore.Found.DONE, get(s.deleteDone("D2")));
      assertEquals(List.of("K"), Postgres.query("SELECT task_id FROM " + schema + ".webhook_outbox").stream()
          .map(r -> r.get(0)).toList(), "the removed tasks' deliveries are gone, the others' kept");
    } finally {
      get(s.close());
    }
  }

  @Test
  void aDeleteRemovesADoneRowAndTellsTheNodesButLeavesAPendingOne() throws Exception {
    TaskStore s = store();
    get(s.open());
    try {
      s.put(insert("P", "pending"));
      s.put(insert("F", "cancelled"));
      get(s.sync());
      listening(PostgresTaskStore.DELETED_CHANNEL, heard -> {
        assertEquals(TaskStore.Found.PENDING, get(s.deleteDone("P")));
        assertEquals(TaskStore.Found.DONE, get(s.deleteDone("F")));
        assertEquals("F", heard.poll(10, java.util.concurrent.TimeUnit.SECONDS), "not P: the nodes keep a pending task");
        assertEquals(TaskStore.Found.MISSING, get(s.deleteDone("F")));
        assertEquals("F", heard.poll(10, java.util.concurrent.TimeUnit.SECONDS), "a row gone already is told again");
      });
      assertEquals("pending", column("SELECT state FROM tasks WHERE id = 'P'"));
      assertEquals(null, column("SELECT state FROM tasks WHERE id = 'F'"));
    } finally {
      get(s.close());
    }
  }

  /** A row of node {@code n1}'s, held under a lease whose token is {@code "k-" + id}. */
  static StoredTask leased(String id, String state) {
    boolean inserted = "pending".equals(state);
    return new StoredTask(id, "default", "n1", null, state, 1000, inserted ? null : 2000L, null, null,
        inserted ? "{\"kind\":\"sleep\"}" : null, () -> "{\"id\":\"" + id + "\"}", "n1", "k-" + id);
  }

  @Test
  void aLoneWriteWaitsForCompanyButWritesQueuedWhileACommitRanAreSentAtOnce() throws Exception {
    double batchWait = 3;
    PostgresTaskStore s = new PostgresTaskStore(Postgres.URL, "", 2, schema, 100, batchWait, 5);
    get(s.open());
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      // another transaction holds the event ids, so that the first batch, once sent, waits for it
      io.vertx.pgclient.PgConnection other = get(io.vertx.pgclient.PgConnection.connect(vertx, s.connectOptions()));
      get(other.query("BEGIN").execute());
      get(other.query("SELECT last FROM event_ids FOR UPDATE").execute());
      long queued = System.nanoTime();
      s.withEvents(() -> s.put(insert("A", "pending")),
          () -> List.of(new LoggedEvent("task.created", "A", () -> "{\"id\":\"A\"}")));
      org.vertxasyncio.testing.Eventually.eventually("the first batch waits for the event ids",
          java.time.Duration.ofSeconds(15), () -> ((Number) Postgres.value(
              "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", other.processId()))
              .longValue() > 0);
      double lone = (System.nanoTime() - queued) / 1e9;
      assertTrue(lone >= batchWait, "a lone write is sent after the wait for company, not " + lone + " s after it was queued");
      // queued while that batch is under way: the next batch is what the writer finds queued, sent at once
      s.put(insert("B", "pending"));
      s.put(insert("C", "pending"));
      Future<Void> synced = s.sync();
      long released = System.nanoTime();
      get(other.query("ROLLBACK").execute());
      get(synced);
      double next = (System.nanoTime() - released) / 1e9;
      assertTrue(next < batchWait - 1, "the writes queued meanwhile committed " + next + " s after the first batch could "
          + "go on, not held back for the " + batchWait + " s wait");
      assertEquals(List.of(List.of("A"), List.of("B"), List.of("C")),
          Postgres.query("SELECT id FROM " + schema + ".tasks ORDER BY id"));
      get(other.close());
    } finally {
      get(vertx.close());
      get(s.close());
    }
  }

  @Test
  void withRoomForOneWriteABatchNeverWaitsForCompany() throws Exception {
    double batchWait = 3;
    PostgresTaskStore s = new PostgresTaskStore(Postgres.URL, "", 2, schema, 1, batchWait, 5);
    get(s.open());
    try {
      long queued = System.nanoTime();
      s.put(insert("A", "pending"));
      get(s.sync());
      double seconds = (System.nanoTime() - queued) / 1e9;
      assertTrue(seconds < batchWait - 1, "a batch that is full with one write committed " + seconds + " s after it was "
          + "queued, not after the " + batchWait + " s wait for more it has no room for");
      assertEquals("A", Postgres.value("SELECT id FROM " + schema + ".tasks"));
    } finally {
      get(s.close());
    }
  }

  @Test
  void aBatchAndAHeartbeatThatNeedEachOthersRowsBothCommit() throws Exception {
    PostgresTaskStore s = store(Postgres.URL);
    get(s.open());
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
        .connectingTo(s.connectOptions()).using(vertx).build();
    try {
      s.putAll(List.of(leased("A", "pending"), leased("M", "pending"), leased("Z", "pending")));
      get(s.sync());
      // their leases end in another order than their ids (as when the tasks were claimed or made between
      // heartbeats): Z's first, then M's, then A's
      Postgres.query("UPDATE " + schema + ".tasks SET lease_until = now() + make_interval(secs => CASE id WHEN 'Z' THEN 10 "
          + "WHEN 'M' THEN 20 ELSE 30 END)");
      // another transaction holds M, so that the heartbeat stops there, holding what it locked before
      io.vertx.pgclient.PgConnection other = get(io.vertx.pgclient.PgConnection.connect(vertx, s.connectOptions()));
      get(other.query("BEGIN").execute());
      get(other.query("SELECT id FROM tasks WHERE id = 'M' FOR UPDATE").execute());
      Future<org.vertxasyncio.service.cluster.Leases.Beat> beat = new org.vertxasyncio.service.cluster.Leases(pool, "n1", 30)
          .heartbeat();
      Object heartbeat = org.vertxasyncio.testing.Eventually.eventually("the heartbeat waits for M",
          java.time.Duration.ofSeconds(10), () -> Postgres.query("SELECT pid FROM pg_stat_activity WHERE $1 = ANY("
              + "pg_blocking_pids(pid))", other.processId()), rows -> rows.size() == 1).get(0).get(0);
      // a batch that finishes A and Z: were it and the heartbeat to lock them in different orders, each would
      // wait for the other once M is free, and PostgreSQL would abort one (40P01)
      s.put(leased("Z", "finished"));
      s.put(leased("A", "finished"));
      Future<Void> synced = s.sync();
      org.vertxasyncio.testing.Eventually.eventually("the batch waits for the heartbeat", java.time.Duration.ofSeconds(10),
          () -> ((Number) Postgres.value("SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
              heartbeat)).longValue() > 0);
      get(other.query("ROLLBACK").execute()); // the heartbeat goes on, to M and Z
      assertEquals(Set.of("A", "M", "Z"), get(beat).held(), "the heartbeat renewed every lease, none aborted");
      get(synced); // and the batch committed after it, its sync never failed
      assertTrue(s.available());
      assertEquals("finished", column("SELECT state FROM tasks WHERE id = 'A'"));
      assertEquals("pending", column("SELECT state FROM tasks WHERE id = 'M'"));
      assertEquals("finished", column("SELECT state FROM tasks WHERE id = 'Z'"));
      get(other.close());
    } finally {
      get(pool.close());
      get(vertx.close());
      get(s.close());
    }
  }

  @Test
  void aHeartbeatThatRenewsOnlyTheLeasesEndingSoonAndABatchBothCommit() throws Exception {
    PostgresTaskStore s = store(Postgres.URL);
    get(s.open());
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
        .connectingTo(s.connectOptions()).using(vertx).build();
    try {
      s.putAll(List.of(leased("A", "pending"), leased("M", "pending"), leased("Z", "pending")));
      get(s.sync());
      // A's and Z's leases end within the heartbeat's window (25 s), M's later: the heartbeat locks and renews A and Z
      Postgres.query("UPDATE " + schema + ".tasks SET lease_until = now() + make_interval(secs => CASE id WHEN 'M' THEN 30 "
          + "ELSE 3 END)");
      // another transaction holds Z, so that the heartbeat stops there, holding A
      io.vertx.pgclient.PgConnection other = get(io.vertx.pgclient.PgConnection.connect(vertx, s.connectOptions()));
      get(other.query("BEGIN").execute());
      get(other.query("SELECT id FROM tasks WHERE id = 'Z' FOR UPDATE").execute());
      Future<org.vertxasyncio.service.cluster.Leases.Beat> beat = new org.vertxasyncio.service.cluster.Leases(pool, "n1", 30,
          60, 25).heartbeat();
      Object heartbeat = org.vertxasyncio.testing.Eventually.eventually("the heartbeat waits for Z",
          java.time.Duration.ofSeconds(10), () -> Postgres.query("SELECT pid FROM pg_stat_activity WHERE $1 = ANY("
              + "pg_blocking_pids(pid))", other.processId()), rows -> rows.size() == 1).get(0).get(0);
      // a batch that finishes A (held by the heartbeat) and M (read by it, not locked): it waits for the heartbeat
      s.put(leased("M", "finished"));
      s.put(leased("A", "finished"));
      Future<Void> synced = s.sync();
      org.vertxasyncio.testing.Eventually.eventually("the batch waits for the heartbeat", java.time.Duration.ofSeconds(10),
          () -> ((Number) Postgres.value("SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
              heartbeat)).longValue() > 0);
      get(other.query("ROLLBACK").execute()); // the heartbeat goes on, to Z
      assertEquals(Set.of("A", "M", "Z"), get(beat).held(), "every task still held is listed, renewed or not");
      get(synced);
      assertTrue(s.available());
      assertEquals("finished", column("SELECT state FROM tasks WHERE id = 'A'"));
      assertEquals("finished", column("SELECT state FROM tasks WHERE id = 'M'"));
      assertEquals("pending", column("SELECT state FROM tasks WHERE id = 'Z'"));
      assertTrue(((Number) column("SELECT extract(epoch FROM lease_until - now()) FROM tasks WHERE id = 'Z'")).doubleValue() > 25,
          "Z renewed");
      get(other.close());
    } finally {
      get(pool.close());
      get(vertx.close());
      get(s.close());
    }
  }

  @Test
  void batchesOfFinishesAndTheHeartbeatRenewingTheSameRowsNeverDeadlock() throws Exception {
    PostgresTaskStore s = store(Postgres.URL);
    get(s.open());
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
        .connectingTo(s.connectOptions()).using(vertx).build();
    try {
      List<String> ids = new ArrayList<>();
      List<StoredTask> rows = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        ids.add(String.format("T%04d", i));
        rows.add(leased(ids.get(i), "pending"));
      }
      s.putAll(rows);
      get(s.sync());
      // the node's heartbeat, back to back (a tiny cluster.heartbeat), renewing every lease it holds
      org.vertxasyncio.service.cluster.Leases leases = new org.vertxasyncio.service.cluster.Leases(pool, "n1", 30);
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicInteger beats = new java.util.concurrent.atomic.AtomicInteger();
      List<Throwable> failedBeats = new java.util.concurrent.CopyOnWriteArrayList<>();
      io.vertx.core.Promise<Void> stopped = io.vertx.core.Promise.promise();
      Runnable[] beat = new Runnable[1];
      beat[0] = () -> leases.heartbeat().onComplete(ar -> {
        beats.incrementAndGet();
        if (ar.failed()) {
          failedBeats.add(ar.cause());
        }
        if (stop.get()) {
          stopped.complete();
        } else {
          beat[0].run();
        }
      });
      vertx.runOnContext(v -> beat[0].run());
      // meanwhile the node finishes its tasks in batches, in no order of their ids (here: newest first)
      java.util.Collections.reverse(ids);
      for (int from = 0; from < ids.size(); from += 40) {
        for (String id : ids.subList(from, from + 40)) {
          s.put(leased(id, "finished"));
        }
        get(s.sync()); // a batch PostgreSQL aborted failed its sync: the client of a finished write told it was lost
        assertTrue(s.available(), "no batch made the store look unreachable");
      }
      stop.set(true);
      get(stopped.future());
      assertEquals(List.of(), failedBeats.stream().map(String::valueOf).toList(), "heartbeats that failed, of " + beats.get());
      assertTrue(beats.get() > 1, "the heartbeats ran alongside the batches: " + beats.get());
      assertEquals(0L, column("SELECT count(*) FROM tasks WHERE state = 'pending'"), "every finish committed");
    } finally {
      get(pool.close());
      get(vertx.close());
      get(s.close());
    }
  }

  @Test
  void aBatchPostgresqlAbortsForADeadlockIsSentAgainAndItsSyncSucceeds() throws Exception {
    PostgresTaskStore s = store(Postgres.URL);
    get(s.open());
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(PostgresTaskStore.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    log.addAppender(logs);
    try {
      s.put(insert("A", "pending"));
      s.put(insert("B", "pending"));
      get(s.sync());
      io.vertx.pgclient.PgConnection other = get(io.vertx.pgclient.PgConnection.connect(vertx, s.connectOptions()));
      get(other.query("BEGIN").execute());
      // the store's connection looks for the deadlock first (after the server's deadlock_timeout, 1 s), the other
      // after 5 s: the batch is the one aborted
      get(other.query("SET LOCAL deadlock_timeout = '5s'").execute());
      get(other.query("SELECT id FROM tasks WHERE id = 'B' FOR UPDATE").execute());
      s.put(update("A", "finished", 2000L, null));
      s.put(update("B", "finished", 2000L, null));
      Future<Void> synced = s.sync();
      int otherPid = other.processId();
      org.vertxasyncio.testing.Eventually.eventually("the batch holds A and waits for B", java.time.Duration.ofSeconds(10),
          () -> ((Number) Postgres.value("SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
              otherPid)).longValue() > 0);
      // the other transaction asks for A: each waits for the other, and PostgreSQL aborts the batch (40P01), whose
      // check comes 1 s after it began to wait (were this thread stalled past that, the other would be aborted
      // at its own check, 5 s after it asked: the batch commits all the same)
      boolean batchAborted = other.query("SELECT id FROM tasks WHERE id = 'A' FOR UPDATE").execute().map(true)
          .recover(e -> PostgresTaskStore.conflict(e) ? Future.succeededFuture(false) : Future.failedFuture(e))
          .toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      get(other.query("ROLLBACK").execute());
      get(synced); // the batch was sent again and committed: its sync never failed
      assertTrue(s.available(), "a deadlock is no outage");
      if (batchAborted) {
        assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("for a conflict with another transaction")
            && e.getFormattedMessage().endsWith("sending it again")), "the aborted batch was sent again: " + logs.list);
      }
      assertEquals("finished", column("SELECT state FROM tasks WHERE id = 'A'"));
      assertEquals("finished", column("SELECT state FROM tasks WHERE id = 'B'"));
      get(other.close());
    } finally {
      log.detachAppender(logs);
      get(vertx.close());
      get(s.close());
    }
  }
}
