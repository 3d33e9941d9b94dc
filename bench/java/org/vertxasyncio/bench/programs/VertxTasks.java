package org.vertxasyncio.bench.programs;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The HTTP floor of the service's stack: plain Vert.x, one {@code HttpServer} on one event loop (as the
 * service's HTTP server is), no router, no validation, no asyncio. It keeps the service's
 * {@code POST /tasks} sleep contract so that the two send the same bytes and do the same bookkeeping:
 * {@code POST /tasks {"kind":"sleep","seconds":S}} answers 201 with {@code Location} and the task's JSON
 * (the service's fields), a {@code setTimer} finishes the task S seconds later, and
 * {@code GET /tasks/{id}} answers it as it stands (404 if unknown). Done tasks beyond the newest 10,000
 * are forgotten, as the service's default retention does.
 *
 * <p>{@code java ... VertxTasks [port] [host]}: prints {@code listening on http://host:port} (port 0: any free one).
 */
public final class VertxTasks {
  private static final int RETAIN_DONE = 10_000;

  private final Vertx vertx;
  private final Map<String, JsonObject> tasks = new HashMap<>();
  private final ArrayDeque<String> doneOrder = new ArrayDeque<>();
  private final String prefix = String.format("%012X", ThreadLocalRandom.current().nextLong() >>> 16);
  private long seq;

  private VertxTasks(Vertx vertx) {
    this.vertx = vertx;
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    String host = args.length > 1 ? args[1] : "127.0.0.1";
    // the same options as the service's own Vert.x (Main.newVertx, less its metrics)
    Vertx vertx = Vertx.vertx(new VertxOptions());
    VertxTasks app = new VertxTasks(vertx);
    vertx.createHttpServer().requestHandler(app::handle).listen(port, host)
        .onSuccess(s -> System.out.println("listening on http://" + host + ":" + s.actualPort()))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await()));
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (req.method() == HttpMethod.POST && path.equals("/tasks")) {
      req.body().onSuccess(body -> submit(req, body));
    } else if (req.method() == HttpMethod.GET && path.startsWith("/tasks/")) {
      JsonObject task = tasks.get(path.substring("/tasks/".length()));
      if (task == null) {
        error(req, 404, "not_found", "no such task");
      } else {
        json(req, 200, task);
      }
    } else {
      error(req, 404, "not_found", "no resource at " + path);
    }
  }

  private void submit(HttpServerRequest req, Buffer body) {
    JsonObject spec;
    try {
      spec = body.toJsonObject();
    } catch (RuntimeException e) {
      error(req, 400, "invalid_request", "body is not JSON");
      return;
    }
    Object seconds = spec.getValue("seconds");
    if (!"sleep".equals(spec.getValue("kind")) || !(seconds instanceof Number n) || !(n.doubleValue() >= 0)
        || n.doubleValue() > 3600) {
      error(req, 400, "invalid_request", "expected {\"kind\":\"sleep\",\"seconds\":0..3600}");
      return;
    }
    double s = n.doubleValue();
    seq++;
    String id = prefix + String.format("%014X", seq);
    String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    Object result = spec.getValue("result");
    JsonObject task = new JsonObject()
        .put("id", id).put("name", spec.getString("name", "Task-" + seq)).put("kind", "sleep").put("loop", "default")
        .put("state", "pending").put("done", false).put("result", null).put("exception", null)
        .put("createdAt", now).put("startedAt", now).put("doneAt", null).put("parent", null)
        .put("children", new JsonArray()).put("callbacks", new JsonArray())
        .put("spec", new JsonObject().put("seconds", s).put("result", result).put("kind", "sleep").put("loop", "default"))
        .put("lateSeconds", null).put("recoveries", 0);
    tasks.put(id, task);
    req.response().putHeader("Location", "/tasks/" + id);
    json(req, 201, task);
    vertx.setTimer(Math.max(1, Math.round(s * 1000)), t -> finish(task, result));
  }

  private void finish(JsonObject task, Object result) {
    String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    task.put("state", "finished").put("done", true).put("result", result).put("doneAt", now)
        .put("callbacks", new JsonArray().add(new JsonObject().put("callback", "record").put("firedAt", now)));
    doneOrder.addLast(task.getString("id"));
    if (doneOrder.size() > RETAIN_DONE) {
      tasks.remove(doneOrder.removeFirst());
    }
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }

  private static void error(HttpServerRequest req, int status, String code, String message) {
    json(req, status, new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)));
  }
}
