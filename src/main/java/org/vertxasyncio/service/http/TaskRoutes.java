package org.vertxasyncio.service.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Predicate;
import org.vertxasyncio.asyncio.ReturnWhen;
import org.vertxasyncio.service.store.TaskQuery;
import org.vertxasyncio.service.tasks.TaskRecord;
import org.vertxasyncio.service.tasks.TaskRegistry;
import org.vertxasyncio.service.tasks.TaskSpec;
import org.vertxasyncio.service.tasks.TaskState;
import org.vertxasyncio.service.tasks.TaskView;

/** {@code /tasks} and {@code /wait}. */
final class TaskRoutes {
  private final Api api;
  private final Vertx vertx;

  TaskRoutes(Api api, Vertx vertx) {
    this.api = api;
    this.vertx = vertx;
  }

  /**
   * {@code POST /tasks}:
   * {@code curl -s -XPOST localhost:8080/tasks -H 'content-type: application/json' -d '{"kind":"sleep","seconds":1,"result":"hi"}'}
   */
  void submit(RoutingContext rc) {
    Double wait = waitParam(rc);
    TaskSpec spec = TaskSpec.parse(Http.body(rc), api.config(), api.webhookGuard());
    Http.back(api.tasks().submit(spec, wait)).onComplete(ar -> {
      if (ar.failed()) {
        Http.fail(rc, ar.cause());
        return;
      }
      TaskRecord rec = ar.result();
      rc.response().putHeader("Location", "/tasks/" + rec.id());
      answerWhenDone(rc, rec, wait, 201);
    });
  }

  /**
   * {@code GET /tasks/{id}?wait=S}: {@code curl -s 'localhost:8080/tasks/ID?wait=5'}. A task this node does not
   * hold is answered as the store keeps it (another node runs it, or ran it).
   */
  void get(RoutingContext rc) {
    Double wait = waitParam(rc);
    String id = Http.path(rc, "id");
    TaskRecord rec = held(id);
    if (rec != null) {
      answerWhenDone(rc, rec, wait, 200);
      return;
    }
    Http.back(api.tasks().stored().jsonWhenDone(id, wait == null ? 0 : wait, vertx)).onComplete(ar -> {
      if (ar.failed()) {
        Http.fail(rc, ar.cause());
      } else if (ar.result() == null) {
        Http.fail(rc, ApiError.notFound(null, "Task " + id + " not found"));
      } else {
        Http.json(rc, 200, ar.result());
      }
    });
  }

  /** {@code GET /tasks?state=&kind=&loop=&name=&limit=&cursor=}: {@code curl -s 'localhost:8080/tasks?state=finished&limit=10'} */
  void list(RoutingContext rc) {
    // the document allows only the enums' names here
    TaskState state = Http.query(rc, "state") == null ? null : TaskState.fromLabel(Http.query(rc, "state"));
    TaskSpec.Kind kind = Http.query(rc, "kind") == null ? null : TaskSpec.Kind.fromLabel(Http.query(rc, "kind"));
    String loop = Http.query(rc, "loop");
    String name = Http.query(rc, "name");
    String limitText = Http.query(rc, "limit");
    int limit = limitText == null ? 50 : (int) Double.parseDouble(limitText);
    String cursor = Http.query(rc, "cursor");
    Predicate<TaskView> filter = v -> (state == null || state == v.state()) && (kind == null || kind == v.kind())
        && (loop == null || loop.equals(v.loop())) && (name == null || name.equals(v.name()));
    if (api.tasks().stored().listsFromStore()) {
      // other nodes' tasks too: the store's rows, in the same order, with the same filters and cursor
      TaskQuery query = new TaskQuery(state == null ? null : state.label(), kind == null ? null : kind.label(), loop, name,
          cursor, limit);
      Http.back(api.tasks().stored().list(query, filter)).onComplete(ar -> {
        if (ar.failed()) {
          Http.fail(rc, ar.cause());
        } else {
          answerList(rc, ar.result().tasks(), ar.result().nextCursor());
        }
      });
      return;
    }
    TaskRegistry.Page page = api.registry().list(filter, limit, cursor);
    answerList(rc, page.tasks().stream().map(TaskView::json).toList(), page.nextCursor());
  }

  /** Each task's JSON text as its snapshot (or its row) keeps it, not encoded again for this list. */
  private static void answerList(RoutingContext rc, List<String> tasks, String nextCursor) {
    StringBuilder out = new StringBuilder(64 + 512 * tasks.size()).append("{\"tasks\":[");
    for (int i = 0; i < tasks.size(); i++) {
      out.append(i == 0 ? "" : ",").append(tasks.get(i));
    }
    out.append("],\"nextCursor\":").append(Json.encode(nextCursor)).append('}');
    Http.json(rc, 200, out.toString());
  }

  /**
   * {@code POST /tasks/{id}/cancel}: {@code curl -s -XPOST localhost:8080/tasks/ID/cancel}. A task another node
   * runs is cancelled there (the answer is whether it was pending when the request was recorded).
   */
  void cancel(RoutingContext rc) {
    String id = Http.path(rc, "id");
    TaskRecord rec = held(id);
    Http.back(rec != null ? api.tasks().cancel(rec) : api.tasks().stored().cancel(id)).onComplete(ar -> {
      if (ar.failed()) {
        Http.fail(rc, ar.cause());
      } else {
        Http.json(rc, 200, new JsonObject().put("cancelled", ar.result()));
      }
    });
  }

