package org.vertxasyncio.service.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.events.EventHub;
import org.vertxasyncio.service.store.LoggedEvent;
import org.vertxasyncio.service.store.PostgresTaskStore;
import org.vertxasyncio.service.store.StoredTask;
import org.vertxasyncio.testing.Postgres;

/**
 * A node's tail of the cluster's event log with two stores writing on one schema: the node's own (which hands its
 * committed events over) and a peer's. The tail appends every event of the log once, in id order, with the log's
 * data; the peer's are read from the log, the node's own are not read back, except a row it was not handed.
 */
class EventLogTailTest {
  final String schema = Postgres.newSchema();
  final Vertx vertx = Vertx.vertx();
  final List<PostgresTaskStore> stores = new ArrayList<>();
  Pool pool;
  EventLogTail tail;

  PostgresTaskStore store() throws Exception {
    PostgresTaskStore s = new PostgresTaskStore(Postgres.URL, "", 2, schema, 100, 0.001, 5);
    stores.add(s);
    await(s.open());
    return s;
  }

  @AfterEach
  void close() throws Exception {
    if (tail != null) {
      await(tail.stop());
    }
    for (PostgresTaskStore s : stores) {
      await(s.close());
    }
    await(vertx.close());
    Postgres.drop(schema);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A tail for {@code own}'s node, appending to {@code appended}; no LISTEN. */
  private EventLogTail tail(PostgresTaskStore own, List<List<Object>> appended) {
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(own.connectOptions()).using(vertx).build();
    EventHub hub = EventHub.logged(vertx.getOrCreateContext(), 1000, 0, null, 1000);
    return new EventLogTail(vertx, pool, null, "unused", hub, (id, type, task, data) -> {
      synchronized (appended) {
        appended.add(List.of(id, type, task, data));
      }
    }, own.writerKey(), 3600, 1000); // reads at start and catch-up only: none races a hand-over
  }

  /** Task {@code id}'s row and {@code n} events about it, in one unit of {@code s}'s writes. */
  private static void write(PostgresTaskStore s, String id, int n) {
    List<LoggedEvent> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      events.add(new LoggedEvent("task.x", id, () -> "{\"task\":\"" + id + "\",\"n\":" + k + "}"));
    }
    s.withEvents(() -> s.put(new StoredTask(id, "default", "n1", null, "pending", 1000, null, null, null,
        "{\"kind\":\"sleep\"}", () -> "{\"id\":\"" + id + "\"}", null, null)), () -> events);
  }

  /** Writes tasks on both stores, interleaved, each store's committed before the next write of the other. */
  private void writeBoth(PostgresTaskStore own, PostgresTaskStore peer, int tasks) throws Exception {
    for (int i = 0; i < tasks; i++) {
      write(own, "own-" + i, 1 + i % 3);
      await(own.sync());
      write(peer, "peer-" + i, 1 + i % 2);
      await(peer.sync());
    }
  }

  private List<List<Object>> logged() {
    return Postgres.query("SELECT id, type, task_id, data FROM " + schema + ".events ORDER BY id");
  }

  private static long eventsOf(List<List<Object>> rows, String prefix) {
    return rows.stream().filter(r -> ((String) r.get(2)).startsWith(prefix)).count();
  }

  /**
   * Starts the tail, writes 40 tasks on each store, and checks that the tail appended every event of the log once,
   * in id order, with its data; the log.
   */
  private List<List<Object>> tailWhileBothWrite(PostgresTaskStore own, PostgresTaskStore peer,
      List<List<Object>> appended) throws Exception {
    await(tail.start());
    writeBoth(own, peer, 40);
    return caughtUp(appended);
  }

  /** Catches the tail up and checks that it appended every event of the log once, in id order, with its data; the log. */
  private List<List<Object>> caughtUp(List<List<Object>> appended) throws Exception {
    await(tail.catchUp());
    List<List<Object>> log = logged();
    synchronized (appended) {
      assertEquals(log, appended, "every event of the log once, in id order, with its data");
    }
    return log;
  }

  @Test
  void aNodesOwnEventsAreAppendedAsHandedOverAndItsPeersAreReadInTheLogsOrder() throws Exception {
    PostgresTaskStore own = store();
    PostgresTaskStore peer = store();
    List<List<Object>> appended = new ArrayList<>();
    tail = tail(own, appended);
    own.onEventsCommitted(tail::committed);
    List<List<Object>> log = tailWhileBothWrite(own, peer, appended);
    assertEquals(eventsOf(log, "own-"), tail.handedOver(), "the node's own events were not read back");
    assertEquals(eventsOf(log, "peer-"), tail.readBack(), "the peer's events were read from the log");
  }

  @Test
  void aRowOfTheNodesOwnThatWasNotHandedOverIsReadBackFromTheLog() throws Exception {
    PostgresTaskStore own = store();
    PostgresTaskStore peer = store();
    List<List<Object>> appended = new ArrayList<>();
    tail = tail(own, appended).handoverWait(20);
    // every other batch's hand-over lost, as when the writer's answer was
    AtomicInteger batches = new AtomicInteger();
    own.onEventsCommitted((first, types, tasks, data) -> {
      if (batches.getAndIncrement() % 2 == 0) {
        tail.committed(first, types, tasks, data);
      }
    });
    List<List<Object>> log = tailWhileBothWrite(own, peer, appended);
    assertTrue(tail.handedOver() > 0, "the batches handed over were not read back: " + tail.handedOver());
    assertTrue(tail.readBack() > eventsOf(log, "peer-"), "the others were read from the log: " + tail.readBack());
  }

  /**
   * A read that reaches a row of the node's own before the writer's thread handed it over (its NOTIFY can come
   * first) waits for the hand-over, and does not read the row back: a catch-up asked for meanwhile completes once the
   * read goes past it.
   */
  @Test
  void aReadThatReachesARowOfTheNodesOwnBeforeItsHandOverWaitsForIt() throws Exception {
    PostgresTaskStore own = store();
    PostgresTaskStore peer = store();
    List<List<Object>> appended = new ArrayList<>();
    tail = tail(own, appended);
    // each hand-over 30 ms after the commit: a catch-up after each sync reaches the row first
    own.onEventsCommitted((first, types, tasks, data) -> vertx.setTimer(30, t -> tail.committed(first, types, tasks, data)));
    await(tail.start());
    for (int i = 0; i < 10; i++) {
      write(own, "own-" + i, 2);
      await(own.sync());
      await(tail.catchUp());
      synchronized (appended) {
        assertEquals("own-" + i, appended.get(appended.size() - 1).get(2), "the catch-up waited for the row's hand-over");
      }
      write(peer, "peer-" + i, 1);
      await(peer.sync());
    }
    List<List<Object>> log = caughtUp(appended);
    assertEquals(eventsOf(log, "own-"), tail.handedOver(), "the node's own events were not read back");
    assertEquals(eventsOf(log, "peer-"), tail.readBack(), "only the peer's events were read from the log");
  }
}
