package org.vertxasyncio.service.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.EventLoop;
import org.vertxasyncio.service.events.TaskFinishes;
import org.vertxasyncio.service.store.PostgresTaskStore;
import org.vertxasyncio.service.store.StoredTask;
import org.vertxasyncio.service.tasks.Ownership;
import org.vertxasyncio.service.tasks.TaskRecord;
import org.vertxasyncio.service.tasks.TaskRecovery;
import org.vertxasyncio.service.tasks.TaskService;

/**
 * This node's part in a cluster of service nodes on one PostgreSQL database: it holds the tasks it runs
 * under leases, renews those that end within {@link Leases#renewWithin} (with the defaults: the lease less a
 * heartbeat, so a task shorter than that is never renewed) with one heartbeat statement every
 * {@code cluster.heartbeat}, claims the
 * tasks whose lease expired (a dead or stalled peer's) or that nobody owns and resumes them
 * ({@link TaskRecovery#rescue}), drops the tasks whose lease it lost, and, while it is the leader, runs the
 * cluster's upkeep (dead nodes' rows, retention, waking peers). It hears of cancels and deletes asked for on
 * other nodes (LISTEN; a cancel is also in its heartbeat's answer, should a wake-up be missed) and of tasks a
 * gather here awaits elsewhere (read each round). Its claim also stages the parked tasks ({@code store.horizon})
 * due within the horizon and a heartbeat: they are resumed as rescued ones are, to their absolute deadlines.
 *
 * <p>Invariants: a task is in {@code held} from the commit of the row that gives it this node's lease until
 * its finish is committed or it is dropped. A heartbeat that does not list a held task whose lease was
 * committed before the heartbeat was sent means a peer took it: the task is dropped. When no heartbeat
 * has succeeded for as long as the last one left every lease ({@link Leases#renewWithin}), every held task is
 * dropped (a peer may have it) and its token kept, to
 * give back whatever no peer took once PostgreSQL answers again.
 *
 * <p>Threads: the rounds (heartbeat, claim, upkeep) run one at a time on this node's context; the
 * {@link Ownership} methods are called on the loops' threads and touch only concurrent maps.
 */
public final class ClusterNode implements Ownership {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
  /** The most tasks one claim takes (more are claimed by the next round, at once). */
  static final int CLAIM_BATCH = 500;

  /** A task this node holds, and when its lease was committed ({@link System#nanoTime()}). */
  private record Held(TaskRecord rec, long since) {
  }

  /** A rescued gather waiting for a child that runs elsewhere: its future, on its loop. */
  private record Awaiting(EventLoop loop, AsyncFuture<Object> future, Runnable[] unwatch) {
  }

  private final Vertx vertx;
  private final Context context;
  private final Pool pool;
  private final PgConnectOptions listen;
  private final TaskService tasks;
  private final Function<Row, StoredTask> rows;
  private final Leases leases;
  private final LeaderLease leader;
  private final long leaseNanos;
  private final long heartbeatMs;
  private final double retentionSeconds;
  private final int retentionMax;
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private final Map<String, List<Awaiting>> awaiting = new ConcurrentHashMap<>();
  /** Tokens of tasks dropped while PostgreSQL did not answer, to give back when it does. */
  private final List<String> toRelease = new ArrayList<>();
  private final AtomicLong statements = new AtomicLong();
  private final AtomicLong rescued = new AtomicLong();
  /**
   * How many tasks this node may still place with its peers: the free room they published, less the tasks
   * nobody holds yet, as of the last round; taken from by each placement.
   */
  private final java.util.concurrent.atomic.AtomicInteger peerRoom = new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean draining;
  private boolean busy;
  private boolean again;
  private boolean firstClaim = true;
  /** A NOTIFY of placed tasks is on its way, and another is due after it; on this node's context. */
  private boolean notifying;
  private boolean notifyAgain;
  private long lastRenewal;
  private long timer = -1;
  private PgSubscriber subscriber;
  /** The named loops the nodes share, once {@link #shareLoops} made it. */
  private volatile ClusterLoops loops;
  private TaskFinishes finishes;
  private double eventRetentionSeconds = 3600;
  private int eventRetentionMax = 1_000_000;
  private String eventsChannel = "vertx_asyncio_events";
  /** {@code store.postgres.vacuum}: seconds between the leader's vacuums of the store's busiest tables (0: none). */
  private double vacuumSeconds;
  /** When the last vacuum started ({@link System#nanoTime()}); on this node's context. */
  private long lastVacuum;
  /** True once the leader started a vacuum (the first runs at the first upkeep); on this node's context. */
  private boolean vacuumTried;
  /** True while a vacuum is under way: one at a time; on this node's context. */
  private boolean vacuuming;
  /** True once a vacuum failed and none has succeeded since: the failure is logged once, not every round. */
  private boolean vacuumFailing;

