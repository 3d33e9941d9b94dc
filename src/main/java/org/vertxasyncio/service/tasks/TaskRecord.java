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
import org.vertxasyncio.service.tasks.TaskView.ExceptionInfo;

/**
 * The service's record of one task: the asyncio {@link Task}, what it was asked to do, and what happened
 * to it, with its callback log.
 *
 * <p>Invariants: everything but the final fields and {@link #view()} / {@link #whenDone()} is touched only
 * on the thread of the task's event loop. Each change ends with {@link #publish()}, which makes a new
 * immutable {@link TaskView}; other threads read only that snapshot. The record is done (its view says
 * so, and {@link #whenDone()} completes) when its own done callback has fired, not before.
 */
public final class TaskRecord {
  private final String id;
  private final TaskSpec spec;
  private final String parent;
  private final Instant createdAt;

  private String name;
  private Task<Object> task;
  private List<String> children = List.of();
  private String state = "pending";
  private Object result;
  private ExceptionInfo exception;
  private Instant startedAt;
  private Instant doneAt;
  private final List<CallbackEntry> log = new ArrayList<>();

  private volatile TaskView view;
  private final CompletableFuture<TaskView> done = new CompletableFuture<>();

  TaskRecord(String id, TaskSpec spec, String parent, Instant createdAt) {
    this.id = id;
    this.spec = spec;
    this.parent = parent;
    this.createdAt = createdAt;
  }

  public String id() {
    return id;
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

  /** The asyncio task; on the loop thread only. */
  Task<Object> task() {
    return task;
  }

  void attach(Task<Object> t, List<String> childIds) {
    this.task = t;
    this.name = t.getName();
    this.children = List.copyOf(childIds);
    publish();
  }

  void started(Instant at) {
    startedAt = at;
    publish();
  }

  boolean hasStarted() {
    return startedAt != null;
  }

  /** Takes the task's outcome; called by the record's own done callback. */
  void finished(AsyncFuture<Object> f, Instant at) {
    if (f.cancelled()) {
      state = "cancelled";
      exception = new ExceptionInfo(CancelledError.class.getSimpleName(), "");
    } else if (f.exception() != null) {
      state = "finished";
      exception = ExceptionInfo.of(f.exception());
    } else {
      state = "finished";
      result = toJson(f.result());
    }
    doneAt = at;
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

  void publish() {
    boolean isDone = !state.equals("pending");
    view = new TaskView(id, name, spec.kind().label(), spec.loop(), parent, state, isDone, result, exception,
        createdAt, startedAt, doneAt, children, List.copyOf(log), spec.echo());
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
    return "<TaskRecord " + id + " " + state + ">";
  }
}
