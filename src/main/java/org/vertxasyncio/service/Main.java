package org.vertxasyncio.service;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.config.ConfigException;
import org.vertxasyncio.service.config.ConfigLoader;
import org.vertxasyncio.service.config.NodeId;
import org.vertxasyncio.service.config.ServiceConfig;
import org.vertxasyncio.service.metrics.ServiceMetrics;
import org.vertxasyncio.service.metrics.VertxMeters;
import org.vertxasyncio.service.store.StoreException;
import sun.misc.Signal;

/**
 * Runs the task service: {@code java -jar target/vertx-asyncio.jar [config.json]} (default
 * {@code conf/config.json}; environment variables override it, see {@link ConfigLoader}).
 *
 * <p>Exit codes: 0 after a graceful shutdown on SIGTERM or SIGINT (the signals are handled here, so the
 * JVM does not die with 143); 2 when the configuration is invalid (the message names the key); 1 when
 * the service cannot start (the port is taken; the task store cannot be read, and the message names
 * its file) or shutdown overran its time.
 */
public final class Main {
  /** Seconds past {@code shutdown.timeout} after which a shutdown is given up and the process exits with 1. */
  static final int SHUTDOWN_SLACK_SECONDS = 5;

  private Main() {
  }

  /** A running service: its Vert.x, its verticle, its metrics registry. */
  public record Running(Vertx vertx, ServiceVerticle service, ServiceConfig config) {
    /** Graceful shutdown, then Vert.x closed. */
    public Future<Void> stop() {
      return service.shutdown().eventually(() -> vertx.close());
    }
  }

  public static void main(String[] args) {
    setUpLogging();
    NodeId.hostName(); // looked up here, once, rather than on an event loop at start
    Logger log = LoggerFactory.getLogger(Main.class);
    String file = args.length > 0 ? args[0] : null;
    Running running;
    try {
      running = start(file, null).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof ConfigException) {
        log.error("invalid configuration: {}", cause.getMessage());
        System.err.println("vertx-asyncio: invalid configuration: " + cause.getMessage());
        System.exit(2);
      }
      if (cause instanceof StoreException) {
        // the store cannot be read: never start empty (that would lose what it kept)
        log.error("cannot open the task store: {}", cause.getMessage());
        System.err.println("vertx-asyncio: cannot open the task store: " + cause.getMessage());
        System.exit(1);
      }
      log.error("cannot start the service: {}", String.valueOf(cause.getMessage()), cause);
      System.err.println("vertx-asyncio: cannot start: " + cause);
      System.exit(1);
      return;
    }
    AtomicBoolean stopping = new AtomicBoolean();
    sun.misc.SignalHandler onSignal = sig -> {
      if (!stopping.compareAndSet(false, true)) {
        log.info("SIG{} received again; shutdown is under way", sig.getName());
        return;
      }
      log.info("SIG{} received: shutting down", sig.getName());
      // the service finishes within shutdown.timeout (see ServiceVerticle); Vert.x closes in little more.
      // Past this, something is stuck: exit anyway, and say so with the status.
      long limit = (long) Math.ceil(running.config().shutdownTimeout) + SHUTDOWN_SLACK_SECONDS;
      int code;
      try {
        running.stop().toCompletionStage().toCompletableFuture().get(limit, TimeUnit.SECONDS);
        code = 0;
      } catch (Exception e) {
        log.error("shutdown did not complete cleanly within {} s: {}", limit, String.valueOf(e));
        code = 1;
      }
      log.info("exiting with status {}", code);
      System.exit(code);
    };
    Signal.handle(new Signal("TERM"), onSignal);
    Signal.handle(new Signal("INT"), onSignal);
  }

  /**
   * Loads the configuration and starts the service on a new Vert.x with Prometheus metrics.
   *
   * @param env null for the process environment; a map to stand in for it
   */
  public static Future<Running> start(String configFile, Map<String, String> env) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = newVertx(registry);
    return ConfigLoader.load(vertx, configFile, env)
        .compose(config -> start(vertx, config, registry))
        .onFailure(e -> vertx.close());
  }

  /** Starts the service with {@code config} on {@code vertx}. */
  public static Future<Running> start(Vertx vertx, ServiceConfig config, PrometheusMeterRegistry registry) {
    return start(vertx, config, registry, new ServiceVerticle(config, registry, Clock.systemUTC()));
  }

  /** Starts {@code service} (made with {@code config}) on {@code vertx}. */
  public static Future<Running> start(Vertx vertx, ServiceConfig config, PrometheusMeterRegistry registry, ServiceVerticle service) {
    return vertx.deployVerticle(service).map(id -> new Running(vertx, service, config));
  }

  /**
   * A Vert.x whose metrics (the HTTP server's requests by method, route and code; JVM) go to {@code registry},
   * which must have no meters yet (its filter is set here, and Micrometer wants filters before meters).
   *
   * <p>vertx-micrometer-metrics 5.0.7 registers some gauges again at every new connection, request or
   * connection pool (it keeps their values in its own adders and relies on Micrometer ignoring the second
   * registration); Micrometer 1.15 logs a warning at the second registration of a gauge. So the HTTP
   * server's per-connection and per-request gauges are kept out of the registry (see
   * {@link ServiceMetrics#VERTX_REREGISTERED_GAUGES}; the service counts open connections and requests in
   * flight itself, see {@code http.HttpActivity}), and the HTTP client's metrics are off: the only client
   * is the webhook sender, whose attempts {@code asyncio_webhook_attempts_seconds} counts, and Vert.x would
   * keep a connection pool's gauges for every webhook target, a series per host that users choose. The HTTP
   * server's meters are kept by {@link VertxMeters}: the same names and labels as vertx-micrometer-metrics',
   * found once per combination of labels rather than at every request.
   */
  public static Vertx newVertx(PrometheusMeterRegistry registry) {
    registry.config().meterFilter(ServiceMetrics.denyVertxReregisteredGauges());
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        .setJvmMetricsEnabled(true)
        .addLabels(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT);
    metrics.setEnabled(true);
    return Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(metrics))
        .withMetrics(new VertxMeters(registry))
        .build();
  }

  /** The copy of {@code conf/logback.xml} the build puts in the jar (see pom.xml), for a start without {@code conf/}. */
  static final String PACKAGED_LOGBACK = "org/vertxasyncio/service/logback.xml";

  /**
   * The service's logging (one line per event on stdout, "listening on" among them): {@code conf/logback.xml}
   * when present, else its copy in the jar, unless {@code -Dlogback.configurationFile} says otherwise. The
   * jar's root {@code logback.xml} is for programs that use the library, and shows warnings only. Vert.x
   * logs through SLF4J.
   */
  static void setUpLogging() {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile",
          Files.isRegularFile(Path.of("conf/logback.xml")) ? "conf/logback.xml" : PACKAGED_LOGBACK);
    }
    if (System.getProperty("vertx.logger-delegate-factory-class-name") == null) {
      System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    }
  }
}
