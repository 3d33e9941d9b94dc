package org.vertxasyncio.service;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.openapi.contract.OpenAPIContract;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.callbacks.EventHub;
import org.vertxasyncio.service.callbacks.WebhookSender;
import org.vertxasyncio.service.config.ServiceConfig;
import org.vertxasyncio.service.http.Api;
import org.vertxasyncio.service.http.Routes;
import org.vertxasyncio.service.loops.LoopRegistry;
import org.vertxasyncio.service.loops.NamedLoop;
import org.vertxasyncio.service.metrics.ServiceMetrics;
import org.vertxasyncio.service.tasks.TaskIds;
import org.vertxasyncio.service.tasks.TaskRegistry;
import org.vertxasyncio.service.tasks.TaskService;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The task service: the named asyncio loops, the task registry, the callbacks (log, SSE, webhooks), and
 * the HTTP server whose routes come from {@code openapi.yaml}. Its own Vert.x context is the HTTP
 * server's and the event hub's; each loop has its own.
 *
 * <p>Shutdown ({@link #shutdown()}): new requests get 503 and {@code /ready} goes down; running tasks are
 * cancelled or left to finish ({@code shutdown.tasks}), within {@code shutdown.timeout}; webhook
 * deliveries in flight get the same time; event streams are ended; the HTTP server closes after its
 * in-flight requests; the loops are stopped and closed.
 */
public final class ServiceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceVerticle.class);

  private final ServiceConfig config;
  private final PrometheusMeterRegistry prometheus;
  private final Clock clock;

  private volatile boolean draining;
  private volatile boolean started;
  private HttpServer server;
  private LoopRegistry loops;
  private TaskService tasks;
  private TaskRegistry registry;
  private EventHub events;
  private WebhookSender webhooks;
  private ExecutorService executor;
  private long sweepTimer = -1;
  private Future<Void> shutdown;

  /**
   * @param prometheus the registry vertx-micrometer-metrics writes to (the service adds its meters); null
   *                   for a private one with the service's meters only
   */
  public ServiceVerticle(ServiceConfig config, PrometheusMeterRegistry prometheus, Clock clock) {
    this.config = config;
    this.prometheus = prometheus != null ? prometheus : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.clock = clock;
  }

  @Override
  public Future<?> start() throws Exception {
    String yaml = resource("openapi.yaml");
    ServiceMetrics metrics = new ServiceMetrics(prometheus);
    events = new EventHub(context, config.eventsBufferSize);
    registry = new TaskRegistry(config.maxPendingTasks, config.retentionSeconds, config.retentionMaxTasks);
    executor = Executors.newFixedThreadPool(config.workerPoolSize, threads("asyncio-executor-"));
    loops = new LoopRegistry(vertx, (l, event) -> {
      if (event.equals("loop.created")) {
        metrics.loopLag(l.name(), l::lagSeconds);
        metrics.loopRunning(l.name(), () -> l.loop().isRunning() ? 1 : 0);
      }
      events.publish(event, null, loopJson(l));
    }, loop -> loop.setDefaultExecutor(executor));
    TaskIds ids = new TaskIds(clock);
    webhooks = new WebhookSender(vertx, config, metrics, clock, (rec, entry, attempt) -> events.publish("webhook.attempt", rec.id(),
        attempt.toJson().put("taskId", rec.id()).put("url", entry.url()).put("deliveryId", entry.deliveryId())
            .put("outcome", entry.outcome())));
    tasks = new TaskService(registry, loops, events, webhooks, metrics, ids, clock);

    metrics.taskStates(registry::pendingCount, registry::finishedCount, registry::cancelledCount);

    HealthChecks liveness = HealthChecks.create(vertx);
    liveness.register("eventLoops", promise -> {
      JsonObject data = new JsonObject();
      loops.all().forEach(l -> data.put(l.name(), l.loop().isClosed() ? "closed" : l.loop().isRunning() ? "running" : "stopped"));
      promise.complete(Status.OK(data));
    });
    HealthChecks readiness = HealthChecks.create(vertx);
    readiness.register("accepting", promise -> promise.complete(started && !draining ? Status.OK()
        : Status.KO(new JsonObject().put("reason", draining ? "shutting down" : "starting"))));
    readiness.register("defaultLoop", promise -> {
      NamedLoop d = loops.get("default");
      boolean ok = d != null && d.loop().isRunning();
      promise.complete(ok ? Status.OK() : Status.KO(new JsonObject().put("reason", "the default loop is not running")));
    });

    List<Future<NamedLoop>> made = new ArrayList<>();
    for (String name : config.loops) {
      made.add(loops.create(name));
    }
    Future<OpenAPIContract> contract = OpenAPIContract.from(vertx, forValidator(yamlToJson(yaml)));
    return Future.all(made).compose(v -> contract).compose(c -> {
      Api api = new Api(config, tasks, registry, loops, events, prometheus, liveness, readiness, yaml, () -> draining);
      server = vertx.createHttpServer(new HttpServerOptions().setHost(config.httpHost).setPort(config.httpPort)
          .setCompressionSupported(false));
      server.requestHandler(Routes.router(vertx, c, api));
      return server.listen();
    }).onSuccess(s -> {
      loops.startProbes(config.lagInterval);
      events.startHeartbeat(vertx, config.eventsHeartbeat);
      sweepTimer = vertx.setPeriodic(1000, t -> {
        // a task the retention policy forgets is gone for live clients too (the dashboard drops its row)
        for (var forgotten : registry.sweep(clock.instant())) {
          events.publish("task.deleted", forgotten.id(), new JsonObject().put("id", forgotten.id()).put("reason", "retention"));
        }
      });
      started = true;
      LOG.info("HTTP server listening on http://{}:{} (loops: {}; coroutines on {})", config.httpHost, s.actualPort(),
          String.join(", ", config.loops), loops.get("default").loop().coroutineRunner());
    });
  }

  /** The port the server listens on (useful with {@code http.port} 0). */
  public int port() {
    return server.actualPort();
  }

  public boolean draining() {
    return draining;
  }

  /**
   * Shuts down gracefully; idempotent. Completes when the loops are closed and the server is down.
   */
  public Future<Void> shutdown() {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      if (shutdown == null) {
        shutdown = doShutdown();
      }
      shutdown.onComplete(p);
    });
    return p.future();
  }

  private Future<Void> doShutdown() {
    draining = true;
    double grace = config.shutdownTimeout;
    int pending = registry.pendingCount();
    LOG.info("shutting down: {} pending task(s) will be {}, within {} s", pending,
        config.shutdownTasks == ServiceConfig.ShutdownTasks.CANCEL ? "cancelled" : "left to finish", grace);
    Future<Void> settled;
    if (config.shutdownTasks == ServiceConfig.ShutdownTasks.CANCEL) {
      settled = loops.cancelAll(grace);
    } else {
      settled = loops.startStopped()
          .compose(v -> tasks.awaitAllDone(vertx, grace))
          .compose(allDone -> allDone ? Future.<Void>succeededFuture() : loops.cancelAll(Math.max(1, grace / 2)));
    }
    return settled
        .compose(v -> webhooks.awaitIdle(grace))
        .compose(v -> {
          events.closeAll(vertx);
          loops.stopProbes();
          if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
          }
          // the HTTP server lets in-flight requests finish (long polls are answered: their tasks are done)
          return server == null ? Future.<Void>succeededFuture() : server.shutdown(Math.max(1, (long) grace), TimeUnit.SECONDS);
        })
        .compose(v -> loops.closeAllNow())
        .onComplete(ar -> {
          webhooks.close();
          executor.shutdownNow();
          LOG.info("shutdown complete ({} task(s) were still pending)", registry.pendingCount());
        })
        .mapEmpty();
  }

  @Override
  public Future<?> stop() {
    return shutdown();
  }

  private JsonObject loopJson(NamedLoop l) {
    TaskRegistry.Counts c = registry.counts(l.name());
    return l.toJson(c.pending().get(), c.done().get());
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  static String resource(String name) throws IOException {
    try (InputStream in = ServiceVerticle.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(name + " is not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * The document as vertx-openapi 5.0.7 accepts it: it refuses response media types other than JSON,
   * multipart, octet-stream and text/plain, so {@code text/event-stream} and {@code application/yaml}
   * responses are given to it as {@code text/plain}. Responses are not validated, so nothing is lost;
   * {@code GET /openapi.yaml} serves the document as written.
   */
  static JsonObject forValidator(JsonObject doc) {
    JsonObject copy = doc.copy();
    JsonObject paths = copy.getJsonObject("paths", new JsonObject());
    for (String p : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(p);
      for (String method : item.fieldNames()) {
        if (!(item.getValue(method) instanceof JsonObject op) || !(op.getValue("responses") instanceof JsonObject responses)) {
          continue;
        }
        for (String code : responses.fieldNames()) {
          if (responses.getValue(code) instanceof JsonObject r && r.getValue("content") instanceof JsonObject content) {
            for (String mt : List.copyOf(content.fieldNames())) {
              if (mt.equals("text/event-stream") || mt.equals("application/yaml")) {
                content.put("text/plain", content.remove(mt));
              }
            }
          }
        }
      }
    }
    return copy;
  }

  /** YAML to JSON, with every map key a string (YAML would make {@code 200:} an integer). */
  static JsonObject yamlToJson(String yaml) {
    Object tree = new Yaml(new LoaderOptions()).load(yaml);
    return (JsonObject) toJson(tree);
  }

  private static Object toJson(Object o) {
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), toJson(v)));
      return new JsonObject(out);
    }
    if (o instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(toJson(x)));
      return new JsonArray(out);
    }
    if (o instanceof java.util.Date d) {
      return d.toInstant().toString();
    }
    return o;
  }
}
