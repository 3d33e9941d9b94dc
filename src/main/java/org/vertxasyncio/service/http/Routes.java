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
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vertxasyncio.service.ServiceError;
import org.vertxasyncio.service.tasks.TaskSpec;

/**
 * The routing of the whole API, built from the OpenAPI document: each operation id gets its handler,
 * and vertx-web-openapi-router validates every request against the document before the handler runs,
 * so the document and the code cannot drift (an operation without a handler fails start-up).
 *
 * <p>Before routing, every request goes through, in this order: the rate limit per client address
 * ({@code limits.rate.requests}; 429 with {@code Retry-After}; not for {@code /health} and {@code /ready}),
 * the bearer token check ({@code auth.tokens}; 401 with {@code WWW-Authenticate}), the drain check (503
 * while shutting down, except the operations endpoints), the media-type check (415 for a body that is
 * not JSON) and the body limit (413). After the OpenAPI validation, query parameters the operation does
 * not declare are refused (400 naming the parameter).
 *
 * <p>After the API's operations come the dashboard's page and assets ({@link DashboardRoutes}), which the
 * document does not describe: it is the API's contract, and the page is not part of it. They hold no data
 * and need no token (the page asks for one and sends it with every API call).
 */
public final class Routes {
  private static final Set<String> ALWAYS_OPEN = Set.of("/health", "/ready", "/metrics", "/openapi.yaml");
  /** Probes: never rate-limited, never behind a token. */
  private static final Set<String> PROBES = Set.of("/health", "/ready");
  /** The only route that takes its token as {@code ?access_token=} (EventSource cannot send headers). */
  private static final String QUERY_TOKEN_ROUTE = "/events";
  /** The most client addresses the rate limiter keeps buckets for. */
  private static final int RATE_CLIENTS_MAX = 100_000;

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
        Map.entry("redeliverCallback", tasks::redeliver),
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
    // the checks before the body, in this order, as one platform handler (vertx-web runs platform handlers
    // before the body handler, as it requires): one step of the router per request instead of one per check
    List<Gate> gates = new ArrayList<>();
    gates.add(Routes::supportedVersion);
    gates.add(Routes::decodable);
    if (api.config().rateLimit > 0) {
      RateLimiter limiter = new RateLimiter(api.config().rateLimit, api.config().rateBurst, RATE_CLIENTS_MAX, System::nanoTime);
      gates.add(rc -> rateLimit(rc, limiter));
    }
    BearerAuth auth = new BearerAuth(api.config().authTokens);
    if (auth.enabled()) {
      boolean metricsOpen = !api.config().authMetrics;
      gates.add(rc -> authenticate(rc, auth, metricsOpen));
    }
    gates.add(rc -> drain(rc, api));
    gates.add(Routes::requireJsonBody);
    Gate[] before = gates.toArray(Gate[]::new);
    builder.rootHandler((PlatformHandler) rc -> {
      for (Gate g : before) {
        if (!g.pass(rc)) {
          return;
        }
      }
      rc.next();
    });
    // the body read into a buffer of its Content-Length (at most 64 KiB, at most the limit), not a 1 KiB one grown
    builder.rootHandler(BodyHandler.create(false).setBodyLimit(api.config().maxBodyBytes).setPreallocateBodyBuffer(true));
    // the requests' validation, prepared once per operation (OperationValidator), in place of the router's
    RequestValidatorImpl library = new RequestValidatorImpl(vertx, contract);
    for (Operation op : contract.operations()) {
      Handler<RoutingContext> h = handlers.get(op.getOperationId());
      if (h == null) {
        throw new IllegalStateException("openapi.yaml has operation " + op.getOperationId() + " and the service no handler for it");
      }
      var route = builder.getRoute(op.getOperationId()).setDoValidation(false);
      if (op.getOperationId().equals("submitTask")) {
        route.addHandler(rc -> taskSizes(rc, api));
      }
      route.addHandler(new OperationValidator(vertx, contract, op, library).handler())
          .addHandler(knownQueryOnlyThen(op, h));
    }
    if (handlers.size() != contract.operations().size()) {
      throw new IllegalStateException("the service has handlers for operations that openapi.yaml does not define");
    }
    // validation does not apply to the text endpoints' responses; the scrape and health handlers read nothing
    Router router = builder.createRouter();
    DashboardRoutes.mount(router);
    router.route().failureHandler(Errors::handle);
    router.errorHandler(404, rc -> Errors.send(rc, ApiError.notFound(null, "No resource at " + rc.request().path())));
    router.errorHandler(405, rc -> {
      rc.put("allow", allowed(contract, rc.request().path()));
      Errors.send(rc, Errors.toApiError(null, 405));
    });
    router.errorHandler(413, rc -> Errors.send(rc, Errors.toApiError(null, 413)));
    // whatever else vertx-web answers by itself (a path it cannot decode is a 400) is JSON too
    for (int status : new int[] {400, 401, 403, 406, 409, 411, 414, 415, 416, 417, 429, 431, 501, 503}) {
      router.errorHandler(status, Errors.routerStatus(status));
    }
    router.errorHandler(500, Errors::handleRouter500);
    return router;
  }

  /**
   * 400 for a request line whose version is neither HTTP/1.0 nor HTTP/1.1 ({@code GET / HTTP/9.9}), which
   * reaches the router only because the server has a WebSocket handler (see {@link #serve}).
   */
  private static boolean supportedVersion(RoutingContext rc) {
    if (rc.request().version() != null) {
      return true;
    }
    rc.response().putHeader("Connection", "close");
    Errors.send(rc, ApiError.invalid(null, "Unsupported HTTP version: this service speaks HTTP/1.0, HTTP/1.1 and HTTP/2"));
    rc.request().connection().close();
    return false;
  }

  /** 503 while the service shuts down, but for the operations endpoints ({@link #ALWAYS_OPEN}). */
  private static boolean drain(RoutingContext rc, Api api) {
    if (!api.draining().getAsBoolean() || ALWAYS_OPEN.contains(rc.normalizedPath())) {
      return true;
    }
    if (rc.request().version() != io.vertx.core.http.HttpVersion.HTTP_2) {
      rc.response().putHeader("Connection", "close");
    }
    Errors.send(rc, ApiError.shuttingDown());
    return false;
  }

  /**
   * Puts {@code router} on {@code server}, so that no request goes unanswered nor gets a 5xx for being
   * malformed:
   * <ul>
   *   <li>requests Vert.x cannot decode (a header too large, a broken request line) get a JSON 400, 414 or
   *       431 ({@link Errors#invalidRequest});</li>
   *   <li>a request line with an unknown HTTP version gets a JSON 400, not Vert.x's bare 501: Vert.x 5.0.7
   *       answers 501 before any handler unless a WebSocket handler is set, so one is, refusing every
   *       WebSocket handshake (the service has none) with 404;</li>
   *   <li>an exception thrown by vertx-web before routing (Vert.x 5.0.7's Host parser throws
   *       StringIndexOutOfBoundsException for {@code Host: %zz}, and the request would stay unanswered)
   *       gets a 400 and the connection closed.</li>
   * </ul>
   */
  public static void serve(io.vertx.core.http.HttpServer server, Router router) {
    server.invalidRequestHandler(Errors::invalidRequest);
    server.webSocketHandshakeHandler(handshake -> handshake.reject(404));
    server.requestHandler(req -> {
      try {
        router.handle(req);
      } catch (RuntimeException e) {
        if (!req.response().headWritten()) {
          req.response().setStatusCode(400).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
              .end(ApiError.invalid(null, "Malformed HTTP request").toJson().encode());
        }
        req.connection().close();
      }
    });
  }

  /**
   * The size limits of {@code POST /tasks} ({@link TaskSpec#checkSizes}), before the OpenAPI validation:
   * the validator's time grows with every element of a body. The body decoded here is left for the
   * validation ({@link OperationValidator#DECODED_BODY}), which does not decode it again.
   */
  private static void taskSizes(RoutingContext rc, Api api) {
    if (rc.request().method() == HttpMethod.POST && "/tasks".equals(rc.normalizedPath()) && rc.body().length() > 0) {
      Object body;
      try {
        body = io.vertx.core.json.Json.decodeValue(rc.body().buffer());
      } catch (RuntimeException notJson) {
        rc.next(); // the validation says what is wrong with it
        return;
      }
      rc.put(OperationValidator.DECODED_BODY, body);
      if (body instanceof io.vertx.core.json.JsonObject o) {
        try {
          TaskSpec.checkSizes(o, api.config());
        } catch (ServiceError e) {
          Errors.send(rc, Errors.fromService(e));
          return;
        }
      }
    }
    rc.next();
  }

  /**
   * 400 for a path or a query string that is not valid percent-encoding ({@code //tasks//%zz},
   * {@code ?name=%ZZ}), before any handler reads them (vertx-web would throw from inside them).
   */
  private static boolean decodable(RoutingContext rc) {
    try {
      rc.normalizedPath();
    } catch (IllegalArgumentException e) {
      Errors.send(rc, ApiError.invalid("path", "is not valid percent-encoding"));
      return false;
    }
    try {
      rc.request().params();
    } catch (IllegalArgumentException e) {
      Errors.send(rc, ApiError.invalid("query", "is not valid percent-encoded UTF-8"));
      return false;
    }
    return true;
  }

  private static boolean rateLimit(RoutingContext rc, RateLimiter limiter) {
    if (PROBES.contains(rc.normalizedPath())) {
      return true;
    }
    var remote = rc.request().remoteAddress();
    int wait = limiter.acquire(remote == null || remote.hostAddress() == null ? "?" : remote.hostAddress());
    if (wait == 0) {
      return true;
    }
    Errors.send(rc, ApiError.tooMany(wait, "Too many requests from this address (limits.rate.requests); retry in " + wait + " s"));
    return false;
  }

  /**
   * 401 unless the request carries one of the tokens: {@code Authorization: Bearer <token>}, or on
   * {@code /events} only, {@code ?access_token=<token>}. The probes need none, nor the dashboard's page and
   * assets (they hold no data), nor {@code /metrics} when {@code auth.metrics} is false.
   */
  private static boolean authenticate(RoutingContext rc, BearerAuth auth, boolean metricsOpen) {
    String path = rc.normalizedPath();
    if (PROBES.contains(path) || DashboardRoutes.isDashboardPath(path) || (metricsOpen && path.equals("/metrics"))) {
      return true;
    }
    String queryToken = path.equals(QUERY_TOKEN_ROUTE) ? rc.request().getParam("access_token") : null;
    BearerAuth.Verdict v = auth.check(rc.request().getHeader("Authorization"), queryToken);
    if (v == BearerAuth.Verdict.VALID) {
      return true;
    }
    String challenge = v == BearerAuth.Verdict.MISSING ? "Bearer realm=\"vertx-asyncio\""
        : "Bearer realm=\"vertx-asyncio\", error=\"invalid_token\"";
    rc.response().putHeader("WWW-Authenticate", challenge);
    Errors.send(rc, ApiError.unauthorized(v == BearerAuth.Verdict.MISSING
        ? "This service needs a bearer token: Authorization: Bearer <token>"
        : "The bearer token is not valid"));
    return false;
  }

  /** A check before the body: true to go on, false when it has answered the request. */
  @FunctionalInterface
  private interface Gate {
    boolean pass(RoutingContext rc);
  }

  /**
   * 400 for a query parameter that {@code op} does not declare; else {@code h}, whose exceptions become JSON
   * errors (a {@link ServiceError} or an {@link ApiError} it throws, for instance).
   */
  private static Handler<RoutingContext> knownQueryOnlyThen(Operation op, Handler<RoutingContext> h) {
    Set<String> known = new java.util.TreeSet<>();
    for (var p : op.getParameters()) {
      if (p.getIn() == io.vertx.openapi.contract.Location.QUERY) {
        known.add(p.getName());
      }
    }
    return rc -> {
      for (String name : rc.queryParams().names()) {
        if (!known.contains(name)) {
          Errors.send(rc, ApiError.invalid(name, "is not a query parameter of " + op.getHttpMethod().name() + " "
              + op.getOpenAPIPath() + (known.isEmpty() ? " (it takes none)" : " (it takes " + String.join(", ", known) + ")")));
          return;
        }
      }
      try {
        h.handle(rc);
      } catch (Throwable t) {
        Http.fail(rc, t);
      }
    };
  }

  /** 415 unless a request with a body says {@code application/json} (or {@code +json}). */
  private static boolean requireJsonBody(RoutingContext rc) {
    var req = rc.request();
    boolean hasBody = req.headers().contains("Transfer-Encoding")
        || (req.getHeader("Content-Length") != null && !"0".equals(req.getHeader("Content-Length").trim()));
    if (!hasBody) {
      return true;
    }
    String ct = req.getHeader("Content-Type");
    String mt = ct == null ? "" : ct.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    if (mt.equals("application/json") || mt.endsWith("+json")) {
      return true;
    }
    Errors.send(rc, new ApiError(415, "unsupported_media_type", "Content-Type", null, "Request bodies must be application/json, got "
        + (ct == null ? "no Content-Type" : "'" + ct + "'")));
    return false;
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
