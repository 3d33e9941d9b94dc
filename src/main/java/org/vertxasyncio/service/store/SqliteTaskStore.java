package org.vertxasyncio.service.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable store: an SQLite database, {@code tasks.db} in the data directory, in WAL mode, written by
 * one thread of its own ({@code task-store-writer}) and never by an event loop.
 *
 * <p>Group commit: the writer takes the first queued write, then whatever else is queued, waiting up to
 * {@code batchWait} seconds for more while it has fewer than {@code batchMax}; the batch is one
 * transaction. Within a batch, the updates of one task are merged into its last. Writes queued on an event loop's
 * thread wake an idle writer once that loop's turn is over, so that the requests read in one turn are one batch. A {@link #sync()}
 * completes when its batch has committed and is durable, so the service answers {@code 201} only for tasks on disk.
 *
 * <p>Durability with {@code syncFull}: SQLite runs with {@code synchronous=NORMAL} (it syncs the WAL at
 * checkpoints, not at commits), and threads of the store's ({@code task-store-syncer-1} and {@code -2}) make each
 * commit durable with an {@code fdatasync} of the WAL file before anything the batch answers is completed: what a
 * {@code synchronous=FULL} commit guarantees, with the disk's wait moved off the writer. Two syncs may be under way at
 * once: a batch committed while one runs is synced by the other syncer at once, instead of waiting for the disk's
 * answer to the first and then for its own (a request's wait was up to two syncs, now about one). While both are
 * syncing, the writer gathers the next batch, for {@code batchWait} at most: it commits it once a syncer is free (or
 * when it is full, or the wait is over; the next sync covers it); while a syncer is free it commits at once. A sync
 * covers every batch committed before it started. Answers are completed in commit order, each batch's only after its
 * sync and the answers of the batches before it; a failed sync fails the batches it covered, as a failed commit does.
 *
 * <p>Invariants: writes reach the database in the order they were queued (one queue, one thread, one
 * connection); an update ({@code spec} null) never creates a row, so a task deleted before its last
 * update stays deleted. The database is opened with {@code locking_mode=EXCLUSIVE}: a second service on
 * the same data directory is refused instead of writing into the first one's file.
 *
 * <p>The webhook outbox ({@code webhook_outbox}) is written in the same batches: a finish's deliveries
 * in the transaction of its update; a claim, an attempt or a redelivery as a statement of the batch it
 * falls in, answered once that batch has committed. One process holds the file, so at open the leases a
 * previous run held on deliveries are ended: its pending deliveries are claimable at once.
 */
public final class SqliteTaskStore implements TaskStore {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteTaskStore.class);
  /** The database file's name in the data directory. */
  public static final String FILE_NAME = "tasks.db";
  private static final String EVENTS_RESERVED = "events.reserved";
  /** The meta key of the last task-name number reserved ({@link #reserveNames}). */
  private static final String NAMES_RESERVED = "names.reserved";

  private final Path dir;
  private final Path file;
  private final boolean syncFull;
  private final int batchMax;
  private final long batchWaitNanos;
  /**
   * The writes, reads and barriers queued for the writer, in order. Queuing takes no lock and wakes the writer only
   * when it waits for work ({@link #IDLE}), or when it gathers a batch that the queue now fills or a {@link Close} ends
   * ({@link #GATHERING}): not once per write.
   */
  private final ConcurrentLinkedQueue<Op> queue = new ConcurrentLinkedQueue<>();
  /** How many ops {@link #queue} holds (a moment's count: it may lag the queue by the ops being queued or taken). */
  private final AtomicInteger queuedOps = new AtomicInteger();
  /** What the writer waits for: {@link #RUNNING} (nothing), {@link #IDLE} or {@link #GATHERING}. */
  private volatile int waiting;
  /** While {@link #GATHERING}: the ops that would fill the batch. */
  private volatile int room;
  private static final int RUNNING = 0;
  /** The writer waits for the first op of a batch: any op queued wakes it. */
  private static final int IDLE = 1;
  /**
   * The writer gathers a batch while every syncer is busy (or for {@code batchWait}): woken when a syncer is done, the
   * queue holds {@link #room} ops, or a {@link Close} is queued.
   */
  private static final int GATHERING = 2;
  /** Set once a {@link Close} is queued: a gathering writer commits what it has. */
  private volatile boolean closeQueued;
  private volatile boolean closed;
  private volatile CommitListener listener = (writes, nanos, failed) -> {
  };
  private volatile Thread writer;
  /** The connection and its statements, prepared once: used by the writer thread only. */
  private Connection conn;
  private PreparedStatement insert;
  private PreparedStatement update;
  private PreparedStatement delete;
  private PreparedStatement putLoop;
  private PreparedStatement putMeta;
  private PreparedStatement insertDelivery;
  private PreparedStatement deleteDeliveries;
  /**
   * False while the outbox holds no row (none at open, none written since): a task's removal then takes no
   * statement for its deliveries. The writer thread's; once true, it stays so.
   */
  private boolean outboxRows;
  /** The last task-name number reserved and committed; the writer thread's. */
  private long namesReserved;
  /**
   * With {@code syncFull}: the first of the {@link #syncers}, the threads that make each commit durable with an
   * {@code fdatasync} of the WAL file (each its own of {@link #walChannels}) and then answer it; null without.
   */
  private Thread syncer;
  /** The syncer threads: {@link #SYNCERS} of them with {@code syncFull}, none without. */
  private final List<Thread> syncers = new ArrayList<>();
  /**
   * How many syncs may be under way at once: a batch committed while one runs is synced by another thread at once,
   * not after it (each fdatasync still starts after the commits it answers).
   */
  static final int SYNCERS = 2;
  /** How a syncer makes the WAL durable: an {@code fdatasync} of its file; a test's may hold it to see what overlaps. */
  @FunctionalInterface
  interface WalSync {
    void force(FileChannel wal) throws IOException;
  }

  private volatile WalSync walSync = wal -> wal.force(false);

  /** Replaces the WAL's {@code fdatasync} (before {@link #open()}): for tests that hold a sync under way. */
  void walSync(WalSync s) {
    this.walSync = s;
  }

  /** Held by the syncer that takes the next group of committed batches: groups are taken in commit order. */
  private final Object taking = new Object();
  /** The number of the next group taken ({@link #taking}'s). */
  private long groupsTaken;
  /** Groups synced and not answered yet, by number: answered in that order ({@link #answering}'s). */
  private final Map<Long, SyncedGroup> syncedGroups = new HashMap<>();
  /** The number of the next group to answer ({@link #answering}'s). */
  private long groupsAnswered;
  private final Object answering = new Object();
  /**
   * The WAL file, opened once per syncer: a write-back error is reported to each open file that has not seen it yet,
   * so a syncer's {@code fdatasync} reports one even when the other syncer's saw it first.
   */
  private final List<FileChannel> walChannels = new ArrayList<>();
  /** Committed batches, in commit order, for the syncers to make durable and answer. */
  private final LinkedBlockingQueue<Answers> synced = new LinkedBlockingQueue<>();
  /**
   * Batches handed to the syncers whose sync has not ended yet (answered or not): fewer than {@link #SYNCERS}, a
   * syncer is free for the next.
   */
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  /** Tells the syncer to answer what it holds and end. */
  private final Answers stopSyncing = new Answers(false, 0, 0, null, List.of(), List.of(), List.of(), List.of(), List.of(),
      List.of(), List.of());

  private sealed interface Op permits Put, PutAll, Park, Finish, Call, Delete, PutLoop, PutMeta, ReserveNames, Read, Barrier,
      Close {
  }

  private record Park(StoredTask task, long until) implements Op {
  }

  private record Finish(StoredTask task, List<StoredDelivery> deliveries, double leaseSeconds) implements Op {
  }

  /** Work on the connection, inside a batch's transaction; its promise completes once the batch committed. */
  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  private record Call<T>(SqlWork<T> work, Promise<T> promise) implements Op {
  }

  private record Put(StoredTask task) implements Op {
  }

  private record PutAll(List<StoredTask> tasks) implements Op {
  }

  private record Delete(String id) implements Op {
  }

  private record PutLoop(String name, String state) implements Op {
  }

  private record PutMeta(String key, String value) implements Op {
  }

  private record ReserveNames(int block, Promise<Long> promise) implements Op {
  }

  /** A read, run by the writer once the writes queued before it are committed. */
  private record Read(SqlRead<?> read, Promise<Object> promise) implements Op {
  }

  @FunctionalInterface
  private interface SqlRead<T> {
    T run(Connection c) throws SQLException;
  }

  private record Barrier(Promise<Void> promise) implements Op {
  }

  private record Close(Promise<Void> promise) implements Op {
  }

  /**
   * @param dir        the data directory (made if missing)
   * @param syncFull   SQLite's {@code synchronous=FULL} (a commit survives a power loss) rather than NORMAL
   *                   (a commit survives the process being killed)
   * @param batchMax   writes per transaction at most
   * @param batchWait  seconds the writer waits for more writes before it commits a batch that is not full
   */
  public SqliteTaskStore(Path dir, boolean syncFull, int batchMax, double batchWait) {
    this.dir = dir;
    this.file = dir.resolve(FILE_NAME);
    this.syncFull = syncFull;
    this.batchMax = batchMax;
    this.batchWaitNanos = (long) (batchWait * 1e9);
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public String describe() {
    return "sqlite " + file + " (WAL, " + (syncFull ? "every commit synced to disk before it is answered" : "synchronous=NORMAL") + ")";
  }

  @Override
  public Future<Stored> open() {
    Promise<Stored> p = Promise.promise();
    writer = new Thread(() -> {
      Stored stored;
      try {
        stored = openAndLoad();
      } catch (StoreException e) {
        closeQuietly();
        closed = true;
        p.fail(e);
        return;
      } catch (Throwable t) {
        closeQuietly();
        closed = true;
        p.fail(new StoreException("The task store " + file + " cannot be opened: " + t, t));
        return;
      }
      if (!walChannels.isEmpty()) {
        for (int i = 1; i <= SYNCERS; i++) {
          FileChannel wal = walChannels.get(i - 1);
          Thread t = new Thread(() -> sync(wal), "task-store-syncer-" + i);
          t.setDaemon(true);
          syncers.add(t);
        }
        syncer = syncers.get(0);
        syncers.forEach(Thread::start);
      }
      p.complete(stored);
      run();
    }, "task-store-writer");
    writer.setDaemon(true);
    writer.start();
    return p.future();
  }

  // ------------------------------------------------------------------ writes, from any thread

  @Override
  public void put(StoredTask task) {
    offer(new Put(task));
  }

  @Override
  public void putAll(List<StoredTask> tasks) {
    offer(new PutAll(List.copyOf(tasks)));
  }

  @Override
  public void delete(String id) {
    offer(new Delete(id));
  }

  @Override
  public boolean parks() {
    return true;
  }

  @Override
  public void park(StoredTask task, long parkedUntil) {
    offer(new Park(task, parkedUntil));
  }

  @Override
  public Future<Long> countParked() {
    return read(c -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM tasks WHERE parked_until IS NOT NULL")) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    });
  }

  @Override
  public Future<List<StoredTask>> unparkDue(long until, int max) {
    return call(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET parked_until = NULL WHERE id IN (SELECT id FROM tasks "
          + "WHERE parked_until IS NOT NULL AND parked_until <= ? ORDER BY parked_until LIMIT ?) RETURNING " + COLUMNS)) {
        ps.setLong(1, until);
        ps.setInt(2, max);
        return rows(ps);
      }
    });
  }

  @Override
  public Future<List<StoredTask>> unparkLoop(String loop, int max) {
    return call(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET parked_until = NULL WHERE id IN (SELECT id FROM tasks "
          + "WHERE parked_until IS NOT NULL AND loop = ? LIMIT ?) RETURNING " + COLUMNS)) {
        ps.setString(1, loop);
        ps.setInt(2, max);
        return rows(ps);
      }
    });
  }

  @Override
  public Future<StoredTask> unpark(String id, long dueBy) {
    return call(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET parked_until = NULL WHERE id = ? AND parked_until IS NOT "
          + "NULL AND parked_until <= ? RETURNING " + COLUMNS)) {
        ps.setString(1, id);
        ps.setLong(2, dueBy);
        List<StoredTask> out = rows(ps);
        return out.isEmpty() ? null : out.get(0);
      }
    });
  }

  private static List<StoredTask> rows(PreparedStatement ps) throws SQLException {
    List<StoredTask> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(row(rs));
      }
    }
    out.sort(java.util.Comparator.comparing(StoredTask::id));
    return out;
  }

  @Override
  public void finish(StoredTask task, List<StoredDelivery> deliveries, double leaseSeconds) {
    offer(new Finish(task, List.copyOf(deliveries), leaseSeconds));
  }

  @Override
  public Future<List<StoredDelivery>> claimDeliveries(String owner, int max, double leaseSeconds) {
    return call(c -> {
      long now = System.currentTimeMillis();
      List<StoredDelivery> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_outbox SET owner = ?, lease_token = lower(hex(randomblob(16))), "
          + "lease_until = ? WHERE id IN (SELECT id FROM webhook_outbox WHERE state = 'pending' AND (lease_until IS NULL OR "
          + "lease_until < ?) ORDER BY next_at, id LIMIT ?) RETURNING " + DELIVERY_COLUMNS)) {
        ps.setString(1, owner);
        ps.setLong(2, now + (long) (leaseSeconds * 1000));
        ps.setLong(3, now);
        ps.setInt(4, max);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(delivery(rs, now));
          }
        }
      }
      for (int i = 0; i < out.size(); i++) {
        out.set(i, withEntry(c, out.get(i)));
      }
      out.sort(java.util.Comparator.comparing(StoredDelivery::id));
      return out;
    });
  }

  /** The columns a claim answers, in the order {@link #delivery} reads them. */
  private static final String DELIVERY_COLUMNS = "id, task_id, entry, url, signing_key, body, attempts, first_attempt, state, "
      + "next_at, owner, lease_token";

  private static StoredDelivery delivery(ResultSet rs, long now) throws SQLException {
    return new StoredDelivery(rs.getString(1), rs.getString(2), null, rs.getInt(3), rs.getString(4), rs.getString(5),
        rs.getString(6), rs.getInt(7), rs.getInt(8), rs.getString(9), Math.max(0, rs.getLong(10) - now), rs.getString(11),
        rs.getString(12), null);
  }

  /** {@code d} with its entry of its task's callback log. */
  private static StoredDelivery withEntry(Connection c, StoredDelivery d) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT json_extract(record, '$.callbacks[' || ? || ']') FROM tasks WHERE id = ?")) {
      ps.setInt(1, d.entry());
      ps.setString(2, d.taskId());
      try (ResultSet rs = ps.executeQuery()) {
        String entry = rs.next() ? rs.getString(1) : null;
        return new StoredDelivery(d.id(), d.taskId(), d.taskToken(), d.entry(), d.url(), d.key(), d.body(), d.attempts(),
            d.first(), d.state(), d.dueIn(), d.owner(), d.leaseToken(), entry);
      }
    }
  }

  @Override
  public Future<Void> renewDeliveries(String owner, List<String> tokens, double leaseSeconds) {
    if (tokens.isEmpty()) {
      return Future.succeededFuture();
    }
    return call(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_outbox SET lease_until = ? WHERE owner = ? AND lease_token = ?")) {
        long until = System.currentTimeMillis() + (long) (leaseSeconds * 1000);
        for (String t : tokens) {
          ps.setLong(1, until);
          ps.setString(2, owner);
          ps.setString(3, t);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    });
  }

  @Override
  public Future<Boolean> deliveryAttempted(StoredDelivery d, Long retryInMillis, String entryJson, double leaseSeconds) {
    return call(c -> {
      long now = System.currentTimeMillis();
      try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_outbox SET attempts = ?, state = ?, next_at = ?, lease_until = ? "
          + "WHERE id = ? AND lease_token = ?")) {
        ps.setInt(1, d.attempts());
        ps.setString(2, d.state());
        ps.setLong(3, now + (retryInMillis == null ? 0 : retryInMillis));
        ps.setLong(4, now + (long) (leaseSeconds * 1000));
        ps.setString(5, d.id());
        ps.setString(6, d.leaseToken());
        if (ps.executeUpdate() == 0) {
          return false;
        }
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET record = json_set(record, '$.callbacks[' || ? || ']', "
          + "json(?)) WHERE id = ?")) {
        ps.setInt(1, d.entry());
        ps.setString(2, entryJson);
        ps.setString(3, d.taskId());
        ps.executeUpdate();
      }
      return true;
    });
  }

  @Override
  public Future<StoredDelivery> redeliver(String taskId, int entry, String owner, String token, double leaseSeconds) {
    return call(c -> {
      long now = System.currentTimeMillis();
      try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_outbox SET state = 'pending', first_attempt = attempts + 1, "
          + "next_at = ?, owner = ?, lease_token = ?, lease_until = ? WHERE task_id = ? AND entry = ? AND state <> 'pending'")) {
        ps.setLong(1, now);
        ps.setString(2, owner);
        ps.setString(3, token);
        ps.setLong(4, now + (long) (leaseSeconds * 1000));
        ps.setString(5, taskId);
        ps.setInt(6, entry);
        if (ps.executeUpdate() > 0) {
          try (PreparedStatement u = c.prepareStatement("UPDATE tasks SET record = json_set(record, '$.callbacks[' || ? || "
              + "'].outcome', 'pending') WHERE id = ?")) {
            u.setInt(1, entry);
            u.setString(2, taskId);
            u.executeUpdate();
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT " + DELIVERY_COLUMNS + " FROM webhook_outbox WHERE task_id = ? AND entry = ?")) {
        ps.setString(1, taskId);
        ps.setInt(2, entry);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? withEntry(c, delivery(rs, now)) : null;
        }
      }
    });
  }

  /** On the writer thread, committed with the batch it falls in, before the future completes. */
  @Override
  public Future<KeyClaim> claimKey(String key, String fingerprint, String taskId, String node) {
    return call(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO idempotency_keys(key, fingerprint, task_id, node, claimed_at) "
          + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING")) {
        ps.setString(1, key);
        ps.setString(2, fingerprint);
        ps.setString(3, taskId);
        ps.setString(4, node);
        ps.setLong(5, System.currentTimeMillis());
        if (ps.executeUpdate() == 1) {
          return null;
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT task_id, fingerprint, node, ? - claimed_at FROM idempotency_keys "
          + "WHERE key = ?")) {
        ps.setLong(1, System.currentTimeMillis());
        ps.setString(2, key);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return new KeyClaim(rs.getString(1), rs.getString(2), rs.getString(3), Math.max(0, rs.getLong(4)));
        }
      }
    });
  }

  @Override
  public Future<Boolean> reclaimKey(String key, String staleTaskId, String fingerprint, String taskId, String node) {
    return call(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE idempotency_keys SET task_id = ?, fingerprint = ?, node = ?, "
          + "claimed_at = ? WHERE key = ? AND task_id = ?")) {
        ps.setString(1, taskId);
        ps.setString(2, fingerprint);
        ps.setString(3, node);
        ps.setLong(4, System.currentTimeMillis());
        ps.setString(5, key);
        ps.setString(6, staleTaskId);
        return ps.executeUpdate() == 1;
      }
    });
  }

  @Override
  public Future<Void> releaseKey(String key, String taskId) {
    return call(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM idempotency_keys WHERE key = ? AND task_id = ?")) {
        ps.setString(1, key);
        ps.setString(2, taskId);
        ps.executeUpdate();
        return null;
      }
    });
  }

  @Override
  public Future<Integer> forgetKeys(long ageMillis) {
    return call(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM idempotency_keys WHERE claimed_at < ? AND NOT EXISTS "
          + "(SELECT 1 FROM tasks t WHERE t.id = idempotency_keys.task_id)")) {
        ps.setLong(1, System.currentTimeMillis() - ageMillis);
        return ps.executeUpdate();
      }
    });
  }

  private <T> Future<T> call(SqlWork<T> work) {
    Promise<T> p = Promise.promise();
    if (closed) {
      p.fail(new StoreException("The task store " + file + " is closed"));
    } else {
      enqueue(new Call<>(work, p));
    }
    return p.future();
  }

  @Override
  public void putLoop(String name, String state) {
    offer(new PutLoop(name, state));
  }

  @Override
  public void putEventIdsReserved(long upTo) {
    offer(new PutMeta(EVENTS_RESERVED, Long.toString(upTo)));
  }

  /** Committed with the batch it falls in; the numbers follow the last reservation kept in {@code meta}. */
  @Override
  public Future<Long> reserveNames(int block) {
    if (block < 1) {
      throw new IllegalArgumentException("block must be at least 1, got " + block);
    }
    Promise<Long> p = Promise.promise();
    if (closed) {
      p.fail(new StoreException("The task store " + file + " is closed"));
    } else {
      enqueue(new ReserveNames(block, p));
    }
    return p.future();
  }

  /** On the writer thread, after the writes queued before it: a task written and then read is seen. */
  @Override
  public Future<StoredTask> get(String id) {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM tasks WHERE id = ?")) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? row(rs) : null;
        }
      }
    });
  }

  /** As {@link #get}; newest first by the primary key, {@code kind} and {@code name} read from each row's JSON. */
  @Override
  public Future<TaskQuery.Page> list(TaskQuery q) {
    StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM tasks WHERE 1");
    List<Object> args = new ArrayList<>();
    if (q.state() != null) {
      sql.append(" AND state = ?");
      args.add(q.state());
    }
    if (q.kind() != null) {
      sql.append(" AND json_extract(spec, '$.kind') = ?");
      args.add(q.kind());
    }
    if (q.loop() != null) {
      sql.append(" AND loop = ?");
      args.add(q.loop());
    }
    if (q.name() != null) {
      sql.append(" AND json_extract(record, '$.name') = ?");
      args.add(q.name());
    }
    if (q.cursor() != null) {
      sql.append(" AND id < ?");
      args.add(q.cursor());
    }
    sql.append(" ORDER BY id DESC LIMIT ?");
    args.add(q.limit() + 1);
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        for (int i = 0; i < args.size(); i++) {
          ps.setObject(i + 1, args.get(i));
        }
        List<StoredTask> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(row(rs));
          }
        }
        return TaskQuery.Page.of(out, q.limit());
      }
    });
  }

  @SuppressWarnings("unchecked")
  private <T> Future<T> read(SqlRead<T> r) {
    Promise<Object> p = Promise.promise();
    if (closed) {
      p.fail(new StoreException("The task store " + file + " is closed"));
    } else {
      enqueue(new Read(r, p));
    }
    return (Future<T>) p.future();
  }

  private static final String COLUMNS = "id, loop, parent, state, created_at, done_at, sleep_deadline, timeout_deadline, "
      + "spec, record, node";

  /** The row at {@code rs}, read with {@link #COLUMNS}. */
  private static StoredTask row(ResultSet rs) throws SQLException {
    String record = rs.getString(10);
    return new StoredTask(rs.getString(1), rs.getString(2), rs.getString(11), rs.getString(3), rs.getString(4), rs.getLong(5),
        nullableLong(rs, 6), nullableLong(rs, 7), nullableLong(rs, 8), rs.getString(9), () -> record);
  }

  @Override
  public Future<Void> sync() {
    Promise<Void> p = Promise.promise();
    if (closed) {
      p.fail(new StoreException("The task store " + file + " is closed"));
    } else {
      enqueue(new Barrier(p));
    }
    return p.future();
  }

  @Override
  public Future<Void> close() {
    Promise<Void> p = Promise.promise();
    if (closed || writer == null || !writer.isAlive()) {
      closed = true;
      p.complete();
    } else {
      closeQueued = true;
      enqueue(new Close(p));
    }
    return p.future();
  }

  @Override
  public void onCommit(CommitListener l) {
    this.listener = l;
  }

  @Override
  public int queued() {
    return Math.max(0, queuedOps.get());
  }

  private void offer(Op op) {
    if (!closed) {
      enqueue(op);
    }
  }

  /**
   * Queues {@code op}; wakes the writer if it waits for it (see {@link #waiting}). An idle writer is woken by an event
   * loop's thread once that loop has run the I/O of its turn ({@link TurnWake}), not at its first op.
   */
  private void enqueue(Op op) {
    queue.add(op);
    int n = queuedOps.incrementAndGet();
    int w = waiting;
    if (w == IDLE) {
      if (op instanceof Close || !turnWake.afterTurn(writer)) {
        LockSupport.unpark(writer);
      }
    } else if (w == GATHERING && (n >= room || op instanceof Close)) {
      LockSupport.unpark(writer);
    }
  }

  /** Wakes an idle writer after the turn of the event loop that queued for it. */
  private final TurnWake turnWake = new TurnWake();

  /** The next queued op, or null. */
  private Op poll() {
    Op op = queue.poll();
    if (op != null) {
      queuedOps.decrementAndGet();
    }
    return op;
  }

  // ------------------------------------------------------------------ the writer thread

  private Stored openAndLoad() {
    DataDirectory.prepare(dir);
    boolean existed = Files.exists(file);
    if (existed && (!Files.isReadable(file) || !Files.isWritable(file))) {
      throw new StoreException("The task store " + file + " is not readable and writable by this user; fix its "
          + "permissions (the service does not start without the tasks it kept)");
    }
    if (!existed) {
      // it holds webhook secrets: readable by its owner only (SQLite gives its -wal file the same mode)
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException notPosix) {
        // another file system: SQLite makes the file with the default permissions
      } catch (java.nio.file.AccessDeniedException e) {
        throw DataDirectory.notWritable(dir, "does not let this process create " + FILE_NAME);
      } catch (IOException e) {
        throw new StoreException("Cannot create the task store " + file + ": " + e, e);
      }
    }
    try {
      conn = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = conn.createStatement()) {
        s.execute("PRAGMA busy_timeout = 3000");
        // held for the life of the connection: a second service on the same directory is refused
        s.execute("PRAGMA locking_mode = EXCLUSIVE");
        String mode = one(s, "PRAGMA journal_mode = WAL");
        if (!"wal".equalsIgnoreCase(mode)) {
          throw new StoreException("The task store " + file + " cannot use WAL mode (journal_mode is " + mode + ")");
        }
        // full: each commit is made durable by the syncer's fdatasync of the WAL, not by SQLite's fsync within it
        s.execute("PRAGMA synchronous = NORMAL");
        String check = one(s, "PRAGMA quick_check");
        if (!"ok".equalsIgnoreCase(check)) {
          throw corrupt("it fails SQLite's quick_check: " + check, null);
        }
      }
      int from = Migrations.version(conn);
      List<Integer> applied = Migrations.migrate(conn, Migrations.CURRENT);
      if (!applied.isEmpty()) {
        LOG.info("task store {}: schema version {} -> {} (migrations {})", file, from, Migrations.CURRENT, applied);
      }
      Stored stored = load();
      // a write now takes the exclusive lock this process then holds until it exits
      conn.setAutoCommit(false);
      try (PreparedStatement ps = conn.prepareStatement(
          "INSERT INTO meta(key, value) VALUES ('opened.at', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")) {
        ps.setString(1, java.time.Instant.now().toString());
        ps.executeUpdate();
      }
      conn.commit();
      insert = conn.prepareStatement("INSERT INTO tasks(id, loop, parent, state, created_at, done_at, "
          + "sleep_deadline, timeout_deadline, spec, record, node, parked_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          + "ON CONFLICT(id) "
          + "DO UPDATE SET node = excluded.node, state = excluded.state, done_at = excluded.done_at, sleep_deadline = excluded.sleep_deadline, "
          + "timeout_deadline = excluded.timeout_deadline, record = excluded.record");
      update = conn.prepareStatement("UPDATE tasks SET state = ?, done_at = ?, sleep_deadline = ?, "
          + "timeout_deadline = ?, record = ?, node = ? WHERE id = ?");
      delete = conn.prepareStatement("DELETE FROM tasks WHERE id = ?");
      putLoop = conn.prepareStatement("INSERT INTO loops(name, state, position) VALUES (?, ?, "
          + "(SELECT COALESCE(MAX(position), 0) + 1 FROM loops)) ON CONFLICT(name) DO UPDATE SET state = excluded.state");
      putMeta = conn.prepareStatement(
          "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
      // written only with its task's row (a task deleted in the same batch has none)
      insertDelivery = conn.prepareStatement("INSERT INTO webhook_outbox(id, task_id, entry, url, signing_key, body, attempts, "
          + "first_attempt, next_at, state, owner, lease_token, lease_until) SELECT ?, ?, ?, ?, ?, ?, 0, 1, ?, 'pending', ?, ?, ? "
          + "WHERE EXISTS (SELECT 1 FROM tasks WHERE id = ?) ON CONFLICT(id) DO NOTHING");
      deleteDeliveries = conn.prepareStatement("DELETE FROM webhook_outbox WHERE task_id = ?");
      try (Statement s = conn.createStatement()) {
        // the previous run is over (this process holds the file): its deliveries are anyone's
        int n = s.executeUpdate("UPDATE webhook_outbox SET owner = NULL, lease_token = NULL, lease_until = NULL "
            + "WHERE owner IS NOT NULL");
        conn.commit();
        if (n > 0) {
          LOG.info("task store {}: {} webhook delivery(ies) of the previous run to resume", file, n);
        }
        outboxRows = "1".equals(one(s, "SELECT EXISTS (SELECT 1 FROM webhook_outbox)"));
      }
      if (syncFull) {
        for (int i = 0; i < SYNCERS; i++) {
          walChannels.add(openWal());
        }
      }
      LOG.info("task store {} opened{}: {} task(s), {} loop(s) kept", file, existed ? "" : " (new)", stored.tasks().size(),
          stored.loops().size());
      return stored;
    } catch (SQLException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("SQLITE_BUSY") || m.contains("locked")) {
        throw new StoreException("The task store " + file + " is in use by another process (" + m + "); one service per "
            + "data directory", e);
      }
      throw corrupt(m, e);
    } catch (IllegalStateException e) {
      throw new StoreException("The task store " + file + " cannot be used: " + e.getMessage(), e);
    }
  }

  /**
   * The WAL file, open for the syncer's {@code fdatasync}, made durable once (the migrations' and the opening's
   * commits). SQLite keeps this file, the same one, while its connection is open (it removes it at close).
   */
  private FileChannel openWal() {
    Path wal = dir.resolve(FILE_NAME + "-wal");
    try {
      FileChannel c = FileChannel.open(wal, StandardOpenOption.READ);
      c.force(false);
      return c;
    } catch (IOException e) {
      throw new StoreException("The task store's WAL file " + wal + " cannot be opened: " + e, e);
    }
  }

  private StoreException corrupt(String why, Throwable cause) {
    return new StoreException("The task store " + file + " is unreadable or corrupt: " + why + ". The service does not "
        + "start without the tasks it kept: restore the file from a backup, or move it (and " + FILE_NAME + "-wal) aside "
        + "to start with an empty store", cause);
  }

  private static String one(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private Stored load() throws SQLException {
    List<StoredTask> tasks = new ArrayList<>();
    List<Stored.StoredLoop> loops = new ArrayList<>();
    long reserved = 0;
    try (Statement s = conn.createStatement()) {
      // parked tasks stay in the store until they are due: the staging scan brings them
      try (ResultSet rs = s.executeQuery("SELECT " + COLUMNS + " FROM tasks WHERE parked_until IS NULL ORDER BY id")) {
        while (rs.next()) {
          tasks.add(row(rs));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT name, state FROM loops ORDER BY position")) {
        while (rs.next()) {
          loops.add(new Stored.StoredLoop(rs.getString(1), rs.getString(2)));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = '" + EVENTS_RESERVED + "'")) {
        if (rs.next()) {
          reserved = Long.parseLong(rs.getString(1));
        }
      }
      namesReserved = namesReserved(s);
    }
    return new Stored(List.copyOf(tasks), List.copyOf(loops), reserved);
  }

  /**
   * The last task-name number reserved; in a store written before names were reserved, the highest
   * {@code Task-N} among the kept tasks, so that new names do not repeat theirs.
   */
  private static long namesReserved(Statement s) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = '" + NAMES_RESERVED + "'")) {
      if (rs.next()) {
        return Long.parseLong(rs.getString(1));
      }
    }
    try (ResultSet rs = s.executeQuery("SELECT MAX(CAST(SUBSTR(name, 6) AS INTEGER)) FROM (SELECT json_extract(record, "
        + "'$.name') AS name FROM tasks) WHERE name GLOB 'Task-[0-9]*' AND SUBSTR(name, 6) NOT GLOB '*[^0-9]*' "
        + "AND LENGTH(name) <= 23")) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private static Long nullableLong(ResultSet rs, int col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? null : v;
  }

  /**
   * The writer's loop: take a batch ({@link #take}), commit it, hand what it answers to the syncer (or answer it,
   * without one); until a {@link Close}.
   */
  private void run() {
    List<Op> batch = new ArrayList<>();
    while (true) {
      batch.clear();
      try {
        take(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        StoreException failed = new StoreException("The task store writer was interrupted");
        stopSyncer();
        failPending(failed);
        return;
      }
      int closeAt = indexOfClose(batch);
      List<Op> work = closeAt < 0 ? batch : batch.subList(0, closeAt);
      Answers answers = commit(work);
      if (syncer != null) {
        inFlight.incrementAndGet();
        synced.add(answers);
      } else {
        answers.send(answers.failure);
      }
      if (closeAt >= 0) {
        stopSyncer();
        closed = true;
        closeQuietly();
        LOG.info("task store {} closed", file);
        ((Close) batch.get(closeAt)).promise().complete();
        failPending(new StoreException("The task store " + file + " is closed"));
        return;
      }
    }
  }

  /**
   * Fills {@code batch}: the first queued op, whatever else is queued, then more, {@code batchMax} at most. With
   * syncers, more only while all of them are syncing and for {@code batchWait} at most (one is free: the batch is
   * committed at once and synced by it; none is: the next sync covers whatever the writer commits meanwhile);
   * without, for {@code batchWait}.
   */
  private void take(List<Op> batch) throws InterruptedException {
    while (batch.isEmpty()) {
      Op op = poll();
      if (op != null) {
        batch.add(op);
        break;
      }
      waiting = IDLE;
      if (queue.isEmpty()) {
        LockSupport.park(this);
      }
      waiting = RUNNING;
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
    long until = System.nanoTime() + batchWaitNanos;
    while (true) {
      drain(batch);
      if (batch.size() >= batchMax || batch.get(batch.size() - 1) instanceof Close) {
        return;
      }
      if (syncer != null && inFlight.get() < SYNCERS) {
        return; // a syncer is free
      }
      long left = until - System.nanoTime();
      if (left <= 0) {
        return;
      }
      room = batchMax - batch.size();
      waiting = GATHERING;
      // after the state is set: what was queued or synced before it is seen here, what comes after wakes the writer
      if ((syncer == null || inFlight.get() >= SYNCERS) && queuedOps.get() < room && !closeQueued) {
        LockSupport.parkNanos(this, left);
      }
      waiting = RUNNING;
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  /** Moves queued ops into {@code batch}, up to {@code batchMax}. */
  private void drain(List<Op> batch) {
    Op op;
    while (batch.size() < batchMax && (op = poll()) != null) {
      batch.add(op);
    }
  }

  private static int indexOfClose(List<Op> batch) {
    for (int i = 0; i < batch.size(); i++) {
      if (batch.get(i) instanceof Close) {
        return i;
      }
    }
    return -1;
  }

  private void failPending(Throwable t) {
    Op op;
    while ((op = poll()) != null) {
      if (op instanceof Barrier b) {
        b.promise().fail(t);
      } else if (op instanceof ReserveNames r) {
        r.promise().fail(t);
      } else if (op instanceof Call<?> c) {
        c.promise().fail(t);
      } else if (op instanceof Read r) {
        r.promise().fail(t);
      } else if (op instanceof Close c) {
        c.promise().complete();
      }
    }
  }

  // ------------------------------------------------------------------ the syncer thread

  /**
   * A syncer's loop: takes the batches the writer committed and no syncer took yet (a group, numbered in commit
   * order), makes them durable with one {@code fdatasync} of the WAL file (batches that wrote nothing need none), and
   * only then answers them, once the groups before them are answered: whichever syncer ends the sync a group waits
   * for answers it; until the writer stops them.
   */
  private void sync(FileChannel wal) {
    while (true) {
      List<Answers> ready = new ArrayList<>();
      long group;
      synchronized (taking) {
        try {
          ready.add(synced.take());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        synced.drainTo(ready);
        group = groupsTaken++;
      }
      boolean stop = false;
      boolean wrote = false;
      for (Answers a : ready) {
        stop |= a == stopSyncing;
        wrote |= a.wrote && a.failure == null;
      }
      Throwable syncFailed = null;
      if (wrote) {
        try {
          walSync.force(wal);
        } catch (IOException | RuntimeException e) {
          // what was committed may not be on disk: its writers are told it failed, as if the commit had
          syncFailed = e;
          LOG.error("task store {}: the WAL's fdatasync failed: {}", file, String.valueOf(e), e);
        }
      }
      for (Answers a : ready) {
        if (a != stopSyncing) {
          inFlight.decrementAndGet(); // synced: this syncer is free, whether or not its answers wait for an earlier sync
        }
      }
      if (waiting == GATHERING) {
        LockSupport.unpark(writer); // after inFlight fell: a writer that saw every syncer busy is woken
      }
      synchronized (answering) {
        syncedGroups.put(group, new SyncedGroup(ready, syncFailed));
        SyncedGroup g;
        while ((g = syncedGroups.remove(groupsAnswered)) != null) {
          groupsAnswered++;
          for (Answers a : g.answers()) {
            if (a != stopSyncing) {
              a.send(a.failure != null ? a.failure : a.wrote ? g.syncFailed() : null);
            }
          }
        }
      }
      if (stop) {
        synced.add(stopSyncing); // for the other syncers
        return;
      }
    }
  }

  /** Batches synced together, with the sync's failure (null: none). */
  private record SyncedGroup(List<Answers> answers, Throwable syncFailed) {
  }

  /** Lets the syncer answer what it holds and waits for it to end: the writer's, before it closes the connection. */
  private void stopSyncer() {
    if (syncer == null) {
      return;
    }
    synced.add(stopSyncing);
    try {
      for (Thread t : syncers) {
        t.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeWal();
  }

  private void closeWal() {
    for (FileChannel c : walChannels) {
      try {
        c.close();
      } catch (IOException e) {
        LOG.warn("task store {}: closing its WAL file: {}", file, e.toString());
      }
    }
  }

  /**
   * What one batch answers, once it is durable: the names reserved, the calls' and reads' results, the barriers;
   * failed, all of them, with the commit's error (or the sync's).
   */
  private final class Answers {
    /** True if the batch's transaction changed the database (it needs a sync before it is answered). */
    final boolean wrote;
    final int writes;
    final long startedAt;
    final Throwable failure;
    final List<Promise<Long>> reservations;
    final List<Long> firsts;
    final List<Call<?>> calls;
    final List<Object> results;
    final List<Promise<Void>> barriers;
    final List<Read> reads;
    final List<Object> readResults;

    Answers(boolean wrote, int writes, long startedAt, Throwable failure, List<Promise<Long>> reservations, List<Long> firsts,
        List<Call<?>> calls, List<Object> results, List<Promise<Void>> barriers, List<Read> reads, List<Object> readResults) {
      this.wrote = wrote;
      this.writes = writes;
      this.startedAt = startedAt;
      this.failure = failure;
      this.reservations = reservations;
      this.firsts = firsts;
      this.calls = calls;
      this.results = results;
      this.barriers = barriers;
      this.reads = reads;
      this.readResults = readResults;
    }

    /** Completes every promise of the batch: with its result, or failed with {@code failure} (null: none). */
    void send(Throwable failure) {
      if (wrote) {
        listener.committed(writes, System.nanoTime() - startedAt, failure != null);
      }
      StoreException failed = failure == null ? null : failure instanceof StoreException se ? se
          : new StoreException("The task store " + file + " could not commit: " + failure.getMessage(), failure);
      for (int i = 0; i < reservations.size(); i++) {
        if (failed == null) {
          reservations.get(i).complete(firsts.get(i));
        } else {
          reservations.get(i).fail(failed);
        }
      }
      for (int i = 0; i < calls.size(); i++) {
        @SuppressWarnings("unchecked")
        Promise<Object> p = (Promise<Object>) calls.get(i).promise();
        if (failed == null) {
          p.complete(results.get(i));
        } else {
          p.fail(failed);
        }
      }
      for (Promise<Void> b : barriers) {
        if (failed == null) {
          b.complete();
        } else {
          b.fail(failed);
        }
      }
      // they saw what was queued before them (a failed batch's writes are not kept): answered once that is durable
      for (int i = 0; i < reads.size(); i++) {
        Object r = readResults.get(i);
        if (r instanceof ReadFailed f) {
          reads.get(i).promise().fail(f.error());
        } else {
          reads.get(i).promise().complete(r);
        }
      }
    }
  }

  /** A read that failed, in {@link Answers#readResults}. */
  private record ReadFailed(StoreException error) {
  }

  /** One transaction for the whole batch, then its reads; what it answers is sent once it is durable. */
  private Answers commit(List<Op> ops) {
    Map<String, StoredTask> puts = new LinkedHashMap<>();
    Map<String, Long> parked = new HashMap<>();
    Set<String> deletes = new LinkedHashSet<>();
    Map<String, String> loops = new LinkedHashMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    List<Promise<Void>> barriers = new ArrayList<>();
    List<Read> reads = new ArrayList<>();
    List<Promise<Long>> reservations = new ArrayList<>();
    List<Long> firsts = new ArrayList<>();
    Map<String, StoredDelivery> deliveries = new LinkedHashMap<>();
    Map<String, Double> leases = new HashMap<>();
    List<Call<?>> calls = new ArrayList<>();
    List<Object> answers = new ArrayList<>();
    long namesBefore = namesReserved;
    for (Op op : ops) {
      switch (op) {
        case Put p -> merge(puts, p.task());
        case PutAll p -> p.tasks().forEach(t -> merge(puts, t));
        case Park p -> {
          merge(puts, p.task());
          parked.put(p.task().id(), p.until());
        }
        case Finish f -> {
          merge(puts, f.task());
          for (StoredDelivery d : f.deliveries()) {
            deliveries.put(d.id(), d);
            leases.put(d.id(), f.leaseSeconds());
          }
        }
        case Call<?> c -> calls.add(c);
        case Delete d -> {
          puts.remove(d.id());
          parked.remove(d.id());
          deletes.add(d.id());
          deliveries.values().removeIf(x -> x.taskId().equals(d.id()));
        }
        case PutLoop l -> loops.put(l.name(), l.state());
        case PutMeta m -> meta.put(m.key(), m.value());
        case ReserveNames r -> {
          firsts.add(namesReserved + 1);
          namesReserved += r.block();
          reservations.add(r.promise());
          meta.put(NAMES_RESERVED, Long.toString(namesReserved));
        }
        case Barrier b -> barriers.add(b.promise());
        case Read r -> reads.add(r);
        case Close c -> {
        }
      }
    }
    int writes = ops.size() - barriers.size() - reads.size();
    Throwable failure = null;
    boolean wrote = !puts.isEmpty() || !deletes.isEmpty() || !loops.isEmpty() || !meta.isEmpty() || !calls.isEmpty();
    long t0 = System.nanoTime();
    if (wrote) {
      try {
        write(puts, parked, deletes, loops, meta);
        writeDeliveries(deliveries.values(), leases);
        for (Call<?> c : calls) {
          answers.add(c.work().run(conn));
        }
        conn.commit();
      } catch (Throwable t) {
        failure = t;
        namesReserved = namesBefore; // not committed: reserved by nobody
        LOG.error("task store {}: a commit of {} write(s) failed: {}", file, ops.size(), String.valueOf(t), t);
        try {
          conn.rollback();
        } catch (SQLException ignored) {
          // the connection is broken; the next batch reports it again
        }
      }
    }
    // after the commit: they see what was queued before them (a failed batch's writes are not kept)
    List<Object> readResults = new ArrayList<>(reads.size());
    for (Read r : reads) {
      try {
        readResults.add(r.read().run(conn));
      } catch (SQLException | RuntimeException e) {
        readResults.add(new ReadFailed(new StoreException("The task store " + file + " could not be read: " + e.getMessage(), e)));
      }
    }
    return new Answers(wrote, writes, t0, failure, reservations, firsts, calls, answers, barriers, reads, readResults);
  }

  private static void merge(Map<String, StoredTask> puts, StoredTask t) {
    puts.merge(t.id(), t, (old, nu) -> nu.spec() == null && old.spec() != null ? nu.withSpec(old.spec()) : nu);
  }

  private void write(Map<String, StoredTask> puts, Map<String, Long> parked, Set<String> deletes, Map<String, String> loops,
      Map<String, String> meta) throws SQLException {
    int inserts = 0;
    int updates = 0;
    for (StoredTask t : puts.values()) {
      String record = t.record().get();
      if (t.spec() != null) {
        insert.setString(1, t.id());
        insert.setString(2, t.loop());
        insert.setString(3, t.parent());
        insert.setString(4, t.state());
        insert.setLong(5, t.createdAt());
        setLong(insert, 6, t.doneAt());
        setLong(insert, 7, t.sleepDeadline());
        setLong(insert, 8, t.timeoutDeadline());
        insert.setString(9, t.spec());
        insert.setString(10, record);
        insert.setString(11, t.node());
        setLong(insert, 12, parked.get(t.id()));
        insert.addBatch();
        inserts++;
      } else {
        update.setString(1, t.state());
        setLong(update, 2, t.doneAt());
        setLong(update, 3, t.sleepDeadline());
        setLong(update, 4, t.timeoutDeadline());
        update.setString(5, record);
        update.setString(6, t.node());
        update.setString(7, t.id());
        update.addBatch();
        updates++;
      }
    }
    if (inserts > 0) {
      insert.executeBatch();
    }
    if (updates > 0) {
      update.executeBatch();
    }
    if (!deletes.isEmpty()) {
      for (String id : deletes) {
        delete.setString(1, id);
        delete.addBatch();
        if (outboxRows) {
          deleteDeliveries.setString(1, id);
          deleteDeliveries.addBatch();
        }
      }
      delete.executeBatch();
      if (outboxRows) {
        deleteDeliveries.executeBatch();
      }
    }
    for (Map.Entry<String, String> e : loops.entrySet()) {
      putLoop.setString(1, e.getKey());
      putLoop.setString(2, e.getValue());
      putLoop.executeUpdate();
    }
    if (!meta.isEmpty()) {
      for (Map.Entry<String, String> e : meta.entrySet()) {
        putMeta.setString(1, e.getKey());
        putMeta.setString(2, e.getValue());
        putMeta.addBatch();
      }
      putMeta.executeBatch();
    }
  }

  /** A finish's deliveries, after the rows of the batch: each where its task's row is. */
  private void writeDeliveries(java.util.Collection<StoredDelivery> ds, Map<String, Double> leases) throws SQLException {
    if (ds.isEmpty()) {
      return;
    }
    outboxRows = true;
    long now = System.currentTimeMillis();
    for (StoredDelivery d : ds) {
      insertDelivery.setString(1, d.id());
      insertDelivery.setString(2, d.taskId());
      insertDelivery.setInt(3, d.entry());
      insertDelivery.setString(4, d.url());
      insertDelivery.setString(5, d.key());
      insertDelivery.setString(6, d.body());
      insertDelivery.setLong(7, now);
      insertDelivery.setString(8, d.owner());
      insertDelivery.setString(9, d.leaseToken());
      insertDelivery.setLong(10, now + (long) (leases.get(d.id()) * 1000));
      insertDelivery.setString(11, d.taskId());
      insertDelivery.addBatch();
    }
    insertDelivery.executeBatch();
  }

  private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.INTEGER);
    } else {
      ps.setLong(i, v);
    }
  }

  private void closeQuietly() {
    if (syncer == null) {
      closeWal(); // opened, no syncer started: the open failed after them
    }
    if (conn != null) {
      try {
        conn.close();
      } catch (SQLException e) {
        LOG.warn("task store {}: closing: {}", file, e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return "<SqliteTaskStore " + file + (closed ? " closed" : "") + ">";
  }
}
