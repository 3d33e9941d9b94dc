package org.vertxasyncio.service.tasks;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.ServiceError;
import org.vertxasyncio.service.store.StoredTask;
import org.vertxasyncio.service.store.TaskQuery;
import org.vertxasyncio.service.store.TaskStore;

/**
 * What a node answers for the tasks it does not hold in memory, from its {@link TaskStore}: those another
 * node runs (or ran) on a shared store, or that the store keeps and no loop runs now. A task this node holds
 * is answered from memory ({@link TaskRegistry}) first: its view is at least as new as its row.
 *
 * <ul>
 *   <li>read: the task's JSON as its row keeps it, the same text its node published;</li>
 *   <li>listed: on a shared store every node lists the store's rows (the filters, order and cursor of the
 *       registry's list), each shown as this node's view when it holds the task;</li>
 *   <li>cancelled: the request is recorded in the row in one atomic step that also answers asyncio's boolean;
 *       the node that holds the task is woken and cancels it there, where its {@code CancelledError} reaches
 *       its await ({@link TaskService#cancelAsked}); a node that claims it later cancels it before it runs;</li>
 *   <li>deleted: a done task's row is removed and every node forgets the task
 *       ({@link TaskService#deletedElsewhere}); a pending one is refused (409) as on its own node.</li>
 * </ul>
 * On one node, the tasks the store holds and memory does not are the parked ones ({@link ParkedTasks}): they are
 * listed from the store while there are any; a cancel brings the task in and cancels it there; a long poll brings it
 * in if it may finish within the wait, else answers with its row once the wait is over.
 *
 * <p>Threads: called from HTTP handlers; the futures may complete on the store's thread (hop back before
 * touching state). A store that cannot be read makes them fail with {@code StoreUnavailable} (503).
 */
public final class StoredTasks {
  private static final Logger LOG = LoggerFactory.getLogger(StoredTasks.class);

  private final TaskService service;

  StoredTasks(TaskService service) {
    this.service = service;
  }

  private TaskStore store() {
    return service.journal().store();
  }

  /** True if tasks may be in the store and not in this node's memory: the store is shared. */
  public boolean listsFromStore() {
    return store().shared() || service.parked().count() > 0;
  }

  /**
   * The JSON of task {@code id}, which this node does not hold, as the store last committed it.
   *
   * @return null when the store has no such task; failed with {@code StoreUnavailable} when it cannot be read
   */
  public Future<String> json(String id) {
    if (!store().durable()) {
      return Future.succeededFuture(null);
    }
    return store().get(id).transform(ar -> ar.succeeded() ? Future.succeededFuture(ar.result() == null ? null
        : ar.result().record().get()) : unreadable(ar.cause()));
  }

  /**
   * The JSON of task {@code id}, which this node does not hold, once it is done or after {@code wait} seconds,
   * whichever comes first: a long poll on a task that runs on another node ends as soon as this node's feed of
   * the cluster's event log says it finished (watched before the row is read, so a finish between the two is
   * not missed). Without that feed (no cluster), at once.
   *
   * @return null when the store has no such task (or it was deleted meanwhile); failed with
   *     {@code StoreUnavailable} when it cannot be read
   */
  public Future<String> jsonWhenDone(String id, double wait, io.vertx.core.Vertx vertx) {
    org.vertxasyncio.service.events.TaskFinishes feed = service.finishes();
    if (feed == null && wait > 0 && service.parked().local()) {
      return parkedJsonWhenDone(id, wait, vertx);
    }
    if (feed == null || wait <= 0) {
      return json(id);
    }
    io.vertx.core.Promise<String> answer = io.vertx.core.Promise.promise();
    Runnable unwatch = feed.watch(id, data -> {
      if (data != null) {
        answer.tryComplete(data);
      } else {
        json(id).onComplete(r -> settle(answer, r)); // deleted: as the store has it now (gone)
      }
    });
    json(id).onComplete(ar -> {
      if (ar.failed() || ar.result() == null || new JsonObject(ar.result()).getBoolean("done", false)) {
        unwatch.run();
        settle(answer, ar);
        return;
      }
      long timer = vertx.setTimer(Math.max(1, Math.round(wait * 1000)), t -> {
        unwatch.run();
        json(id).onComplete(r -> settle(answer, r));
      });
      answer.future().onComplete(x -> vertx.cancelTimer(timer));
    });
    return answer.future();
  }

  /**
   * A long poll on one node on a task memory does not hold: brought in if it is parked and may finish within the
   * wait, then answered when it is done or the wait is over; a task still parked is answered with its row once the
   * wait is over.
   */
  private Future<String> parkedJsonWhenDone(String id, double wait, io.vertx.core.Vertx vertx) {
    return service.parked().bringIn(id, wait).transform(in -> {
      if (in.failed()) {
        return unreadable(in.cause());
      }
      TaskRecord rec = in.result();
      io.vertx.core.Promise<String> answer = io.vertx.core.Promise.promise();
      if (rec != null) {
        long timer = vertx.setTimer(Math.max(1, Math.round(wait * 1000)), t -> answer.tryComplete(rec.view().json()));
        rec.whenDone().whenComplete((v, e) -> {
          vertx.cancelTimer(timer);
          answer.tryComplete(rec.view().json());
        });
        return answer.future();
      }
      json(id).onComplete(ar -> {
        if (ar.failed() || ar.result() == null || new JsonObject(ar.result()).getBoolean("done", false)) {
          settle(answer, ar);
        } else {
          vertx.setTimer(Math.max(1, Math.round(wait * 1000)), t -> json(id).onComplete(r -> settle(answer, r)));
        }
      });
      return answer.future();
    });
  }

