package org.vertxasyncio.service.tasks;

import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.Asyncio;
import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.EventLoop;
import org.vertxasyncio.asyncio.ReturnWhen;
import org.vertxasyncio.asyncio.Task;
import org.vertxasyncio.asyncio.WaitResult;
import org.vertxasyncio.service.ServiceError;
import org.vertxasyncio.service.events.EventHub;
import org.vertxasyncio.service.events.TaskFinishes;
import org.vertxasyncio.service.loops.LoopRegistry;
import org.vertxasyncio.service.loops.NamedLoop;
import org.vertxasyncio.service.metrics.ServiceMetrics;
import org.vertxasyncio.service.store.StoredDelivery;
import org.vertxasyncio.service.store.StoredTask;
import org.vertxasyncio.service.store.TaskStore;
import org.vertxasyncio.service.webhooks.Webhook;
import org.vertxasyncio.service.webhooks.WebhookSender;

/**
 * Tasks on the service's loops: submit (every task a real coroutine), cancel, forget, and
 * {@code asyncio.wait} over several. What a task does:
 * <ul>
 *   <li>{@code sleep}: {@code await(sleep(seconds, result))};</li>
 *   <li>{@code work}: {@code await(loop.runInExecutor(iterated SHA-256))}, off the event loop;</li>
 *   <li>{@code gather}: {@code await(gather(children, returnExceptions))} over child tasks made from the
 *       nested specs and existing tasks of the same loop;</li>
 * </ul>
 * then, with {@code raise}, it throws {@link RaisedError}; with {@code timeout}, the whole coroutine runs
 * under {@code waitFor} and ends with {@code TimeoutError} on expiry.
 *
 * <p>Every reported callback is a real {@code addDoneCallback} that fired: the record's own (which
 * publishes the final state) and one per webhook, registered in that order, so they run in that order.
 *
 * <p>Durability: a new task's row is committed to the store before {@code submit} completes (so before
 * its {@code 201}); its changes are written as they are published. A task's done state is committed
 * before anyone outside is told it is done: its events go out, the long polls waiting on it are
 * answered, and its webhooks delivered, only then, so a restart never takes back a finish that someone
 * was told of. (A {@code GET} in the few milliseconds of that commit may already show it done.) Recovery after a
 * restart is {@link TaskRecovery}'s.
 *
 * <p>Threads: the public methods are called from HTTP handlers; they hop to the task's loop with
 * {@link NamedLoop#call} and touch tasks and records only there. The futures they return complete on
 * the loop's context.
 */
public final class TaskService {
  private static final Logger LOG = LoggerFactory.getLogger(TaskService.class);

  private final TaskRegistry registry;
  private final LoopRegistry loops;
  private final EventHub events;
  private final WebhookSender webhooks;
  private final ServiceMetrics metrics;
  private final TaskIds ids;
  private final Clock clock;
  private final TaskJournal journal;
  private final TaskNames names;
  private volatile Ownership ownership = Ownership.NONE;
  private volatile TaskFinishes finishes;
  private final String node;
  private final WebhookOutbox outbox;
  private final StoredTasks stored;
  private volatile ParkedTasks parked;
  private final IdempotentSubmits keyed;

  /**
   * @param node this node's id: the {@code node} of the tasks it makes and recovers
   * @param deliveryLease how long this node's lease on a webhook delivery lasts past its last renewal
   */
  public TaskService(io.vertx.core.Vertx vertx, TaskRegistry registry, LoopRegistry loops, EventHub events, WebhookSender webhooks,
      ServiceMetrics metrics, TaskIds ids, Clock clock, TaskJournal journal, String node, double deliveryLease) {
    this.node = node;
    this.journal = journal;
    this.registry = registry;
    this.loops = loops;
    this.events = events;
    this.webhooks = webhooks;
    this.metrics = metrics;
    this.ids = ids;
    this.clock = clock;
    this.names = new TaskNames(journal::reserveNames);
    this.stored = new StoredTasks(this);
    this.outbox = new WebhookOutbox(vertx, this, webhooks, deliveryLease);
    this.parked = new ParkedTasks(this, Double.POSITIVE_INFINITY, 0);
    this.keyed = new IdempotentSubmits(this, "Idempotency-Key", 30);
  }

  /** {@code POST /tasks} with an {@code Idempotency-Key}. */
  public IdempotentSubmits keyed() {
    return keyed;
  }

  TaskIds ids() {
    return ids;
  }

  /**
   * Parks the {@code sleep} tasks due later than {@code horizonSeconds} from now, {@code max} at most (set before
   * the service takes requests); until set, nothing is parked.
   */
  public void parking(double horizonSeconds, long max) {
    this.parked = new ParkedTasks(this, horizonSeconds, max);
  }

  /** The tasks kept in the store only until they are due. */
  public ParkedTasks parked() {
    return parked;
  }

  /** The webhook outbox this node delivers. */
  public WebhookOutbox outbox() {
    return outbox;
  }

  /** What this node answers, from the store, for the tasks it does not hold in memory. */
  public StoredTasks stored() {
    return stored;
  }

  /** Where this node hears that a task finished on another node (the cluster's event log); null without one. */
  public void finishes(TaskFinishes f) {
    this.finishes = f;
  }

  /** The feed of tasks finished on other nodes, or null (no cluster's event log). */
  public TaskFinishes finishes() {
    return finishes;
  }

  public TaskRegistry registry() {
    return registry;
  }

  /** Who holds the tasks this node accepts (a cluster's leases); {@link Ownership#NONE} until set. */
  public void ownership(Ownership o) {
    this.ownership = o;
  }

