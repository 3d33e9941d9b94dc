package org.vertxasyncio.service.cluster;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The statements that hand tasks to nodes, on the {@code tasks} table's {@code owner}, {@code lease_until}
 * (PostgreSQL's clock) and {@code lease_token} columns: the heartbeat that renews a node's leases that end
 * soon at once, the claim of expired or unowned tasks, and their release.
 *
 * <p>Invariants: a pending task with an owner and a {@code lease_until} in the future belongs to that
 * owner; every claim gives it a new token, so a write fenced with an older token matches nothing; only
 * pending tasks are ever claimed, so a finished task is never run again. Times are PostgreSQL's
 * ({@code now()}), never a node's. A statement that changes several rows of {@code tasks} locks them in the
 * order of their ids ({@code ORDER BY id FOR ...}), as the store's batches do, so that a heartbeat and a
 * batch never wait for each other (PostgreSQL's deadlock, 40P01); a claim skips the rows others lock.
 *
 * <p>A parked task ({@code parked_until} set: its row only, due then) has no owner either, and is no unowned
 * task to place or claim: a claim takes it only once it is due within the horizon, through the index on
 * {@code parked_until} (the parked rows not due are never read), and the claim ends its parking. The count
 * of parked rows ({@code meta} {@code tasks.parked}) goes down with the claim, in the same statement.
 */
public final class Leases {
  /** The channel peers LISTEN on: a task became claimable (left unowned, released, or its lease expired). */
  public static final String CHANNEL = "vertx_asyncio_claimable";

  /**
   * One statement per node and heartbeat: the node's row in {@code nodes} (with what it publishes: its free
   * room for tasks, its loops' states and counts) and the leases of its pending tasks that end within {@code $5}
   * seconds are renewed, their rows locked in the order of their ids; it answers the ids still held: those renewed,
   * and those whose lease ends later (read, not locked: no peer can claim a lease that has not ended).
   */
  static final String HEARTBEAT = """
      WITH node AS (
        INSERT INTO nodes (id, started_at, seen_at, free, loops) VALUES ($1, now(), now(), $3, $4)
        ON CONFLICT (id) DO UPDATE SET seen_at = now(), free = excluded.free, loops = excluded.loops
      ),
      held AS (
        SELECT id FROM tasks WHERE owner = $1 AND state = 'pending'
          AND (lease_until IS NULL OR lease_until < now() + make_interval(secs => $5))
        ORDER BY id FOR NO KEY UPDATE
      ),
      renewed AS (
        UPDATE tasks t SET lease_until = now() + make_interval(secs => $2)
        FROM held WHERE t.id = held.id
        RETURNING t.id, t.cancel_requested
      )
      SELECT id, cancel_requested FROM renewed
      UNION ALL
      SELECT id, cancel_requested FROM tasks WHERE owner = $1 AND state = 'pending'
        AND lease_until >= now() + make_interval(secs => $5)""";

  /**
   * The claim's choice, as River and Oban do it: the claimable rows (not parked, their lease expired or never
   * given) and the parked rows due within {@code $4} seconds are locked in CTEs with {@code SKIP LOCKED} (a peer
   * claiming at the same moment takes others), the former first, {@code $2} in all.
   */
  static final String PICK = """
      WITH claimable AS (
        SELECT id, false AS parked FROM tasks
        WHERE state = 'pending' AND parked_until IS NULL AND (lease_until IS NULL OR lease_until < now())
        ORDER BY id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
      ),
      due AS (
        SELECT id, true AS parked FROM tasks
        WHERE parked_until <= (extract(epoch FROM now()) * 1000)::bigint + ($4::float8 * 1000)::bigint AND state = 'pending'
        ORDER BY parked_until
        LIMIT $2
        FOR UPDATE SKIP LOCKED
      ),
      picked AS (
        SELECT id, parked FROM claimable UNION ALL SELECT id, parked FROM due ORDER BY parked, id LIMIT $2
      )""";

  /**
   * The claim's writes, after {@link #PICK}: each row picked is given to the node with a new token, and is parked
   * no more ({@code claimed}, with {@code was_parked}); the count of parked rows goes down by those.
   */
  static final String TAKE = """
      ,
      claimed AS (
        UPDATE tasks t SET owner = $1, lease_token = gen_random_uuid()::text,
          lease_until = now() + make_interval(secs => $3), parked_until = NULL
        FROM picked c WHERE t.id = c.id
        RETURNING t.*, c.parked AS was_parked
      ),
      unparked AS (
        UPDATE meta SET value = value - (SELECT count(*) FROM claimed WHERE was_parked)
        WHERE key = 'tasks.parked' AND EXISTS (SELECT 1 FROM claimed WHERE was_parked)
      )""";

  /** The claim: {@link #PICK}, {@link #TAKE}, answering the ids and tokens. */
  static final String CLAIM = PICK + TAKE + "\nSELECT id, lease_token FROM claimed";

  /** Gives tasks back (a draining node's, or those it dropped while PostgreSQL could not hear it). */
  static final String RELEASE = """
      WITH given AS (
        SELECT id FROM tasks WHERE owner = $1 AND state = 'pending' AND lease_token = ANY($2) ORDER BY id FOR NO KEY UPDATE
      )
      UPDATE tasks t SET owner = NULL, lease_token = NULL, lease_until = NULL
      FROM given WHERE t.id = given.id""";

  /** Gives back every pending task of the node (SIGTERM with {@code shutdown.tasks} {@code keep}). */
  static final String RELEASE_ALL = """
      WITH given AS (
        SELECT id FROM tasks WHERE owner = $1 AND state = 'pending' ORDER BY id FOR NO KEY UPDATE
      )
      UPDATE tasks t SET owner = NULL, lease_token = NULL, lease_until = NULL
      FROM given WHERE t.id = given.id""";

  /** How many pending tasks are claimable right now: unparked ones nobody holds, parked ones due within {@code $1} s. */
  static final String CLAIMABLE = """
      SELECT (SELECT count(*) FROM tasks
                WHERE state = 'pending' AND parked_until IS NULL AND (lease_until IS NULL OR lease_until < now()))
           + (SELECT count(*) FROM tasks
                WHERE parked_until <= (extract(epoch FROM now()) * 1000)::bigint + ($1::float8 * 1000)::bigint)""";

  private final Pool pool;
  private final String node;
  private final double leaseSeconds;
  private final double horizonSeconds;
  private final double renewWithinSeconds;

  /** With the default {@code store.horizon}; every heartbeat renews every lease. */
  public Leases(Pool pool, String node, double leaseSeconds) {
    this(pool, node, leaseSeconds, (Double) org.vertxasyncio.service.config.ConfigKeys.STORE_HORIZON.defaultValue());
  }

  /** Every heartbeat renews every lease. */
  public Leases(Pool pool, String node, double leaseSeconds, double horizonSeconds) {
    this(pool, node, leaseSeconds, horizonSeconds, leaseSeconds);
  }

  /**
   * @param node               this node's id, the owner written on the tasks it holds
   * @param leaseSeconds       how long a lease lasts past its last renewal
   * @param horizonSeconds     how long before it is due a parked task is claimed
   * @param renewWithinSeconds a heartbeat renews the leases that end within this many seconds (at most
   *                           {@code leaseSeconds}: every lease); after it, every lease of the node lasts at least
   *                           as long
   */
  public Leases(Pool pool, String node, double leaseSeconds, double horizonSeconds, double renewWithinSeconds) {
    this.pool = pool;
    this.node = node;
    this.leaseSeconds = leaseSeconds;
    this.horizonSeconds = horizonSeconds;
    this.renewWithinSeconds = Math.min(leaseSeconds, renewWithinSeconds);
  }

  /**
   * How long before its end a heartbeat renews a lease, for heartbeats every {@code heartbeatSeconds}: the lease
   * less a heartbeat when that leaves at least two heartbeats (a task shorter than that is never renewed, and one
   * heartbeat may be missed before a lease ends), else the whole lease (every heartbeat renews every lease).
   */
  public static double renewWithin(double leaseSeconds, double heartbeatSeconds) {
    return leaseSeconds - heartbeatSeconds >= 2 * heartbeatSeconds ? leaseSeconds - heartbeatSeconds : leaseSeconds;
  }

  /** A heartbeat renews the leases that end within this many seconds; after one, every lease lasts as long. */
  public double renewWithin() {
    return renewWithinSeconds;
  }

  /** How long before it is due a parked task is claimed, seconds. */
  public double horizon() {
    return horizonSeconds;
  }

  public String node() {
    return node;
  }

  /** A new lease token, for a task this node creates and runs. */
  public static String newToken() {
    return UUID.randomUUID().toString();
  }

  /** What a heartbeat answers: the pending tasks the node still holds, and those of them a cancel was asked for. */
  public record Beat(Set<String> held, Set<String> cancelRequested) {
  }

  /**
   * Renews the node's row and its leases that end within {@link #renewWithin()}, in one statement, publishing no
   * room and no loops.
   *
   * @return the pending tasks the node still holds; failed when PostgreSQL did not answer
   */
  public Future<Beat> heartbeat() {
    return heartbeat(0, "{}");
  }

  /**
   * Renews the node's row and its leases that end within {@link #renewWithin()}, in one statement, and publishes
   * {@code free} (the tasks it
   * has room for) and {@code loops} (a JSON object: each loop's state and counts on this node).
   *
   * @return the pending tasks the node still holds, and those a cancel was asked for; failed when PostgreSQL
   *     did not answer
   */
  public Future<Beat> heartbeat(int free, String loops) {
    return pool.preparedQuery(HEARTBEAT).execute(Tuple.of(node, leaseSeconds, free, loops, renewWithinSeconds)).map(rows -> {
      Set<String> held = new HashSet<>();
      Set<String> cancel = new HashSet<>();
      for (Row r : rows) {
        held.add(r.getString(0));
        if (Boolean.TRUE.equals(r.getBoolean(1))) {
          cancel.add(r.getString(0));
        }
      }
      return new Beat(held, cancel);
    });
  }

  /** A claimed task: its id and the token its writes are fenced with. */
  public record Claimed(String id, String token) {
  }

  /**
   * Takes up to {@code max} pending tasks whose lease expired or that nobody owns, and parked tasks due within
   * the horizon.
   *
   * @return what was claimed, oldest first; failed when PostgreSQL did not answer (nothing was claimed)
   */
  public Future<List<Claimed>> claim(int max) {
    if (max <= 0) {
      return Future.succeededFuture(List.of());
    }
    return pool.preparedQuery(CLAIM).execute(Tuple.of(node, max, leaseSeconds, horizonSeconds)).map(Leases::claimed);
  }

  private static List<Claimed> claimed(RowSet<Row> rows) {
    List<Claimed> out = new ArrayList<>(rows.rowCount());
    for (Row r : rows) {
      out.add(new Claimed(r.getString(0), r.getString(1)));
    }
    out.sort(java.util.Comparator.comparing(Claimed::id));
    return out;
  }

  /** Gives back the tasks held with {@code tokens}, for a peer to claim; the number given back. */
  public Future<Integer> release(List<String> tokens) {
    if (tokens.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return pool.preparedQuery(RELEASE).execute(Tuple.tuple().addString(node).addArrayOfString(tokens.toArray(new String[0]))).map(RowSet::rowCount);
  }

  /** Gives back every pending task of this node; the number given back. */
  public Future<Integer> releaseAll() {
    return pool.preparedQuery(RELEASE_ALL).execute(Tuple.of(node)).map(RowSet::rowCount);
  }

  /** How many pending tasks are claimable now. */
  public Future<Long> claimable() {
    return pool.preparedQuery(CLAIMABLE).execute(Tuple.of(horizonSeconds)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Wakes the peers: there is work to claim (the payload is this node's id). */
  public Future<Void> notifyPeers() {
    return pool.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(CHANNEL, node)).mapEmpty();
  }
}
