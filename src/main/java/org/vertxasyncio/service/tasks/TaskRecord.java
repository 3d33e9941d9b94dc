package org.vertxasyncio.service.tasks;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.CancelledError;
import org.vertxasyncio.asyncio.Task;
import org.vertxasyncio.service.store.StoredTask;
import org.vertxasyncio.service.tasks.TaskView.ExceptionInfo;

/**
 * The service's record of one task: the asyncio {@link Task}, what it was asked to do, and what happened
 * to it, with its callback log.
 *
 * <p>Invariants: everything but the final fields and {@link #view()} / {@link #whenDone()} is touched only
 * on the thread of the task's event loop. Each change ends with {@link #publish()}, which makes a new
 * immutable {@link TaskView}; other threads read only that snapshot. The record is done (its view says
 * so, and {@link #whenDone()} completes) when its own done callback has fired, not before. Once its
 * journal is set (after its row was queued), every published change is written to the store too.
 */
public final class TaskRecord {
  private final String id;
  private final TaskSpec spec;
  private final String parent;
  private final Instant createdAt;

  private final String name;
  /** The node that runs the task, or ran it: the one that made it, then the one that recovered it. */
  private String node;
  /** The asyncio task; for a task that was done before a restart, a done future with its outcome. */
  private AsyncFuture<Object> task;
  private List<String> children = List.of();
  private TaskState state = TaskState.PENDING;
  private Object result;
  private ExceptionInfo exception;
  private Instant startedAt;
  private Instant doneAt;
  private final List<CallbackEntry> log = new ArrayList<>();
  /** When a started sleep ends, and when a started task with a timeout times out: kept to recover them. */
  private Instant sleepDeadline;
  private Instant timeoutDeadline;
  private Double lateSeconds;
  private int recoveries;
  private TaskJournal journal;
  /** In a cluster: the node holding the task's lease, and the lease's token (its writes are fenced with it). */
  private volatile String owner;
  private volatile String leaseToken;
  /** While set, changes are published but not written: a finish waits for its webhook entries ({@link #holdWrites}). */
  private boolean writesHeld;
  /** Set once the node lost the task's lease: it finishes, publishes and writes nothing more for it. */
  private volatile boolean dropped;

  private volatile TaskView view;
  private final CompletableFuture<TaskView> done = new CompletableFuture<>();

  /**
   * @param name the spec's, or one {@link TaskNames} gave
   * @param node the node that makes it (and runs it)
   */
  TaskRecord(String id, String name, String node, TaskSpec spec, String parent, Instant createdAt) {
    this.id = id;
    this.name = name;
    this.node = node;
    this.spec = spec;
    this.parent = parent;
    this.createdAt = createdAt;
  }

  public String id() {
    return id;
  }

  /** The task's name, from its creation on (its asyncio task is given it). */
  public String name() {
    return name;
  }

  public String loopName() {
    return spec.loop();
  }

  public TaskSpec spec() {
    return spec;
  }

  /** The latest snapshot; any thread. */
  public TaskView view() {
    return view;
  }

  /** Completes with the final snapshot once the record's done callback has fired; any thread. */
  public CompletableFuture<TaskView> whenDone() {
    return done;
  }

  // ------------------------------------------------------------------ on the loop thread

  /**
   * A task this node accepted and placed with its peers (it runs none of it): its children's ids, and its
   * first snapshot; no task is ever attached here.
   */
  void placed(List<String> childIds) {
    this.children = List.copyOf(childIds);
    publish();
  }

  /** The asyncio task (or, for a task done before a restart, a done future); on the loop thread only. */
  AsyncFuture<Object> task() {
    return task;
  }

  void attach(Task<Object> t, List<String> childIds) {
    this.task = t;
    this.children = List.copyOf(childIds);
    publish();
  }

  /** A task that was done before a restart: the done future that stands for it. */
  void attachDone(AsyncFuture<Object> f) {
    this.task = f;
  }