  public TaskJournal journal() {
    return journal;
  }

  LoopRegistry loops() {
    return loops;
  }

  /** This node's id. */
  public String node() {
    return node;
  }

  WebhookSender webhooks() {
    return webhooks;
  }

  public EventHub events() {
    return events;
  }

  Clock clock() {
    return clock;
  }

  // ------------------------------------------------------------------ submit

  /**
   * Creates the task (and its gather children) on its loop.
   *
   * @return the new task's first snapshot, once its row is committed to the store; failed with a
   *     {@link ServiceError}: {@code NotFound} for an unknown loop or task id, {@code Invalid} for a task id
   *     of another loop, {@code LoopClosed}, {@code LimitReached} when the pending-task budget is spent,
   *     {@code StoreUnavailable} when the store cannot reach its database (nothing is made) or could not
   *     commit the task (it is then cancelled)
   */
  public Future<TaskRecord> submit(TaskSpec spec) {
    return submit(spec, null);
  }

  /**
   * As {@link #submit(TaskSpec)}, for a request that waits up to {@code wait} seconds for the task (null: it does
   * not): a sleep due later than that and than {@code store.horizon} is parked ({@link ParkedTasks}); the limit
   * reached is then {@code limits.parked.max}. The tasks a gather names that are parked here are brought in first.
   */
  public Future<TaskRecord> submit(TaskSpec spec, Double wait) {
    return submit(spec, wait, null);
  }

  /**
   * As {@link #submit(TaskSpec, Double)}, the new task's id {@code newId} (null: a new one), as an {@code Idempotency-Key}
   * claimed it ({@link IdempotentSubmits}).
   */
  Future<TaskRecord> submit(TaskSpec spec, Double wait, String newId) {
    NamedLoop l = loops.require(spec.loop(), "loop");
    if (!journal.available()) {
      return Future.failedFuture(TaskJournal.unavailable());
    }
    if (l.closing()) {
      return Future.failedFuture(new ServiceError.LoopClosed());
    }
    ParkedTasks p = parked;
    if (p.parks(spec, wait)) {
      return park(spec, l, p, newId);
    }
    List<String> refs = new ArrayList<>();
    collectRefs(spec, refs);
    if (p.local() && refs.stream().anyMatch(id -> registry.get(id) == null)) {
      return p.bringInAll(refs).recover(e -> Future.failedFuture(new ServiceError.StoreUnavailable(
          "The task store could not be read; retry later"))).compose(v -> launchNow(spec, l, newId));
    }
    return launchNow(spec, l, newId);
  }

  /** {@link #submit(TaskSpec, Double)} of a task that is not parked, once the tasks it names are in memory. */
  private Future<TaskRecord> launchNow(TaskSpec spec, NamedLoop l, String newId) {
    int n = spec.newTaskCount();
    // no room here: in a cluster whose peers published room, the task is committed unowned and a peer runs it
    boolean here = registry.reserve(n);
    if (!here && !ownership.placeElsewhere(n)) {
      return Future.failedFuture(new ServiceError.LimitReached(1, "Too many pending tasks (limits.pending.max is "
          + registry.maxPending() + "); retry later"));
    }
    Future<List<String>> named = names.take(spec.unnamedCount()).recover(e -> {
      LOG.error("no names for new tasks: the task store could not reserve them: {}", String.valueOf(e));
      return Future.failedFuture(new ServiceError.StoreUnavailable("The task store could not record the task; retry later"));
    });
    return named.compose(given -> storedRefs(spec).compose(away -> l.call(() -> {
      if (l.closing()) {
        throw new ServiceError.LoopClosed();
      }
      Map<String, TaskRecord> refs = new LinkedHashMap<>();
      Map<String, StoredTask> elsewhere = new LinkedHashMap<>();
      resolveRefs(spec, l, "", refs, away, elsewhere);
      Map<String, AsyncFuture<?>> awaited = new LinkedHashMap<>();
      refs.forEach((id, r) -> awaited.put(id, r.task()));
      elsewhere.forEach((id, row) -> awaited.put(id, outcomeElsewhere(row, l)));
      List<TaskRecord> made = new ArrayList<>();
      if (!here) {
        TaskRecord placed = place(spec, newId, null, made, given.iterator());
        return journal.created(made, l.loop().context()).transform(ar -> {
          if (ar.failed()) {
            LOG.error("task {} not committed to the store: {}", placed.id(), String.valueOf(ar.cause()));
            return Future.<TaskRecord>failedFuture(new ServiceError.StoreUnavailable("The task store could not record the task; retry later"));
          }
          ownership.placed();
          return Future.succeededFuture(placed);
        });
      }
      TaskRecord rec = launch(spec, newId, l, null, awaited, made, given.iterator());
      for (TaskRecord g : made) {
        for (String child : g.children()) {
          if (elsewhere.containsKey(child)) {
            cancelWithGather(g, awaited.get(child), child);
          }
        }
      }
      return journal.created(made, l.loop().context()).transform(ar -> {
        if (ar.succeeded()) {
          for (TaskRecord r : made) {
            ownership.held(r);
          }
          return Future.succeededFuture(rec);
        }
        LOG.error("task {} not committed to the store, cancelled and forgotten: {}", rec.id(), String.valueOf(ar.cause()));
        for (TaskRecord r : made) {
          r.task().addDoneCallback(f -> {
            if (registry.remove(r)) {
              JsonObject gone = new JsonObject().put("id", r.id());
              journal.withEvents(() -> journal.deleted(r), () -> List.of(TaskJournal.event("task.deleted", r.id(), gone)));
              events.publish("task.deleted", r.id(), gone);
            }
          });
          r.task().cancel();
        }
        return Future.<TaskRecord>failedFuture(new ServiceError.StoreUnavailable("The task store could not record the task; retry later"));
      });
    }))).onFailure(e -> {
      if (here) {
        registry.release(n);
      }
    }).compose(f -> f);
  }

