package org.vertxasyncio.service.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.ServiceError;
import org.vertxasyncio.service.loops.LoopControl;
import org.vertxasyncio.service.loops.LoopRegistry;
import org.vertxasyncio.service.loops.LoopState;
import org.vertxasyncio.service.loops.NamedLoop;
import org.vertxasyncio.service.tasks.TaskRegistry;

/**
 * Named loops shared by every node of a cluster: the {@code loops} table is the truth. A change made through
 * the API on one node is committed to the table, applied on that node, then announced ({@code NOTIFY} on
 * {@link #CHANNEL}, no payload); every node that hears it reads the table and applies it, and every round of
 * its {@link ClusterNode} does the same from the table it reads, should a notification be lost. A node
 * starting adds its configured loops to the table (those already there keep their state) and makes its
 * loops as the table has them.
 *
 * <p>What a node shows of its peers ({@link #cluster}) is what they published in their {@code nodes} rows
 * on their last heartbeat, as this node read it on its last round: a peer's counts are at most
 * {@code cluster.heartbeat} old when read, and the read at most another {@code cluster.heartbeat} old;
 * {@code ageSeconds} says how old each is.
 *
 * <p>Invariants: commits to the table and applications of it run one at a time, in order, on this
 * object's context, so a snapshot of the table read before a commit is never applied after it. A closed
 * loop is never opened again: the table's {@code closed} is final. A change is one event in the cluster's
 * log: the node that makes it through the API logs it ({@link #changingHere}); a node applying the table
 * logs nothing.
 */
