package org.vertxasyncio.service.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.DatabaseException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared store: a PostgreSQL database ({@code store.type} {@code postgres}), reached through the
 * reactive {@code vertx-pg-client}. Its writes go from a thread of its own ({@code task-store-writer})
 * over one connection of their own, in order; reads at open and name reservations go through a pool.
 *
 * <p>Group commit, as {@link SqliteTaskStore}: the writer takes what is queued (up to {@code batchMax}; when that
 * is a single write, what is queued within {@code batchWait} more: under load a batch is what was queued while the
 * one before it committed, and is sent at once, not held back for writes that cannot come while every client
 * waits for its answer), merges the updates of one task into
 * its last, and sends the batch as one transaction, pipelined: {@code BEGIN}, one {@code executeBatch} per kind
 * of row, {@code COMMIT}, in one round trip. A {@link #sync()} completes when its batch has committed.
 *
 * <p>When PostgreSQL cannot be reached (a connection refused or dropped, a commit that takes longer than
 * {@code timeout}), the store is {@linkplain #available() unavailable}: the syncs of that batch fail, its
 * writes are kept and retried first, in order, with a backoff, until a commit succeeds; while idle the
 * writer probes the database every second, so it notices an outage, and the end of one, by itself. An
 * error PostgreSQL reports for a statement (anything but a connection, resource or operator condition)
 * fails that batch and drops it, as a failed SQLite commit does. A batch PostgreSQL aborted for a conflict
 * with another transaction (a deadlock, 40P01, or a serialization failure, 40001) is sent again, its syncs
 * waiting for that commit: a conflict is neither an outage nor an error of the writes, and a sync that
 * failed would tell a client its write was lost while it is then committed.
 *
 * <p>Invariants: writes reach the database in the order they were queued (one queue, one thread, one
 * connection, one transaction at a time; a batch that timed out has its connection closed before it is
 * sent again, and replaying one is harmless: inserts are upserts, updates and deletes set values); an
 * update ({@code spec} null) never creates a row. Several stores (processes) may share one schema: the
 * migrations are serialised by an advisory lock, the reservations are single atomic statements.
 *
 * <p>The cluster's event log: the events given with writes ({@link #withEvents}) are inserted by the last
 * statement of the batch's transaction, which first updates the one row of {@code event_ids} (the last id
 * handed out) and numbers the batch's events after it. That row stays locked until the transaction ends, so
 * the event-writing transactions of every node on the schema run that step one at a time, and each sees the
 * previous one's commit: <b>ids increase in commit order</b>, and once a reader sees id {@code n}, every
 * event with a lower id is committed and visible too (a reader tailing {@code id > last} misses nothing). A
 * plain sequence would not do: two transactions can take ids in one order and commit in the other. The same
 * statement NOTIFYs {@link #eventsChannel()} with the batch's last id (one NOTIFY per batch). A batch's events
 * are one row of {@code event_batches} (ids {@code first} to {@code id}, the events' types, tasks and data as
 * arrays; the view {@code events} has a row per event). The writer numbers the events it sends, in order, and
 * the row carries this store's name and the number of its last event ({@code writer}, {@code upto}), so a
 * batch sent again after an answer was lost (its commit unknown) adds only the events after those committed.
 */
public final class PostgresTaskStore implements TaskStore {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresTaskStore.class);
  private static final String EVENTS_RESERVED = "events.reserved";
  private static final String NAMES_RESERVED = "names.reserved";
  /** How long the writer idles before it probes the database. */
  private static final long PROBE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long BACKOFF_MIN_MILLIS = 50;
  private static final long BACKOFF_MAX_MILLIS = 1000;
  /** How many times a batch aborted by a conflict (40P01, 40001) is sent again at once before it is carried. */
  private static final int CONFLICT_RETRIES = 5;

  /**
   * Every new row of a batch in one statement: one array per column, unnested (ids are unique in a batch); with
   * the task's lease when the node holds one (its owner and token; {@code lease_until} from PostgreSQL's clock).
   */
  static final String INSERT = "INSERT INTO tasks(id, loop, parent, state, created_at, done_at, sleep_deadline, "
      + "timeout_deadline, spec, record, node, owner, lease_token, lease_until) SELECT u.*, CASE WHEN u.owner IS NULL "
      + "THEN NULL ELSE now() + make_interval(secs => $14) END FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
      + "$5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], "
      + "$13::text[]) AS u(id, loop, parent, state, created_at, done_at, sleep_deadline, timeout_deadline, spec, record, "
      + "node, owner, lease_token) ON CONFLICT (id) "
      + "DO UPDATE SET node = excluded.node, state = excluded.state, done_at = excluded.done_at, "
      + "sleep_deadline = excluded.sleep_deadline, timeout_deadline = excluded.timeout_deadline, record = excluded.record "
      + "WHERE tasks.lease_token IS NOT DISTINCT FROM excluded.lease_token";
  /**
   * Every update of a batch in one statement, each fenced by the task's lease: a node that lost it (a peer
   * claimed the task, with a new token) changes nothing; the rows changed are answered.
   */
  static final String UPDATE = "UPDATE tasks t SET state = u.state, done_at = u.done_at, sleep_deadline = u.sleep_deadline, "
      + "timeout_deadline = u.timeout_deadline, record = u.record, node = u.node FROM unnest($1::text[], $2::text[], "
      + "$3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[]) AS u(id, state, done_at, "
      + "sleep_deadline, timeout_deadline, record, node, lease_token) WHERE t.id = u.id "
      + "AND t.lease_token IS NOT DISTINCT FROM u.lease_token RETURNING t.id";
  static final String DELETE = "DELETE FROM tasks WHERE id = ANY($1)";
  /**
   * The deliveries of the rows {@link #DELETE} removed: a statement of its own after it, so that its snapshot sees a
   * delivery a peer's finish committed while the delete waited for that row.
   */
  static final String DELETE_DELIVERIES = "DELETE FROM webhook_outbox WHERE task_id = ANY($1)";
  /** The meta key of the count of parked rows, kept by {@link #INSERT_PARKED} and the cluster's claim. */
  public static final String PARKED_COUNT = "tasks.parked";
  /**
   * A batch's parked rows in one statement, no owner and no lease, and the count of parked rows moved on by those
   * inserted (a batch sent again inserts nothing twice, and counts nothing twice).
   */
  static final String INSERT_PARKED = "WITH i AS (INSERT INTO tasks(id, loop, parent, state, created_at, done_at, "
      + "sleep_deadline, timeout_deadline, spec, record, node, parked_until) SELECT * FROM unnest($1::text[], $2::text[], "
      + "$3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], "
      + "$11::text[], $12::bigint[]) ON CONFLICT (id) DO NOTHING RETURNING 1) UPDATE meta SET value = value + "
      + "(SELECT count(*) FROM i) WHERE key = '" + PARKED_COUNT + "' AND EXISTS (SELECT 1 FROM i)";
  /**
   * The first statement of a batch that changes existing rows: it locks them in the order of their ids, the
   * order every statement that changes several rows of {@code tasks} takes its locks in (the heartbeat's
   * renewal, a release), so that two of them never wait for each other (PostgreSQL's deadlock, 40P01).
   */
  static final String LOCK = "SELECT id FROM tasks WHERE id = ANY($1) ORDER BY id FOR UPDATE";
  /** The epoch milliseconds of PostgreSQL's clock. */
  private static final String NOW_MS = "(extract(epoch FROM now()) * 1000)::bigint";
  /**
   * A batch's webhook deliveries in one statement, after its tasks' rows: each only where its task's row
   * carries the lease its finish was written under (a finish fenced out writes no delivery either).
   */
  static final String INSERT_DELIVERIES = "INSERT INTO webhook_outbox(id, task_id, entry, url, signing_key, body, attempts, "
      + "first_attempt, next_at, state, owner, lease_token, lease_until) SELECT u.id, u.task_id, u.entry, u.url, u.signing_key, "
      + "u.body, 0, 1, " + NOW_MS + ", 'pending', u.owner, u.lease_token, now() + make_interval(secs => $10) FROM unnest("
      + "$1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(id, "
      + "task_id, entry, url, signing_key, body, task_token, owner, lease_token) JOIN tasks t ON t.id = u.task_id "
      + "AND t.lease_token IS NOT DISTINCT FROM u.task_token ON CONFLICT (id) DO NOTHING";
  /** What the outbox statements answer of a row, in the order {@link #delivery} reads it. */
  private static final String DELIVERY_COLUMNS = "o.id, o.task_id, o.entry, o.url, o.signing_key, o.body, o.attempts, "
      + "o.first_attempt, o.state, GREATEST(0, o.next_at - " + NOW_MS + ") AS due_in, o.owner, o.lease_token";
  /**
   * The claim of due deliveries, as the tasks' claim: rows nobody holds locked with {@code SKIP LOCKED} (a
   * peer claiming at the same moment takes others), then given to the node with a new token each.
   */
  static final String CLAIM_DELIVERIES = "WITH claimable AS (SELECT id FROM webhook_outbox WHERE state = 'pending' AND "
      + "(lease_until IS NULL OR lease_until < now()) ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
      + "UPDATE webhook_outbox o SET owner = $1, lease_token = gen_random_uuid()::text, lease_until = now() + "
      + "make_interval(secs => $3) FROM claimable c WHERE o.id = c.id RETURNING " + DELIVERY_COLUMNS
      + ", (SELECT (t.record::jsonb -> 'callbacks' -> o.entry)::text FROM tasks t WHERE t.id = o.task_id) AS entry_json";
  static final String RENEW_DELIVERIES = "UPDATE webhook_outbox SET lease_until = now() + make_interval(secs => $3) "
      + "WHERE owner = $1 AND lease_token = ANY($2)";
  /** The channel on which a node hears that another node wrote the callback log of a task it ran. */
  public static final String CALLBACKS_CHANNEL = "vertx_asyncio_callbacks";
  /** Tells the node that ran each task of {@code t} (if not the writer, {@code $me}) that its log changed. */
  private static final String TELL_RUNNER = "(SELECT count(pg_notify('" + CALLBACKS_CHANNEL + "', t.id)) FROM t "
      + "WHERE t.node IS DISTINCT FROM $me)";
  /**
   * An attempt: the row, fenced by its lease, and its entry in the task's callback log, in one statement; the
   * node that ran the task, if another, is told (it shows the log from its memory).
   */
  static final String DELIVERY_ATTEMPTED = "WITH o AS (UPDATE webhook_outbox SET attempts = $3, state = $4, next_at = "
      + NOW_MS + " + $5, lease_until = now() + make_interval(secs => $6) WHERE id = $1 AND lease_token = $2 "
      + "RETURNING task_id, entry), t AS (UPDATE tasks SET record = jsonb_set(tasks.record::jsonb, ARRAY['callbacks', "
      + "o.entry::text], $7::text::jsonb)::text FROM o WHERE tasks.id = o.task_id RETURNING tasks.id, tasks.node) "
      + "SELECT (SELECT count(*) FROM o), " + TELL_RUNNER.replace("$me", "$8");
  /** A redelivery: the row, if its delivery is over, and its log entry's outcome, in one statement. */
  static final String REDELIVER = "WITH o AS (UPDATE webhook_outbox o SET state = 'pending', first_attempt = o.attempts + 1, "
      + "next_at = " + NOW_MS + ", owner = $3, lease_token = $4, lease_until = now() + make_interval(secs => $5) "
      + "WHERE o.task_id = $1 AND o.entry = $2 AND o.state <> 'pending' RETURNING o.*), t AS (UPDATE tasks SET record = "
      + "jsonb_set(record::jsonb, ARRAY['callbacks', $2::text, 'outcome'], '\"pending\"')::text WHERE id = $1 AND EXISTS "
      + "(SELECT 1 FROM o) RETURNING id, node, (record::jsonb -> 'callbacks' -> $2::int)::text AS entry_json) SELECT "
      + DELIVERY_COLUMNS + ", (SELECT entry_json FROM t) AS entry_json, " + TELL_RUNNER.replace("$me", "$3") + " FROM o";
  static final String DELIVERY = "SELECT " + DELIVERY_COLUMNS + ", (SELECT (t.record::jsonb -> 'callbacks' -> o.entry)::text "
      + "FROM tasks t WHERE t.id = o.task_id) AS entry_json FROM webhook_outbox o WHERE o.task_id = $1 AND o.entry = $2";
  static final String PUT_LOOP = "INSERT INTO loops(name, state) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET "
      + "state = excluded.state";
  static final String PUT_EVENTS = "INSERT INTO meta(key, value) VALUES ('" + EVENTS_RESERVED + "', $1) ON CONFLICT (key) "
      + "DO UPDATE SET value = GREATEST(meta.value, excluded.value)";
  /**
   * A batch's events in one statement, as one row of {@code event_batches}: an event about a task whose fenced update
   * in this batch matched nothing ({@code $5}, the lease it was written under, no longer the row's: a peer runs the
   * task) describes a change that did not happen, and is left out, as is one this store committed already (its
   * number, {@code $1}, not above the highest {@code upto} of the store's rows, {@code $7}: a batch sent again after
   * its answer was lost); the {@code event_ids} row moves on by the number of the others (and stays locked until the
   * commit: see the class header), they are numbered after it in the order given, and the batch's last id is
   * NOTIFYed. The others are aggregated in one pass, in the order given (sorted once), into the row's three arrays.
   * Answers the row's ids ({@code first}, {@code id}) and the positions (from 1) in the arrays given of the events it
   * holds, in order; no row when it holds none.
   */
  static final String INSERT_EVENTS = "WITH a AS (SELECT count(*) AS c, max(u.n) AS upto, array_agg(u.type) AS types, "
      + "array_agg(u.task_id) AS task_ids, array_agg(u.data) AS data, array_agg(u.k) AS ks FROM (SELECT u.n, u.type, "
      + "u.task_id, u.data, u.k FROM "
      + "unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(n, type, task_id, data, "
      + "fence, k) WHERE (u.fence IS NULL OR EXISTS (SELECT 1 FROM tasks t WHERE t.id = u.task_id AND t.lease_token = "
      + "u.fence)) AND u.n > COALESCE((SELECT max(b.upto) FROM event_batches b WHERE b.writer = $7), -1) ORDER BY u.k) u), "
      + "n AS (UPDATE event_ids SET last = last + a.c FROM a WHERE a.c > 0 RETURNING last - a.c AS base, a.*), "
      + "i AS (INSERT INTO event_batches(id, first, writer, upto, types, task_ids, data) SELECT n.base + n.c, n.base + 1, $7, "
      + "n.upto, n.types, n.task_ids, n.data FROM n RETURNING id, first) "
      + "SELECT pg_notify($6, i.id::text), i.first, i.id, n.ks FROM i, n";
  /** The lock {@link #INSERT_EVENTS} takes, taken by a statement before it. */
  static final String LOCK_EVENT_IDS = "SELECT last FROM event_ids FOR UPDATE";
  static final String RESERVE_NAMES = "INSERT INTO meta(key, value) VALUES ('" + NAMES_RESERVED + "', $1) ON CONFLICT (key) "
      + "DO UPDATE SET value = meta.value + excluded.value RETURNING value";

  /**
   * The session settings of every connection to the store's tables (the writer's, the pools', and the cluster's
   * and the event log's, which take {@link #connectOptions()}). The statements that run per task or per round
   * reach their rows through an index (the primary keys, the partial indexes of pending and parked tasks), and
   * each is prepared once and its plan kept: a plan made while a table was small (a new schema, or statistics
   * never gathered, as when the server's autovacuum is off) would scan the whole table on every batch for as
   * long as the connection lives, its cost growing with the table. With sequential scans off the planner takes
   * the index whatever the statistics say. JIT off: a statement with no index to take (the one row of
   * {@code event_ids}) then carries the planner's cost of a disabled scan, which would have it compiled by LLVM
   * on every execution.
   */
  static final Map<String, String> SESSION = Map.of("enable_seqscan", "off", "jit", "off");

  /** The channel every node LISTENs on for cancels asked for elsewhere: the payload is a task's id. */
  public static final String CANCEL_CHANNEL = "vertx_asyncio_cancel";
  /** The channel every node LISTENs on for done tasks deleted elsewhere: the payload is a task's id. */
  public static final String DELETED_CHANNEL = "vertx_asyncio_deleted";
  /** The columns of a row as {@link #row} reads them. */
  static final String COLUMNS = "id, loop, parent, state, created_at, done_at, sleep_deadline, timeout_deadline, spec, "
      + "record, node, owner, lease_token";
  static final String GET = "SELECT " + COLUMNS + " FROM tasks WHERE id = $1";
  /**
   * A cancel asked for: recorded in the row of a pending task, and its id notified (at commit) to the nodes;
   * answers whether it was recorded and the task's state before. A parked task is made due at once, and the
   * nodes are woken to claim it (the one that does cancels it before it runs).
   */
  static final String REQUEST_CANCEL = "WITH u AS (UPDATE tasks SET cancel_requested = true, parked_until = CASE WHEN "
      + "parked_until IS NULL THEN NULL ELSE 0 END WHERE id = $1 AND state = 'pending' RETURNING id, parked_until) "
      + "SELECT (SELECT count(*) FROM (SELECT pg_notify('" + CANCEL_CHANNEL + "', id) FROM u) n), "
      + "(SELECT state FROM tasks WHERE id = $1), (SELECT count(*) FROM (SELECT pg_notify('"
      + org.vertxasyncio.service.cluster.Leases.CHANNEL + "', 'cancel') FROM u WHERE parked_until IS NOT NULL) w)";
  /**
   * A done task's row removed, and its id notified (at commit) to the nodes unless it is pending (also when
   * the row is gone already: its node's own queued delete may have been first); answers the state before.
   */
  static final String DELETE_DONE = "WITH d AS (DELETE FROM tasks WHERE id = $1 AND state <> 'pending' RETURNING id), "
      + "o AS (DELETE FROM webhook_outbox WHERE task_id = $1 AND EXISTS (SELECT 1 FROM d)) "
      + "SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM (SELECT pg_notify('" + DELETED_CHANNEL + "', $1) "
      + "WHERE NOT EXISTS (SELECT 1 FROM tasks WHERE id = $1 AND state = 'pending')) n), (SELECT state FROM tasks WHERE id = $1)";

  private final String shownUrl;
  private final PgConnectOptions connect;
  private final int poolSize;
  private final String schema;
  private final int batchMax;
  private final long batchWaitNanos;
  private final long timeoutMillis;
  /** The time the reads and migrations of {@link #open()} may take: a slow start is better than none. */
  private final long openMillis;
  /**
   * The writes and barriers queued for the writer, in order. Queuing takes no lock and wakes the writer only when it
   * waits for work ({@link #idle}), once per turn of the event loop that queues ({@link TurnWake}): not once per write,
   * as a blocking queue's signal did (its lock and the wake-up of the writer were a tenth of the event loop's time).
   */
  private final java.util.concurrent.ConcurrentLinkedQueue<Op> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** How many ops {@link #queue} holds (a moment's count: it may lag the queue by the ops being queued or taken). */
  private final java.util.concurrent.atomic.AtomicInteger queuedOps = new java.util.concurrent.atomic.AtomicInteger();
  /** True while the writer waits for the first op of a batch: an op queued wakes it. */
  private volatile boolean idle;
  private final TurnWake turnWake = new TurnWake();
  private volatile boolean closed;
  private volatile boolean available = true;
  private volatile CommitListener listener = (writes, nanos, failed) -> {
  };
  private final AtomicLong statements = new AtomicLong();
  /** The writes {@link #withEvents} collects on this thread, else null. */
  private final ThreadLocal<List<Op>> unit = new ThreadLocal<>();
  /**
   * This store's name in {@code event_batches.writer} (its own per open), and the number of the next event it sends
   * (the writer's).
   */
  private final String writerKey = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong())
      + Long.toHexString(System.nanoTime());
  private long eventNumbers;
  /** The cluster's lease length (seconds), and who hears of a fenced write that matched nothing. */
  private volatile double leaseSeconds = 10;
  private volatile java.util.function.Consumer<String> fencedOut = id -> {
  };
  private volatile EventsCommitted eventsCommitted = (first, types, taskIds, data) -> {
  };
  private Vertx vertx;
  private boolean ownVertx;
  private Pool pool;
  private volatile Thread writer;
  /** The writer's connection, null until (re)connected: used by the writer thread only. */
  private PgConnection conn;
  /** The writes of a batch that could not reach the database, sent again first; the writer's. */
  private final List<Op> carried = new ArrayList<>();
  private volatile int carriedCount;
  private long backoffMillis = BACKOFF_MIN_MILLIS;
  /** When the writer first tried to close with writes it could not commit (0: not yet); the writer's. */
  private long closingSince;

  private sealed interface Op permits Put, PutAll, Park, Finish, Delete, PutLoop, PutEvents, LogEvents, Group, Barrier, Close {
  }

  private record Park(StoredTask task, long until) implements Op {
  }

  /**
   * Events for the log; numbered by the writer ({@code first[0]}, then one by one) when it first sends them, in the
   * order it sends them, so that a batch sent again adds only those after the last its first attempt committed.
   */
  private record LogEvents(List<LoggedEvent> events, long[] first) implements Op {
    LogEvents(List<LoggedEvent> events) {
      this(events, new long[] {-1});
    }
  }

  /** Writes and their events, queued as one unit: always in one batch. */
  private record Group(List<Op> ops) implements Op {
  }

  private record Finish(StoredTask task, List<StoredDelivery> deliveries, double leaseSeconds) implements Op {
  }

  private record Put(StoredTask task) implements Op {
  }

  private record PutAll(List<StoredTask> tasks) implements Op {
  }

  private record Delete(String id) implements Op {
  }

  private record PutLoop(String name, String state) implements Op {
  }

  private record PutEvents(long upTo) implements Op {
  }

  private record Barrier(Promise<Void> promise) implements Op {
  }

  private record Close(Promise<Void> promise) implements Op {
  }

  /**
   * @param url        a {@code postgresql://user[:password]@host[:port]/database} URI
   * @param password   the password when the URI has none (empty: none)
   * @param poolSize   connections for reads and reservations
   * @param schema     the schema of the tables, made if missing; empty for the connection's {@code search_path}
   * @param batchMax   writes per transaction at most
   * @param batchWait  seconds the writer waits for more writes before it commits a batch that is not full
   * @param timeout    seconds a connection, a commit or a read may take before the database counts as unreachable
   * @throws IllegalArgumentException if the URI is not one
   */
  public PostgresTaskStore(String url, String password, int poolSize, String schema, int batchMax, double batchWait,
      double timeout) {
    String why = checkUrl(url);
    if (why != null) {
      throw new IllegalArgumentException("not a postgresql:// URI (" + why + "): " + maskUrl(url));
    }
    this.shownUrl = maskUrl(url);
    this.connect = PgConnectOptions.fromUri(url);
    if (password != null && !password.isEmpty()) {
      connect.setPassword(password);
    }
    this.schema = schema == null ? "" : schema;
    Map<String, String> props = new HashMap<>(connect.getProperties());
    props.put("application_name", "vertx-asyncio");
    if (!this.schema.isEmpty()) {
      props.put("search_path", this.schema);
    }
    props.putAll(SESSION);
    connect.setProperties(props);
    connect.setCachePreparedStatements(true);
    this.poolSize = poolSize;
    this.batchMax = batchMax;
    this.batchWaitNanos = (long) (batchWait * 1e9);
    this.timeoutMillis = Math.max(1, (long) (timeout * 1000));
    this.openMillis = Math.max(timeoutMillis, 30_000);
  }

  /**
   * Null if {@code url} is a PostgreSQL URI this store can use, else what is wrong with it (never showing
   * its password).
   */
  public static String checkUrl(String url) {
    if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      return "it must start with postgresql://";
    }
    try {
      PgConnectOptions o = PgConnectOptions.fromUri(url);
      if (o.getHost() == null || o.getHost().isEmpty()) {
        return "it names no host";
      }
      return null;
    } catch (RuntimeException e) {
      return "it cannot be parsed";
    }
  }

  /** {@code url} with the password of its user information, if any, replaced by {@code ***}. */
  public static String maskUrl(String url) {
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return url;
    }
    int start = scheme + 3;
    int end = url.indexOf('/', start);
    String authority = end < 0 ? url.substring(start) : url.substring(start, end);
    int at = authority.lastIndexOf('@');
    if (at < 0) {
      return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
    String userInfo = authority.substring(0, at);
    int colon = userInfo.indexOf(':');
    String masked = colon < 0 ? userInfo : userInfo.substring(0, colon) + ":***";
    return (url.substring(0, start) + masked + authority.substring(at) + (end < 0 ? "" : url.substring(end)))
        .replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public String describe() {
    return "postgres " + shownUrl + (schema.isEmpty() ? "" : " schema " + schema) + " (pool " + poolSize + ")";
  }

  /** False while PostgreSQL cannot be reached (its writes are kept and retried); true again once it can. */
  @Override
  public boolean available() {
    return available && !closed;
  }

  /**
   * Writes each task's lease with its row: {@code leaseSeconds} past the insert (PostgreSQL's clock), and
   * tells {@code fencedOut} (on the writer thread, before the commit's syncs complete) of each update that
   * matched nothing because the task's lease token changed.
   */
  public void leases(double leaseSeconds, java.util.function.Consumer<String> fencedOut) {
    this.leaseSeconds = leaseSeconds;
    this.fencedOut = fencedOut;
  }

  /**
   * Who hears of this store's events once they are committed to the cluster's log, with their ids: the node's tail of
   * the log, which then streams them without reading them back.
   */
  public interface EventsCommitted {
    /**
     * Events {@code first} to {@code first + types.length - 1} of the log, as this store committed them (one row of
     * {@code event_batches}); called on the writer connection's thread as the commit is answered, before the syncs of
     * their batch complete, so it must not block. Not called for a batch whose commit was not answered (its events are in the log all the same).
     */
    void committed(long first, String[] types, String[] taskIds, String[] data);
  }

  /** Tells {@code then} of each batch of this store's events once committed (see {@link EventsCommitted}). */
  public void onEventsCommitted(EventsCommitted then) {
    this.eventsCommitted = then;
  }

  /** This store's name in the {@code writer} column of the rows of {@code event_batches} it writes. */
  public String writerKey() {
    return writerKey;
  }

  /** Where the store connects (the user, the database, the schema as {@code search_path}); its password too. */
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions(connect);
  }

  /** The SQL statements this store has sent (each row of a batch counts one, as do BEGIN and COMMIT). */
  public long statements() {
    return statements.get();
  }

  @Override
  public Future<Stored> open() {
    Promise<Stored> p = Promise.promise();
    Context ctx = Vertx.currentContext();
    if (ctx != null) {
      vertx = ctx.owner();
    } else {
      vertx = Vertx.vertx();
      ownVertx = true;
    }
    // named: each pool's gauges (vertx_pool_*) are registered once, under its own name
    pool = PgBuilder.pool().with(new PoolOptions().setName("task-store").setMaxSize(poolSize)
        .setConnectionTimeout((int) timeoutMillis).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectingTo(connect).using(vertx).build();
    writer = new Thread(() -> {
      Stored stored;
      try {
        stored = openAndLoad();
      } catch (Throwable t) {
        closed = true;
        release();
        p.fail(t instanceof StoreException se ? se : new StoreException("The task store " + describe()
            + " cannot be opened: " + t, t));
        return;
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

  /**
   * The parked rows of a closed loop made due at once (locked in the order of their ids: every node runs this when
   * the loop closes), and the nodes woken to claim them (and cancel them).
   */
  static final String DUE_NOW_OF_LOOP = "WITH p AS (SELECT id FROM tasks WHERE loop = $1 AND parked_until > 0 ORDER BY id "
      + "FOR NO KEY UPDATE), u AS (UPDATE tasks t SET parked_until = 0 FROM p WHERE t.id = p.id RETURNING t.id) "
      + "SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM (SELECT pg_notify('"
      + org.vertxasyncio.service.cluster.Leases.CHANNEL + "', 'loop') WHERE EXISTS (SELECT 1 FROM u)) n)";

  @Override
  public Future<List<StoredTask>> unparkLoop(String loop, int max) {
    return read(DUE_NOW_OF_LOOP, Tuple.of(loop), "make the parked tasks of loop " + loop + " due").map(rows -> List.of());
  }

  /** The count {@link #INSERT_PARKED} and the claim keep: one row read, never the parked rows. */
  @Override
  public Future<Long> countParked() {
    return read("SELECT value FROM meta WHERE key = '" + PARKED_COUNT + "'", Tuple.tuple(), "count the parked tasks")
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }

  @Override
  public void finish(StoredTask task, List<StoredDelivery> deliveries, double leaseSeconds) {
    offer(new Finish(task, List.copyOf(deliveries), leaseSeconds));
  }

  @Override
  public Future<List<StoredDelivery>> claimDeliveries(String owner, int max, double leaseSeconds) {
    return outbox(CLAIM_DELIVERIES, Tuple.of(owner, max, leaseSeconds)).map(rows -> {
      List<StoredDelivery> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(delivery(r));
      }
      out.sort(java.util.Comparator.comparing(StoredDelivery::id));
      return out;
    });
  }

  @Override
  public Future<Void> renewDeliveries(String owner, List<String> tokens, double leaseSeconds) {
    if (tokens.isEmpty()) {
      return Future.succeededFuture();
    }
    return outbox(RENEW_DELIVERIES, Tuple.tuple().addString(owner).addArrayOfString(tokens.toArray(new String[0]))
        .addDouble(leaseSeconds)).mapEmpty();
  }

  @Override
  public Future<Boolean> deliveryAttempted(StoredDelivery d, Long retryInMillis, String entryJson, double leaseSeconds) {
    return outbox(DELIVERY_ATTEMPTED, Tuple.tuple().addString(d.id()).addString(d.leaseToken()).addInteger(d.attempts())
        .addString(d.state()).addLong(retryInMillis == null ? 0L : retryInMillis).addDouble(leaseSeconds).addString(entryJson)
        .addString(d.owner()))
        .map(rows -> rows.iterator().next().getLong(0) > 0);
  }

  @Override
  public Future<StoredDelivery> redeliver(String taskId, int entry, String owner, String token, double leaseSeconds) {
    if (!storable(taskId)) {
      return Future.succeededFuture();
    }
    return outbox(REDELIVER, Tuple.of(taskId, entry, owner, token, leaseSeconds)).compose(rows -> rows.rowCount() > 0
        ? Future.succeededFuture(delivery(rows.iterator().next()))
        : outbox(DELIVERY, Tuple.of(taskId, entry)).map(found -> found.rowCount() == 0 ? null : delivery(found.iterator().next())));
  }

  /** One statement of the outbox, through the pool (never behind the writer's batches). */
  private Future<RowSet<Row>> outbox(String sql, Tuple args) {
    if (closed || pool == null) {
      return Future.failedFuture(new StoreException("The task store " + describe() + " is closed"));
    }
    statements.incrementAndGet();
    return pool.preparedQuery(sql).execute(args).timeout(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  /** Task {@code id}'s callback log (a JSON array) as its row has it; null when there is no such task. */
  public Future<String> callbackLog(String id) {
    if (!storable(id)) {
      return Future.succeededFuture();
    }
    return outbox("SELECT (record::jsonb -> 'callbacks')::text FROM tasks WHERE id = $1", Tuple.of(id))
        .map(rows -> rows.rowCount() == 0 ? null : rows.iterator().next().getString(0));
  }

  private static StoredDelivery delivery(Row r) {
    return new StoredDelivery(r.getString("id"), r.getString("task_id"), null, r.getInteger("entry"), r.getString("url"),
        r.getString("signing_key"), r.getString("body"), r.getInteger("attempts"), r.getInteger("first_attempt"),
        r.getString("state"), r.getLong("due_in"), r.getString("owner"), r.getString("lease_token"), r.getString("entry_json"));
  }

  @Override
  public void putLoop(String name, String state) {
    offer(new PutLoop(name, state));
  }

  @Override
  public void putEventIdsReserved(long upTo) {
    offer(new PutEvents(upTo));
  }

  /** One atomic upsert ({@code ... RETURNING}) through the pool: no two stores on one schema share a number. */
  @Override
  public Future<Long> reserveNames(int block) {
    if (block < 1) {
      throw new IllegalArgumentException("block must be at least 1, got " + block);
    }
    if (closed || pool == null) {
      return Future.failedFuture(new StoreException("The task store " + describe() + " is closed"));
    }
    statements.incrementAndGet();
    return pool.preparedQuery(RESERVE_NAMES).execute(Tuple.of((long) block)).timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .map(rows -> rows.iterator().next().getLong(0) - block + 1)
        .recover(e -> Future.failedFuture(new StoreException("The task store " + describe()
            + " could not reserve task names: " + e.getMessage(), e)));
  }

  @Override
  public boolean shared() {
    return true;
  }

  /** Through the pool, as the database stands: a write still queued here is not seen. */
  @Override
  public Future<StoredTask> get(String id) {
    if (!storable(id)) {
      return Future.succeededFuture();
    }
    return read(GET, Tuple.of(id), "read task " + id).map(rows -> rows.size() == 0 ? null : row(rows.iterator().next()));
  }

  /**
   * Through the pool, newest first by the primary key; {@code kind} and {@code name} are read from the
   * JSON of each row the other filters leave.
   */
  @Override
  public Future<TaskQuery.Page> list(TaskQuery q) {
    if (!storable(q.state()) || !storable(q.kind()) || !storable(q.loop()) || !storable(q.name()) || !storable(q.cursor())) {
      return Future.succeededFuture(TaskQuery.Page.of(List.of(), q.limit()));
    }
    StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM tasks WHERE true");
    Tuple args = Tuple.tuple();
    if (q.state() != null) {
      args.addString(q.state());
      sql.append(" AND state = $").append(args.size());
    }
    if (q.kind() != null) {
      args.addString(q.kind());
      sql.append(" AND (spec::jsonb ->> 'kind') = $").append(args.size());
    }
    if (q.loop() != null) {
      args.addString(q.loop());
      sql.append(" AND loop = $").append(args.size());
    }
    if (q.name() != null) {
      args.addString(q.name());
      sql.append(" AND (record::jsonb ->> 'name') = $").append(args.size());
    }
    if (q.cursor() != null) {
      args.addString(q.cursor());
      sql.append(" AND id < $").append(args.size());
    }
    args.addInteger(q.limit() + 1);
    sql.append(" ORDER BY id DESC LIMIT $").append(args.size());
    return read(sql.toString(), args, "list tasks").map(rows -> {
      List<StoredTask> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        out.add(row(r));
      }
      return TaskQuery.Page.of(out, q.limit());
    });
  }

  @Override
  public Future<Found> requestCancel(String id) {
    if (!storable(id)) {
      return Future.succeededFuture(Found.MISSING);
    }
    return read(REQUEST_CANCEL, Tuple.of(id), "record a cancel of task " + id).map(PostgresTaskStore::found);
  }

  @Override
  public Future<Found> deleteDone(String id) {
    if (!storable(id)) {
      return Future.succeededFuture(Found.MISSING);
    }
    return read(DELETE_DONE, Tuple.of(id), "delete task " + id).map(PostgresTaskStore::found);
  }

  /** The answer of {@link #REQUEST_CANCEL} or {@link #DELETE_DONE}: DONE when the row was removed, for the latter. */
  private static Found found(RowSet<Row> rows) {
    Row r = rows.iterator().next();
    String state = r.getString(1);
    return state == null ? Found.MISSING : "pending".equals(state) ? Found.PENDING : Found.DONE;
  }

  /**
   * False for a key no row can have: PostgreSQL's text holds no NUL character and refuses a parameter with one,
   * so a lookup by such a key (a client's) finds nothing, as in the other stores, instead of failing.
   */
  private static boolean storable(String key) {
    return key == null || key.indexOf('\0') < 0;
  }

  static final String CLAIM_KEY = "INSERT INTO idempotency_keys(key, fingerprint, task_id, node, claimed_at) VALUES ($1, $2, "
      + "$3, $4, " + NOW_MS + ") ON CONFLICT (key) DO NOTHING RETURNING 1";
  static final String READ_KEY = "SELECT task_id, fingerprint, node, " + NOW_MS + " - claimed_at AS age FROM idempotency_keys "
      + "WHERE key = $1";
  static final String RECLAIM_KEY = "UPDATE idempotency_keys SET task_id = $3, fingerprint = $4, node = $5, claimed_at = "
      + NOW_MS + " WHERE key = $1 AND task_id = $2 RETURNING 1";
  static final String RELEASE_KEY = "DELETE FROM idempotency_keys WHERE key = $1 AND task_id = $2";
  static final String FORGET_KEYS = "DELETE FROM idempotency_keys k WHERE claimed_at < " + NOW_MS + " - $1 AND NOT EXISTS "
      + "(SELECT 1 FROM tasks t WHERE t.id = k.task_id)";

  /**
   * Through the pool: the insert, then (if the key was taken) a read of the claim in a statement of its own, whose
   * snapshot sees the claim that won even when it was committed while the insert waited for it.
   */
  @Override
  public Future<KeyClaim> claimKey(String key, String fingerprint, String taskId, String node) {
    return read(CLAIM_KEY, Tuple.of(key, fingerprint, taskId, node), "claim an idempotency key").compose(rows -> {
      if (rows.rowCount() == 1) {
        return Future.succeededFuture();
      }
      return read(READ_KEY, Tuple.of(key), "read an idempotency key").compose(claims -> {
        if (claims.size() == 0) {
          // released between the two statements: claim it again
          return claimKey(key, fingerprint, taskId, node);
        }
        Row r = claims.iterator().next();
        return Future.succeededFuture(new KeyClaim(r.getString(0), r.getString(1), r.getString(2),
            Math.max(0, r.getLong(3))));
      });
    });
  }

  @Override
  public Future<Boolean> reclaimKey(String key, String staleTaskId, String fingerprint, String taskId, String node) {
    return read(RECLAIM_KEY, Tuple.of(key, staleTaskId, taskId, fingerprint, node), "reclaim an idempotency key")
        .map(rows -> rows.rowCount() == 1);
  }

  @Override
  public Future<Void> releaseKey(String key, String taskId) {
    return read(RELEASE_KEY, Tuple.of(key, taskId), "release an idempotency key").mapEmpty();
  }

  @Override
  public Future<Integer> forgetKeys(long ageMillis) {
    return read(FORGET_KEYS, Tuple.of(ageMillis), "forget idempotency keys").map(RowSet::rowCount);
  }

  /** One statement through the pool, within the store's timeout; a failure as a {@link StoreException}. */
  private Future<RowSet<Row>> read(String sql, Tuple args, String what) {
    if (closed || pool == null) {
      return Future.failedFuture(new StoreException("The task store " + describe() + " is closed"));
    }
    statements.incrementAndGet();
    return pool.preparedQuery(sql).execute(args).timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(new StoreException("The task store " + describe() + " could not " + what + ": "
            + describe(e), e)));
  }

  /** A {@code tasks} row as the store reads it, by column name (at least {@link #COLUMNS}). */
  public static StoredTask row(Row r) {
    String record = r.getString("record");
    return new StoredTask(r.getString("id"), r.getString("loop"), r.getString("node"), r.getString("parent"),
        r.getString("state"), r.getLong("created_at"), r.getLong("done_at"), r.getLong("sleep_deadline"),
        r.getLong("timeout_deadline"), r.getString("spec"), () -> record, r.getString("owner"), r.getString("lease_token"));
  }

  @Override
  public Future<Void> sync() {
    Promise<Void> p = Promise.promise();
    if (closed) {
      p.fail(new StoreException("The task store " + describe() + " is closed"));
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
    return Math.max(0, queuedOps.get()) + carriedCount;
  }

  private void offer(Op op) {
    List<Op> u = unit.get();
    if (u != null) {
      u.add(op);
    } else if (!closed) {
      enqueue(op);
    }
  }

  /** Queues {@code op}; wakes the writer if it waits for work (after the turn of the event loop that queues it). */
  private void enqueue(Op op) {
    queue.add(op);
    queuedOps.incrementAndGet();
    if (idle && (op instanceof Close || !turnWake.afterTurn(writer))) {
      LockSupport.unpark(writer);
    }
  }

  /** The next queued op, or null. */
  private Op poll() {
    Op op = queue.poll();
    if (op != null) {
      queuedOps.decrementAndGet();
    }
    return op;
  }

  /** The next queued op, waiting for one at most {@code nanos}; null if none came. */
  private Op poll(long nanos) throws InterruptedException {
    Op op = poll();
    if (op != null) {
      return op;
    }
    long until = System.nanoTime() + nanos;
    idle = true; // before the queue is looked at again: an op queued after that look sees it and wakes this thread
    try {
      while ((op = poll()) == null) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        LockSupport.parkNanos(this, left);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
      return op;
    } finally {
      idle = false;
    }
  }

  /** Moves queued ops to {@code to}, at most {@code max}. */
  private void drainTo(List<Op> to, int max) {
    Op op;
    for (int i = 0; i < max && (op = poll()) != null; i++) {
      to.add(op);
    }
  }

  @Override
  public boolean logsEvents() {
    return true;
  }

  @Override
  public void withEvents(Runnable writes, java.util.function.Supplier<List<LoggedEvent>> events) {
    if (unit.get() != null) {
      writes.run(); // nested: part of the enclosing unit
      List<LoggedEvent> evs = events.get();
      if (!evs.isEmpty()) {
        unit.get().add(new LogEvents(List.copyOf(evs)));
      }
      return;
    }
    List<Op> ops = new ArrayList<>(2);
    unit.set(ops);
    try {
      writes.run();
      List<LoggedEvent> evs = events.get();
      if (!evs.isEmpty()) {
        ops.add(new LogEvents(List.copyOf(evs)));
      }
    } finally {
      unit.remove();
    }
    if (!ops.isEmpty()) {
      offer(ops.size() == 1 ? ops.get(0) : new Group(ops));
    }
  }

  /**
   * The channel this store NOTIFYs after each batch with events (the payload: the batch's last id): one per
   * schema, so clusters on other schemas of the database are not woken.
   */
  public String eventsChannel() {
    return eventsChannel(schema);
  }

  static String eventsChannel(String schema) {
    String c = "vertx_asyncio_events" + (schema.isEmpty() ? "" : "_" + schema);
    return c.length() > 63 ? c.substring(0, 63) : c;
  }

  // ------------------------------------------------------------------ the writer thread

  private <T> T await(Future<T> f) throws Exception {
    return await(f, timeoutMillis);
  }

  private <T> T await(Future<T> f, long millis) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(millis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  private Stored openAndLoad() throws Exception {
    try {
      List<Integer> applied = await(pool.withTransaction(this::migrate), openMillis);
      if (!applied.isEmpty()) {
        LOG.info("task store {}: schema version -> {} (migrations {})", describe(), PostgresMigrations.CURRENT, applied);
      }
      List<StoredTask> tasks = new ArrayList<>();
      // parked tasks stay in the store until a node claims them, due
      for (Row r : await(pool.query("SELECT " + COLUMNS + " FROM tasks WHERE parked_until IS NULL ORDER BY id").execute(),
          openMillis)) {
        tasks.add(row(r));
      }
      List<Stored.StoredLoop> loops = new ArrayList<>();
      for (Row r : await(pool.query("SELECT name, state FROM loops ORDER BY position").execute(), openMillis)) {
        loops.add(new Stored.StoredLoop(r.getString(0), r.getString(1)));
      }
      long reserved = 0;
      for (Row r : await(pool.query("SELECT value FROM meta WHERE key = '" + EVENTS_RESERVED + "'").execute(), openMillis)) {
        reserved = r.getLong(0);
      }
      conn = connectWriter(openMillis);
      LOG.info("task store {} opened: {} task(s), {} loop(s) kept", describe(), tasks.size(), loops.size());
      return new Stored(List.copyOf(tasks), List.copyOf(loops), reserved);
    } catch (IllegalStateException e) {
      throw new StoreException("The task store " + describe() + " cannot be used: " + e.getMessage(), e);
    } catch (TimeoutException e) {
      throw new StoreException("The task store " + describe() + " cannot be opened: PostgreSQL did not answer within "
          + openMillis + " ms", e);
    } catch (Exception e) {
      throw new StoreException("The task store " + describe() + " cannot be opened: " + e.getMessage(), e);
    }
  }

  /** In one transaction, under the schema's advisory lock: the schema, the version table, the missing migrations. */
  private Future<List<Integer>> migrate(SqlConnection c) {
    // "already exists, skipping" notices are the normal case of a node that is not the first
    Future<?> f = c.query("SET LOCAL client_min_messages TO warning").execute()
        .compose(r -> c.preparedQuery("SELECT pg_advisory_xact_lock(hashtext('vertx-asyncio schema'), hashtext($1))")
            .execute(Tuple.of(schema)));
    if (!schema.isEmpty()) {
      f = f.compose(r -> c.query("CREATE SCHEMA IF NOT EXISTS " + schema).execute())
          .compose(r -> c.query("SET LOCAL search_path TO " + schema).execute());
    }
    return f.compose(r -> c.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
            + "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())").execute())
        .compose(r -> c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").execute())
        .compose(rows -> {
          int from = rows.iterator().next().getInteger(0);
          if (from > PostgresMigrations.CURRENT) {
            return Future.failedFuture(new IllegalStateException("its schema version is " + from + ", newer than this "
                + "build's " + PostgresMigrations.CURRENT + " (it was written by a newer version of the service)"));
          }
          List<Integer> applied = new ArrayList<>();
          Future<?> chain = Future.succeededFuture();
          for (Migrations.Migration m : PostgresMigrations.ALL) {
            if (m.version() <= from) {
              continue;
            }
            for (String sql : m.statements()) {
              chain = chain.compose(v -> c.query(sql).execute());
            }
            chain = chain.compose(v -> c.preparedQuery("INSERT INTO schema_migrations(version, description) VALUES ($1, $2)")
                .execute(Tuple.of(m.version(), m.description())));
            applied.add(m.version());
          }
          return chain.map(v -> applied);
        });
  }

  private PgConnection connectWriter() throws Exception {
    return connectWriter(timeoutMillis);
  }

  private PgConnection connectWriter(long millis) throws Exception {
    Future<PgConnection> f = PgConnection.connect(vertx, connect);
    try {
      return await(f, millis);
    } catch (TimeoutException e) {
      f.onSuccess(SqlConnection::close); // late: not ours any more
      throw e;
    }
  }

  /** The writer's loop: take a batch (what a failed attempt carried first), commit it; until a {@link Close}. */
  private void run() {
    List<Op> batch = new ArrayList<>();
    while (true) {
      batch.clear();
      batch.addAll(carried);
      carried.clear();
      try {
        Op first = batch.isEmpty() ? poll(PROBE_NANOS) : poll();
        if (first == null && batch.isEmpty()) {
          probe();
          continue;
        }
        if (first != null) {
          batch.add(first);
          drainTo(batch, Math.max(0, batchMax - batch.size()));
        }
        if (batch.size() == 1 && batchMax > 1 && batchWaitNanos > 0 && !(batch.get(0) instanceof Close)) {
          // a single write: the wait is for company (when more were queued, they came while the last batch committed,
          // and waiting would only hold them back); the whole wait asleep, then what came meanwhile: not woken by each
          // write queued in it (a write lands on an empty queue once per drain, and each of those would wake this thread
          // for that one write)
          long until = System.nanoTime() + batchWaitNanos;
          long left;
          while ((left = until - System.nanoTime()) > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(this, left);
            if (Thread.interrupted()) {
              throw new InterruptedException();
            }
          }
          drainTo(batch, batchMax - batch.size());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        finish(new StoreException("The task store writer was interrupted"));
        return;
      }
      int closeAt = indexOfClose(batch);
      List<Op> work = closeAt < 0 ? batch : batch.subList(0, closeAt);
      boolean committed = commit(work);
      if (closeAt >= 0) {
        Close close = (Close) batch.get(closeAt);
        if (!committed && closingSince == 0) {
          closingSince = System.nanoTime();
        }
        if (!committed && System.nanoTime() - closingSince < TimeUnit.MILLISECONDS.toNanos(timeoutMillis)) {
          carried.add(close); // retried until the timeout: then what is left is lost, and said so
          continue;
        }
        if (!committed) {
          LOG.error("task store {}: closed with {} write(s) PostgreSQL never received", describe(), carried.size());
          carried.clear();
          carriedCount = 0;
        }
        finish(null);
        LOG.info("task store {} closed", describe());
        close.promise().complete();
        return;
      }
      if (!committed) {
        pause();
      }
    }
  }

  private void pause() {
    try {
      Thread.sleep(backoffMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    backoffMillis = Math.min(BACKOFF_MAX_MILLIS, backoffMillis * 2);
  }

  /** Idle: checks that the database answers, and marks the store available or not. */
  private void probe() {
    try {
      if (conn == null) {
        conn = connectWriter();
      }
      await(conn.query("SELECT 1").execute());
      if (!available) {
        LOG.info("task store {}: PostgreSQL answers again", describe());
      }
      available = true;
      backoffMillis = BACKOFF_MIN_MILLIS;
    } catch (Exception e) {
      markUnreachable(e);
    }
  }

  private void markUnreachable(Throwable e) {
    if (available) {
      LOG.error("task store {}: PostgreSQL cannot be reached ({}); writes are kept and retried, new ones refused until it "
          + "is back", describe(), describe(e));
    }
    available = false;
    dropConnection();
  }

  private void dropConnection() {
    if (conn != null) {
      conn.close();
      conn = null;
    }
  }

  private static String describe(Throwable e) {
    return e instanceof TimeoutException ? "no answer in time" : String.valueOf(e.getMessage() != null ? e.getMessage() : e);
  }

  private void finish(Throwable failPending) {
    closed = true;
    List<Op> rest = new ArrayList<>();
    drainTo(rest, Integer.MAX_VALUE);
    StoreException t = failPending instanceof StoreException se ? se
        : new StoreException("The task store " + describe() + " is closed");
    for (Op op : rest) {
      if (op instanceof Barrier b) {
        b.promise().fail(t);
      } else if (op instanceof Close c) {
        c.promise().complete();
      }
    }
    release();
  }

  /** Closes the connection, the pool and the Vert.x this store made, if any. */
  private void release() {
    dropConnection();
    if (pool != null) {
      pool.close();
    }
    if (ownVertx && vertx != null) {
      vertx.close();
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

  /**
   * One pipelined transaction for the whole batch; then its barriers complete, or fail with the error.
   *
   * @return false if the database could not be reached: the batch's writes are then carried to the next
   *     attempt
   */
  private boolean commit(List<Op> ops) {
    Map<String, StoredTask> puts = new LinkedHashMap<>();
    Map<String, Park> parks = new LinkedHashMap<>();
    Set<String> deletes = new LinkedHashSet<>();
    Map<String, String> loops = new LinkedHashMap<>();
    Map<String, StoredDelivery> deliveries = new LinkedHashMap<>();
    double leaseOfDeliveries = leaseSeconds;
    long events = -1;
    List<LogEvents> logged = new ArrayList<>();
    List<Promise<Void>> barriers = new ArrayList<>();
    List<Op> writes = new ArrayList<>(ops.size());
    List<Op> flat = ops;
    if (ops.stream().anyMatch(o -> o instanceof Group)) {
      flat = new ArrayList<>(ops.size() + 8);
      for (Op op : ops) {
        if (op instanceof Group g) {
          flat.addAll(g.ops());
        } else {
          flat.add(op);
        }
      }
    }
    for (Op op : flat) {
      switch (op) {
        case Put p -> merge(puts, p.task());
        case PutAll p -> p.tasks().forEach(t -> merge(puts, t));
        case Park p -> parks.put(p.task().id(), p);
        case Finish f -> {
          merge(puts, f.task());
          f.deliveries().forEach(d -> deliveries.put(d.id(), d));
          leaseOfDeliveries = f.leaseSeconds();
        }
        case Delete d -> {
          puts.remove(d.id());
          parks.remove(d.id());
          deletes.add(d.id());
          deliveries.values().removeIf(x -> x.taskId().equals(d.id()));
        }
        case PutLoop l -> loops.put(l.name(), l.state());
        case PutEvents e -> events = Math.max(events, e.upTo());
        case LogEvents e -> logged.add(e);
        case Group g -> throw new IllegalStateException("groups do not nest");
        case Barrier b -> barriers.add(b.promise());
        case Close c -> {
        }
      }
      if (!(op instanceof Barrier) && !(op instanceof Close)) {
        writes.add(op);
      }
    }
    if (puts.isEmpty() && parks.isEmpty() && deletes.isEmpty() && loops.isEmpty() && events < 0 && logged.isEmpty()
        && deliveries.isEmpty()) {
      barriers.forEach(Promise::complete);
      return true;
    }
    long t0 = System.nanoTime();
    Throwable failure;
    int conflicts = 0;
    while (true) {
      try {
        if (conn == null) {
          conn = connectWriter();
        }
        failure = write(conn, puts, parks.values(), deletes, loops, events, logged, deliveries.values(), leaseOfDeliveries);
      } catch (Exception e) {
        failure = e;
      }
      if (failure == null || !conflict(failure) || conflicts == CONFLICT_RETRIES) {
        break;
      }
      conflicts++;
      LOG.warn("task store {}: PostgreSQL aborted a commit of {} write(s) for a conflict with another transaction ({}); "
          + "sending it again", describe(), writes.size(), describe(failure));
      try {
        Thread.sleep(conflicts * 10L); // the other transaction's locks go with its commit
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (failure == null) {
      listener.committed(writes.size(), System.nanoTime() - t0, false);
      if (!available) {
        LOG.info("task store {}: PostgreSQL answers again; {} kept write(s) committed", describe(), writes.size());
      }
      available = true;
      backoffMillis = BACKOFF_MIN_MILLIS;
      carriedCount = 0;
      barriers.forEach(Promise::complete);
      return true;
    }
    listener.committed(writes.size(), System.nanoTime() - t0, true);
    if (conflict(failure)) {
      // still conflicting: the whole batch, syncs included, is sent again after the backoff
      LOG.warn("task store {}: a commit of {} write(s) conflicted {} times; sending it again after {} ms", describe(),
          writes.size(), conflicts + 1, backoffMillis);
      carried.addAll(ops);
      carriedCount = writes.size();
      return false;
    }
    boolean unreachable = connectionFailure(failure);
    StoreException failed;
    if (unreachable) {
      markUnreachable(failure);
      carried.addAll(writes);
      carriedCount = writes.size();
      failed = new StoreException("The task store " + describe() + " cannot reach PostgreSQL (" + describe(failure)
          + "); the writes are kept and retried", failure);
    } else {
      LOG.error("task store {}: a commit of {} write(s) failed: {}", describe(), writes.size(), describe(failure), failure);
      carriedCount = 0;
      failed = new StoreException("The task store " + describe() + " could not commit: " + describe(failure), failure);
    }
    barriers.forEach(b -> b.fail(failed));
    return !unreachable;
  }

  /** True for a failure of the connection to the database (retried), false for an error of a statement (not). */
  static boolean connectionFailure(Throwable t) {
    if (t instanceof PgException pe) {
      String s = pe.getSqlState();
      return s != null && (s.startsWith("08") || s.startsWith("53") || s.startsWith("57") || s.startsWith("58"));
    }
    if (t instanceof DatabaseException) {
      return false;
    }
    return t instanceof TimeoutException || t instanceof java.io.IOException || t instanceof VertxException
        || !(t instanceof RuntimeException);
  }

  /**
   * True for a transaction PostgreSQL aborted because it conflicted with another (a deadlock, 40P01, or a
   * serialization failure, 40001): sent again, it commits.
   */
  static boolean conflict(Throwable t) {
    return t instanceof PgException pe && ("40P01".equals(pe.getSqlState()) || "40001".equals(pe.getSqlState()));
  }

  private static void merge(Map<String, StoredTask> puts, StoredTask t) {
    puts.merge(t.id(), t, (old, nu) -> nu.spec() == null && old.spec() != null ? nu.withSpec(old.spec()) : nu);
  }

  /**
   * Sends the batch as one transaction, every statement at once (pipelined), and waits for all of them.
   *
   * @return null when committed; else the first statement's failure (those after it fail as the
   *     transaction is aborted, and its COMMIT rolls back)
   * @throws Exception when the answers do not all come within the timeout
   */
  private Throwable write(PgConnection c, Map<String, StoredTask> puts, java.util.Collection<Park> parks, Set<String> deletes,
      Map<String, String> loops, long events, List<LogEvents> logged, java.util.Collection<StoredDelivery> deliveries,
      double leaseOfDeliveries) throws Exception {
    Columns inserts = new Columns(13);
    Columns updates = new Columns(8);
    List<String> fencedIds = new ArrayList<>();
    for (StoredTask t : puts.values()) {
      String record = t.record().get();
      if (t.spec() != null) {
        inserts.add(t.id(), t.loop(), t.parent(), t.state(), t.createdAt(), t.doneAt(), t.sleepDeadline(),
            t.timeoutDeadline(), t.spec(), record, t.node(), t.owner(), t.leaseToken());
      } else {
        updates.add(t.id(), t.state(), t.doneAt(), t.sleepDeadline(), t.timeoutDeadline(), record, t.node(), t.leaseToken());
        if (t.leaseToken() != null) {
          fencedIds.add(t.id());
        }
      }
    }
    List<Future<RowSet<Row>>> answers = new ArrayList<>();
    answers.add(c.query("BEGIN").execute());
    // the rows this batch changes, locked first, in the order of their ids (new rows need no lock)
    String[] locked = lockOrder(updates.rows > 0 ? updates.columns.get(0) : List.of(), deletes);
    if (locked.length > 0) {
      answers.add(c.preparedQuery(LOCK).execute(Tuple.of((Object) locked)));
    }
    if (inserts.rows > 0) {
      answers.add(c.preparedQuery(INSERT).execute(inserts.tuple(4, 5, 6, 7).addDouble(leaseSeconds)));
    }
    Future<RowSet<Row>> fenced = null;
    if (updates.rows > 0) {
      fenced = c.preparedQuery(UPDATE).execute(updates.tuple(2, 3, 4));
      answers.add(fenced);
    }
    if (!deliveries.isEmpty()) {
      Columns ds = new Columns(9);
      for (StoredDelivery d : deliveries) {
        ds.add(d.id(), d.taskId(), (long) d.entry(), d.url(), d.key(), d.body(), d.taskToken(), d.owner(), d.leaseToken());
      }
      answers.add(c.preparedQuery(INSERT_DELIVERIES).execute(ds.tuple(2).addDouble(leaseOfDeliveries)));
    }
    if (!deletes.isEmpty()) {
      Tuple ids = Tuple.of(deletes.toArray(new String[0]));
      answers.add(c.preparedQuery(DELETE).execute(ids));
      answers.add(c.preparedQuery(DELETE_DELIVERIES).execute(ids));
    }
    if (!loops.isEmpty()) {
      List<Tuple> rows = new ArrayList<>();
      loops.forEach((name, state) -> rows.add(Tuple.of(name, state)));
      answers.add(c.preparedQuery(PUT_LOOP).executeBatch(rows));
    }
    if (events >= 0) {
      answers.add(c.preparedQuery(PUT_EVENTS).execute(Tuple.of(events)));
    }
    if (!parks.isEmpty()) {
      // late, as the claim does: the count's row it locks is held only for the rest of the commit
      Columns ps = new Columns(12);
      for (Park p : parks) {
        StoredTask t = p.task();
        ps.add(t.id(), t.loop(), t.parent(), t.state(), t.createdAt(), t.doneAt(), t.sleepDeadline(), t.timeoutDeadline(),
            t.spec(), t.record().get(), t.node(), p.until());
      }
      answers.add(c.preparedQuery(INSERT_PARKED).execute(ps.tuple(4, 5, 6, 7, 11)));
    }
    EventArrays sent = null;
    Future<RowSet<Row>> inserted = null;
    if (!logged.isEmpty()) {
      // last: the event_ids row it locks is held only for the commit; locked by a statement of its own first, so the
      // insert's snapshot, taken after, sees what an earlier attempt of this batch (its answer lost) committed
      answers.add(c.preparedQuery(LOCK_EVENT_IDS).execute());
      sent = eventArrays(logged, puts);
      inserted = c.preparedQuery(INSERT_EVENTS).execute(sent.tuple(eventsChannel(), writerKey));
      answers.add(inserted);
    }
    Future<RowSet<Row>> committed = c.query("COMMIT").execute();
    answers.add(committed);
    if (inserted != null) {
      // told on the connection's thread as the commit is answered, not after this thread wakes up: the tail, woken by
      // the batch's NOTIFY, would read the row back if it reached it first
      EventArrays given = sent;
      Future<RowSet<Row>> rows = inserted;
      committed.onSuccess(x -> {
        if (rows.succeeded()) {
          tellCommitted(given, rows.result());
        }
      });
    }
    statements.addAndGet(2L + (locked.length > 0 ? 1 : 0) + (inserts.rows > 0 ? 1 : 0) + (parks.isEmpty() ? 0 : 1)
        + (updates.rows > 0 ? 1 : 0) + (deletes.isEmpty() ? 0 : 2)
        + (deliveries.isEmpty() ? 0 : 1)
        + loops.size() + (events >= 0 ? 1 : 0) + (logged.isEmpty() ? 0 : 2));
    try {
      await(Future.join(answers));
      if (fenced != null && !fencedIds.isEmpty()) {
        // a fenced update that matched nothing lost its lease (a task deleted meanwhile has none to lose)
        Set<String> changed = new java.util.HashSet<>();
        for (Row r : fenced.result()) {
          changed.add(r.getString(0));
        }
        for (String id : fencedIds) {
          if (!changed.contains(id) && !deletes.contains(id)) {
            fencedOut.accept(id);
          }
        }
      }
      return null;
    } catch (TimeoutException e) {
      throw e;
    } catch (Exception e) {
      for (Future<RowSet<Row>> a : answers) {
        if (a.failed()) {
          return a.cause();
        }
      }
      return e;
    }
  }

  /** The ids of the existing rows a batch changes (its updates and deletes), each once, in ascending order. */
  static String[] lockOrder(List<Object> updated, Set<String> deleted) {
    java.util.TreeSet<String> ids = new java.util.TreeSet<>(deleted);
    for (Object id : updated) {
      ids.add((String) id);
    }
    return ids.toArray(new String[0]);
  }

  /**
   * The events of a batch as {@link #INSERT_EVENTS} committed them (its answer: the row's first and last id, the
   * positions of the events it holds), told to {@link #eventsCommitted}; a listener's failure is logged, the commit
   * stands.
   */
  private void tellCommitted(EventArrays sent, RowSet<Row> answer) {
    if (answer.size() == 0) {
      return; // every event was fenced out or committed by an earlier attempt
    }
    try {
      Row r = answer.iterator().next();
      long first = r.getLong(1);
      long last = r.getLong(2);
      Long[] ks = r.getArrayOfLongs(3);
      if (ks == null || ks.length != last - first + 1) {
        return; // not the batch's own answer: the tail reads it back
      }
      String[] types = new String[ks.length];
      String[] tasks = new String[ks.length];
      String[] data = new String[ks.length];
      for (int i = 0; i < ks.length; i++) {
        int k = (int) (ks[i] - 1);
        types[i] = sent.types[k];
        tasks[i] = sent.tasks[k];
        data[i] = sent.data[k];
      }
      eventsCommitted.committed(first, types, tasks, data);
    } catch (RuntimeException e) {
      LOG.warn("task store {}: the committed events could not be handed over (they are read back from the log): {}",
          describe(), String.valueOf(e));
    }
  }

  /** The columns of {@link #INSERT_EVENTS} for a batch's events, in the order sent. */
  private record EventArrays(Long[] numbers, String[] types, String[] tasks, String[] data, String[] fences) {
    Tuple tuple(String channel, String writer) {
      return Tuple.tuple().addArrayOfLong(numbers).addArrayOfString(types).addArrayOfString(tasks).addArrayOfString(data)
          .addArrayOfString(fences).addString(channel).addString(writer);
    }
  }

  /**
   * The parameters of {@link #INSERT_EVENTS}: the batch's events in the order they were queued, each with its number
   * (given here when first sent) and the lease token of its task's fenced update in the batch (null if the batch
   * updates that task without a lease, or not).
   */
  private EventArrays eventArrays(List<LogEvents> logged, Map<String, StoredTask> puts) {
    int n = 0;
    for (LogEvents e : logged) {
      n += e.events().size();
      if (e.first()[0] < 0) {
        e.first()[0] = eventNumbers;
        eventNumbers += e.events().size();
      }
    }
    Long[] numbers = new Long[n];
    String[] types = new String[n];
    String[] tasks = new String[n];
    String[] data = new String[n];
    String[] fences = new String[n];
    int i = 0;
    for (LogEvents e : logged) {
      for (int k = 0; k < e.events().size(); k++, i++) {
        LoggedEvent ev = e.events().get(k);
        numbers[i] = e.first()[0] + k;
        types[i] = ev.type();
        tasks[i] = ev.taskId();
        data[i] = ev.data().get();
        StoredTask t = ev.taskId() == null ? null : puts.get(ev.taskId());
        fences[i] = t != null && t.spec() == null ? t.leaseToken() : null;
      }
    }
    return new EventArrays(numbers, types, tasks, data, fences);
  }

  /** The values of a batch's rows, column by column: the arrays an {@code unnest} statement takes. */
  private static final class Columns {
    final List<List<Object>> columns = new ArrayList<>();
    int rows;

    Columns(int n) {
      for (int i = 0; i < n; i++) {
        columns.add(new ArrayList<>());
      }
    }

    void add(Object... values) {
      for (int i = 0; i < values.length; i++) {
        columns.get(i).add(values[i]);
      }
      rows++;
    }

    /** One array parameter per column: {@code Long[]} for the columns named in {@code longs}, else {@code String[]}. */
    Tuple tuple(int... longs) {
      Tuple t = Tuple.tuple();
      for (int i = 0; i < columns.size(); i++) {
        final int col = i;
        if (java.util.Arrays.stream(longs).anyMatch(l -> l == col)) {
          t.addArrayOfLong(columns.get(i).toArray(new Long[0]));
        } else {
          t.addArrayOfString(columns.get(i).toArray(new String[0]));
        }
      }
      return t;
    }
  }

  @Override
  public String toString() {
    return "<PostgresTaskStore " + shownUrl + (schema.isEmpty() ? "" : " " + schema) + (closed ? " closed" : "") + ">";
  }
}
