package org.vertxasyncio.service.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite store on real files: the store contract ({@link TaskStoreContract}), and what is SQLite's
 * own: the data directory made, a corrupt or busy file refused with a message naming it, the migrations
 * from version 1 to the current one, and the names of a store written before names were reserved.
 */
class SqliteTaskStoreTest extends TaskStoreContract {
  @TempDir
  Path dir;

  @Override
  TaskStore store() {
    return store(dir);
  }

  SqliteTaskStore store(Path d) {
    return new SqliteTaskStore(d, false, 100, 0.001);
  }

  @Test
  void parkedRowsLeaveParkingOnceByDueTimeByIdOrByLoop() throws Exception {
    SqliteTaskStore s = store(dir);
    get(s.open());
    long now = System.currentTimeMillis();
    s.park(parked("SOON", now + 1_000), now + 1_000);
    s.park(parked("LATER", now + 600_000), now + 600_000);
    s.park(parked("FAR", now + 900_000), now + 900_000);
    s.park(new StoredTask("OTHER", "batch", "n1", null, "pending", 1000, null, now + 900_000, null, "{\"kind\":\"sleep\"}",
        () -> "{}"), now + 900_000);
    get(s.sync());
    assertEquals(List.of("SOON"), get(s.unparkDue(now + 60_000, 10)).stream().map(StoredTask::id).toList());
    assertEquals(List.of(), get(s.unparkDue(now + 60_000, 10)), "taken out once");
    assertNull(get(s.unpark("LATER", now + 60_000)), "not due by then");
    assertEquals("LATER", get(s.unpark("LATER", Long.MAX_VALUE)).id());
    assertNull(get(s.unpark("LATER", Long.MAX_VALUE)), "taken out once");
    assertEquals(List.of("OTHER"), get(s.unparkLoop("batch", 10)).stream().map(StoredTask::id).toList());
    assertEquals(1L, get(s.countParked()), "FAR is still parked");
    get(s.close());
    assertEquals(List.of("LATER", "OTHER", "SOON"), reopened().tasks().stream().map(StoredTask::id).toList(),
        "rows out of parking are read at start, as any pending row");
  }