  private static void settle(io.vertx.core.Promise<String> p, io.vertx.core.AsyncResult<String> r) {
    if (r.succeeded()) {
      p.tryComplete(r.result());
    } else {
      p.tryFail(r.cause());
    }
  }

  /** One page of a listing: each task's JSON text, newest first, and the cursor of the next page (null: the last). */
  public record Listing(List<String> tasks, String nextCursor) {
  }

  /**
   * One page of the store's tasks; each one this node holds is shown as its view here when that view
   * matches the filters still (it may be newer than its row), else as its row. A store that cannot be read
   * answers from this node's memory, as every read does during an outage.
   *
   * @param local the filters as a test of a view (the same as {@code query}'s)
   */
  public Future<Listing> list(TaskQuery query, Predicate<TaskView> local) {
    return store().list(query).transform(ar -> {
      if (ar.failed()) {
        LOG.warn("tasks listed from this node's memory: the task store cannot be read ({})", String.valueOf(ar.cause()));
        TaskRegistry.Page p = service.registry().list(local, query.limit(), query.cursor());
        return Future.succeededFuture(new Listing(p.tasks().stream().map(TaskView::json).toList(), p.nextCursor()));
      }
      List<String> out = new ArrayList<>(ar.result().tasks().size());
      for (StoredTask row : ar.result().tasks()) {
        TaskRecord here = service.registry().get(row.id());
        TaskView v = here == null ? null : here.view();
        out.add(v != null && local.test(v) ? v.json() : row.record().get());
      }
      return Future.succeededFuture(new Listing(out, ar.result().nextCursor()));
    });
  }

  /**
   * {@code cancel()} of task {@code id}, which this node does not hold.
   *
   * @return true if it was pending (its node cancels it), false if it was done; failed with {@code NotFound},
   *     or {@code StoreUnavailable} when the store cannot be reached (nothing was recorded then)
   */
  public Future<Boolean> cancel(String id) {
    if (!store().durable()) {
      return Future.failedFuture(notFound(id));
    }
    if (service.parked().local()) {
      // a task parked here is brought in and cancelled on its loop, as a held one
      return service.parked().bringIn(id).transform(ar -> {
        if (ar.failed()) {
          return unreadable(ar.cause());
        }
        return ar.result() != null ? service.cancel(ar.result()) : requestCancel(id);
      });
    }
    return requestCancel(id);
  }

  private Future<Boolean> requestCancel(String id) {
    return store().requestCancel(id).transform(ar -> {
      if (ar.failed()) {
        return unreadable(ar.cause());
      }
      return switch (ar.result()) {
        case MISSING -> Future.failedFuture(notFound(id));
        case PENDING -> {
          if (!store().shared()) {
            yield Future.failedFuture(new ServiceError.Conflict(ServiceError.Conflict.Reason.TASK_PENDING, "Task " + id
                + " is kept in the task store and runs on no loop now; it cannot be cancelled until it does"));
          }
          LOG.info("task {} cancel requested: true (recorded for the node that runs it)", id);
          yield Future.succeededFuture(true);
        }
        case DONE -> Future.succeededFuture(false);
      };
    });
  }

  /**
   * Forgets done task {@code id}, which this node does not hold: its row goes, and every node forgets it.
   *
   * @return failed with {@code NotFound}, {@code Conflict} when it is pending, {@code StoreUnavailable} when the
   *     store cannot be reached (nothing was removed then)
   */
  public Future<Void> delete(String id) {
    if (!store().durable()) {
      return Future.failedFuture(notFound(id));
    }
    return store().deleteDone(id).transform(ar -> {
      if (ar.failed()) {
        return unreadable(ar.cause());
      }
      return switch (ar.result()) {
        case MISSING -> Future.failedFuture(notFound(id));
        case PENDING -> Future.failedFuture(new ServiceError.Conflict(ServiceError.Conflict.Reason.TASK_PENDING, "Task " + id
            + " is pending; cancel it or wait for it first"));
        case DONE -> {
          LOG.info("task {} deleted", id);
          JsonObject gone = new JsonObject().put("id", id);
          service.events().publish("task.deleted", id, gone);
          // with the cluster's event log: queued once the row's removal is committed
          service.journal().withEvents(() -> {
          }, () -> List.of(TaskJournal.event("task.deleted", id, gone)));
          yield Future.<Void>succeededFuture();
        }
      };
    });
  }

  /**
   * Tells the other nodes to forget done task {@code id}, which this node deleted ({@link TaskService#delete}):
   * they may hold it in memory (restored at their start). Its row goes too, if the queued delete has not
   * taken it yet. Never fails: a node that did not hear of it forgets it with its retention.
   */
  public Future<Void> deletedHere(String id) {
    if (!store().shared()) {
      return Future.succeededFuture();
    }
    return store().deleteDone(id).<Void>mapEmpty().recover(e -> {
      LOG.warn("task {} deleted here; the other nodes were not told ({}): they forget it with their retention", id,
          String.valueOf(e));
      return Future.succeededFuture();
    });
  }

  private static ServiceError.NotFound notFound(String id) {
    return new ServiceError.NotFound(null, "Task " + id + " not found");
  }

  private static <T> Future<T> unreadable(Throwable cause) {
    LOG.error("the task store could not be read: {}", String.valueOf(cause));
    return Future.failedFuture(new ServiceError.StoreUnavailable("The task store cannot reach its database; retry later"));
  }
}