  /**
   * {@code POST /tasks/{id}/callbacks/{n}/redeliver}: delivers webhook {@code n} of the callback log again,
   * from this node, whichever node ran the task; 202 with the log entry. {@code curl -s -XPOST localhost:8080/tasks/ID/callbacks/1/redeliver}
   */
  void redeliver(RoutingContext rc) {
    String id = Http.path(rc, "id");
    TaskRecord rec = api.registry().get(id);
    int n = Integer.parseInt(Http.path(rc, "n"));
    // a task this node does not have (another node of the cluster ran it): its delivery, from the outbox
    Http.back(rec != null ? api.tasks().redeliver(rec, n) : api.tasks().redeliverStored(id, n)).onComplete(ar -> {
      if (ar.failed()) {
        Http.fail(rc, ar.cause());
      } else {
        Http.json(rc, 202, ar.result().toJson());
      }
    });
  }

  /**
   * {@code DELETE /tasks/{id}}: {@code curl -s -XDELETE localhost:8080/tasks/ID}. A done task of another node is
   * removed from the store, and every node forgets it.
   */
  void delete(RoutingContext rc) {
    String id = Http.path(rc, "id");
    TaskRecord rec = held(id);
    if (rec != null) {
      api.tasks().delete(rec);
      Http.back(api.tasks().stored().deletedHere(id)).onComplete(ar -> rc.response().setStatusCode(204).end());
      return;
    }
    Http.back(api.tasks().stored().delete(id)).onComplete(ar -> {
      if (ar.failed()) {
        Http.fail(rc, ar.cause());
      } else {
        rc.response().setStatusCode(204).end();
      }
    });
  }

  /**
   * {@code POST /wait}:
   * {@code curl -s -XPOST localhost:8080/wait -H 'content-type: application/json' -d '{"tasks":["ID1","ID2"],"returnWhen":"FIRST_COMPLETED","timeout":5}'}
   */
  void waitFor(RoutingContext rc) {
    JsonObject body = Http.body(rc);
    JsonArray arr = body.getJsonArray("tasks");
    List<String> ids = new ArrayList<>(new LinkedHashSet<>(arr.stream().map(String::valueOf).toList()));
    ReturnWhen rw = ReturnWhen.valueOf(body.getString("returnWhen", "ALL_COMPLETED"));
    Number t = (Number) body.getValue("timeout");
    double max = api.config().maxWaitSeconds;
    if (t != null && t.doubleValue() > max) {
      throw ApiError.invalid("timeout", "must be at most " + fmt(max) + " seconds (limits.wait.max), got " + t);
    }
    double timeout = t == null ? max : t.doubleValue();
    Http.back(api.tasks().wait(ids, timeout, rw)).onComplete(ar -> {
      if (ar.failed()) {
        Http.fail(rc, ar.cause());
      } else {
        Http.json(rc, 200, new JsonObject().put("done", new JsonArray(ar.result().done()))
            .put("pending", new JsonArray(ar.result().pending())));
      }
    });
  }

  // ------------------------------------------------------------------ helpers

  private TaskRecord record(RoutingContext rc) {
    String id = Http.path(rc, "id");
    TaskRecord rec = held(id);
    if (rec == null) {
      throw ApiError.notFound(null, "Task " + id + " not found");
    }
    return rec;
  }

  /** The record of task {@code id} if this node runs it (or ran it), else null: another node answers for it. */
  private TaskRecord held(String id) {
    TaskRecord rec = api.registry().get(id);
    // a task whose lease this node lost is a peer's now, though its record is still being forgotten here
    return rec == null || rec.dropped() ? null : rec;
  }

  private Double waitParam(RoutingContext rc) {
    Double w = Http.queryNumber(rc, "wait");
    if (w != null && (w.isNaN() || w > api.config().maxWaitSeconds)) {
      throw ApiError.invalid("wait", "must be between 0 and " + fmt(api.config().maxWaitSeconds) + " seconds (limits.wait.max), got " + w);
    }
    return w;
  }

  /**
   * Answers with the task now if it is done or no wait was asked; else when its record is done or
   * after {@code wait} seconds, whichever comes first. No thread waits: a timer and a future callback.
   */
  private void answerWhenDone(RoutingContext rc, TaskRecord rec, Double wait, int status) {
    // whenDone, not the view: a finish is told once it is committed to the task store
    if (wait == null || wait <= 0 || rec.whenDone().isDone()) {
      Http.json(rc, status, rec.view().json());
      return;
    }
    boolean[] answered = {false};
    Runnable answer = () -> {
      if (!answered[0]) {
        answered[0] = true;
        Http.json(rc, status, rec.view().json());
      }
    };
    long timer = vertx.setTimer(Math.max(1, Math.round(wait * 1000)), t -> answer.run());
    // before the done callback, which may answer at once (the task finished on its loop meanwhile)
    rc.response().closeHandler(v -> vertx.cancelTimer(timer));
    Http.back(Future.fromCompletionStage(rec.whenDone())).onComplete(ar -> {
      vertx.cancelTimer(timer);
      answer.run();
    });
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
