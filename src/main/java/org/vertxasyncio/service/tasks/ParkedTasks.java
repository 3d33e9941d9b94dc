package org.vertxasyncio.service.tasks;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.store.StoredTask;
import org.vertxasyncio.service.store.TaskStore;

/**
 * Timers that live in the store: a {@code sleep} due later than the horizon ({@code store.horizon}) is parked, kept
 * as its row only ({@code parked_until}: when it is due), with no coroutine, no timer and no lease on any node, and
 * put on its loop about a horizon before it is due, where it sleeps to its absolute deadline.
 *
 * <ul>
 *   <li>Which tasks: a top-level {@code sleep} (with or without {@code timeout}, {@code raise}, webhooks) due, by
 *       its sleep or its timeout, later than the horizon and than the {@code ?wait} of its own request.</li>
 *   <li>Staging: on one node (the {@code sqlite} store) a scan at start and every half horizon takes the rows due
 *       within the horizon out of parking ({@link TaskStore#unparkDue}) and resumes them ({@link TaskRecovery#stage});
 *       on a shared store ({@code postgres}) each node's claim takes them once they are due within the horizon.</li>
 *   <li>Early: on one node a cancel, a long poll it may finish within, {@code POST /wait} and a gather that name a
 *       parked task bring it in at once ({@link #bringIn}); on a shared store a cancel makes it due at once, and
 *       the waits follow it wherever it runs, as any task of another node.</li>
 *   <li>A closed loop's parked tasks are cancelled at once ({@link #loopClosed}).</li>
 *   <li>Limits: {@code limits.parked.max} parked tasks at most (429 beyond); they take no place of
 *       {@code limits.pending.max}, which counts what is in memory. A staged task takes one, even beyond the limit,
 *       as a task recovered at start-up does: it was accepted.</li>
 * </ul>
 *
 * <p>Invariants: a parked row is never in this process's registry; it leaves parking in one committed step of the
 * store, whose answer alone makes it a record here, so two paths never stage one task twice: a bring-in that finds
 * the row taken out by the scan meanwhile waits for that staging ({@code staging}, filled on the store's thread
 * before its next answer).
 *
 * <p>Threads: the public methods are called from HTTP handlers and timers; what touches records runs on their
 * loops ({@link TaskRecovery}).
 */
public final class ParkedTasks {
  private static final Logger LOG = LoggerFactory.getLogger(ParkedTasks.class);
  /** The most rows one staging scan takes; a full scan is followed by another at once. */
  static final int STAGE_BATCH = 1000;

  private final TaskService service;
  private final double horizonSeconds;
  private final long max;
  private final boolean enabled;
  /** Parked rows, as counted at start (and, on a shared store, at each refresh) plus those parked and staged here. */
  private final AtomicLong count = new AtomicLong();
  /** Parks committed here since the start: a count read from the store is adjusted by those it may have missed. */
  private final AtomicLong parkedHere = new AtomicLong();
  /** Parks accepted and not committed yet: they count against the limit. */
  private final AtomicInteger inflight = new AtomicInteger();
  /** Tasks this process took out of parking and is putting on their loops, by id. */
  private final Map<String, Promise<TaskRecord>> staging = new ConcurrentHashMap<>();
  private Vertx vertx;
  private long timer = -1;
  private boolean scanning;
  private boolean scanAgain;
  private volatile boolean stopped;

  /**
   * @param horizonSeconds {@code store.horizon}; not finite: nothing is parked
   * @param max            {@code limits.parked.max}
   */
  ParkedTasks(TaskService service, double horizonSeconds, long max) {
    this.service = service;
    this.enabled = Double.isFinite(horizonSeconds) && horizonSeconds > 0 && service.journal().store().parks();
    this.horizonSeconds = Double.isFinite(horizonSeconds) && horizonSeconds > 0 ? horizonSeconds : 60;
    this.max = max;
  }

  /** True if far sleeps are parked: a horizon is set and the store parks. */
  public boolean enabled() {
    return enabled;
  }

  /** {@code store.horizon}, seconds. */
  public double horizon() {
    return horizonSeconds;
  }

  /** Parked tasks now, as this node knows them (exact on one node). */
  public long count() {
    return count.get();
  }