  /** The coroutine starts: the absolute deadlines of its sleep and its timeout start counting now. */
  void started(Instant at) {
    startedAt = at;
    if (spec.kind() == TaskSpec.Kind.SLEEP && spec.seconds() != null) {
      sleepDeadline = at.plusNanos((long) (spec.seconds() * 1e9));
    }
    if (spec.timeout() != null) {
      timeoutDeadline = at.plusNanos((long) (spec.timeout() * 1e9));
    }
    publish();
  }

  Instant sleepDeadline() {
    return sleepDeadline;
  }

  Instant timeoutDeadline() {
    return timeoutDeadline;
  }

  /**
   * Picked up again after a restart, to run on {@code by}; {@code late}: by how much its deadline had passed
   * (null: it had not).
   */
  void recovered(Double late, String by) {
    node = by;
    recoveries++;
    lateSeconds = late;
    publish();
  }

  /**
   * A parked task put on its loop, to run on {@code by}; {@code late}: by how much its deadline had passed (null:
   * it had not). Not a recovery: it was never on a loop before.
   */
  void staged(Double late, String by) {
    node = by;
    lateSeconds = late;
    publish();
  }

  /** When a started task is due: its sleep's end or its timeout, whichever is first (null: neither is set). */
  Instant dueAt() {
    if (sleepDeadline == null || (timeoutDeadline != null && timeoutDeadline.isBefore(sleepDeadline))) {
      return timeoutDeadline;
    }
    return sleepDeadline;
  }

  /** From now on every change is written to the store through {@code j}. */
  void journal(TaskJournal j) {
    this.journal = j;
  }

  /** The store's row for this record: an insert with the spec, or an update; on the loop thread. */
  StoredTask row(boolean insert) {
    TaskView v = view;
    return new StoredTask(id, spec.loop(), node, parent, v.state().label(), createdAt.toEpochMilli(),
        doneAt == null ? null : doneAt.toEpochMilli(), sleepDeadline == null ? null : sleepDeadline.toEpochMilli(),
        timeoutDeadline == null ? null : timeoutDeadline.toEpochMilli(), insert ? StoredSpec.encode(spec) : null,
        v::json, owner, leaseToken);
  }

  /** Holds the task under a lease of {@code node} with {@code token} (before its row is written). */
  void lease(String node, String token) {
    this.owner = node;
    this.leaseToken = token;
  }

  /** The node holding the task's lease (null: none, or no cluster); any thread. */
  public String owner() {
    return owner;
  }

  /** The token of the task's lease (null: none); any thread. */
  public String leaseToken() {
    return leaseToken;
  }

  /**
   * The node lost the task's lease: from now on nothing is written, published or delivered for it here;
   * any thread (the store's, on a fenced write that matched nothing). True the first time.
   */
  public boolean markDropped() {
    if (dropped) {
      return false;
    }
    dropped = true;
    return true;
  }

  /** True once the lease is lost ({@link #markDropped()}); any thread. */
  public boolean dropped() {
    return dropped;
  }

  /**
   * A record as the store kept it: its state, log and deadlines, no task yet (see {@link #attach} and
   * {@link #attachDone}). A done one's {@link #whenDone()} is complete.
   *
   * @param here this node: the node of a row kept before the store recorded nodes (one node had the store then)
   */
  static TaskRecord restore(StoredTask row, TaskSpec spec, String here) {
    JsonObject j = new JsonObject(row.record().get());
    String node = row.node() != null ? row.node() : j.getString("node", here);
    TaskRecord r = new TaskRecord(row.id(), j.getString("name"), node, spec, row.parent(),
        Instant.ofEpochMilli(row.createdAt()));
    r.state = TaskState.fromLabel(row.state());
    r.result = j.getValue("result");
    r.exception = ExceptionInfo.fromJson(j.getJsonObject("exception"));
    r.startedAt = j.getString("startedAt") == null ? null : Instant.parse(j.getString("startedAt"));
    r.doneAt = row.doneAt() == null ? null : Instant.ofEpochMilli(row.doneAt());
    List<String> kids = new ArrayList<>();
    j.getJsonArray("children", new JsonArray()).forEach(c -> kids.add((String) c));
    r.children = List.copyOf(kids);
    for (Object e : j.getJsonArray("callbacks", new JsonArray())) {
      r.log.add(CallbackEntry.fromJson((JsonObject) e));
    }
    r.sleepDeadline = row.sleepDeadline() == null ? null : Instant.ofEpochMilli(row.sleepDeadline());
    r.timeoutDeadline = row.timeoutDeadline() == null ? null : Instant.ofEpochMilli(row.timeoutDeadline());
    Number late = j.getNumber("lateSeconds");
    r.lateSeconds = late == null ? null : late.doubleValue();
    r.recoveries = j.getInteger("recoveries", 0);
    r.owner = row.owner();
    r.leaseToken = row.leaseToken();
    r.publish();
    if (r.state.done()) {
      r.done.complete(r.view);
    }
    return r;
  }