  @Test
  void aTaskRemovedInALaterBatchOrAfterARestartTakesItsDeliveriesWithIt() throws Exception {
    SqliteTaskStore s = store(dir);
    get(s.open());
    s.put(insert("PLAIN", "pending"));
    get(s.sync());
    s.delete("PLAIN"); // the outbox is empty still
    s.put(insert("D1", "pending"));
    s.put(insert("D2", "pending"));
    get(s.sync());
    s.finish(finished("D1"), List.of(delivery("D1", 1, "n1", "tok-a")), 30);
    s.finish(finished("D2"), List.of(delivery("D2", 1, "n1", "tok-b")), 30);
    get(s.sync());
    s.delete("D1");
    get(s.sync());
    assertNull(get(s.redeliver("D1", 1, "n1", "tok-c", 30)), "removed in a later batch, its delivery is gone");
    get(s.close());
    SqliteTaskStore again = store(dir);
    get(again.open());
    assertEquals("msg_D2_1", get(again.redeliver("D2", 1, "n1", "tok-c", 30)).id(), "kept over the restart");
    again.delete("D2");
    get(again.sync());
    assertNull(get(again.redeliver("D2", 1, "n1", "tok-d", 30)), "removed after the restart, its delivery is gone");
    get(again.close());
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + again.file());
        Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM webhook_outbox")) {
      rs.next();
      assertEquals(0, rs.getInt(1), "no outbox row is left");
    }
  }

  @Test
  void aStoreWrittenBeforeNamesWereReservedGoesOnAfterItsHighestTaskNumber() throws Exception {
    SqliteTaskStore s = store(dir);
    get(s.open());
    String[] names = {"Task-7", "Task-41", "greet", "Task-x9", "Task-99999999999999999999", "Task-12a"};
    for (int i = 0; i < names.length; i++) {
      String record = "{\"name\":\"" + names[i] + "\"}";
      s.put(new StoredTask("T" + i, "default", "n1", null, "finished", 1000, 2000L, null, null, "{\"kind\":\"sleep\"}", () -> record));
    }
    get(s.sync());
    get(s.close());
    SqliteTaskStore again = store(dir);
    get(again.open());
    assertEquals(42L, get(again.reserveNames(10)), "Task-41 was the highest of the kept tasks' numbers");
    get(again.close());
  }

  @Test
  void aMissingDataDirectoryIsCreatedAndTheFileIsItsOwnersOnly() throws Exception {
    Path nested = dir.resolve("a/b/data");
    SqliteTaskStore s = store(nested);
    get(s.open());
    get(s.close());
    Path file = nested.resolve(SqliteTaskStore.FILE_NAME);
    assertTrue(Files.isRegularFile(file));
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
          "webhook secrets are kept in it: its owner's only");
    }
  }

  @Test
  void aCorruptFileIsRefusedWithAMessageNamingIt() throws Exception {
    Path file = dir.resolve(SqliteTaskStore.FILE_NAME);
    Files.write(file, "this is not a database, it is a text file that got here by mistake\n".repeat(200)
        .getBytes(StandardCharsets.UTF_8));
    ExecutionException e = assertThrows(ExecutionException.class, () -> get(store(dir).open()));
    StoreException se = assertInstanceOf(StoreException.class, e.getCause());
    assertTrue(se.getMessage().contains(file.toString()), se.getMessage());
    assertTrue(se.getMessage().contains("unreadable or corrupt"), se.getMessage());
    assertTrue(Files.size(file) > 1000, "the file is left as it was, for the operator");
  }

  @Test
  void aDatabaseDamagedInsideIsRefused() throws Exception {
    SqliteTaskStore s = store(dir);
    get(s.open());
    List<StoredTask> many = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      many.add(insert(String.format("T%05d", i), "pending"));
    }
    s.putAll(many);
    get(s.close());
    Path file = dir.resolve(SqliteTaskStore.FILE_NAME);
    byte[] bytes = Files.readAllBytes(file);
    assertTrue(bytes.length > 8192, "several pages: " + bytes.length);
    for (int i = 4096; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31); // every page after the first overwritten
    }
    Files.write(file, bytes);
    ExecutionException e = assertThrows(ExecutionException.class, () -> get(store(dir).open()));
    assertInstanceOf(StoreException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains(file.toString()), e.getCause().getMessage());
  }

  @Test
  void aSecondStoreOnTheSameDirectoryIsRefused() throws Exception {
    SqliteTaskStore first = store(dir);
    get(first.open());
    try {
      ExecutionException e = assertThrows(ExecutionException.class, () -> get(store(dir).open()));
      assertTrue(e.getCause().getMessage().contains("in use by another process"), e.getCause().getMessage());
    } finally {
      get(first.close());
    }
  }

  @Test
  void migratesFromVersion1ToTheCurrentVersionKeepingTheRows() throws Exception {
    Path file = dir.resolve(SqliteTaskStore.FILE_NAME);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      assertEquals(List.of(1), Migrations.migrate(c, 1));
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO tasks(id, loop, parent, state, created_at, spec, record) "
          + "VALUES ('OLD1', 'default', NULL, 'finished', 7, '{}', '{\"id\":\"OLD1\"}')")) {
        ps.executeUpdate();
      }
      assertEquals(1, Migrations.version(c));
    }
    SqliteTaskStore s = store(dir);
    Stored kept = get(s.open());
    s.putLoop("default", "stopped");
    get(s.close());
    assertEquals(List.of("OLD1"), kept.tasks().stream().map(StoredTask::id).toList());
    assertNull(kept.tasks().get(0).doneAt());
    assertNull(kept.tasks().get(0).node(), "a row kept before nodes were recorded has none");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
      assertEquals(Migrations.CURRENT, Migrations.version(c));
      try (ResultSet rs = st.executeQuery("SELECT state FROM loops WHERE name = 'default'")) {
        assertTrue(rs.next(), "the tables of version 2 exist and are written");
        assertEquals("stopped", rs.getString(1));
      }
    }
  }

  @Test
  void migrationsAreNumberedInOrderFromOne() {
    for (int i = 0; i < Migrations.ALL.size(); i++) {
      assertEquals(i + 1, Migrations.ALL.get(i).version());
    }
  }

  @Test
  void aDatabaseOfANewerVersionIsRefused() throws Exception {
    Path file = dir.resolve(SqliteTaskStore.FILE_NAME);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
      Migrations.migrate(c, Migrations.CURRENT);
      st.executeUpdate("PRAGMA user_version = " + (Migrations.CURRENT + 1));
    }
    ExecutionException e = assertThrows(ExecutionException.class, () -> get(store(dir).open()));
    assertTrue(e.getCause().getMessage().contains("newer"), e.getCause().getMessage());
    assertTrue(e.getCause().getMessage().contains(file.toString()), e.getCause().getMessage());
  }

  @Test
  void syncedToDiskSyncsAreAnsweredInQueueOrderAndReadsSeeTheWritesBeforeThem() throws Exception {
    // a small batchMax: many batches committed while earlier ones are still being synced
    SqliteTaskStore s = new SqliteTaskStore(dir, true, 7, 0);
    get(s.open());
    java.util.concurrent.atomic.AtomicInteger committed = new java.util.concurrent.atomic.AtomicInteger();
    s.onCommit((writes, nanos, failed) -> committed.addAndGet(failed ? -1_000_000 : writes));
    List<Integer> answered = java.util.Collections.synchronizedList(new ArrayList<>());
    List<io.vertx.core.Future<?>> all = new ArrayList<>();
    int n = 600;
    for (int i = 0; i < n; i++) {
      int at = i;
      s.put(insert("T" + i, "pending"));
      io.vertx.core.Future<?> f = i % 3 == 0 ? s.get("T" + i).map(t -> {
        assertEquals("T" + at, t.id(), "a read sees the write queued before it");
        return t;
      }) : s.sync();
      all.add(i % 3 == 0 ? f : f.onSuccess(x -> answered.add(at)));
    }
    for (io.vertx.core.Future<?> f : all) {
      get(f);
    }
    List<Integer> inOrder = new ArrayList<>(answered);
    inOrder.sort(null);
    assertEquals(inOrder, answered, "syncs answered in the order they were queued");
    assertEquals(n - n / 3, answered.size());
    assertEquals(n, committed.get(), "every write counted once, as committed");
    get(s.close());
    assertEquals(n, reopened().tasks().size());
  }

  @Test
  void syncedToDiskALoneWriteIsCommittedAtOnceWhenTheDiskIsFree() throws Exception {
    // batchWait is for gathering while a sync runs: with none running, nothing waits for it
    SqliteTaskStore s = new SqliteTaskStore(dir, true, 100, 30);
    get(s.open());
    long t0 = System.nanoTime();
    s.put(insert("A", "pending"));
    get(s.sync());
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertTrue(seconds < 20, "committed and synced in " + seconds + " s, not after the 30 s batchWait");
    get(s.close());
    assertEquals(List.of("A"), reopened().tasks().stream().map(StoredTask::id).toList());
  }

  @Test
  void syncedToDiskABatchCommittedWhileASyncIsUnderWayIsSyncedAtOnceAndAnsweredAfterTheBatchBeforeIt() throws Exception {
    SqliteTaskStore s = new SqliteTaskStore(dir, true, 100, 30);
    java.util.concurrent.CountDownLatch firstHeld = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch releaseFirst = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch secondSynced = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger syncs = new java.util.concurrent.atomic.AtomicInteger();
    s.walSync(wal -> {
      if (syncs.incrementAndGet() == 1) {
        firstHeld.countDown();
        try {
          releaseFirst.await(30, java.util.concurrent.TimeUnit.SECONDS); // the disk slow to answer the first sync
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        wal.force(false);
      } else {
        wal.force(false);
        secondSynced.countDown();
      }
    });
    get(s.open());
    List<String> answered = java.util.Collections.synchronizedList(new ArrayList<>());
    s.put(insert("A", "pending"));
    io.vertx.core.Future<Void> a = s.sync().onSuccess(v -> answered.add("A"));
    assertTrue(firstHeld.await(10, java.util.concurrent.TimeUnit.SECONDS), "A's sync started");
    s.put(insert("B", "pending"));
    io.vertx.core.Future<Void> b = s.sync().onSuccess(v -> answered.add("B"));
    // a second sync, not the 30 s batchWait nor the end of the first: B's commit is synced while A's sync is held
    assertTrue(secondSynced.await(10, java.util.concurrent.TimeUnit.SECONDS), "B synced while A's sync was under way");
    assertTrue(!a.isComplete() && !b.isComplete(), "nothing answered before A's sync is done");
    releaseFirst.countDown();
    get(b);
    get(a);
    assertEquals(List.of("A", "B"), answered, "answered in commit order");
    assertEquals(2, syncs.get());
    get(s.close());
    assertEquals(List.of("A", "B"), reopened().tasks().stream().map(StoredTask::id).toList());
  }

  @Test
  void writesQueuedInOneTurnOfAnEventLoopAreOneCommit() throws Exception {
    SqliteTaskStore s = new SqliteTaskStore(dir, true, 100, 0.001);
    get(s.open());
    List<Integer> commits = java.util.Collections.synchronizedList(new ArrayList<>());
    s.onCommit((writes, nanos, failed) -> commits.add(writes));
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.core.Promise<io.vertx.core.Future<Void>> queued = io.vertx.core.Promise.promise();
      vertx.getOrCreateContext().runOnContext(v -> {
        s.put(insert("A", "pending"));
        // the rest of the turn: an idle writer woken by the first write would have committed it alone by now
        long until = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        s.put(insert("B", "pending"));
        s.put(insert("C", "pending"));
        queued.complete(s.sync());
      });
      get(get(queued.future()));
      assertEquals(List.of(3), commits, "the three writes in one commit, made once the turn was over");
    } finally {
      get(vertx.close());
    }
    get(s.close());
    assertEquals(List.of("A", "B", "C"), reopened().tasks().stream().map(StoredTask::id).toList());
  }

  /** The contract with {@code store.sync full}: every answer goes through the syncer, after the WAL's fdatasync. */
  @Nested
  class SyncedToDisk extends TaskStoreContract {
    @TempDir
    Path synced;

    @Override
    TaskStore store() {
      return new SqliteTaskStore(synced, true, 100, 0.001);
    }
  }
}