  /**
   * Parks a sleep: its record is made and started now (its deadlines set), and its row committed with
   * {@code parked_until}, its due time, with the events {@code task.created} and {@code task.started}; nothing of
   * it stays in memory. The record answered is the request's only.
   */
  private Future<TaskRecord> park(TaskSpec spec, NamedLoop l, ParkedTasks p, String newId) {
    if (!p.reserve()) {
      return Future.failedFuture(new ServiceError.LimitReached(1, "Too many parked tasks (limits.parked.max is " + p.max()
          + "); retry later"));
    }
    Future<List<String>> named = names.take(spec.unnamedCount()).recover(e -> {
      LOG.error("no names for new tasks: the task store could not reserve them: {}", String.valueOf(e));
      return Future.failedFuture(new ServiceError.StoreUnavailable("The task store could not record the task; retry later"));
    });
    boolean[] committed = {false};
    return named.compose(given -> l.call(() -> {
      if (l.closing()) {
        throw new ServiceError.LoopClosed();
      }
      Instant now = clock.instant();
      String id = newId != null ? newId : ids.next();
      TaskRecord rec = new TaskRecord(id, spec.name() != null ? spec.name() : given.get(0), node, spec, null, now);
      rec.placed(List.of());
      TaskView created = rec.view();
      rec.started(now);
      long until = rec.dueAt().toEpochMilli();
      return journal.parked(rec, created, until, l.loop().context()).transform(ar -> {
        if (ar.failed()) {
          LOG.error("task {} not committed to the store: {}", rec.id(), String.valueOf(ar.cause()));
          return Future.<TaskRecord>failedFuture(new ServiceError.StoreUnavailable("The task store could not record the task; retry later"));
        }
        committed[0] = true;
        metrics.taskSubmitted(spec.kind().label(), l.name());
        events.publish("task.created", rec.id(), created);
        events.publish("task.started", rec.id(), rec.view());
        LOG.info("task {} created and parked until {}: kind={} loop={} name={}", rec.id(), rec.dueAt(), spec.kind().label(),
            l.name(), rec.view().name());
        return Future.succeededFuture(rec);
      });
    }).compose(f -> f)).onComplete(ar -> p.reserved(committed[0]));
  }

  /**
   * Makes the records of a task (its id {@code id}, or a new one if null; and of its gather's new children, all added
   * to {@code made}) that this node accepts and places with its peers: their rows are committed unowned and a peer
   * claims them; nothing of them runs here. On the loop thread.
   */
  private TaskRecord place(TaskSpec spec, String id, String parentId, List<TaskRecord> made, java.util.Iterator<String> names) {
    TaskRecord rec = new TaskRecord(id != null ? id : ids.next(), spec.name() != null ? spec.name() : names.next(), node, spec,
        parentId, clock.instant());
    made.add(rec);
    List<String> childIds = new ArrayList<>();
    if (spec.items() != null) {
      for (Object item : spec.items()) {
        childIds.add(item instanceof TaskSpec cs ? place(cs, null, rec.id(), made, names).id() : (String) item);
      }
    }
    rec.placed(childIds);
    metrics.taskSubmitted(spec.kind().label(), spec.loop());
    events.publish("task.created", rec.id(), rec.view());
    LOG.info("task {} created and placed with the peers (this node is at limits.pending.max): kind={} loop={} name={}{}",
        rec.id(), spec.kind().label(), spec.loop(), rec.view().name(), parentId == null ? "" : " parent=" + parentId);
    return rec;
  }

  /**
   * The rows of the task ids a gather names that this node does not hold, when other nodes share the store
   * (they may run them); empty otherwise.
   */
  private Future<Map<String, StoredTask>> storedRefs(TaskSpec spec) {
    List<String> missing = new ArrayList<>();
    collectRefs(spec, missing);
    missing.removeIf(id -> registry.get(id) != null);
    if (missing.isEmpty() || !journal.store().shared()) {
      return Future.succeededFuture(Map.of());
    }
    List<Future<StoredTask>> reads = new ArrayList<>();
    for (String id : missing) {
      reads.add(journal.store().get(id));
    }
    return Future.all(reads).transform(ar -> {
      if (ar.failed()) {
        LOG.error("a gather's tasks could not be read from the task store: {}", String.valueOf(ar.cause()));
        return Future.failedFuture(new ServiceError.StoreUnavailable("The task store could not be read; retry later"));
      }
      Map<String, StoredTask> rows = new LinkedHashMap<>();
      for (int i = 0; i < missing.size(); i++) {
        StoredTask t = ar.result().resultAt(i);
        if (t != null) {
          rows.put(t.id(), t);
        }
      }
      return Future.succeededFuture(rows);
    });
  }

  /**
   * As asyncio's gather cancels its children when it is cancelled, a child another node runs gets a cancel
   * recorded in its row ({@link TaskStore#requestCancel}); not when this node lost the gather (a peer runs it
   * now) or is shutting down keeping its tasks. A child that ended cancelled on its node asks again, to no
   * effect. On the loop thread.
   */
  void cancelWithGather(TaskRecord gather, AsyncFuture<?> child, String childId) {
    child.addDoneCallback(f -> {
      if (f.cancelled() && !gather.dropped() && !journal.frozen()) {
        journal.store().requestCancel(childId).onFailure(e -> LOG.warn("task {}: its gather {} was cancelled, and the "
            + "cancel of this child could not be recorded: {}", childId, gather.id(), String.valueOf(e)));
      }
    });
  }

