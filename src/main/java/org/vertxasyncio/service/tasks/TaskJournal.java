package org.vertxasyncio.service.tasks;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.vertxasyncio.service.loops.LoopState;
import org.vertxasyncio.service.store.TaskStore;

/**
 * What the service writes to its {@link TaskStore}, and when: a new task's row (with its gather's new
 * children, in one unit) before its {@code 201}; each change of a record as it is published (state, log,
 * a finish with its webhooks' outbox rows, in one unit); removals (DELETE, retention); loop states; the SSE event-id and task-name reservations.
 *
 * <p>Invariants: a record's row is queued before any change of it (its journal is set only then), and
 * the store applies writes in the order they were queued. Once {@link #freeze() frozen} (shutdown, when
 * pending tasks are to be kept), nothing more is written: what the store holds is what the next start
 * recovers.
 */
public final class TaskJournal {
  private final TaskStore store;
  private volatile boolean frozen;

  public TaskJournal(TaskStore store) {
    this.store = store;
  }

  public TaskStore store() {
    return store;
  }

  /** True if the store keeps anything across restarts. */
  public boolean durable() {
    return store.durable();
  }

  /**
   * Queues the rows of new records as one unit and starts journaling their changes.
   *
   * @return completes on {@code ctx} when they are committed; failed if the commit failed
   */
  Future<Void> created(List<TaskRecord> recs, Context ctx) {
    if (frozen) {
      return Future.failedFuture(new org.vertxasyncio.service.store.StoreException("The task store is closed (shutting down)"));
    }
    if (!store.keepsTasks()) {
      return sync(ctx); // the rows would be dropped: not built, and no change of these records journaled
    }
    List<org.vertxasyncio.service.store.StoredTask> rows = new ArrayList<>(recs.size());
    for (TaskRecord r : recs) {
      rows.add(r.row(true));
      r.journal(this);
    }
    withEvents(() -> store.putAll(rows), () -> recs.stream().map(r -> taskEvent("task.created", r)).toList());
    return sync(ctx);
  }

  /**
   * Queues the row of a parked task ({@link ParkedTasks}), due at {@code until} (epoch milliseconds), with the
   * events {@code task.created} ({@code created}, its first snapshot) and {@code task.started}. The record's changes
   * are not journaled: it is not kept in memory.
   *
   * @return completes on {@code ctx} when it is committed; failed if the commit failed
   */
  Future<Void> parked(TaskRecord r, TaskView created, long until, Context ctx) {
    if (frozen) {
      return Future.failedFuture(new org.vertxasyncio.service.store.StoreException("The task store is closed (shutting down)"));
    }
    org.vertxasyncio.service.store.StoredTask row = r.row(true);
    withEvents(() -> store.park(row, until), () -> List.of(
        new org.vertxasyncio.service.store.LoggedEvent("task.created", r.id(), created::json), taskEvent("task.started", r)));
    return sync(ctx);
  }

  /** True if the store keeps the cluster's event log: the service's events go through {@link #withEvents}. */
  public boolean logsEvents() {
    return store.logsEvents();
  }

  /**
   * Runs {@code change} (which writes through this journal) and, when the store keeps the cluster's event log,
   * writes {@code events} (built after the change) in the same transaction as it ({@link TaskStore#withEvents}).
   * Once frozen, nothing is written: neither the change nor the events.
   */
  public void withEvents(Runnable change, java.util.function.Supplier<List<org.vertxasyncio.service.store.LoggedEvent>> events) {
    if (frozen || !store.logsEvents()) {
      change.run();
    } else {
      store.withEvents(change, events);
    }
  }

  /** An event whose data is a task's snapshot as it is now (after the change it describes). */
  static org.vertxasyncio.service.store.LoggedEvent taskEvent(String type, TaskRecord r) {
    org.vertxasyncio.service.tasks.TaskView v = r.view();
    return new org.vertxasyncio.service.store.LoggedEvent(type, r.id(), v::json);
  }

  /** An event whose data is {@code data} (not changed after). */
  public static org.vertxasyncio.service.store.LoggedEvent event(String type, String taskId, io.vertx.core.json.JsonObject data) {
    return new org.vertxasyncio.service.store.LoggedEvent(type, taskId, data::encode);
  }

  /** A record changed; on its loop thread. */
  void changed(TaskRecord r) {
    if (!frozen) {
      store.put(r.row(false));
    }
  }

  /**
   * A record's finish, with the outbox rows of its webhooks: written in one transaction; on its loop thread.
   */
  void finished(TaskRecord r, List<org.vertxasyncio.service.store.StoredDelivery> deliveries, double leaseSeconds) {
    if (!frozen) {
      store.finish(r.row(false), deliveries, leaseSeconds);
    }
  }

  /** A record was forgotten (DELETE, retention). */
  public void deleted(TaskRecord r) {
    if (!frozen) {
      store.delete(r.id());
    }
  }

  /** A loop's state changed. */
  public void loopState(String name, LoopState state) {
    if (!frozen) {
      store.putLoop(name, state.label());
    }
  }

  /** Event ids up to {@code upTo} may be handed out. */
  public void eventIdsReserved(long upTo) {
    if (!frozen) {
      store.putEventIdsReserved(upTo);
    }
  }

  /**
   * Reserves {@code block} numbers for task names ({@link TaskNames}); failed once frozen (shutting down).
   *
   * @return the first number, once the reservation is committed (on the store's thread)
   */
  Future<Long> reserveNames(int block) {
    if (frozen) {
      return Future.failedFuture(new org.vertxasyncio.service.store.StoreException("The task store is closed (shutting down)"));
    }
    return store.reserveNames(block);
  }

  /**
   * Completes on {@code ctx} when everything queued so far is committed (at once for the memory store, or
   * when frozen); failed if a commit failed.
   */
  public Future<Void> sync(Context ctx) {
    if (!store.durable() || frozen) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    store.sync().onComplete(ar -> ctx.runOnContext(v -> p.handle(ar)));
    return p.future();
  }

  /**
   * Refuses a write the store cannot take now: while it cannot reach its database (PostgreSQL down), a
   * request that would change tasks or loops is answered 503 rather than accepted and not kept.
   *
   * @throws org.vertxasyncio.service.ServiceError.StoreUnavailable when the store is not available
   */
  public void requireAvailable() {
    if (!store.available()) {
      throw unavailable();
    }
  }

  /** False while the store cannot reach its database ({@link TaskStore#available()}). */
  public boolean available() {
    return store.available();
  }

  /** The error a write refused for that gets: 503 {@code store_unavailable}. */
  public static org.vertxasyncio.service.ServiceError.StoreUnavailable unavailable() {
    return new org.vertxasyncio.service.ServiceError.StoreUnavailable("The task store cannot reach its database; "
        + "nothing was changed, retry later");
  }

  /** Writes nothing more from now on (shutdown keeping pending tasks). */
  public void freeze() {
    frozen = true;
  }

  public boolean frozen() {
    return frozen;
  }
}