  /**
   * @param pool    the node's connections to the store's database (its own: heartbeats never queue behind
   *                the store's writes)
   * @param listen  where to LISTEN for peers' wake-ups (null: polling only)
   * @param rows    reads a {@code tasks} row (all its columns) as the store does
   */
  public ClusterNode(Vertx vertx, Pool pool, PgConnectOptions listen, String node, double leaseSeconds,
      double heartbeatSeconds, double retentionSeconds, int retentionMax, TaskService tasks, Function<Row, StoredTask> rows) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.pool = pool;
    this.listen = listen;
    this.tasks = tasks;
    this.rows = rows;
    // a round may come a heartbeat late: parked tasks are claimed a heartbeat earlier than the horizon says
    this.leases = new Leases(pool, node, leaseSeconds, tasks.parked().horizon() + heartbeatSeconds,
        Leases.renewWithin(leaseSeconds, heartbeatSeconds));
    this.leader = new LeaderLease(pool, node, leaseSeconds);
    this.leaseNanos = (long) (leaseSeconds * 1e9);
    this.heartbeatMs = Math.max(1, (long) (heartbeatSeconds * 1000));
    this.retentionSeconds = retentionSeconds;
    this.retentionMax = retentionMax;
    this.lastRenewal = System.nanoTime();
  }

  /**
   * Shares the named loops with the peers through the loops table, from now on (call it before {@link #start}).
   *
   * @param maxLoops     {@code limits.loops.max}, for the whole cluster
   * @param graceSeconds how long closing a loop waits for its cancelled tasks
   */
  public ClusterLoops shareLoops(org.vertxasyncio.service.loops.LoopRegistry registry, int maxLoops, double graceSeconds) {
    loops = new ClusterLoops(context, pool, registry, tasks.registry(), leases.node(), maxLoops, graceSeconds, statements);
    return loops;
  }

  /** Where this node hears that a task finished on another node (the event log's feed); before {@link #start}. */
  public void finishes(TaskFinishes f) {
    this.finishes = f;
  }

  /**
   * How long, and how many, events the leader keeps in the event log, and the channel the log's readers LISTEN
   * on (told of the {@code task.deleted} events of retention); before {@link #start}.
   */
  public void eventLog(double seconds, int max, String channel) {
    this.eventRetentionSeconds = seconds;
    this.eventRetentionMax = max;
    this.eventsChannel = channel;
  }

  /**
   * How often the leader vacuums the store's tables that change with every task ({@link #VACUUM}), in seconds; 0:
   * never (the server's autovacuum only); before {@link #start}.
   */
  public void vacuumEvery(double seconds) {
    this.vacuumSeconds = seconds;
  }

  /** This node's id, the owner of the tasks it holds. */
  public String node() {
    return leases.node();
  }

  /** True while this node holds the leader lease. */
  public boolean isLeader() {
    return leader.isLeader();
  }

  /** Tasks held now. */
  public int heldCount() {
    return held.size();
  }

  /** Statements this node's cluster duties sent so far (heartbeats, claims, upkeep). */
  public long statements() {
    return statements.get();
  }

  /** Tasks this node claimed from peers and resumed so far. */
  public long rescuedCount() {
    return rescued.get();
  }

  /**
   * Starts the rounds: a first heartbeat and claim now (what a previous run of a node left behind, once its
   * lease expired), then every {@code cluster.heartbeat}; and LISTEN for peers' wake-ups.
   *
   * @return completes when the first round is done (failed if PostgreSQL did not answer it)
   */
  public Future<Void> start() {
    io.vertx.core.Promise<Void> first = io.vertx.core.Promise.promise();
    context.runOnContext(v -> {
      round().onComplete(first);
      timer = vertx.setPeriodic(heartbeatMs, t -> round());
    });
    if (listen != null) {
      subscriber = PgSubscriber.subscriber(vertx, listen).reconnectPolicy(retries -> heartbeatMs);
      // a node's own wake-ups (their payload is its id) are not for it: it claims in its own rounds
      subscriber.channel(Leases.CHANNEL).handler(payload -> {
        if (!leases.node().equals(payload)) {
          context.runOnContext(v -> wake());
        }
      });
      if (loops != null) {
        subscriber.channel(ClusterLoops.CHANNEL).handler(payload -> loops.refresh());
      }
      subscriber.channel(PostgresTaskStore.CANCEL_CHANNEL).handler(tasks::cancelAsked);
      subscriber.channel(PostgresTaskStore.DELETED_CHANNEL).handler(tasks::deletedElsewhere);
      // another node wrote the callback log of a task this node ran (it delivers one of its webhooks)
      subscriber.channel(PostgresTaskStore.CALLBACKS_CHANNEL)
          .handler(taskId -> tasks.outbox().changedElsewhere(taskId));
      subscriber.connect().onFailure(e -> LOG.warn("cannot LISTEN for peers (polling every {} ms instead): {}", heartbeatMs,
          String.valueOf(e)));
    }
    return first.future();
  }

  // ------------------------------------------------------------------ Ownership (on the loops' threads)

  @Override
  public String owner() {
    return leases.node();
  }

  @Override
  public void held(TaskRecord rec) {
    if (rec.leaseToken() != null && !rec.dropped()) {
      held.put(rec.id(), new Held(rec, System.nanoTime()));
    }
  }

  @Override
  public void settled(TaskRecord rec) {
    held.remove(rec.id());
  }

  /** Takes room for {@code n} tasks from what the peers published (less the tasks nobody holds yet). */
  @Override
  public boolean placeElsewhere(int n) {
    if (draining) {
      return false;
    }
    while (true) {
      int room = peerRoom.get();
      if (room < n) {
        return false;
      }
      if (peerRoom.compareAndSet(room, room - n)) {
        return true;
      }
    }
  }

  /** Wakes the peers: one {@code NOTIFY} at a time, and one more after it for all the placements meanwhile. */
  @Override
  public void placed() {
    context.runOnContext(v -> {
      if (notifying) {
        notifyAgain = true;
        return;
      }
      notifying = true;
      notifyPlaced();
    });
  }

  private void notifyPlaced() {
    count(leases.notifyPeers()).onComplete(ar -> {
      if (notifyAgain) {
        notifyAgain = false;
        notifyPlaced();
      } else {
        notifying = false;
      }
    });
  }

  /**
   * A write fenced with the lease of task {@code id} matched nothing: a peer holds it now. Called by the
   * store (on its thread) before it reports the write committed.
   */
  public void fencedOut(String id) {
    Held h = held.remove(id);
    if (h != null) {
      LOG.warn("task {}: a write under this node's lease matched nothing: a peer holds it; dropping it here", id);
      tasks.drop(h.rec());
    }
  }

  // ------------------------------------------------------------------ the rounds (on this node's context)

  /** A heartbeat, then a claim, then the leader's upkeep and the wait for children elsewhere. */
  private Future<Void> round() {
    if (busy) {
      again = true;
      return Future.succeededFuture();
    }
    busy = true;
    long sentAt = System.nanoTime();
    return release()
        .compose(v -> count(leases.heartbeat(tasks.registry().free(), loops == null ? "{}" : loops.published())))
        .transform(ar -> {
          if (ar.succeeded()) {
            lastRenewal = sentAt;
            keepOnly(ar.result().held(), sentAt);
            // a wake-up missed (LISTEN down) is made up here
            ar.result().cancelRequested().forEach(tasks::cancelAsked);
          } else if (sentAt - lastRenewal > (long) (leases.renewWithin() * 1e9)) {
            // a lease the last heartbeat did not renew lasts at least this long after it: it may have ended
            dropAll(ar.cause());
          }
          return draining ? Future.<Void>succeededFuture() : look().transform(v -> claim());
        })
        .transform(ar -> upkeep())
        .transform(ar -> pollElsewhere())
        .onComplete(ar -> {
          busy = false;
          if (again) {
            again = false;
            context.runOnContext(v -> round());
          }
        });
  }

  /**
   * What the cluster looks like, in one statement: the loops table (applied here, should a notification of
   * a change have been lost), the live nodes' published rows, and how many pending tasks nobody holds (placed
   * ones: the parked ones, unowned too, take no node's room until they are due and claimed).
   */
  static final String LOOK = """
      SELECT (SELECT COALESCE(json_agg(json_build_object('name', name, 'state', state) ORDER BY position), '[]'::json)
                FROM loops)::text,
             (SELECT COALESCE(json_agg(json_build_object('node', id, 'free', free, 'loops', loops::json,
                'age', extract(epoch FROM now() - seen_at))), '[]'::json)
                FROM nodes WHERE seen_at > now() - make_interval(secs => $1))::text,
             (SELECT count(*) FROM tasks WHERE state = 'pending' AND parked_until IS NULL AND owner IS NULL)""";

  /** Reads {@link #LOOK}: applies the loops, keeps the peers' rows, and the room the peers have for placed tasks. */
  private Future<Void> look() {
    return count(pool.preparedQuery(LOOK).execute(Tuple.of(leaseNanos / 1e9))).map(rs -> {
      Row r = rs.iterator().next();
      io.vertx.core.json.JsonArray nodes = new io.vertx.core.json.JsonArray(r.getString(1));
      long free = 0;
      for (Object o : nodes) {
        io.vertx.core.json.JsonObject n = (io.vertx.core.json.JsonObject) o;
        if (!leases.node().equals(n.getString("node"))) {
          free += n.getInteger("free", 0);
        }
      }
      peerRoom.set((int) Math.max(0, Math.min(Integer.MAX_VALUE, free - r.getLong(2))));
      if (loops != null) {
        loops.seen(nodes, System.nanoTime());
        loops.apply(new io.vertx.core.json.JsonArray(r.getString(0)));
      }
      return (Void) null;
    }).recover(e -> {
      LOG.warn("the cluster's loops and nodes could not be read: {}", String.valueOf(e));
      return Future.succeededFuture();
    });
  }

  /** A peer said there is work to claim. */
  private void wake() {
    if (!draining) {
      round();
    }
  }

  /**
   * Drops the held tasks a heartbeat did not list (their leases committed before it was sent). A task done
   * here is not listed because its finish is written (no longer pending); that write is fenced itself, and
   * reports a lost lease by {@link #fencedOut}.
   */
  private void keepOnly(Set<String> stillHeld, long sentAt) {
    for (Held h : held.values()) {
      if (h.since() < sentAt && !stillHeld.contains(h.rec().id()) && !h.rec().view().done() && held.remove(h.rec().id(), h)) {
        LOG.warn("task {}: this node's lease on it is gone (a peer took it); dropping it here", h.rec().id());
        tasks.drop(h.rec());
      }
    }
  }

  /**
   * No heartbeat for as long as the last one left every lease (the whole lease when it renews every one): a peer
   * may run any of the held tasks now.
   */
  private void dropAll(Throwable cause) {
    if (held.isEmpty()) {
      return;
    }
    LOG.error("no heartbeat for {} s ({}): dropping the {} task(s) this node held; a peer resumes them",
        leases.renewWithin(), String.valueOf(cause), held.size());
    for (Held h : held.values()) {
      if (held.remove(h.rec().id(), h)) {
        toRelease.add(h.rec().leaseToken());
        tasks.drop(h.rec());
      }
    }
  }

  /** Gives back the tasks dropped while PostgreSQL did not answer, and wakes the peers. */
  private Future<Void> release() {
    if (toRelease.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> tokens = List.copyOf(toRelease);
    return count(leases.release(tokens)).compose(n -> {
      toRelease.removeAll(tokens);
      return n > 0 ? count(leases.notifyPeers()) : Future.succeededFuture();
    }).mapEmpty();
  }

  /** Claims what is claimable, as much as the pending-task budget allows, and resumes it. */
  private Future<Void> claim() {
    int room = Math.min(CLAIM_BATCH, tasks.registry().free());
    if (room == 0) {
      return Future.succeededFuture();
    }
    String sql = firstClaim ? CLAIM_ROWS_AT_START : CLAIM_ROWS;
    return count(pool.preparedQuery(sql).execute(Tuple.of(leases.node(), room, leaseNanos / 1e9, leases.horizon())))
        .compose(rs -> {
      firstClaim = false;
      if (rs.rowCount() == 0) {
        return Future.succeededFuture();
      }
      long at = System.nanoTime();
      List<StoredTask> claimed = new ArrayList<>();
      Set<String> cancelRequested = new java.util.HashSet<>();
      Set<String> staged = new java.util.HashSet<>();
      for (Row r : rs) {
        claimed.add(rows.apply(r));
        if (Boolean.TRUE.equals(r.getBoolean("cancel_requested"))) {
          cancelRequested.add(r.getString("id"));
        }
        if (Boolean.TRUE.equals(r.getBoolean("was_parked"))) {
          staged.add(r.getString("id"));
        }
      }
      claimed.sort(java.util.Comparator.comparing(StoredTask::id));
      if (staged.size() < claimed.size()) {
        LOG.info("claimed {} task(s) whose lease expired or that nobody held", claimed.size() - staged.size());
      }
      if (!staged.isEmpty()) {
        LOG.info("claimed {} parked task(s) due within {} s", staged.size(), leases.horizon());
      }
      return new TaskRecovery(tasks).rescue(claimed, this::elsewhere, cancelRequested, staged).map(report -> {
        for (StoredTask t : claimed) {
          TaskRecord rec = tasks.registry().get(t.id());
          if (rec != null && t.leaseToken().equals(rec.leaseToken()) && !rec.view().done()) {
            held.putIfAbsent(rec.id(), new Held(rec, at));
          }
        }
        rescued.addAndGet(claimed.size() - staged.size());
        if (claimed.size() == room) {
          again = true; // there may be more
        }
        return (Void) null;
      }).onFailure(e -> LOG.error("claimed tasks could not be resumed: {}", String.valueOf(e)));
    });
  }

  /**
   * The claim of {@link Leases#CLAIM}, answering whole rows; it also takes what it claimed from the free room
   * the node published, so that peers placing tasks do not count that room twice before its next heartbeat.
   */
  static final String CLAIM_ROWS = Leases.PICK + Leases.TAKE + """
      ,
      room AS (
        UPDATE nodes SET free = GREATEST(0, free - (SELECT count(*) FROM claimed)) WHERE id = $1
      )
      SELECT * FROM claimed""";
  /**
   * The first claim of a start also takes the tasks a previous run under the same node id held: that run is
   * over, so their leases need not be waited for.
   */
  static final String CLAIM_ROWS_AT_START = CLAIM_ROWS.replace("lease_until < now())", "lease_until < now() OR owner = $1)");

  /** The leader's duties, each harmless if a second node runs it at the same moment. */
  private Future<Void> upkeep() {
    // a renewal is one statement, an election two (delete the expired lease, insert)
    statements.addAndGet(leader.isLeader() ? 0 : 1);
    return count(leader.attempt()).compose(isLeader -> {
      if (!isLeader) {
        return Future.succeededFuture();
      }
      vacuum();
      return count(pool.preparedQuery(DELETE_DEAD_NODES).execute(Tuple.of(3 * leaseNanos / 1e9)))
          .compose(v -> count(pool.preparedQuery(RETENTION).execute(Tuple.of((long) (retentionSeconds * 1000), retentionMax,
              eventsChannel))))
          .compose(v -> count(pool.preparedQuery(EVENT_RETENTION).execute(Tuple.of(eventRetentionSeconds, (long) eventRetentionMax))))
          .compose(v -> count(leases.claimable()))
          .compose(n -> n > 0 ? count(leases.notifyPeers()) : Future.succeededFuture())
          .mapEmpty();
    }).recover(e -> Future.succeededFuture()).mapEmpty();
  }

  /**
   * The tables a task's life writes and deletes rows of. Every task leaves dead row versions in {@code tasks} (its
   * finish is a new version of its row, retention deletes it) and in the indexes; until a vacuum marks their space
   * free, new rows go to new pages and every index grows. The server's autovacuum, when it is on at all, comes
   * once a minute at most (its default naptime): at thousands of tasks a second the table and its indexes grow
   * many times over in between, and every statement on them slows down. {@code SKIP_LOCKED}: a table another
   * vacuum holds is skipped, not waited for (harmless when two leaders overlap for a moment). A vacuum is not a
   * transaction: it runs on a connection of the pool as a simple query.
   */
  static final String VACUUM = "VACUUM (SKIP_LOCKED) tasks, event_batches, webhook_outbox, idempotency_keys";

  /**
   * Starts the leader's vacuum if {@code store.postgres.vacuum} has passed since the last one started and none is
   * under way. It runs beside the round, never inside it: the rounds (heartbeats) do not wait for it.
   */
  private void vacuum() {
    long now = System.nanoTime();
    if (vacuumSeconds <= 0 || vacuuming || vacuumTried && now - lastVacuum < (long) (vacuumSeconds * 1e9)) {
      return;
    }
    vacuuming = true;
    vacuumTried = true;
    lastVacuum = now;
    count(pool.query(VACUUM).execute()).onComplete(ar -> {
      vacuuming = false;
      if (ar.succeeded()) {
        vacuumFailing = false;
        LOG.debug("vacuumed the store's tables in {} ms", (System.nanoTime() - now) / 1_000_000);
      } else if (!vacuumFailing) {
        vacuumFailing = true;
        LOG.warn("the leader's vacuum of the store's tables failed (tried again every store.postgres.vacuum seconds): {}",
            ar.cause().getMessage());
      }
    });
  }

  /** Nodes not seen for three leases that hold no pending task. */
  static final String DELETE_DEAD_NODES = """
      DELETE FROM nodes n WHERE n.seen_at < now() - make_interval(secs => $1)
      AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.owner = n.id AND t.state = 'pending')""";

  /** The most {@code task.deleted} events {@link #RETENTION} puts in one row of the event log: a tail's page. */
  static final int RETENTION_BATCH = EventLogTail.PAGE;

  /**
   * Done tasks past {@code retention.seconds}, and the oldest beyond {@code retention.tasks.max}; their rows
   * locked in the order of their ids, as every statement that changes several rows of {@code tasks} does. Each
   * row removed gets its {@code task.deleted} ({@code reason: retention}) in the event log, in the same statement
   * (numbered as the store numbers a batch's events, {@code event_ids} locked last; the log's channel, {@code $3},
   * NOTIFYed): every node forgets the task when its tail reads it, and each stream tells its clients once, as one
   * node's retention does. The removed tasks' webhook deliveries go in the same statement (a done task gets no new
   * one: its finish wrote them, committed before its row was done).
   *
   * <p>Its cost stays linear in the done tasks, and reads no pending one: the oldest beyond the maximum are those at
   * or below the first of them in the order {@code done_at, id} (one row, found by one sort), not members of a
   * subquery's rows (a subplan that, planned while the table was small, compared every row with each of them); both
   * the cut and the rows before it are read through the index of done tasks in that order ({@code tasks_done}).
   *
   * <p>The events go in rows of {@link #RETENTION_BATCH} at most, numbered in the order of the ids: a tail reads the log a
   * page of {@link EventLogTail#PAGE} events at a time, and each page of one row detoasts and unnests that whole row
   * again, so a single row of the tens of thousands of tasks a round removes under load was read once per page, its
   * cost the square of its size.
   */
  static final String RETENTION = """
      WITH gone AS (
        SELECT id FROM tasks WHERE state <> 'pending' AND (
          done_at < (extract(epoch FROM now()) * 1000)::bigint - $1
          OR (done_at, id) <= (SELECT done_at, id FROM tasks WHERE state <> 'pending' ORDER BY done_at DESC, id DESC
            OFFSET $2 LIMIT 1))
        ORDER BY id FOR UPDATE
      ),
      d AS (DELETE FROM tasks t USING gone WHERE t.id = gone.id RETURNING t.id),
      o AS (DELETE FROM webhook_outbox WHERE task_id = ANY (ARRAY(SELECT id FROM d))),
      s AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM d),
      n AS (
        UPDATE event_ids SET last = last + (SELECT count(*) FROM d) WHERE EXISTS (SELECT 1 FROM d)
        RETURNING last - (SELECT count(*) FROM d) AS base
      ),
      i AS (
        INSERT INTO event_batches(id, first, types, task_ids, data)
        SELECT n.base + max(s.k), n.base + min(s.k), array_agg('task.deleted'::text ORDER BY s.k),
          array_agg(s.id ORDER BY s.k), array_agg(json_build_object('id', s.id, 'reason', 'retention')::text ORDER BY s.k)
        FROM n, s GROUP BY n.base, (s.k - 1) / """ + RETENTION_BATCH + """
        RETURNING id
      )
      SELECT (SELECT count(*) FROM d), (SELECT count(pg_notify($3, max_id::text)) FROM (SELECT max(id) AS max_id FROM i) m
        WHERE max_id IS NOT NULL)""";

  /**
   * The event log's oldest events: those past {@code events.log.retention} and those beyond the newest
   * {@code events.log.max}, always a prefix of the log (ids below a cut), whole batches (a row of
   * {@code event_batches}: the one that holds the {@code events.log.max}-th newest event is kept whole); the cut is
   * recorded as {@code event_ids.pruned}, so a stream resuming from before it says those events are no longer kept.
   * The cut by age is found through the primary key, from the last cut: before the first batch after it that is
   * not past the retention (ids follow commit order, as the times they carry do), or, if there is none, the last
   * batch's last event.
   */
  static final String EVENT_RETENTION = """
      WITH p AS (SELECT last, pruned FROM event_ids),
      cut AS (SELECT GREATEST(COALESCE(
          (SELECT b.first - 1 FROM event_batches b WHERE b.id > (SELECT pruned FROM p)
             AND b.at >= now() - make_interval(secs => $1) ORDER BY b.id LIMIT 1),
          (SELECT max(b.id) FROM event_batches b WHERE b.id > (SELECT pruned FROM p))),
        (SELECT max(b.id) FROM event_batches b WHERE b.id > (SELECT pruned FROM p) AND b.id <= (SELECT last FROM p) - $2))
        AS id),
      gone AS (DELETE FROM event_batches WHERE id > (SELECT pruned FROM p) AND id <= (SELECT id FROM cut))
      UPDATE event_ids SET pruned = cut.id FROM cut WHERE cut.id > event_ids.pruned""";

  // ------------------------------------------------------------------ children that run elsewhere

  /**
   * A future of the outcome of task {@code id}, which runs on another node (or was not claimed yet): settled
   * by the round that reads its row done (or gone).
   */
  @Override
  public AsyncFuture<Object> elsewhere(String id, EventLoop loop) {
    AsyncFuture<Object> f = loop.createFuture();
    Awaiting w = new Awaiting(loop, f, new Runnable[1]);
    awaiting.computeIfAbsent(id, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(w);
    if (finishes != null) {
      // told as soon as the log says it finished; the heartbeat's read covers a finish before this watch
      w.unwatch()[0] = finishes.watch(id, data -> {
        List<Awaiting> ws = awaiting.get(id);
        if (ws != null) {
          ws.remove(w);
          if (ws.isEmpty()) {
            awaiting.remove(id, ws);
          }
        }
        String state = data == null ? null : new io.vertx.core.json.JsonObject(data).getString("state");
        loop.context().runOnContext(v -> {
          if (!f.done()) {
            TaskRecovery.settle(f, id, state, data);
          }
        });
      });
    }
    return f;
  }

  /** Reads the tasks awaited elsewhere and settles those that are done (or gone). */
  private Future<Void> pollElsewhere() {
    if (awaiting.isEmpty()) {
      return Future.succeededFuture();
    }
    String[] ids = awaiting.keySet().toArray(new String[0]);
    return count(pool.preparedQuery("SELECT id, state, record FROM tasks WHERE id = ANY($1)").execute(Tuple.of((Object) ids)))
        .map(rs -> {
          Map<String, String[]> found = new HashMap<>();
          for (Row r : rs) {
            found.put(r.getString(0), new String[] {r.getString(1), r.getString(2)});
          }
          for (String id : ids) {
            String[] f = found.get(id);
            if (f != null && "pending".equals(f[0])) {
              continue;
            }
            List<Awaiting> ws = awaiting.remove(id);
            for (Awaiting w : ws == null ? List.<Awaiting>of() : ws) {
              if (w.unwatch()[0] != null) {
                w.unwatch()[0].run(); // its finish was before the watch: the feed will not tell it
              }
              w.loop().context().runOnContext(v -> {
                if (!w.future().done()) {
                  TaskRecovery.settle(w.future(), id, f == null ? null : f[0], f == null ? null : f[1]);
                }
              });
            }
          }
          return (Void) null;
        }).recover(e -> Future.succeededFuture());
  }

  // ------------------------------------------------------------------ leaving

  /**
   * Gives back every pending task this node holds, for its peers to claim at once (a SIGTERM that keeps
   * pending tasks), and stops claiming.
   *
   * @return the number given back
   */
  public Future<Integer> drain() {
    draining = true;
    return count(leases.releaseAll()).compose(n -> {
      held.clear();
      LOG.info("gave back {} pending task(s) for the peers to resume", n);
      return n > 0 ? count(leases.notifyPeers()).map(n) : Future.succeededFuture(n);
    });
  }

  /** Claims nothing more (shutting down). */
  public void stopClaiming() {
    draining = true;
    if (loops != null) {
      loops.stop();
    }
  }

  /** Stops the rounds, resigns the leadership, closes the connections. */
  public Future<Void> stop() {
    draining = true;
    if (loops != null) {
      loops.stop();
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    Future<Void> r = leader.isLeader() ? leader.resign().recover(e -> Future.succeededFuture()) : Future.succeededFuture();
    return r.eventually(() -> subscriber == null ? Future.succeededFuture() : subscriber.close())
        .eventually(pool::close);
  }

  private <T> Future<T> count(Future<T> f) {
    statements.incrementAndGet();
    return f;
  }
}
