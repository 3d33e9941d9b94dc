package org.vertxasyncio.service.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vertxasyncio.service.ApiError;

/**
 * The routing of the whole API, built from the OpenAPI document: each operation id gets its handler,
 * and vertx-web-openapi-router validates every request against the document before the handler runs,
 * so the document and the code cannot drift (an operation without a handler fails start-up).
 *
 * <p>Before routing, every request goes through: the drain check (503 while shutting down, except the
 * operations endpoints), the media-type check (415 for a body that is not JSON) and the body limit (413).
 *
 * <p>After the API's operations come the dashboard's page and assets ({@link DashboardRoutes}), which the
 * document does not describe: it is the API's contract, and the page is not part of it.
 */
public final class Routes {
  private static final Set<String> ALWAYS_OPEN = Set.of("/health", "/ready", "/metrics", "/openapi.yaml");

  private Routes() {
  }

  /** The router of the service; the verticle and the tests both use it. */
  public static Router router(Vertx vertx, OpenAPIContract contract, Api api) {
    TaskRoutes tasks = new TaskRoutes(api, vertx);
    LoopRoutes loops = new LoopRoutes(api);
    EventRoutes events = new EventRoutes(api);
    OpsRoutes ops = new OpsRoutes(api);

    Map<String, Handler<RoutingContext>> handlers = Map.ofEntries(
        Map.entry("submitTask", tasks::submit),
        Map.entry("listTasks", tasks::list),
        Map.entry("getTask", tasks::get),
        Map.entry("deleteTask", tasks::delete),
        Map.entry("cancelTask", tasks::cancel),
        Map.entry("waitTasks", tasks::waitFor),
        Map.entry("streamEvents", events::stream),
        Map.entry("listLoops", loops::list),
        Map.entry("createLoop", loops::create),
        Map.entry("getLoop", loops::get),
        Map.entry("startLoop", loops::start),
        Map.entry("stopLoop", loops::stop),
        Map.entry("closeLoop", loops::close),
        Map.entry("health", HealthCheckHandler.createWithHealthChecks(api.liveness())),
        Map.entry("ready", HealthCheckHandler.createWithHealthChecks(api.readiness())),
        Map.entry("metrics", PrometheusScrapingHandler.create(api.prometheus())),
        Map.entry("openapi", ops::openapi));

    RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
    // platform handlers: vertx-web runs them before the body handler, as it requires
    PlatformHandler drain = rc -> {
      if (api.draining().getAsBoolean() && !ALWAYS_OPEN.contains(rc.normalizedPath())) {
        if (rc.request().version() != io.vertx.core.http.HttpVersion.HTTP_2) {
          rc.response().putHeader("Connection", "close");
        }
        Errors.send(rc, ApiError.shuttingDown());
      } else {
        rc.next();
      }
    };
    PlatformHandler json = Routes::requireJsonBody;
    builder.rootHandler(drain);
    builder.rootHandler(json);
    builder.rootHandler(BodyHandler.create(false).setBodyLimit(api.config().maxBodyBytes));
    for (Operation op : contract.operations()) {
      Handler<RoutingContext> h = handlers.get(op.getOperationId());
      if (h == null) {
        throw new IllegalStateException("openapi.yaml has operation " + op.getOperationId() + " and the service no handler for it");
      }
      builder.getRoute(op.getOperationId()).addHandler(safe(h));
    }
    if (handlers.size() != contract.operations().size()) {
      throw new IllegalStateException("the service has handlers for operations that openapi.yaml does not define");
    }
    // validation does not apply to the text endpoints' responses; the scrape and health handlers read nothing
    Router router = builder.createRouter();
    DashboardRoutes.mount(router);
    router.route().failureHandler(Errors::handle);
    router.errorHandler(404, rc -> Errors.send(rc, ApiError.notFound("No resource at " + rc.request().path(), null)));
    router.errorHandler(405, rc -> {
      rc.put("allow", allowed(contract, rc.request().path()));
      Errors.send(rc, Errors.toApiError(null, 405));
    });
    router.errorHandler(413, rc -> Errors.send(rc, Errors.toApiError(null, 413)));
    router.errorHandler(500, Errors::handle);
    return router;
  }

  /** A handler whose exceptions become JSON errors (an {@link ApiError} thrown by a handler, for instance). */
  private static Handler<RoutingContext> safe(Handler<RoutingContext> h) {
    return rc -> {
      try {
        h.handle(rc);
      } catch (Throwable t) {
        Http.fail(rc, t);
      }
    };
  }

  /** 415 unless a request with a body says {@code application/json} (or {@code +json}). */
  private static void requireJsonBody(RoutingContext rc) {
    var req = rc.request();
    boolean hasBody = req.headers().contains("Transfer-Encoding")
        || (req.getHeader("Content-Length") != null && !"0".equals(req.getHeader("Content-Length").trim()));
    if (!hasBody) {
      rc.next();
      return;
    }
    String ct = req.getHeader("Content-Type");
    String mt = ct == null ? "" : ct.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    if (mt.equals("application/json") || mt.endsWith("+json")) {
      rc.next();
    } else {
      Errors.send(rc, new ApiError(415, "unsupported_media_type", "Request bodies must be application/json, got "
          + (ct == null ? "no Content-Type" : "'" + ct + "'"), "Content-Type", null));
    }
  }

  private static List<String> allowed(OpenAPIContract contract, String requestPath) {
    List<String> out = new ArrayList<>();
    if (DashboardRoutes.isDashboardPath(requestPath)) {
      out.add("GET");
      out.add("HEAD");
    }
    for (Path p : contract.getPaths()) {
      String regex = p.getName().replaceAll("\\{[^/]+}", "[^/]+");
      if (requestPath.matches(regex)) {
        for (Operation op : p.getOperations()) {
          HttpMethod m = op.getHttpMethod();
          out.add(m.name());
        }
      }
    }
    return out;
  }
}