  private static void collectRefs(TaskSpec spec, List<String> out) {
    if (spec.items() == null) {
      return;
    }
    for (Object item : spec.items()) {
      if (item instanceof String id) {
        out.add(id);
      } else {
        collectRefs((TaskSpec) item, out);
      }
    }
  }

  /**
   * A future, on {@code l}, of the outcome of a task another node runs: settled now if its row is done, else
   * when the node that runs it has committed its finish ({@link Ownership#elsewhere}); on the loop thread.
   */
  private AsyncFuture<Object> outcomeElsewhere(StoredTask row, NamedLoop l) {
    if ("pending".equals(row.state())) {
      return ownership.elsewhere(row.id(), l.loop());
    }
    AsyncFuture<Object> f = l.loop().createFuture();
    TaskRecovery.settle(f, row.id(), row.state(), row.record().get());
    return f;
  }

  /**
   * Checks, before anything is created, that every task id a gather names exists on this loop: held here
   * ({@code refs}), or in {@code away} (the store's rows of tasks other nodes run; those named go to
   * {@code elsewhere}).
   */
  private void resolveRefs(TaskSpec spec, NamedLoop l, String at, Map<String, TaskRecord> refs, Map<String, StoredTask> away,
      Map<String, StoredTask> elsewhere) {
    if (spec.items() == null) {
      return;
    }
    for (int i = 0; i < spec.items().size(); i++) {
      Object item = spec.items().get(i);
      String here = at + "tasks[" + i + "]";
      if (item instanceof String id) {
        TaskRecord r = registry.get(id);
        StoredTask row = r == null ? away.get(id) : null;
        if (r == null && row == null) {
          throw new ServiceError.NotFound(here, "Task " + id + " not found");
        }
        String loop = r != null ? r.loopName() : row.loop();
        if (!loop.equals(l.name())) {
          throw new ServiceError.Invalid(here, "task " + id + " runs on loop '" + loop
              + "'; a gather's tasks must share its loop ('" + l.name() + "')");
        }
        if (r != null) {
          refs.put(id, r);
        } else {
          elsewhere.put(id, row);
        }
      } else {
        resolveRefs((TaskSpec) item, l, here + ".", refs, away, elsewhere);
      }
    }
  }

  /**
   * Creates the record and the task (its id {@code id}, or a new one if null), and those of a gather's new children
   * (all added to {@code made}), each task without a name of its spec named from {@code names}; on the loop thread.
   */
  private TaskRecord launch(TaskSpec spec, String id, NamedLoop l, String parentId, Map<String, AsyncFuture<?>> refs,
      List<TaskRecord> made, java.util.Iterator<String> names) {
    TaskRecord rec = new TaskRecord(id != null ? id : ids.next(), spec.name() != null ? spec.name() : names.next(), node, spec,
        parentId, clock.instant());
    String owner = ownership.owner();
    if (owner != null) {
      rec.lease(owner, java.util.UUID.randomUUID().toString());
    }
    made.add(rec);
    List<AsyncFuture<?>> children = new ArrayList<>();
    List<String> childIds = new ArrayList<>();
    if (spec.items() != null) {
      for (Object item : spec.items()) {
        if (item instanceof TaskSpec cs) {
          TaskRecord child = launch(cs, null, l, rec.id(), refs, made, names);
          children.add(child.task());
          childIds.add(child.id());
        } else {
          children.add(refs.get((String) item));
          childIds.add((String) item);
        }
      }
    }
    start(rec, l, children, childIds, spec.seconds(), spec.timeout());
    metrics.taskSubmitted(spec.kind().label(), l.name());
    events.publish("task.created", rec.id(), rec.view());
    LOG.info("task {} created: kind={} loop={} name={}{}", rec.id(), spec.kind().label(), l.name(),
        rec.view().name(), parentId == null ? "" : " parent=" + parentId);
    return rec;
  }

  /**
   * Creates the asyncio task of {@code rec} (a new record, or one recovered after a restart) with its
   * done callbacks, and adds the record to the registry; on the loop thread.
   *
   * @param sleepSeconds how long a {@code sleep} sleeps (its spec's, or what is left of it after a restart)
   * @param timeout      the {@code waitFor} timeout (its spec's, what is left of it, or null)
   */
  void start(TaskRecord rec, NamedLoop l, List<AsyncFuture<?>> children, List<String> childIds, Double sleepSeconds,
      Double timeout) {
    EventLoop loop = l.loop();
    TaskSpec spec = rec.spec();
    Coroutine<Object> body = async(spec.kind().label(), () -> {
      if (!rec.hasStarted()) {
        journal.withEvents(() -> rec.started(clock.instant()), () -> rec.dropped() ? List.of()
            : List.of(TaskJournal.taskEvent("task.started", rec)));
        events.publish("task.started", rec.id(), rec.view());
        LOG.info("task {} started", rec.id());
      }
      Object r = switch (spec.kind()) {
        case SLEEP -> await(sleep(sleepSeconds, spec.result()));
        case WORK -> {
          String input = spec.input();
          long iterations = spec.iterations();
          yield await(loop.runInExecutor(() -> Work.iteratedSha256(input, iterations)));
        }
        case GATHER -> await(Asyncio.gather(children, spec.returnExceptions()));
      };
      if (spec.raise() != null) {
        throw new RaisedError(spec.raise());
      }
      return r;
    });
    Coroutine<Object> coro = timeout == null ? body : Asyncio.waitFor(body, timeout);
    Task<Object> task = loop.createTask(coro, rec.name());
    rec.attach(task, childIds);
    registry.add(rec);
    // the record's own done callback first: it publishes the final state before any webhook fires
    task.addDoneCallback(f -> recordDone(rec, f));
    List<Webhook> hooks = spec.callbacks();
    for (int i = 0; i < hooks.size(); i++) {
      int k = i;
      task.addDoneCallback(f -> webhookFired(rec, hooks.get(k), k));
    }
  }