public final class ClusterLoops implements LoopControl {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterLoops.class);
  /** The channel peers LISTEN on: the loops table changed. */
  public static final String CHANNEL = "vertx_asyncio_loops";

  static final String READ = "SELECT name, state FROM loops ORDER BY position";
  /** Adds a loop, running, unless it exists or the table has {@code $2} loops already; answers it if added. */
  static final String INSERT = """
      INSERT INTO loops (name, state) SELECT $1, 'running' WHERE (SELECT count(*) FROM loops) < $2
      ON CONFLICT (name) DO NOTHING RETURNING name""";
  /** Adds the configured loops that the table does not have, running. */
  static final String SEED = """
      INSERT INTO loops (name, state) SELECT n, 'running' FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i) ORDER BY i
      ON CONFLICT (name) DO NOTHING""";
  /** Sets a loop's state, unless it is closed; answers it if set. */
  static final String UPDATE = "UPDATE loops SET state = $2 WHERE name = $1 AND state <> 'closed' RETURNING name";

  private final Context context;
  private final Pool pool;
  private final LoopRegistry loops;
  private final TaskRegistry tasks;
  private final String node;
  private final int maxLoops;
  private final double graceSeconds;
  private final AtomicLong statements;
  /** The tail of the commits and applications, one after the other; on {@link #context}. */
  private Future<Void> tail = Future.succeededFuture();
  /** The loop the API is changing on this node now (no application runs meanwhile), else null. */
  private volatile String changing;
  private boolean stopped;
  /** Completes on the given context once what this node queued for the store so far is committed. */
  private Function<Context, Future<Void>> logged = ctx -> Future.succeededFuture();
  /** The peers' rows as the last round read them, and when ({@link System#nanoTime()}). */
  private volatile Peers peers = new Peers(new JsonArray(), System.nanoTime());

  private record Peers(JsonArray rows, long readAt) {
  }

  /**
   * @param pool         connections to the cluster's schema
   * @param graceSeconds how long a close waits for the cancelled tasks of a loop ({@code shutdown.timeout})
   * @param statements   the counter of the cluster's statements, which this adds to
   */
  ClusterLoops(Context context, Pool pool, LoopRegistry loops, TaskRegistry tasks, String node, int maxLoops,
      double graceSeconds, AtomicLong statements) {
    this.context = context;
    this.pool = pool;
    this.loops = loops;
    this.tasks = tasks;
    this.node = node;
    this.maxLoops = maxLoops;
    this.graceSeconds = graceSeconds;
    this.statements = statements;
  }

  /**
   * At start-up, before any loop is made: adds {@code names} (the configured loops, those of the kept tasks)
   * to the table where missing.
   *
   * @return every loop of the table and its state, in the order they were made; failed when PostgreSQL did not answer
   */
  public Future<Map<String, LoopState>> seed(List<String> names) {
    statements.addAndGet(2);
    return pool.preparedQuery(SEED).execute(Tuple.of((Object) names.toArray(new String[0])))
        .compose(v -> pool.query(READ).execute())
        .map(ClusterLoops::states);
  }

  private static Map<String, LoopState> states(Iterable<Row> rows) {
    Map<String, LoopState> out = new LinkedHashMap<>();
    for (Row r : rows) {
      out.put(r.getString(0), LoopState.fromLabel(r.getString(1)));
    }
    return out;
  }

  // ------------------------------------------------------------------ the API's changes

  /**
   * True while the loop named {@code name} is being changed through this node's API: the loop's events are
   * then this change's, for this node to log; false while a change made elsewhere is applied. Any thread.
   */
  public boolean changingHere(String name) {
    return name.equals(changing);
  }

  @Override
  public Future<NamedLoop> create(String name) {
    return serialChange(name, () -> {
      statements.incrementAndGet();
      return pool.preparedQuery(INSERT).execute(Tuple.of(name, maxLoops)).compose(rs -> {
        if (rs.rowCount() == 0) {
          statements.incrementAndGet();
          return pool.preparedQuery("SELECT 1 FROM loops WHERE name = $1").execute(Tuple.of(name)).compose(found ->
              Future.failedFuture(found.rowCount() > 0
                  ? new ServiceError.Conflict(ServiceError.Conflict.Reason.LOOP_EXISTS, "Event loop '" + name + "' already exists")
                  : new ServiceError.Conflict(ServiceError.Conflict.Reason.LOOP_LIMIT,
                      "The cluster has " + maxLoops + " event loops, its most (limits.loops.max)")));
        }
        NamedLoop here = loops.get(name);
        return here != null ? Future.succeededFuture(here) : loops.create(name);
      });
    }).compose(this::announce);
  }

  @Override
  public Future<NamedLoop> start(NamedLoop l) {
    return serialChange(l.name(), () -> {
      if (l.closing()) {
        return Future.failedFuture(new ServiceError.LoopClosed());
      }
      if (l.loop().isRunning()) {
        return Future.failedFuture(new ServiceError.Conflict(ServiceError.Conflict.Reason.LOOP_RUNNING,
            "This event loop is already running"));
      }
      return commit(l, LoopState.RUNNING).compose(v -> loops.start(l));
    }).compose(this::announce);
  }

  @Override
  public Future<NamedLoop> stop(NamedLoop l) {
    return serialChange(l.name(), () -> {
      if (l.closing() || !l.loop().isRunning()) {
        return loops.stop(l); // nothing to change: as on one node
      }
      return commit(l, LoopState.STOPPED).compose(v -> loops.stop(l));
    }).compose(this::announce);
  }

  @Override
  public Future<NamedLoop> close(NamedLoop l, double graceSeconds) {
    return serialChange(l.name(), () -> commit(l, LoopState.CLOSED).recover(e -> e instanceof ServiceError.LoopClosed
        ? Future.succeededFuture() : Future.failedFuture(e)).compose(v -> loops.close(l, graceSeconds)))
        .compose(this::announce);
  }

  /** Commits {@code state}; failed with {@code LoopClosed} when the table has the loop closed. */
  private Future<Void> commit(NamedLoop l, LoopState state) {
    statements.incrementAndGet();
    return pool.preparedQuery(UPDATE).execute(Tuple.of(l.name(), state.label())).compose(rs -> rs.rowCount() > 0
        ? Future.<Void>succeededFuture() : Future.failedFuture(new ServiceError.LoopClosed()));
  }

  /**
   * Where this node's loop events are committed: {@code logged.apply(context)} completes once what the node
   * queued for the store so far is in the log. A change is answered only then, so a change that a client
   * makes after that answer, on any node, comes after it in the cluster's log.
   */
  public void logged(Function<Context, Future<Void>> logged) {
    this.logged = logged;
  }

  /**
   * Waits until this change's event is in the cluster's log, then tells the peers the table changed; the change
   * stands even if they hear of it only on their next round.
   */
  private Future<NamedLoop> announce(NamedLoop l) {
    return logged.apply(context).recover(e -> {
      LOG.warn("loop {}: its event is not committed yet ({}); the store commits it when it can", l.name(), String.valueOf(e));
      return Future.succeededFuture();
    }).compose(v -> notifyPeers(l));
  }

  private Future<NamedLoop> notifyPeers(NamedLoop l) {
    statements.incrementAndGet();
    return pool.query("NOTIFY " + CHANNEL).execute().map(l).recover(e -> {
      LOG.warn("loop {}: peers not notified ({}); they apply the change on their next round", l.name(), String.valueOf(e));
      return Future.succeededFuture(l);
    });
  }

  // ------------------------------------------------------------------ applying the table

  /** A peer changed the table: reads it and applies it. */
  void refresh() {
    serial(() -> {
      statements.incrementAndGet();
      return pool.query(READ).execute().compose(rows -> applyNow(states(rows)));
    }).onFailure(e -> LOG.warn("the loops table could not be read ({}); applied on the next round", String.valueOf(e)));
  }

  /** Applies the table as a round read it ({@code [{"name":..., "state":...}]}). */
  void apply(JsonArray rows) {
    Map<String, LoopState> states = new LinkedHashMap<>();
    for (Object o : rows) {
      JsonObject j = (JsonObject) o;
      states.put(j.getString("name"), LoopState.fromLabel(j.getString("state")));
    }
    serial(() -> applyNow(states));
  }

  /** Makes this node's loops as {@code states} has them; in order, one loop after the other. */
  private Future<Void> applyNow(Map<String, LoopState> states) {
    Future<?> chain = Future.succeededFuture();
    for (Map.Entry<String, LoopState> e : states.entrySet()) {
      chain = chain.compose(v -> applyOne(e.getKey(), e.getValue()).recover(err -> {
        LOG.warn("loop {}: could not be made {} as the cluster has it: {}", e.getKey(), e.getValue().label(), String.valueOf(err));
        return Future.succeededFuture();
      }));
    }
    return chain.mapEmpty();
  }

  private Future<?> applyOne(String name, LoopState state) {
    if (stopped) {
      return Future.succeededFuture();
    }
    NamedLoop l = loops.get(name);
    if (l == null) {
      LOG.info("loop {}: made {} here, as the cluster has it", name, state.label());
      return loops.create(name).compose(made -> to(made, state));
    }
    return to(l, state);
  }

  private Future<?> to(NamedLoop l, LoopState state) {
    if (l.closing()) {
      return Future.succeededFuture(); // closed is final
    }
    return switch (state) {
      case CLOSED -> loops.close(l, graceSeconds);
      case STOPPED -> l.loop().isRunning() ? loops.stop(l) : Future.succeededFuture();
      case RUNNING -> l.loop().isRunning() ? Future.succeededFuture() : loops.start(l);
    };
  }

  /** Runs {@code step}, a change of loop {@code name} through the API, as {@link #serial} does. */
  private <T> Future<T> serialChange(String name, Supplier<Future<T>> step) {
    return serial(() -> {
      changing = name;
      Future<T> f;
      try {
        f = step.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      return f.andThen(ar -> changing = null);
    });
  }

  /** Runs {@code step} after the commits and applications before it, on this object's context. */
  private <T> Future<T> serial(Supplier<Future<T>> step) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      Future<T> f = tail.transform(ar -> {
        try {
          return step.get();
        } catch (RuntimeException e) {
          return Future.failedFuture(e);
        }
      });
      tail = f.transform(ar -> Future.succeededFuture());
      f.onComplete(p);
    });
    return p.future();
  }

  /** Applies nothing more (the node shuts down: closing its loops then is not the cluster's doing). */
  void stop() {
    context.runOnContext(v -> stopped = true);
  }

  // ------------------------------------------------------------------ what nodes publish

  /** This node's loops as its heartbeat publishes them: {@code {"default": {"state":..., "pending":..., "done":...}}}. */
  String published() {
    JsonObject out = new JsonObject();
    for (NamedLoop l : loops.all()) {
      TaskRegistry.Counts c = tasks.counts(l.name());
      out.put(l.name(), new JsonObject().put("state", l.state().label()).put("pending", c.pending().get())
          .put("done", c.done().get()));
    }
    return out.encode();
  }

  /** The live nodes' rows a round read ({@code [{"node":..., "free":..., "loops":{...}, "age": seconds}]}). */
  void seen(JsonArray rows, long readAt) {
    peers = new Peers(rows, readAt);
  }

  @Override
  public JsonObject cluster(NamedLoop l, int pending, int done) {
    Peers p = peers;
    double since = (System.nanoTime() - p.readAt()) / 1e9;
    JsonArray nodes = new JsonArray();
    nodes.add(new JsonObject().put("node", node).put("state", l.state().label()).put("pending", pending).put("done", done)
        .put("ageSeconds", 0.0));
    long allPending = pending;
    long allDone = done;
    List<JsonObject> others = new ArrayList<>();
    for (Object o : p.rows()) {
      JsonObject row = (JsonObject) o;
      JsonObject counts = row.getJsonObject("loops", new JsonObject()).getJsonObject(l.name());
      if (node.equals(row.getString("node")) || counts == null) {
        continue;
      }
      others.add(new JsonObject().put("node", row.getString("node")).put("state", counts.getString("state"))
          .put("pending", counts.getInteger("pending", 0)).put("done", counts.getInteger("done", 0))
          .put("ageSeconds", Math.round((row.getDouble("age", 0.0) + since) * 1000) / 1000.0));
    }
    others.sort(java.util.Comparator.comparing(j -> j.getString("node")));
    for (JsonObject j : others) {
      nodes.add(j);
      allPending += j.getInteger("pending");
      allDone += j.getInteger("done");
    }
    return new JsonObject().put("pending", allPending).put("done", allDone).put("nodes", nodes);
  }
}