  /** True if this node stages parked tasks itself and brings them in early: parking is on, the store not shared. */
  public boolean local() {
    return enabled && !service.journal().store().shared();
  }

  /**
   * True if {@code spec}, submitted now with a {@code ?wait} of {@code wait} seconds (null: none), is to be parked:
   * a top-level sleep due later than the horizon and than the wait.
   */
  boolean parks(TaskSpec spec, Double wait) {
    if (!enabled || spec.kind() != TaskSpec.Kind.SLEEP || spec.items() != null || spec.seconds() == null) {
      return false;
    }
    double in = spec.timeout() == null ? spec.seconds() : Math.min(spec.seconds(), spec.timeout());
    return in > Math.max(horizonSeconds, wait == null ? 0 : wait);
  }

  /** Takes a place among the parked tasks, or none if {@code limits.parked.max} is reached. */
  boolean reserve() {
    inflight.incrementAndGet();
    if (count.get() + inflight.get() > max) {
      inflight.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Ends a {@link #reserve}: {@code committed}, the task is parked. */
  void reserved(boolean committed) {
    if (committed) {
      parkedHere.incrementAndGet();
      count.incrementAndGet();
    }
    inflight.decrementAndGet();
  }

  /** {@code limits.parked.max}. */
  long max() {
    return max;
  }

  // ------------------------------------------------------------------ staging

  /**
   * Starts the staging: the count of parked rows is read, then on one node a scan stages what is due now and
   * again every half horizon; on a shared store the count is read again that often (the claims stage).
   *
   * @return completes after the first scan (failed if the store could not be read)
   */
  public Future<Void> start(Vertx vertx) {
    if (!enabled) {
      return Future.succeededFuture();
    }
    this.vertx = vertx;
    long every = Math.max(1, (long) (horizonSeconds * 500));
    Future<Void> first = refresh().compose(v -> local() ? scan() : Future.succeededFuture());
    timer = vertx.setPeriodic(every, t -> {
      if (local()) {
        scan();
      } else {
        refresh();
      }
    });
    return first;
  }

  /** Stops staging (shutting down): what is parked stays parked. */
  public void stop() {
    stopped = true;
    if (timer >= 0 && vertx != null) {
      vertx.cancelTimer(timer);
    }
  }

  /** Reads the count of parked rows; those parked here while it was read are added (at worst counted twice, until the next). */
  private Future<Void> refresh() {
    long mark = parkedHere.get();
    return service.journal().store().countParked().onSuccess(n -> count.set(n + parkedHere.get() - mark)).<Void>mapEmpty().recover(e -> {
      LOG.warn("the parked tasks could not be counted: {}", String.valueOf(e));
      return Future.succeededFuture();
    });
  }

  /** One scan at a time: a scan asked for during another runs after it. */
  private Future<Void> scan() {
    if (scanning) {
      scanAgain = true;
      return Future.succeededFuture();
    }
    scanning = true;
    Promise<Void> done = Promise.promise();
    scanOnce(done);
    return done.future().onComplete(ar -> {
      scanning = false;
      if (scanAgain && !stopped) {
        scanAgain = false;
        scan();
      }
    });
  }

  /** Stages the parked tasks due within the horizon, batch after batch; on the timer's context. */
  private void scanOnce(Promise<Void> done) {
    if (stopped) {
      done.complete();
      return;
    }
    long until = service.clock().millis() + (long) (horizonSeconds * 1000);
    io.vertx.core.Context ctx = vertx.getOrCreateContext();
    taken(service.journal().store().unparkDue(until, STAGE_BATCH)).compose(this::stage).onComplete(ar -> ctx.runOnContext(v -> {
      if (ar.failed()) {
        LOG.error("parked tasks due within {} s could not be staged (tried again in {} s): {}", horizonSeconds,
            horizonSeconds / 2, String.valueOf(ar.cause()));
        done.complete();
      } else if (ar.result() == STAGE_BATCH) {
        scanOnce(done); // there may be more due
      } else {
        done.complete();
      }
    }));
  }

  /**
   * Registers the rows the store just took out of parking as being staged. Runs on the store's thread as its
   * answer completes, before its next answer: a bring-in that finds a row gone sees it here.
   */
  private Future<List<StoredTask>> taken(Future<List<StoredTask>> rows) {
    return rows.map(list -> {
      count.addAndGet(-list.size());
      for (StoredTask t : list) {
        staging.put(t.id(), Promise.promise());
      }
      return list;
    });
  }

  /**
   * Loop {@code name} was closed: its parked tasks are cancelled, as a close cancels the loop's pending tasks (not
   * while shutting down: they stay parked). On one node they are taken out of parking and put on it now, where
   * they are cancelled; on a shared store they are made due at once, and the node that claims each cancels it.
   */
  public void loopClosed(String name) {
    if (!enabled || stopped) {
      return;
    }
    if (!local()) {
      service.journal().store().unparkLoop(name, STAGE_BATCH).onFailure(e -> LOG.warn("the parked tasks of closed loop {} "
          + "could not be made due (they are cancelled when they are): {}", name, String.valueOf(e)));
      return;
    }
    taken(service.journal().store().unparkLoop(name, STAGE_BATCH)).compose(this::stage).onComplete(ar -> {
      if (ar.failed()) {
        LOG.error("the parked tasks of closed loop {} could not be cancelled (they are when staged): {}", name,
            String.valueOf(ar.cause()));
      } else if (ar.result() == STAGE_BATCH) {
        loopClosed(name);
      }
    });
  }

  /** Puts rows taken out of parking on their loops; the number of rows. */
  private Future<Integer> stage(List<StoredTask> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return new TaskRecovery(service).stage(rows).transform(ar -> {
      for (StoredTask t : rows) {
        Promise<TaskRecord> p = staging.remove(t.id());
        if (p == null) {
          continue;
        }
        if (ar.succeeded()) {
          p.complete(service.registry().get(t.id()));
        } else {
          p.fail(ar.cause());
        }
      }
      if (ar.failed()) {
        return Future.failedFuture(ar.cause());
      }
      LOG.info("staged {} parked task(s) due within {} s", rows.size(), horizonSeconds);
      return Future.succeededFuture(rows.size());
    });
  }

  // ------------------------------------------------------------------ bringing in early (one node)

  /**
   * The record of task {@code id} in this process's memory: held already, or a parked task due within
   * {@code withinSeconds} brought in now (taken out of parking and put on its loop).
   *
   * @return null if it is neither held nor parked and due that soon (another path answers for it: the store's row,
   *     or not found); failed when the store cannot be reached
   */
  public Future<TaskRecord> bringIn(String id, double withinSeconds) {
    TaskRecord held = service.registry().get(id);
    if (held != null || !local()) {
      return Future.succeededFuture(held);
    }
    Promise<TaskRecord> p = staging.get(id);
    if (p != null) {
      return p.future();
    }
    long dueBy = withinSeconds >= 1e12 ? Long.MAX_VALUE : service.clock().millis() + (long) (withinSeconds * 1000);
    return service.journal().store().unpark(id, dueBy).compose(row -> {
      if (row == null) {
        // staged by another path meanwhile (its record is here or on its way), or not parked
        TaskRecord now = service.registry().get(id);
        Promise<TaskRecord> other = staging.get(id);
        return now != null || other == null ? Future.succeededFuture(now) : other.future();
      }
      count.decrementAndGet();
      staging.put(id, Promise.promise());
      LOG.info("task {} brought in from parking", id);
      return stage(List.of(row)).map(n -> service.registry().get(id));
    });
  }

  /** The record of task {@code id}, brought in from parking whenever it is due, or held already; else null. */
  public Future<TaskRecord> bringIn(String id) {
    return bringIn(id, Double.MAX_VALUE);
  }

  /** Brings in every parked task of {@code ids} not held here; completes when they are on their loops. */
  Future<Void> bringInAll(Collection<String> ids) {
    if (!local()) {
      return Future.succeededFuture();
    }
    List<Future<TaskRecord>> all = new ArrayList<>();
    for (String id : new LinkedHashSet<>(ids)) {
      if (service.registry().get(id) == null) {
        all.add(bringIn(id));
      }
    }
    return all.isEmpty() ? Future.succeededFuture() : Future.all(all).mapEmpty();
  }

  @Override
  public String toString() {
    return "<ParkedTasks " + (enabled ? "horizon=" + horizonSeconds + "s" : "off") + " count=" + count.get() + ">";
  }
}
