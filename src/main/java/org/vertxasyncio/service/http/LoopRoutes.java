package org.vertxasyncio.service.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;
import org.vertxasyncio.service.loops.NamedLoop;
import org.vertxasyncio.service.tasks.TaskRegistry;

/** {@code /loops}. */
final class LoopRoutes {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private final Api api;

  LoopRoutes(Api api) {
    this.api = api;
  }

  JsonObject json(NamedLoop l) {
    TaskRegistry.Counts c = api.registry().counts(l.name());
    int pending = c.pending().get();
    int done = c.done().get();
    JsonObject j = l.toJson(pending, done);
    JsonObject cluster = api.loops().control().cluster(l, pending, done);
    return cluster == null ? j : j.put("cluster", cluster);
  }

  /** {@code GET /loops}: {@code curl -s localhost:8080/loops} */
  void list(RoutingContext rc) {
    JsonArray a = new JsonArray();
    api.loops().all().forEach(l -> a.add(json(l)));
    Http.json(rc, 200, new JsonObject().put("loops", a));
  }

  /** {@code GET /loops/{name}}: {@code curl -s localhost:8080/loops/default} */
  void get(RoutingContext rc) {
    Http.json(rc, 200, json(loop(rc)));
  }

  /** {@code POST /loops} (at most {@code limits.loops.max} loops: 409 beyond): {@code curl -s -XPOST localhost:8080/loops -H 'content-type: application/json' -d '{"name":"batch"}'} */
  void create(RoutingContext rc) {
    String name = Http.body(rc).getString("name");
    if (name == null || !NAME.matcher(name).matches()) {
      throw ApiError.invalid("name", "must be 1 to 64 of A-Z a-z 0-9 _ . -");
    }
    api.tasks().journal().requireAvailable(); // a loop's state is kept in the store
    int max = api.config().maxLoops;
    if (api.loops().all().size() >= max && api.loops().get(name) == null) {
      throw ApiError.conflict("loop_limit", "The service has " + max + " event loops, its most (limits.loops.max)");
    }
    answer(rc, api.loops().control().create(name), 201);
  }

  /** {@code POST /loops/{name}/start}: {@code curl -s -XPOST localhost:8080/loops/batch/start} */
  void start(RoutingContext rc) {
    NamedLoop l = loop(rc);
    api.tasks().journal().requireAvailable();
    answer(rc, api.loops().control().start(l), 200);
  }

  /** {@code POST /loops/{name}/stop}: {@code curl -s -XPOST localhost:8080/loops/batch/stop} */
  void stop(RoutingContext rc) {
    NamedLoop l = loop(rc);
    api.tasks().journal().requireAvailable();
    answer(rc, api.loops().control().stop(l), 200);
  }

  /** {@code POST /loops/{name}/close}: {@code curl -s -XPOST localhost:8080/loops/batch/close} */
  void close(RoutingContext rc) {
    NamedLoop l = loop(rc);
    api.tasks().journal().requireAvailable();
    answer(rc, api.loops().control().close(l, api.config().shutdownTimeout), 200);
  }

  private void answer(RoutingContext rc, Future<NamedLoop> f, int status) {
    Http.back(f).onComplete(ar -> {
      if (ar.failed()) {
        Http.fail(rc, ar.cause());
        return;
      }
      if (status == 201) {
        rc.response().putHeader("Location", "/loops/" + ar.result().name());
      }
      Http.json(rc, status, json(ar.result()));
    });
  }

  private NamedLoop loop(RoutingContext rc) {
    return api.loops().require(Http.path(rc, "name"), null);
  }
}