  void recordDone(TaskRecord rec, AsyncFuture<Object> f) {
    if (rec.dropped()) {
      forgetDropped(rec);
      return;
    }
    if (journal.frozen()) {
      // shutting down, keeping pending tasks: the store holds this one as pending and the next start runs
      // it; whoever waits on it is answered with it as it stands
      LOG.info("task {} left pending in the store (shutting down)", rec.id());
      rec.completeWaiters();
      return;
    }
    Instant now = clock.instant();
    boolean hooks = !rec.spec().callbacks().isEmpty();
    // written by commitFinish (the last webhook's done callback, if any) with the outbox rows of the webhooks
    // and, with the cluster's event log, the finish's events: one unit
    rec.holdWrites();
    rec.finished(f, now);
    registry.markDone(rec);
    TaskView v = rec.view();
    metrics.callbackFired(CallbackEntry.Kind.RECORD.label());
    String outcome = f.cancelled() ? "cancelled" : v.exception() != null ? "exception" : "result";
    metrics.taskDone(v.kind().label(), v.loop(), outcome, Duration.between(v.createdAt(), now));
    if (!hooks) {
      commitFinish(rec, now);
    }
  }

  /**
   * Writes the finish of {@code rec}, with the outbox rows of its webhooks, as one unit; once committed, tells
   * the world (the events, the log line, the long polls) and delivers the webhooks: nobody hears of a
   * finish that a restart could take back, and no finish is kept without its deliveries.
   */
  private void commitFinish(TaskRecord rec, Instant now) {
    rec.releaseWrites();
    if (rec.dropped()) {
      forgetDropped(rec);
      return;
    }
    if (journal.frozen()) {
      LOG.info("task {} left pending in the store (shutting down)", rec.id());
      rec.completeWaiters();
      return;
    }
    List<Integer> entries = new ArrayList<>();
    for (int i = 0; i < rec.log().size(); i++) {
      if (rec.log().get(i).isWebhook()) {
        entries.add(i);
      }
    }
    TaskView v = rec.view();
    // the task's JSON is the deliveries' body: encoded here only when there are some (else when a reader asks)
    List<StoredDelivery> rows = entries.isEmpty() ? List.of() : outbox.rowsOf(rec, entries, v.json());
    List<Webhook> hooks = rec.spec().callbacks();
    journal.withEvents(() -> journal.finished(rec, rows, outbox.leaseSeconds()), () -> {
      if (rec.dropped()) {
        return List.of();
      }
      List<org.vertxasyncio.service.store.LoggedEvent> evs = new ArrayList<>();
      evs.add(TaskJournal.event("callback.fired", rec.id(), recordFired(rec, now)));
      evs.add(TaskJournal.taskEvent("task.done", rec));
      for (int k = 0; k < rows.size(); k++) {
        StoredDelivery d = rows.get(k);
        evs.add(TaskJournal.event("callback.fired", rec.id(), webhookFired(rec, hooks.get(k), d.id(), rec.callbackAt(d.entry()).firedAt())));
      }
      return evs;
    });
    journal.sync(contextOf(rec)).onComplete(ar -> {
      if (rec.dropped()) {
        // the lease was lost before the finish was written: a peer runs the task, this finish counts for nothing
        forgetDropped(rec);
        return;
      }
      if (ar.failed()) {
        LOG.error("task {}: its done state may not be committed: {}", rec.id(), String.valueOf(ar.cause()));
      } else {
        ownership.settled(rec);
      }
      events.publish("callback.fired", rec.id(), recordFired(rec, now));
      events.publish("task.done", rec.id(), v);
      if (v.exception() != null) {
        LOG.info("task {} {}: {}: {}", rec.id(), v.state().label(), v.exception().type(), v.exception().message());
      } else {
        LOG.info("task {} finished with a result", rec.id());
      }
      rec.completeWaiters();
      for (StoredDelivery d : rows) {
        events.publish("callback.fired", rec.id(), webhookFired(rec, hooks.get(rows.indexOf(d)), d.id(),
            rec.callbackAt(d.entry()).firedAt()));
        LOG.info("task {} webhook callback fired: {} ({})", rec.id(), d.url(), d.id());
      }
      if (ar.succeeded()) {
        outbox.deliverCommitted(rec, rows);
      } else if (!rows.isEmpty()) {
        LOG.warn("task {}: its {} webhook delivery(ies) go out once their rows are committed and their lease has expired",
            rec.id(), rows.size());
      }
    });
  }

  private static JsonObject recordFired(TaskRecord rec, Instant now) {
    return new JsonObject().put("taskId", rec.id()).put("callback", CallbackEntry.Kind.RECORD.label())
        .put("firedAt", Times.format(now));
  }

