package org.vertxasyncio.service.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The service's own meters, next to the ones vertx-micrometer-metrics keeps for HTTP (requests by
 * route, method and code): tasks submitted and done, tasks by state now, callbacks fired, webhook
 * attempts, and each loop's lag (see {@code loops.LoopLagProbe}), and the HTTP server's open connections
 * and requests in flight. Prometheus names: {@code asyncio_*}. Each meter is registered once (a gauge
 * registered twice makes Micrometer warn and keep the first). Each carries the tag {@code node}: this
 * node's id, so that the series of several nodes scraped together stay apart.
 */
public final class ServiceMetrics {
  /**
   * The gauges vertx-micrometer-metrics 5.0.7 registers again for every connection or request of the HTTP
   * server ({@code VertxNetServerMetrics.NetServerSocketMetric}, {@code VertxHttpServerMetrics.RequestMetric}),
   * and for every PostgreSQL connection and SQL client of the {@code postgres} store and the cluster (a TCP
   * client's open connections, an SQL client's requests waiting): Micrometer would warn at the second
   * registration. They are denied, so never registered; the service's own {@code asyncio.http.connections}
   * and {@code asyncio.http.requests.active} say the same of HTTP, registered once, and {@code
   * asyncio_store_queued} what waits for the store.
   */
  public static final Set<String> VERTX_REREGISTERED_GAUGES = Set.of("vertx.http.server.active.connections",
      "vertx.http.server.active.requests", "vertx.http.server.active.ws.connections", "vertx.net.client.active.connections",
      "vertx.sql.processing.pending");

  private final MeterRegistry registry;
  /** The tags every meter of the service carries: {@code node}. */
  private final Tags common;
  /**
   * The meters counted per task or per commit, by their tags' values: found once, not looked up in the
   * registry (an id built, its tags merged and hashed) at every task.
   */
  private final Map<String, Counter> submitted = new ConcurrentHashMap<>();
  private final Map<String, Timer> done = new ConcurrentHashMap<>();
  private final Map<String, Counter> callbacks = new ConcurrentHashMap<>();
  private final Map<String, Timer> attempts = new ConcurrentHashMap<>();
  private final Map<String, Timer> commits = new ConcurrentHashMap<>();
  private volatile Counter writes;

  /** The filter that keeps {@link #VERTX_REREGISTERED_GAUGES} out of a registry. */
  public static MeterFilter denyVertxReregisteredGauges() {
    return MeterFilter.deny(id -> id.getType() == Meter.Type.GAUGE && VERTX_REREGISTERED_GAUGES.contains(id.getName()));
  }

