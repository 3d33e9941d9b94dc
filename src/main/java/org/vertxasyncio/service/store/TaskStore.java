package org.vertxasyncio.service.store;

import io.vertx.core.Future;
import java.util.List;
import org.vertxasyncio.service.config.ConfigKeys;
import org.vertxasyncio.service.config.ServiceConfig;

/**
 * Where the service keeps its tasks, its loops, its SSE event-id high-water mark and its task-name counter,
 * so that they survive a restart. Writes are queued and committed in order, in batches (group commit); {@link #sync()} tells when
 * everything queued before it is committed. No method blocks its caller: the work happens on the store's
 * own thread.
 *
 * <p>Three implementations, chosen by {@code store.type}: {@link SqliteTaskStore} (the default: a file
 * under {@code store.path}), {@link PostgresTaskStore} (a PostgreSQL database, which several processes may
 * share) and {@link MemoryTaskStore}, which keeps nothing, by design.
 */
public interface TaskStore {

  /** The store for {@code config}: not opened yet. */
  static TaskStore of(ServiceConfig config) {
    return switch (config.storeType) {
      case SQLITE -> new SqliteTaskStore(java.nio.file.Path.of(config.storePath), config.storeSyncFull,
          config.storeBatchMax, config.storeBatchWait);
      case POSTGRES -> new PostgresTaskStore(config.get(ConfigKeys.STORE_POSTGRES_URL),
          config.get(ConfigKeys.STORE_POSTGRES_PASSWORD), config.get(ConfigKeys.STORE_POSTGRES_POOL),
          config.get(ConfigKeys.STORE_POSTGRES_SCHEMA), config.storeBatchMax, config.storeBatchWait,
          config.get(ConfigKeys.STORE_POSTGRES_TIMEOUT));
      case MEMORY -> new MemoryTaskStore();
    };
  }

  /** True if what is written survives a restart. */
  boolean durable();

  /**
   * False if the store drops every task row it is given ({@link #put}, {@link #putAll}): the journal then
   * does not build them.
   */
  default boolean keepsTasks() {
    return true;
  }

  /** What the log says about the store: {@code sqlite data/tasks.db}. */
  String describe();

  /**
   * Opens the store (creating the data directory and the database, applying migrations) and reads what
   * it kept.
   *
   * @return failed with a {@link StoreException} naming the file when it cannot be created, read or
   *     migrated: the service must not start then, or it would start empty and lose what was kept
   */
  Future<Stored> open();

  /** Queues an insert ({@code spec} set) or an update ({@code spec} null) of one task. */
  void put(StoredTask task);

  /** Queues tasks that are committed together (a gather and the children it makes), or not at all. */
  void putAll(List<StoredTask> tasks);

  /**
   * True if the store can keep a task as its row only until it is due (parked: no node holds it, nothing of it
   * is in memory): the durable stores.
   */
  default boolean parks() {
    return false;
  }

  /**
   * Queues the insert of a parked task's row: {@code task} (a started {@code sleep}, its deadlines set, no
   * owner) with {@code parkedUntil}, the epoch milliseconds at which it is due. Nothing else writes the row
   * until it is taken out of parking ({@link #unparkDue}, {@link #unpark}; a cluster's claim).
   *
   * @throws UnsupportedOperationException if the store does not {@linkplain #parks() park}
   */
  default void park(StoredTask task, long parkedUntil) {
    throw new UnsupportedOperationException(describe() + " parks no task");
  }

  /**
   * How many parked rows the store holds: counted by the embedded store, read from the count that the
   * statements which park and claim rows keep by a shared one.
   *
   * @return 0 for a store that parks nothing; failed with a {@link StoreException} when it cannot be read
   */
  default Future<Long> countParked() {
    return Future.succeededFuture(0L);
  }

  /**
   * Takes out of parking, in one step, the parked rows due by {@code until} (epoch milliseconds), the soonest
   * first, {@code max} at most: they are ordinary pending rows from then on, for this process to run. A store
   * shared by several nodes does this in its claim of tasks instead.
   *
   * @return the rows taken out, once that is committed; failed with a {@link StoreException}
   */
  default Future<List<StoredTask>> unparkDue(long until, int max) {
    return Future.succeededFuture(List.of());
  }

  /**
   * Takes out of parking, as {@link #unparkDue} does, the parked rows of loop {@code loop}, whenever they are due,
   * {@code max} at most (their loop was closed: they are cancelled). A store shared by several nodes makes them
   * all due at once instead, and wakes the nodes, whose claims take them: it answers none.
   */
  default Future<List<StoredTask>> unparkLoop(String loop, int max) {
    return Future.succeededFuture(List.of());
  }

  /**
   * Takes task {@code id} out of parking, if it is parked and due by {@code dueBy} (epoch milliseconds), as
   * {@link #unparkDue} does.
   *
   * @return its row once that is committed; null if it is not parked (any more) or due later
   */
  default Future<StoredTask> unpark(String id, long dueBy) {
    return Future.succeededFuture(null);
  }