  private static JsonObject webhookFired(TaskRecord rec, Webhook hook, String deliveryId, Instant now) {
    return new JsonObject().put("taskId", rec.id()).put("callback", CallbackEntry.Kind.WEBHOOK.label())
        .put("url", hook.url()).put("deliveryId", deliveryId).put("firedAt", Times.format(now));
  }

  private io.vertx.core.Context contextOf(TaskRecord rec) {
    return loops.require(rec.loopName(), null).loop().context();
  }

  /**
   * The delivery id of webhook {@code index} of a task: the same on every attempt and across restarts,
   * so a receiver can drop duplicates.
   */
  static String deliveryId(TaskRecord rec, int index) {
    return "msg_" + rec.id() + "_" + (index + 1);
  }

  /**
   * A webhook's done callback: its entry goes into the log (pending); the last webhook's writes the finish
   * with the outbox rows of all of them.
   */
  void webhookFired(TaskRecord rec, Webhook hook, int hookIndex) {
    if (!rec.view().done()) {
      return; // its record's callback did not finish it (dropped, or shutting down keeping it pending)
    }
    if (!journal.frozen() && !rec.dropped()) {
      Instant now = clock.instant();
      rec.addCallback(CallbackEntry.webhook(now, hook.url(), deliveryId(rec, hookIndex)));
      metrics.callbackFired(CallbackEntry.Kind.WEBHOOK.label());
    }
    if (hookIndex == rec.spec().callbacks().size() - 1) {
      commitFinish(rec, rec.view().doneAt());
    }
  }

  /**
   * Delivers webhook {@code index} of the task's callback log again ({@code POST
   * /tasks/{id}/callbacks/{n}/redeliver}), on the task's loop.
   *
   * @return the log entry as it is once the redelivery has begun; failed with a {@link ServiceError}:
   *     {@code NotFound} when there is no such entry, {@code Invalid} when it is not a webhook,
   *     {@code Conflict} while its delivery is under way
   */
  public Future<CallbackEntry> redeliver(TaskRecord rec, int index) {
    List<CallbackEntry> log = rec.view().callbacks();
    if (index < 0 || index >= log.size()) {
      return Future.failedFuture(new ServiceError.NotFound("n", "Task " + rec.id() + " has no callback " + index
          + " (its log has " + log.size() + ")"));
    }
    if (!log.get(index).isWebhook()) {
      return Future.failedFuture(new ServiceError.Invalid("n", "callback " + index + " is the task's own done callback, not a webhook"));
    }
    NamedLoop l = loops.require(rec.loopName(), null);
    if (!journal.available()) {
      return Future.failedFuture(TaskJournal.unavailable());
    }
    return l.call(() -> {
      if (rec.callbackAt(index).outcome() == CallbackEntry.Outcome.PENDING) {
        throw new ServiceError.Conflict(ServiceError.Conflict.Reason.DELIVERY_PENDING, "Callback " + index + " of task " + rec.id()
            + " is still being delivered; redeliver it once its outcome is delivered, failed or refused");
      }
      return outbox.redeliver(rec, index);
    }).compose(f -> f);
  }

  /**
   * Delivers webhook {@code index} of the callback log of task {@code id}, which this node does not have in
   * memory (another node ran it), again: from the outbox, by this node.
   *
   * @return the log entry as it is once the redelivery has begun; failed with a {@link ServiceError}:
   *     {@code NotFound} when the store has no such task or no delivery at that entry, {@code Conflict} while
   *     its delivery is under way, {@code StoreUnavailable} while the store cannot reach its database
   */
  public Future<CallbackEntry> redeliverStored(String id, int index) {
    if (!journal.available()) {
      return Future.failedFuture(TaskJournal.unavailable());
    }
    return outbox.redeliverStored(id, index);
  }

  /**
   * Drops a task whose lease this node lost (a peer may run it now): its coroutine is cancelled quietly,
   * and nothing is finished, published, written or delivered for it here; long polls on it here are
   * answered with it as it stands. On any thread; the work happens on the task's loop.
   */
  public void drop(TaskRecord rec) {
    if (!rec.markDropped()) {
      return;
    }
    NamedLoop l = loops.get(rec.loopName());
    if (l == null) {
      return;
    }
    l.loop().context().runOnContext(v -> {
      AsyncFuture<Object> t = rec.task();
      if (t == null || t.done()) {
        forgetDropped(rec);
      } else {
        t.cancel(); // its done callbacks see it dropped
      }
    });
  }

  /** On the loop thread. */
  private void forgetDropped(TaskRecord rec) {
    ownership.settled(rec);
    rec.completeWaiters();
    if (registry.drop(rec)) {
      LOG.info("task {} dropped: this node's lease on it is gone (a peer resumes it)", rec.id());
    }
  }

  // ------------------------------------------------------------------ cancel, delete

  /**
   * {@code task.cancel()} on the task's loop: true if the task was pending, false if already done;
   * failed with {@code StoreUnavailable} while the store cannot reach its database (nothing is cancelled).
   */
  public Future<Boolean> cancel(TaskRecord rec) {
    NamedLoop l = loops.require(rec.loopName(), null);
    if (!journal.available()) {
      return Future.failedFuture(TaskJournal.unavailable());
    }
    return l.call(() -> {
      boolean c = rec.task().cancel();
      LOG.info("task {} cancel requested: {}", rec.id(), c);
      return c;
    });
  }