  /** The children's ids (a gather's), as stored or attached. */
  List<String> children() {
    return children;
  }

  TaskState state() {
    return state;
  }

  Object result() {
    return result;
  }

  ExceptionInfo exception() {
    return exception;
  }

  /** The callback log; on the loop thread. */
  List<CallbackEntry> log() {
    return log;
  }

  boolean hasStarted() {
    return startedAt != null;
  }

  /** Takes the task's outcome and logs the record's own callback; called by that callback. */
  void finished(AsyncFuture<Object> f, Instant at) {
    if (f.cancelled()) {
      state = TaskState.CANCELLED;
      exception = new ExceptionInfo(CancelledError.class.getSimpleName(), "");
    } else if (f.exception() != null) {
      state = TaskState.FINISHED;
      exception = ExceptionInfo.of(f.exception());
    } else {
      state = TaskState.FINISHED;
      result = toJson(f.result());
    }
    doneAt = at;
    // the record's own callback entry goes with the done state, in one change (and one row written)
    log.add(CallbackEntry.record(at));
    publish();
  }

  void completeWaiters() {
    done.complete(view);
  }

  int addCallback(CallbackEntry e) {
    log.add(e);
    publish();
    return log.size() - 1;
  }

  /** Entry {@code i} of the callback log; on the loop thread. */
  public CallbackEntry callbackAt(int i) {
    return log.get(i);
  }

  /** Replaces entry {@code i} of the callback log and publishes; on the loop thread. */
  public void updateCallbackAt(int i, CallbackEntry e) {
    log.set(i, e);
    publish();
  }

  /**
   * Shows entry {@code i} of the callback log as the outbox wrote it to the store (so it is not written
   * again from here); on the loop thread. An entry of another delivery at {@code i} is left alone.
   */
  void showCallbackAt(int i, CallbackEntry e) {
    if (i < log.size() && java.util.Objects.equals(log.get(i).deliveryId(), e.deliveryId())) {
      log.set(i, e);
      view = snapshot();
    }
  }

  /** Publishes changes without writing them until {@link #releaseWrites}: the finish and its webhook entries are one write. */
  void holdWrites() {
    writesHeld = true;
  }

  /** Ends {@link #holdWrites}; the caller writes the record as it stands. */
  void releaseWrites() {
    writesHeld = false;
  }

  void publish() {
    view = snapshot();
    if (journal != null && !dropped && !writesHeld) {
      journal.changed(this);
    }
  }

  private TaskView snapshot() {
    return new TaskView(id, name, spec.kind(), spec.loop(), node, parent, state, result, exception,
        createdAt, startedAt, doneAt, children, List.copyOf(log), spec.echo(), lateSeconds, recoveries);
  }

  /** A task's result as JSON: gathered lists become arrays, exceptions in them {@code {"exception": {...}}}. */
  static Object toJson(Object v) {
    if (v instanceof List<?> l) {
      JsonArray a = new JsonArray();
      for (Object o : l) {
        a.add(toJson(o));
      }
      return a;
    }
    if (v instanceof Throwable t) {
      return new JsonObject().put("exception", ExceptionInfo.of(t).toJson());
    }
    return v;
  }

  @Override
  public String toString() {
    return "<TaskRecord " + id + " " + state.label() + ">";
  }
}