  /**
   * Queues a task's finish (an update of its row) with its webhook deliveries, the outbox rows, committed
   * in one transaction: the finish and its deliveries are kept together or not at all, and where the
   * update is fenced out (the task's lease is gone) the deliveries are not written either. The rows are
   * held by their {@code owner} with their {@code leaseToken} for {@code leaseSeconds}.
   */
  void finish(StoredTask task, List<StoredDelivery> deliveries, double leaseSeconds);

  /**
   * Claims up to {@code max} due deliveries ({@code pending}) that nobody holds (their lease expired, or
   * they never had one) for {@code owner}, each with a new token, for {@code leaseSeconds}: one statement.
   *
   * @return the rows claimed, with their log entries; failed when the database did not answer (nothing claimed)
   */
  Future<List<StoredDelivery>> claimDeliveries(String owner, int max, double leaseSeconds);

  /**
   * Renews the leases of the deliveries {@code owner} holds with {@code tokens}, for {@code leaseSeconds}
   * (0: gives them back, for anyone to claim): one statement.
   */
  Future<Void> renewDeliveries(String owner, List<String> tokens, double leaseSeconds);

  /**
   * Records an attempt of delivery {@code d} ({@code d.attempts()} made, now in {@code d.state()}): in its
   * row, fenced by its lease token, and as {@code entryJson} at its entry of the task's callback log; the
   * lease runs {@code leaseSeconds} from now.
   *
   * @param retryInMillis when the next attempt is due (null: none)
   * @return true if written; false if the row no longer carries the token (another node holds it, or it was
   *     deleted with its task): the delivery is not this node's any more
   */
  Future<Boolean> deliveryAttempted(StoredDelivery d, Long retryInMillis, String entryJson, double leaseSeconds);

  /**
   * Starts delivering entry {@code entry} of task {@code taskId}'s callback log again, if its delivery is not
   * under way: its row becomes {@code pending}, due now, its next attempt the first of the redelivery, held
   * by {@code owner} with {@code token}; the log entry's outcome becomes {@code pending}.
   *
   * @return the row as it is now (its log entry included): held with {@code token} if the redelivery began,
   *     with another token while a delivery is still under way; null when there is no such delivery
   */
  Future<StoredDelivery> redeliver(String taskId, int entry, String owner, String token, double leaseSeconds);

  /** Queues the removal of a task (DELETE, retention); a later update of it changes nothing. */
  void delete(String id);

  /** Queues a loop's state: {@code running}, {@code stopped} or {@code closed}. */
  void putLoop(String name, String state);

  /** Queues the highest SSE event id that may be handed out before the next reservation. */
  void putEventIdsReserved(long upTo);

  /**
   * Reserves {@code block} consecutive numbers for the names of tasks submitted without one
   * ({@code Task-N}): no other reservation on this store, by this process or another, before or after a
   * restart, returns any of them. The reservation is committed before the future completes (a store
   * shared by several processes implements it as one atomic step, a sequence or an
   * {@code UPDATE ... RETURNING}).
   *
   * @param block how many numbers, at least 1
   * @return the first number of the block (1 for the first reservation of a new store); failed with a
   *     {@link StoreException} when it could not be committed (nothing is reserved then)
   */
  Future<Long> reserveNames(int block);

  /**
   * The claim of an {@code Idempotency-Key}: the task it names, the fingerprint of the request that claimed it, the
   * node that did, and how long ago (milliseconds, by the store's clock).
   */
  record KeyClaim(String taskId, String fingerprint, String node, long ageMillis) {
  }

  /**
   * Claims {@code key} for task {@code taskId} (not made yet) if nobody has claimed it, in one atomic step: of two
   * claims of one key, by this process or another, one wins. The claim is committed before the future completes.
   *
   * @return null if this call claimed the key; else the claim that stands. Failed with a {@link StoreException}
   *     when the store cannot be reached (nothing is claimed then)
   * @throws UnsupportedOperationException if the store keeps no keys
   */
  default Future<KeyClaim> claimKey(String key, String fingerprint, String taskId, String node) {
    throw new UnsupportedOperationException(describe() + " keeps no idempotency keys");
  }

  /**
   * Moves the claim of {@code key} from task {@code staleTaskId}, which was never made or was forgotten, to task
   * {@code taskId}: only where the claim still names {@code staleTaskId} (of two such moves, one wins).
   *
   * @return true if the claim was moved; failed with a {@link StoreException} when the store cannot be reached
   */
  default Future<Boolean> reclaimKey(String key, String staleTaskId, String fingerprint, String taskId, String node) {
    throw new UnsupportedOperationException(describe() + " keeps no idempotency keys");
  }

  /**
   * Removes the claim of {@code key} where it still names task {@code taskId} (the task was not made).
   *
   * @return failed with a {@link StoreException} when the store cannot be reached (the claim stays)
   */
  default Future<Void> releaseKey(String key, String taskId) {
    throw new UnsupportedOperationException(describe() + " keeps no idempotency keys");
  }