  /**
   * Forgets a done task.
   *
   * @throws ServiceError.Conflict when the task is pending
   * @throws ServiceError.StoreUnavailable while the store cannot reach its database (nothing is forgotten)
   */
  public void delete(TaskRecord rec) {
    if (!rec.view().done()) {
      throw new ServiceError.Conflict(ServiceError.Conflict.Reason.TASK_PENDING, "Task " + rec.id() + " is pending; cancel it or wait for it first");
    }
    journal.requireAvailable();
    if (registry.remove(rec)) {
      JsonObject gone = new JsonObject().put("id", rec.id());
      journal.withEvents(() -> journal.deleted(rec), () -> List.of(TaskJournal.event("task.deleted", rec.id(), gone)));
      LOG.info("task {} deleted", rec.id());
      events.publish("task.deleted", rec.id(), gone);
    }
  }

  /**
   * A cancel of task {@code id} was asked for on another node (and recorded in its row): if this node runs
   * it, its coroutine is cancelled on its loop, once, so that the {@code CancelledError} reaches its await
   * here. Any thread.
   */
  public void cancelAsked(String id) {
    TaskRecord rec = registry.get(id);
    NamedLoop l = rec == null || rec.dropped() ? null : loops.get(rec.loopName());
    if (l == null) {
      return;
    }
    l.loop().context().runOnContext(v -> {
      AsyncFuture<Object> t = rec.task();
      if (t == null || t.done() || rec.dropped() || (t instanceof Task<?> task && task.cancelling() > 0)) {
        return;
      }
      LOG.info("task {} cancel requested on another node: {}", rec.id(), t.cancel());
    });
  }

  /**
   * Done task {@code id} was deleted on another node or by the leader's retention (its row is gone): this node
   * forgets it too, writing nothing. Any thread.
   */
  public void deletedElsewhere(String id) {
    TaskRecord rec = registry.get(id);
    if (rec != null && rec.view().done() && registry.remove(rec)) {
      LOG.debug("task {} deleted on another node, or by the leader's retention", id);
      events.publish("task.deleted", id, new JsonObject().put("id", id));
    }
  }

  // ------------------------------------------------------------------ wait

  /** What {@code POST /wait} answers: the ids done and pending, in the order given. */
  public record WaitOutcome(List<String> done, List<String> pending) {
  }

  /**
   * {@code asyncio.wait} over the tasks, run as a task on their loop.
   *
   * @throws ServiceError.NotFound for an unknown id; {@link ServiceError.Invalid} if the tasks belong to
   *     different loops
   */
  public Future<WaitOutcome> wait(List<String> taskIds, Double timeout, ReturnWhen returnWhen) {
    ParkedTasks p = parked;
    if (p.local() && taskIds.stream().anyMatch(id -> registry.get(id) == null)) {
      // tasks parked here are waited on in memory, as any other
      return p.bringInAll(taskIds).recover(e -> Future.failedFuture(new ServiceError.StoreUnavailable(
          "The task store could not be read; retry later"))).compose(v -> waitHeld(taskIds, timeout, returnWhen));
    }
    return waitHeld(taskIds, timeout, returnWhen);
  }

  /** {@link #wait}, once the tasks parked here are in memory. */
  private Future<WaitOutcome> waitHeld(List<String> taskIds, Double timeout, ReturnWhen returnWhen) {
    TaskFinishes feed = finishes;
    if (feed != null && taskIds.stream().anyMatch(id -> registry.get(id) == null)) {
      return waitAcrossNodes(taskIds, timeout, returnWhen, feed);
    }
    Map<String, TaskRecord> recs = new LinkedHashMap<>();
    String loopName = null;
    for (int i = 0; i < taskIds.size(); i++) {
      String id = taskIds.get(i);
      TaskRecord r = registry.get(id);
      if (r == null) {
        throw new ServiceError.NotFound("tasks[" + i + "]", "Task " + id + " not found");
      }
      if (loopName == null) {
        loopName = r.loopName();
      } else if (!loopName.equals(r.loopName())) {
        throw new ServiceError.Invalid("tasks[" + i + "]", "task " + id + " runs on loop '" + r.loopName()
            + "' and task " + taskIds.get(0) + " on loop '" + loopName + "': asyncio.wait takes tasks of one loop");
      }
      recs.put(id, r);
    }
    NamedLoop l = loops.require(loopName, "tasks");
    return l.call(() -> {
      EventLoop loop = l.loop();
      Set<AsyncFuture<Object>> futures = new LinkedHashSet<>();
      Map<AsyncFuture<?>, String> idOf = new LinkedHashMap<>();
      for (TaskRecord r : recs.values()) {
        futures.add(r.task());
        idOf.put(r.task(), r.id());
      }
      return waitOn(loop, futures, idOf, recs, timeout, returnWhen);
    }).compose(f -> f);
  }

