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
import org.vertxasyncio.service.config.ConfigKeys;
import org.vertxasyncio.service.store.TaskQuery;
import org.vertxasyncio.service.tasks.IdempotentSubmits;
import org.vertxasyncio.service.tasks.TaskRecord;
import org.vertxasyncio.service.tasks.TaskRegistry;
import org.vertxasyncio.service.tasks.TaskSpec;
import org.vertxasyncio.service.tasks.TaskState;
import org.vertxasyncio.service.tasks.TaskView;

/** {@code /tasks} and {@code /wait}. */
final class TaskRoutes {
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";
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
    String keyHeader = rc.request().getHeader(IDEMPOTENCY_KEY);
    String key = keyHeader == null ? null : idempotencyKey(rc, keyHeader);
    Double wait = waitParam(rc);
    TaskSpec spec = TaskSpec.parse(Http.body(rc), api.config(), api.webhookGuard());
    if (key != null) {
      submitKeyed(rc, key, spec, wait);
      return;
    }
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
   * {@code POST /tasks} with an {@code Idempotency-Key}: the task made now (201), or the one a request with the same key
   * and body made before (201 with {@code Idempotent-Replayed: true}, as it is now).
   * {@code curl -s -XPOST localhost:8080/tasks -H 'Idempotency-Key: order-42' -H 'content-type: application/json' -d '{"kind":"sleep","seconds":1}'}
   */
  private void submitKeyed(RoutingContext rc, String key, TaskSpec spec, Double wait) {
    Http.back(api.tasks().keyed().submit(key, spec, wait)).onComplete(ar -> {
      if (ar.failed()) {
        Http.fail(rc, ar.cause());
        return;
      }
      IdempotentSubmits.Outcome o = ar.result();
      rc.response().putHeader("Location", "/tasks/" + o.id());
      if (o.replayed()) {
        rc.response().putHeader(IDEMPOTENT_REPLAYED, "true");
      }
      if (o.record() != null) {
        answerWhenDone(rc, o.record(), wait, 201);
      } else if (wait == null || wait <= 0) {
        Http.json(rc, 201, o.json());
      } else {
        Http.back(api.tasks().stored().jsonWhenDone(o.id(), wait, vertx)).onComplete(done -> {
          if (done.failed()) {
            Http.fail(rc, done.cause());
          } else {
            Http.json(rc, 201, done.result() != null ? done.result() : o.json());
          }
        });
      }
    });
  }

  /**
   * The key an {@code Idempotency-Key} header carries: a token, or a quoted string (a structured field's string, as
   * the IETF draft writes it), of visible ASCII and at most {@code limits.idempotency.key.max} characters.
   *
   * @throws ApiError 400 naming the header when it is not one
   */
  private String idempotencyKey(RoutingContext rc, String raw) {
    if (rc.request().headers().getAll(IDEMPOTENCY_KEY).size() > 1) {
      throw ApiError.invalid(IDEMPOTENCY_KEY, "must be given once");
    }
    String key = raw.strip();
    if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
      key = key.substring(1, key.length() - 1);
      if (key.indexOf('"') >= 0 || key.indexOf('\\') >= 0) {
        throw ApiError.invalid(IDEMPOTENCY_KEY, "must be a token or a quoted string without escapes");
      }
    }
    int max = api.config().get(ConfigKeys.LIMITS_IDEMPOTENCY_KEY_MAX);
    if (key.isEmpty() || key.length() > max) {
      throw ApiError.invalid(IDEMPOTENCY_KEY, "must be 1 to " + max + " characters (limits.idempotency.key.max), got "
          + key.length());
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        throw ApiError.invalid(IDEMPOTENCY_KEY, "must be visible ASCII characters; character " + i + " is not");
      }
    }
    return key;
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