  /**
   * Removes the claims older than {@code ageMillis} whose task the store does not have (forgotten by retention,
   * deleted, or never made).
   *
   * @return how many were removed; failed with a {@link StoreException} when the store cannot be reached
   */
  default Future<Integer> forgetKeys(long ageMillis) {
    return Future.succeededFuture(0);
  }

  /**
   * Completes when everything queued before this call is committed; failed if that commit failed. The
   * future completes on the store's thread: hop back to your context before touching your state.
   */
  Future<Void> sync();

  /** Commits what is queued and closes the store; later writes are dropped. */
  Future<Void> close();

  /**
   * True if other processes share this store's tasks (several nodes on one database): a task this node does
   * not hold in memory may be in the store, and reads of tasks go to it.
   */
  default boolean shared() {
    return false;
  }

  /**
   * Reads one task as the store last committed it: everything queued before the call is committed first
   * (SQLite), or the database answers as it stands (PostgreSQL). The memory store keeps nothing: null.
   *
   * @return the row (its record is the task as the API shows it), or null if the store has no such task;
   *     failed with a {@link StoreException} when the store cannot be read. It may complete on the store's
   *     thread: hop back to your context before touching your state.
   */
  default Future<StoredTask> get(String id) {
    return Future.succeededFuture(null);
  }

  /**
   * Reads one page of the tasks the store keeps, newest first, with {@code GET /tasks}'s filters and
   * cursor; as {@link #get} for what it sees and where it completes. The memory store keeps nothing: an
   * empty page.
   *
   * @return failed with a {@link StoreException} when the store cannot be read
   */
  default Future<TaskQuery.Page> list(TaskQuery query) {
    return Future.succeededFuture(new TaskQuery.Page(List.of(), null));
  }

  /** What {@link #requestCancel} and {@link #deleteDone} found. */
  enum Found {
    /** No such task. */
    MISSING,
    /** The task is pending (a cancel was recorded; a delete was refused). */
    PENDING,
    /** The task is done (a cancel did nothing; a delete removed it). */
    DONE
  }

  /**
   * Records in a pending task's row that it is to be cancelled and wakes the node that holds it, which
   * cancels its coroutine; a node that claims the task later cancels it before it runs. In one atomic step:
   * the answer is the task's state at that instant. Stores whose tasks all live in this process's memory
   * have nothing to record: they answer from {@link #get}.
   *
   * @return {@code PENDING} if the request was recorded (asyncio's {@code cancel()} answers true),
   *     {@code DONE} if the task was done, {@code MISSING}; failed with a {@link StoreException} when the
   *     store cannot be reached
   */
  default Future<Found> requestCancel(String id) {
    return get(id).map(TaskStore::found);
  }

  /**
   * Removes a done task's row and tells the other nodes to forget it; a pending task's row is left alone. A
   * shared store does it in one atomic step, before the future completes; the others answer from {@link #get}
   * and queue the removal ({@link #delete}).
   *
   * @return {@code DONE} if the row was removed, {@code PENDING} if it was left, {@code MISSING}; failed with
   *     a {@link StoreException} when the store cannot be reached
   */
  default Future<Found> deleteDone(String id) {
    return get(id).map(t -> {
      Found f = found(t);
      if (f == Found.DONE) {
        delete(id);
      }
      return f;
    });
  }

  private static Found found(StoredTask t) {
    return t == null ? Found.MISSING : "pending".equals(t.state()) ? Found.PENDING : Found.DONE;
  }

  /** Told of each commit: how many writes it carried, how long it took; on the store's thread. */
  @FunctionalInterface
  interface CommitListener {
    void committed(int writes, long nanos, boolean failed);
  }

  /** Sets the listener of commits (metrics); the memory store commits nothing. */
  default void onCommit(CommitListener listener) {
  }

  /**
   * False while the store cannot reach its database: the writes it holds are kept and retried, and the
   * service refuses new writes (503) until it is true again. The embedded stores are always available.
   */
  default boolean available() {
    return true;
  }

  /**
   * True if this store keeps the cluster's event log ({@link PostgresTaskStore}): events given to
   * {@link #withEvents} are written, and {@code GET /events} is served from the log. Else they are dropped, and
   * the service publishes its events itself.
   */
  default boolean logsEvents() {
    return false;
  }

  /**
   * Runs {@code writes} (calls of this store's write methods, on this thread), then takes {@code events} (built
   * after the writes, so they can describe their outcome), and queues all of it as one unit: a store that
   * {@linkplain #logsEvents() logs events} commits the events in the transaction of the writes, so an event is
   * in the log if and only if the change it describes was committed. Others only run {@code writes}.
   */
  default void withEvents(Runnable writes, java.util.function.Supplier<List<LoggedEvent>> events) {
    writes.run();
  }

  /** Writes queued and not committed yet. */
  default int queued() {
    return 0;
  }
}