  /** @param node this node's id, the {@code node} tag of every meter */
  public ServiceMetrics(MeterRegistry registry, String node) {
    this.registry = registry;
    this.common = Tags.of("node", node);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Gauges of the tasks the service holds now, by state. */
  public void taskStates(Supplier<Number> pending, Supplier<Number> finished, Supplier<Number> cancelled) {
    gauge("asyncio.tasks", "Tasks held by the service, by asyncio future state", "state", "pending", pending);
    gauge("asyncio.tasks", "Tasks held by the service, by asyncio future state", "state", "finished", finished);
    gauge("asyncio.tasks", "Tasks held by the service, by asyncio future state", "state", "cancelled", cancelled);
  }

  private void gauge(String name, String help, String tag, String value, Supplier<Number> f) {
    Gauge.builder(name, f).description(help).tag(tag, value).tags(common).register(registry);
  }

  public void taskSubmitted(String kind, String loop) {
    submitted.computeIfAbsent(kind + '\0' + loop, k -> Counter.builder("asyncio.tasks.submitted")
        .description("Tasks created, gather children included").tag("kind", kind).tag("loop", loop).tags(common)
        .register(registry)).increment();
  }

  /** A task is done: {@code outcome} is {@code result}, {@code exception} or {@code cancelled}. */
  public void taskDone(String kind, String loop, String outcome, Duration runTime) {
    done.computeIfAbsent(kind + '\0' + loop + '\0' + outcome, k -> Timer.builder("asyncio.tasks.done")
        .description("Tasks done, by outcome, and their time from creation to done")
        .tag("kind", kind).tag("loop", loop).tag("outcome", outcome).tags(common).register(registry)).record(runTime);
  }

  /** A done callback fired: {@code record} or {@code webhook}. */
  public void callbackFired(String callback) {
    callbacks.computeIfAbsent(callback, k -> Counter.builder("asyncio.callbacks.fired").description("Done callbacks that fired")
        .tag("callback", callback).tags(common).register(registry)).increment();
  }

  /** One webhook delivery attempt: {@code outcome} is {@code 2xx}, {@code 4xx}, {@code 5xx} or {@code error}. */
  public void webhookAttempt(String outcome, Duration took) {
    attempts.computeIfAbsent(outcome, k -> Timer.builder("asyncio.webhook.attempts").description("Webhook delivery attempts, by outcome")
        .tag("outcome", outcome).tags(common).register(registry)).record(took);
  }

  /** The lag of a loop: how long a callSoon waited for its turn, measured periodically. */
  public void loopLag(String loop, Supplier<Number> seconds) {
    Gauge.builder("asyncio.loop.lag", seconds).description("Delay of a periodic callSoon probe before it ran")
        .baseUnit("seconds").tag("loop", loop).tags(common).register(registry);
  }

  /**
   * The task store: each commit (a timer, by outcome {@code ok} or {@code failed}), the writes it
   * carried (a counter), and the writes queued now (a gauge).
   */
  public void store(Supplier<Number> queued) {
    gauge("asyncio.store.queued", "Writes queued for the task store, not committed yet", "store", "tasks", queued);
  }

  /**
   * The SQL statements a store that speaks to a database server has sent it (the postgres store); Micrometer
   * holds {@code store} weakly, so it must be the store itself, which the service holds.
   */
  public <T> void storeStatements(T store, java.util.function.ToDoubleFunction<T> sent) {
    io.micrometer.core.instrument.FunctionCounter.builder("asyncio.store.statements", store, sent)
        .description("SQL statements the task store sent its database (postgres store)").tags(common).register(registry);
  }

  /**
   * The SQL statements a node's cluster duties sent (heartbeats, claims, the leader's upkeep, the loops table);
   * held weakly by Micrometer, so {@code node} must be the node itself, which the service holds.
   */
  public <T> void clusterStatements(T node, java.util.function.ToDoubleFunction<T> sent) {
    io.micrometer.core.instrument.FunctionCounter.builder("asyncio.cluster.statements", node, sent)
        .description("SQL statements this node's cluster duties sent PostgreSQL (heartbeats, claims, upkeep, loops)")
        .tags(common).register(registry);
  }

  /** One commit of the task store. */
  public void storeCommit(int writes, long nanos, boolean failed) {
    String outcome = failed ? "failed" : "ok";
    commits.computeIfAbsent(outcome, k -> Timer.builder("asyncio.store.commits")
        .description("Commits of the task store (one transaction each), by outcome")
        .tag("outcome", outcome).tags(common).register(registry)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    Counter w = this.writes;
    if (w == null) {
      w = Counter.builder("asyncio.store.writes").description("Writes the task store committed (or tried to), merged ones counted")
          .tags(common).register(registry);
      this.writes = w;
    }
    w.increment(writes);
  }

  /** The HTTP server's open connections and the requests it is answering (long polls and event streams included). */
  public void httpActivity(Supplier<Number> connections, Supplier<Number> requests) {
    Gauge.builder("asyncio.http.connections", connections).description("Open HTTP connections to the service")
        .tags(common).register(registry);
    Gauge.builder("asyncio.http.requests.active", requests)
        .description("HTTP requests being answered (long polls and event streams included)").tags(common).register(registry);
  }

  /** Gauges of a loop's state: running 1/0. */
  public void loopRunning(String loop, Supplier<Number> running) {
    Gauge.builder("asyncio.loop.running", running).description("1 while the loop runs, 0 when stopped or closed")
        .tag("loop", loop).tags(common).register(registry);
  }
}
