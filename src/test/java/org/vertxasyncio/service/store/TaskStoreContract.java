package org.vertxasyncio.service.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TaskStore} promises, run against each implementation by a subclass that says how to
 * make one on fresh storage and another on that same storage (a reopening, or a second process): writes
 * from many threads committed and read back, updates merged into their insert, deletes final, a
 * {@code putAll} committed whole or not at all, name reservations that never overlap. A store that keeps
 * nothing ({@link #keeps()} false) must read back nothing, and still reserve names without overlap.
 */
abstract class TaskStoreContract {

  /** A store on this test's storage, fresh at the first call; not opened. */
  abstract TaskStore store();

  /** True if what a store commits is read back by the next one on the same storage. */
  boolean keeps() {
    return true;
  }

  static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static StoredTask insert(String id, String state) {
    return new StoredTask(id, "default", "n1", null, state, 1000, null, null, null, "{\"kind\":\"sleep\"}", () -> "{\"id\":\"" + id + "\"}");
  }

  static StoredTask update(String id, String state, Long doneAt, Long sleepDeadline) {
    return new StoredTask(id, "default", "n1", null, state, 1000, doneAt, sleepDeadline, null, null,
        () -> "{\"id\":\"" + id + "\",\"state\":\"" + state + "\"}");
  }

  /** Opens a store on this test's storage, reads what it kept, closes it. */
  Stored reopened() throws Exception {
    TaskStore again = store();
    Stored kept = get(again.open());
    get(again.close());
    return kept;
  }

  @Test
  void writesFromManyThreadsAreCommittedAndReadBackAfterReopening() throws Exception {
    TaskStore s = store();
    assertEquals(0, get(s.open()).tasks().size(), "a new store keeps nothing");
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int base = t * 500;
      threads.add(Thread.ofPlatform().start(() -> {
        for (int i = 0; i < 500; i++) {
          String id = String.format("T%05d", base + i);
          s.put(insert(id, "pending"));
          s.put(update(id, "pending", null, 5000L));
          if (i % 2 == 0) {
            s.put(update(id, "finished", 2000L, 5000L));
          }
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    s.putLoop("default", "running");
    s.putLoop("batch", "closed");
    s.putEventIdsReserved(12345);
    get(s.sync());
    get(s.close());

    Stored kept = reopened();
    if (!keeps()) {
      assertEquals(Stored.EMPTY, kept, "a store that keeps nothing reads back nothing");
      return;
    }
    assertEquals(2000, kept.tasks().size());
    Map<String, String> states = kept.tasks().stream().collect(Collectors.toMap(StoredTask::id, StoredTask::state));
    assertEquals("finished", states.get("T00000"), "the last update wins");
    assertEquals("pending", states.get("T00001"));
    StoredTask first = kept.tasks().get(0);
    assertEquals("T00000", first.id(), "oldest (smallest id) first");
    assertEquals("{\"kind\":\"sleep\"}", first.spec(), "an update keeps the spec of the insert");
    assertEquals(5000L, first.sleepDeadline());
    assertEquals(2000L, first.doneAt());
    assertTrue(first.record().get().contains("finished"), first.record().get());
    assertEquals(List.of(new Stored.StoredLoop("default", "running"), new Stored.StoredLoop("batch", "closed")), kept.loops());
    assertEquals(12345, kept.eventIdsReserved());
  }

  @Test
  void aStoreThatReadsBackNoTaskSaysItKeepsNone() {
    // the journal builds no rows for a store that drops them: it must be one that reads back nothing
    org.junit.jupiter.api.Assertions.assertEquals(keeps(), store().keepsTasks());
  }

  @Test
  void nameReservationsAreConsecutiveBlocksThatNoReopeningHandsOutAgain() throws Exception {
    TaskStore s = store();
    get(s.open());
    assertEquals(1L, get(s.reserveNames(100)), "a new store's first block starts at 1");
    Future<Long> a = s.reserveNames(10);
    Future<Long> b = s.reserveNames(1000);
    Set<Long> firsts = Set.of(get(a), get(b));
    // reservations made together each get their own numbers, one block after the other
    assertTrue(firsts.equals(Set.of(101L, 111L)) || firsts.equals(Set.of(101L, 1101L)), firsts.toString());
    get(s.close());
    TaskStore again = store();
    get(again.open());
    if (keeps()) {
      assertEquals(1111L, get(again.reserveNames(5)), "after reopening, on from the last block reserved");
    } else {
      assertEquals(1L, get(again.reserveNames(5)), "a store that keeps nothing starts again at 1");
    }
    get(again.close());
  }

  /** A parked sleep's row, due at {@code due} (epoch milliseconds). */
  static StoredTask parked(String id, long due) {
    return new StoredTask(id, "default", "n1", null, "pending", 1000, null, due, null, "{\"kind\":\"sleep\"}",
        () -> "{\"id\":\"" + id + "\"}");
  }

  @Test
  void aParkedRowIsReadByItsIdAndCountedButLeftOutOfWhatTheNextStartReads() throws Exception {
    TaskStore s = store();
    get(s.open());
    if (!s.parks()) {
      assertEquals(0L, get(s.countParked()), "a store that parks nothing counts no parked row");
      get(s.close());
      return;
    }
    long due = System.currentTimeMillis() + 600_000;
    s.park(parked("P1", due), due);
    s.park(parked("P2", due), due);
    s.put(insert("A", "pending"));
    get(s.sync());
    assertEquals(2L, get(s.countParked()));
    assertEquals("pending", get(s.get("P1")).state());
    assertEquals(Long.valueOf(due), get(s.get("P1")).sleepDeadline());
    get(s.close());
    assertEquals(List.of("A"), reopened().tasks().stream().map(StoredTask::id).toList(), "parked rows stay in the store");
  }

  @Test
  void aKeyWithANulCharacterFindsNoTaskInsteadOfFailing() throws Exception {
    TaskStore s = store();
    get(s.open());
    s.put(insert("A", "finished"));
    get(s.sync());
    String nul = "A\u0000B";
    assertEquals(null, get(s.get(nul)));
    assertEquals(TaskStore.Found.MISSING, get(s.requestCancel(nul)));
    assertEquals(TaskStore.Found.MISSING, get(s.deleteDone(nul)));
    assertEquals(List.of(), get(s.list(new TaskQuery(null, null, nul, null, null, 10))).tasks());
    assertEquals(List.of(), get(s.list(new TaskQuery(null, null, null, nul, nul, 10))).tasks());
    if (keeps()) {
      assertEquals("finished", get(s.get("A")).state(), "the store still answers");
    }
    get(s.close());
  }

  @Test
  void anUpdateAfterADeleteDoesNotBringTheTaskBack() throws Exception {
    TaskStore s = store();
    get(s.open());
    s.putAll(List.of(insert("A", "finished"), insert("B", "finished")));
    get(s.sync());
    s.delete("A");
    s.put(update("A", "finished", 1L, null)); // a late change of a forgotten task
    s.putAll(List.of(insert("C", "pending")));
    s.delete("C"); // inserted and forgotten in one batch
    get(s.close());
    List<String> ids = reopened().tasks().stream().map(StoredTask::id).toList();
    assertEquals(keeps() ? List.of("B") : List.of(), ids);
  }

  @Test
  void aPutAllTheDatabaseRefusesInPartCommitsNoneOfItAndFailsItsSync() throws Exception {
    TaskStore s = store();
    get(s.open());
    // a row without its loop breaks the table's NOT NULL: the other row of the unit must not stay
    StoredTask broken = new StoredTask("Y", null, "n1", null, "pending", 1000, null, null, null, "{}", () -> "{}");
    s.putAll(List.of(insert("X", "pending"), broken));
    try {
      get(s.sync());
    } catch (ExecutionException e) {
      assertInstanceOf(StoreException.class, e.getCause(), "a sync whose batch was refused fails with the store's error");
    }
    s.put(insert("Z", "pending"));
    get(s.sync()); // the store goes on after a refused unit
    get(s.close());
    assertEquals(keeps() ? List.of("Z") : List.of(), reopened().tasks().stream().map(StoredTask::id).toList());
  }

  @Test
  void theNodeOfATaskIsKeptAndItsLatestWins() throws Exception {
    TaskStore s = store();
    get(s.open());
    s.put(insert("A", "pending"));
    s.put(insert("B", "pending"));
    get(s.sync());
    s.put(new StoredTask("A", "default", "n2", null, "pending", 1000, null, null, null, null, () -> "{\"id\":\"A\"}"));
    get(s.close());
    List<String> nodes = reopened().tasks().stream().map(StoredTask::node).toList();
    assertEquals(keeps() ? List.of("n2", "n1") : List.of(), nodes, "A was taken over by n2, B is still n1's");
  }

  @Test
  void syncAfterCloseFails() throws Exception {
    TaskStore s = store();
    get(s.open());
    get(s.close());
    if (keeps()) {
      assertThrows(ExecutionException.class, () -> get(s.sync()));
      assertInstanceOf(StoreException.class, assertThrows(ExecutionException.class,
          () -> get(s.reserveNames(5))).getCause(), "a closed store reserves nothing");
    }
    s.put(insert("late", "pending")); // dropped, not thrown
    assertTrue(reopened().tasks().stream().noneMatch(t -> t.id().equals("late")), "a write after close is dropped");
  }

  @Test
  void reservationsFromManyThreadsNeverOverlap() throws Exception {
    TaskStore s = store();
    get(s.open());
    List<Future<Long>> all = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      threads.add(Thread.ofPlatform().start(() -> {
        for (int i = 0; i < 25; i++) {
          Future<Long> f = s.reserveNames(10);
          synchronized (all) {
            all.add(f);
          }
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    Set<Long> numbers = new HashSet<>();
    for (Future<Long> f : all) {
      long first = get(f);
      for (long n = first; n < first + 10; n++) {
        assertTrue(numbers.add(n), "number " + n + " reserved twice");
      }
    }
    get(s.close());
    assertEquals(1000, numbers.size());
  }

  /** A new delivery of task {@code taskId}, entry {@code entry}, held by {@code owner} with {@code token}. */
  static StoredDelivery delivery(String taskId, int entry, String owner, String token) {
    return new StoredDelivery("msg_" + taskId + "_" + entry, taskId, null, entry, "http://127.0.0.1:9/hook", null,
        "{\"id\":\"" + taskId + "\"}", 0, 1, "pending", 0, owner, token, null);
  }

  static StoredTask finished(String id) {
    return new StoredTask(id, "default", "n1", null, "finished", 1000, 2000L, null, null, null,
        () -> "{\"id\":\"" + id + "\",\"callbacks\":[{\"callback\":\"record\"},{\"callback\":\"webhook\",\"outcome\":\"pending\"}]}");
  }

  @Test
  void aFinishIsCommittedWithItsDeliveriesAndEachAttemptIsFencedByTheDeliverysLease() throws Exception {
    TaskStore s = store();
    get(s.open());
    s.put(insert("W1", "pending"));
    s.finish(finished("W1"), List.of(delivery("W1", 1, "n1", "tok-a")), 30);
    get(s.sync());
    StoredDelivery row = get(s.redeliver("W1", 1, "n2", "tok-b", 30));
    assertEquals("msg_W1_1", row.id(), "the delivery was committed with the finish");
    assertEquals("tok-a", row.leaseToken(), "a delivery under way is not redelivered: it keeps its holder");
    assertEquals(false, get(s.deliveryAttempted(row.after(1, "delivered").withToken("tok-x"), null, "{}", 30)),
        "an attempt under a lease that is not the row's is not written");
    assertEquals(true, get(s.deliveryAttempted(row.after(1, "delivered").withToken("tok-a"), null,
        "{\"callback\":\"webhook\",\"outcome\":\"delivered\"}", 30)), "its holder's attempt is written");
    StoredDelivery again = get(s.redeliver("W1", 1, "n2", "tok-b", 30));
    assertEquals("tok-b", again.leaseToken(), "a finished delivery is redelivered, by whoever asks");
    assertEquals(2, again.first(), "the redelivery's first attempt follows the last one made");
    assertEquals(false, get(s.deliveryAttempted(again.after(2, "failed").withToken("tok-a"), null, "{}", 30)),
        "the former holder writes nothing any more");
    if (keeps()) {
      assertEquals("pending", new io.vertx.core.json.JsonObject(again.entryJson()).getString("outcome"),
          "the task's log shows the redelivery: " + again.entryJson());
    }
    get(s.close());
  }

  @Test
  void aFinishOfATaskTheStoreDoesNotHaveWritesNoDelivery() throws Exception {
    TaskStore s = store();
    get(s.open());
    s.put(insert("W2", "pending"));
    s.delete("W2");
    s.finish(finished("W2"), List.of(delivery("W2", 1, "n1", "tok-a")), 30);
    s.put(insert("W3", "pending"));
    s.finish(finished("W3"), List.of(delivery("W3", 1, "n1", "tok-a")), 30);
    s.delete("W3");
    get(s.sync());
    if (keeps()) {
      assertEquals(null, get(s.redeliver("W2", 1, "n1", "tok-b", 30)), "no row of a deleted task's delivery");
    }
    assertEquals(null, get(s.redeliver("W3", 1, "n1", "tok-b", 30)), "a task's deliveries go with it");
    get(s.close());
  }

  @Test
  void deliveriesGivenBackAreClaimedOnceWithTheirLogEntry() throws Exception {
    TaskStore s = store();
    get(s.open());
    List<StoredDelivery> ds = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String id = String.format("C%03d", i);
      s.put(insert(id, "pending"));
      StoredDelivery d = delivery(id, 1, "n1", "tok-" + i);
      s.finish(finished(id), List.of(d), 30);
      ds.add(d);
    }
    get(s.sync());
    assertEquals(List.of(), get(s.claimDeliveries("n2", 100, 30)), "deliveries held by a live node are not claimed");
    get(s.renewDeliveries("n1", ds.stream().map(StoredDelivery::leaseToken).toList(), 0));
    Thread.sleep(5); // past the given-back lease on the store's clock
    if (!keeps()) {
      get(s.close());
      return; // the memory store's leases end only with their holder's process
    }
    List<StoredDelivery> first = get(s.claimDeliveries("n2", 15, 30));
    List<StoredDelivery> second = get(s.claimDeliveries("n3", 15, 30));
    assertEquals(15, first.size());
    assertEquals(5, second.size(), "the rest, none twice");
    Set<String> ids = new HashSet<>();
    first.forEach(d -> ids.add(d.id()));
    second.forEach(d -> ids.add(d.id()));
    assertEquals(20, ids.size());
    assertEquals("webhook", new io.vertx.core.json.JsonObject(first.get(0).entryJson()).getString("callback"),
        "a claim reads the log entry: " + first.get(0).entryJson());
    assertEquals("n2", first.get(0).owner());
    assertTrue(first.get(0).leaseToken() != null && !first.get(0).leaseToken().startsWith("tok-"), "a new token per claim");
    get(s.close());
  }

  static StoredTask row(String id, String state, String loop, String kind, String name) {
    return new StoredTask(id, loop, "n1", null, state, 1000, null, null, null, "{\"kind\":\"" + kind + "\"}",
        () -> "{\"id\":\"" + id + "\",\"name\":\"" + name + "\"}");
  }

  @Test
  void aTaskIsReadByItsIdOnceWrittenWithItsLatestRecord() throws Exception {
    TaskStore s = store();
    get(s.open());
    try {
      s.put(insert("R1", "pending"));
      s.put(update("R1", "finished", 2000L, null));
      get(s.sync());
      StoredTask t = get(s.get("R1"));
      if (!keeps()) {
        assertEquals(null, t, "a store that keeps nothing reads nothing");
        return;
      }
      assertEquals("finished", t.state());
      assertEquals(2000L, t.doneAt());
      assertEquals("{\"id\":\"R1\",\"state\":\"finished\"}", t.record().get());
      assertEquals("default", t.loop());
      assertEquals(null, get(s.get("R2")), "no such task");
    } finally {
      get(s.close());
    }
  }

  @Test
  void aListIsNewestFirstFilteredAndPagedByCursor() throws Exception {
    TaskStore s = store();
    get(s.open());
    try {
      s.put(row("L1", "finished", "default", "sleep", "x"));
      s.put(row("L2", "pending", "default", "work", "x"));
      s.put(row("L3", "finished", "other", "sleep", "y"));
      s.put(row("L4", "cancelled", "default", "sleep", "x"));
      s.put(row("L5", "finished", "default", "gather", "x"));
      get(s.sync());
      TaskQuery.Page all = get(s.list(new TaskQuery(null, null, null, null, null, 10)));
      if (!keeps()) {
        assertEquals(List.of(), all.tasks());
        return;
      }
      assertEquals(List.of("L5", "L4", "L3", "L2", "L1"), ids(all));
      assertEquals(null, all.nextCursor());
      TaskQuery.Page first = get(s.list(new TaskQuery(null, null, null, "x", null, 2)));
      assertEquals(List.of("L5", "L4"), ids(first));
      assertEquals("L4", first.nextCursor());
      TaskQuery.Page second = get(s.list(new TaskQuery(null, null, null, "x", "L4", 2)));
      assertEquals(List.of("L2", "L1"), ids(second));
      assertEquals(null, second.nextCursor(), "nothing after it");
      assertEquals(List.of("L3", "L1"), ids(get(s.list(new TaskQuery("finished", "sleep", null, null, null, 10)))));
      assertEquals(List.of("L3"), ids(get(s.list(new TaskQuery(null, null, "other", null, null, 10)))));
      assertEquals(List.of("L2"), ids(get(s.list(new TaskQuery("pending", "work", "default", "x", null, 10)))));
    } finally {
      get(s.close());
    }
  }

  private static List<String> ids(TaskQuery.Page p) {
    return p.tasks().stream().map(StoredTask::id).toList();
  }
}