  /**
   * {@code asyncio.wait} over tasks of which some run on other nodes: each of those stands for a future on the
   * wait's loop, done when the task's row says it is done or when this node's feed of the event log says it
   * finished (watched before the rows are read, so a finish between the two is not missed).
   */
  private Future<WaitOutcome> waitAcrossNodes(List<String> taskIds, Double timeout, ReturnWhen returnWhen, TaskFinishes feed) {
    Map<String, io.vertx.core.Promise<Void>> finished = new LinkedHashMap<>();
    List<Runnable> unwatch = new ArrayList<>();
    List<Future<org.vertxasyncio.service.store.StoredTask>> rows = new ArrayList<>();
    for (String id : taskIds) {
      if (registry.get(id) == null && !finished.containsKey(id)) {
        io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
        finished.put(id, p);
        unwatch.add(feed.watch(id, json -> p.tryComplete()));
      }
    }
    for (String id : finished.keySet()) {
      rows.add(journal.store().get(id));
    }
    return Future.all(rows).transform(read -> {
      if (read.failed()) {
        unwatch.forEach(Runnable::run);
        return Future.failedFuture(new ServiceError.StoreUnavailable("The task store cannot be read now; retry later"));
      }
      Map<String, org.vertxasyncio.service.store.StoredTask> found = new LinkedHashMap<>();
      for (Future<org.vertxasyncio.service.store.StoredTask> f : rows) {
        if (f.result() != null) {
          found.put(f.result().id(), f.result());
        }
      }
      String loopName = null;
      Map<String, TaskRecord> recs = new LinkedHashMap<>();
      for (int i = 0; i < taskIds.size(); i++) {
        String id = taskIds.get(i);
        TaskRecord r = registry.get(id);
        org.vertxasyncio.service.store.StoredTask row = found.get(id);
        String loop = r != null ? r.loopName() : row != null ? row.loop() : null;
        if (loop == null) {
          unwatch.forEach(Runnable::run);
          return Future.failedFuture(new ServiceError.NotFound("tasks[" + i + "]", "Task " + id + " not found"));
        }
        if (loopName == null) {
          loopName = loop;
        } else if (!loopName.equals(loop)) {
          unwatch.forEach(Runnable::run);
          return Future.failedFuture(new ServiceError.Invalid("tasks[" + i + "]", "task " + id + " runs on loop '" + loop
              + "' and task " + taskIds.get(0) + " on loop '" + loopName + "': asyncio.wait takes tasks of one loop"));
        }
        if (r != null) {
          recs.put(id, r);
        }
      }
      NamedLoop l = loops.get(loopName);
      if (l == null) {
        unwatch.forEach(Runnable::run);
        return Future.failedFuture(new ServiceError.NotFound("tasks", "Loop '" + loopName + "' not found on this node"));
      }
      return l.call(() -> {
        EventLoop loop = l.loop();
        Set<AsyncFuture<Object>> futures = new LinkedHashSet<>();
        Map<AsyncFuture<?>, String> idOf = new LinkedHashMap<>();
        for (String id : new LinkedHashSet<>(taskIds)) {
          TaskRecord r = recs.get(id);
          AsyncFuture<Object> f;
          if (r != null) {
            f = r.task();
          } else {
            f = loop.createFuture();
            io.vertx.core.Promise<Void> p = finished.get(id);
            if (!"pending".equals(found.get(id).state()) || p.future().isComplete()) {
              f.setResult(null);
            } else {
              AsyncFuture<Object> g = f;
              p.future().onComplete(x -> loop.context().runOnContext(v -> {
                if (!g.done()) {
                  g.setResult(null);
                }
              }));
            }
          }
          futures.add(f);
          idOf.put(f, id);
        }
        return waitOn(loop, futures, idOf, recs, timeout, returnWhen);
      }).compose(f -> f).onComplete(ar -> unwatch.forEach(Runnable::run));
    });
  }

  /**
   * asyncio.wait over {@code futures} on {@code loop} (on its context), answered as the ids that are done and
   * those still pending. A closed loop runs nothing (its tasks were all done before it closed); if the wait
   * itself is cancelled (the loop closing, the service shutting down) the answer is the tasks' state then.
   */
  private static Future<WaitOutcome> waitOn(EventLoop loop, Set<AsyncFuture<Object>> futures, Map<AsyncFuture<?>, String> idOf,
      Map<String, TaskRecord> recs, Double timeout, ReturnWhen returnWhen) {
    if (loop.isClosed()) {
      return Future.succeededFuture(split(idOf, recs));
    }
    Task<WaitResult<Object>> waiter = loop.createTask(Asyncio.wait(futures, timeout, returnWhen), "wait");
    return waiter.asVertxFuture().transform(ar -> {
      if (ar.failed()) {
        return Future.succeededFuture(split(idOf, recs));
      }
      List<String> done = new ArrayList<>();
      List<String> pending = new ArrayList<>();
      for (Map.Entry<AsyncFuture<?>, String> e : idOf.entrySet()) {
        (ar.result().done().contains(e.getKey()) ? done : pending).add(e.getValue());
      }
      return Future.succeededFuture(new WaitOutcome(done, pending));
    });
  }

  private static WaitOutcome split(Map<AsyncFuture<?>, String> idOf, Map<String, TaskRecord> recs) {
    List<String> done = new ArrayList<>();
    List<String> pending = new ArrayList<>();
    for (Map.Entry<AsyncFuture<?>, String> e : idOf.entrySet()) {
      (e.getKey().done() ? done : pending).add(e.getValue());
    }
    return new WaitOutcome(done, pending);
  }

  // ------------------------------------------------------------------ shutdown

  /** Completes when every task of the service is done, or after {@code seconds}: true if all were. */
  public Future<Boolean> awaitAllDone(io.vertx.core.Vertx vertx, double seconds) {
    List<Future<TaskView>> fs = new ArrayList<>();
    for (TaskRecord r : registry.all()) {
      if (!r.whenDone().isDone()) {
        fs.add(Future.fromCompletionStage(r.whenDone()));
      }
    }
    if (fs.isEmpty()) {
      return Future.succeededFuture(true);
    }
    io.vertx.core.Promise<Boolean> p = io.vertx.core.Promise.promise();
    long timer = vertx.setTimer(Math.max(1, (long) (seconds * 1000)), t -> p.tryComplete(false));
    Future.join(fs).onComplete(ar -> {
      vertx.cancelTimer(timer);
      p.tryComplete(true);
    });
    return p.future();
  }
}
