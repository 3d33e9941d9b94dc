package org.vertxasyncio.service;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.openapi.contract.OpenAPIContract;
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
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.vertxasyncio.service.cluster.ClusterNode;
import org.vertxasyncio.service.config.ConfigKeys;
import org.vertxasyncio.service.config.NodeId;
import org.vertxasyncio.service.config.ServiceConfig;
import org.vertxasyncio.service.cluster.EventLogTail;
import org.vertxasyncio.service.events.EventHub;
import org.vertxasyncio.service.events.TaskFinishes;
import org.vertxasyncio.service.http.Api;
import org.vertxasyncio.service.http.HttpActivity;
import org.vertxasyncio.service.http.OpenApiDocument;
import org.vertxasyncio.service.http.Routes;
import org.vertxasyncio.service.loops.LoopEvent;
import org.vertxasyncio.service.loops.LoopRegistry;
import org.vertxasyncio.service.loops.LoopState;
import org.vertxasyncio.service.loops.NamedLoop;
import org.vertxasyncio.service.metrics.ServiceMetrics;
import org.vertxasyncio.service.store.PostgresTaskStore;
import org.vertxasyncio.service.store.Stored;
import org.vertxasyncio.service.store.TaskStore;
import org.vertxasyncio.service.tasks.TaskIds;
import org.vertxasyncio.service.tasks.TaskJournal;
import org.vertxasyncio.service.tasks.TaskRecord;
import org.vertxasyncio.service.tasks.TaskRecovery;
import org.vertxasyncio.service.tasks.TaskRegistry;
import org.vertxasyncio.service.tasks.TaskService;
import org.vertxasyncio.service.webhooks.RetryPolicy;
import org.vertxasyncio.service.webhooks.WebhookClient;
import org.vertxasyncio.service.webhooks.WebhookGuard;
import org.vertxasyncio.service.webhooks.WebhookSender;

/**
 * The task service: the named asyncio loops, the task registry, the callbacks (log, SSE, webhooks), and
 * the HTTP server whose routes come from {@code openapi.yaml}. Its own Vert.x context is the HTTP
 * server's and the event hub's; each loop has its own. The {@code default} loop's context runs on the HTTP
 * server's thread (the loop a {@code POST /tasks} names when it names none): such a request is read, its
 * task made and committed (on the memory store) and its answer written by that one thread, without waking
 * another; each other loop has a thread of its own.
 *
 * <p>Start-up: the task store is opened and read first (a store that cannot be read fails the start);
 * the loops are recreated in their kept states, the kept tasks recovered ({@link TaskRecovery}), and
 * only then does the HTTP server listen.
 *
 * <p>Shutdown ({@link #shutdown()}), all within {@code shutdown.timeout}: new requests get 503 and
 * {@code /ready} goes down; running tasks are kept, cancelled or left to finish ({@code shutdown.tasks})
 * and webhook deliveries in flight get time to end, within most of it; event streams are ended; the
 * HTTP server closes after its in-flight requests, within the rest; the loops are stopped and closed;
 * the store is closed. With {@code keep} (and a
 * durable store) nothing of the shutdown is written: pending tasks stay pending in the store and resume
 * at the next start.
 */
public final class ServiceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceVerticle.class);
  /** The loop that shares the HTTP server's thread. */
  static final String DEFAULT_LOOP = "default";

  private final ServiceConfig config;
  private final PrometheusMeterRegistry prometheus;
  private final Clock clock;
  /** This node's id ({@code node.id}, or the default made for this start). */
  private final String nodeId;

  private volatile boolean draining;
  private volatile boolean started;
  private HttpServer server;
  private LoopRegistry loops;
  private TaskService tasks;
  private TaskRegistry registry;
  private EventHub events;
  private WebhookSender webhooks;
  private ExecutorService executor;
  private final TaskStore store;
  private TaskJournal journal;
  private long sweepTimer = -1;
  private long sweeps;
  /** Every this many sweeps, the claims of idempotency keys whose task is gone are removed. */
  private static final int KEY_SWEEP_EVERY = 60;
  /** How old such a claim is before it is removed (a younger one may name a task still being made). */
  private static final long KEY_CLAIM_KEPT_MILLIS = 3_600_000;
  /** Set at shutdown: no sweep goes on after it. */
  private volatile boolean sweepStopped;
  private Future<Void> shutdown;
  /** This node's reader of the cluster's event log ({@code store.type} {@code postgres}), else null. */
  private EventLogTail tail;
  /** "Task X finished" from the event log, for waits on tasks that run on other nodes (empty without a log). */
  private final TaskFinishes finishes = new TaskFinishes();
  /** This node's part in a cluster ({@code store.type} {@code postgres}), else null. */
  private ClusterNode cluster;
  /** The named loops shared with the peers (a cluster's loops table), else null. */
  private org.vertxasyncio.service.cluster.ClusterLoops sharedLoops;

  /**
   * @param prometheus the registry vertx-micrometer-metrics writes to (the service adds its meters); null
   *                   for a private one with the service's meters only
   */
  public ServiceVerticle(ServiceConfig config, PrometheusMeterRegistry prometheus, Clock clock) {
    this(config, prometheus, clock, TaskStore.of(config));
  }

  /** With {@code store} instead of the one {@code store.type} names (not opened yet). */
  public ServiceVerticle(ServiceConfig config, PrometheusMeterRegistry prometheus, Clock clock, TaskStore store) {
    this.store = store;
    this.config = config;
    this.prometheus = prometheus != null ? prometheus : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.clock = clock;
    this.nodeId = NodeId.of(config);
  }

  /** This node's id: {@code node.id}, or the default made for this start ({@code web1-8080-3fa2}). */
  public String nodeId() {
    return nodeId;
  }

  @Override
  public Future<?> start() throws Exception {
    OpenApiDocument document = OpenApiDocument.load();
    journal = new TaskJournal(store);
    LOG.info("task store: {}", store.describe());
    return onContext(store.open())
        .compose(stored -> startWith(stored, document))
        .onFailure(e -> store.close());
  }

  private Future<?> startWith(Stored stored, OpenApiDocument document) {
    ServiceMetrics metrics = new ServiceMetrics(prometheus, nodeId);
    if (store.logsEvents() && store instanceof PostgresTaskStore pg) {
      // the cluster's event log: every node streams it, with PostgreSQL's ids
      Pool tailPool = PgBuilder.pool().with(new PoolOptions().setName("event-log").setMaxSize(2))
          .connectingTo(pg.connectOptions()).using(vertx).build();
      events = EventHub.logged(context, config.eventsBufferSize, config.eventsFlushInterval, new EventHub.Log() {
        @Override
        public Future<EventHub.LogPage> after(long id, int limit) {
          return tail.after(id, limit);
        }

        @Override
        public Future<Void> catchUp() {
          return tail.catchUp();
        }
      }, config.get(ConfigKeys.EVENTS_REPLAY_MAX));
      tail = new EventLogTail(vertx, tailPool, pg.connectOptions(), pg.eventsChannel(), events, finishes, pg.writerKey(),
          config.get(ConfigKeys.EVENTS_LOG_POLL), config.eventsBufferSize);
      pg.onEventsCommitted(tail::committed); // this node's events streamed as committed, not read back from the log
    } else {
      events = new EventHub(context, config.eventsBufferSize, stored.eventIdsReserved(), journal::eventIdsReserved,
          config.eventsFlushInterval);
    }
    registry = new TaskRegistry(config.maxPendingTasks, config.retentionSeconds, config.retentionMaxTasks);
    executor = Executors.newFixedThreadPool(config.workerPoolSize, threads("asyncio-executor-"));
    loops = new LoopRegistry(vertx, (l, event) -> {
      if (event == LoopEvent.CREATED) {
        metrics.loopLag(l.name(), l::lagSeconds);
        metrics.loopRunning(l.name(), () -> l.loop().isRunning() ? 1 : 0);
      }
      if (event == LoopEvent.CLOSED && tasks != null) {
        tasks.parked().loopClosed(l.name()); // a close cancels its parked tasks too
      }
      JsonObject data = loopJson(l);
      events.publish(event.eventName(), null, data);
      // in a cluster the loops table is written by ClusterLoops only, and a change is logged once: by the
      // node that made it, not again by each peer that applies it
      journal.withEvents(() -> {
        if (cluster == null) {
          journal.loopState(l.name(), event.state());
        }
      }, () -> sharedLoops == null || sharedLoops.changingHere(l.name())
          ? List.of(TaskJournal.event(event.eventName(), null, data)) : List.of());
    }, loop -> loop.setDefaultExecutor(executor), DEFAULT_LOOP, context);
    TaskIds ids = new TaskIds(clock);
    // the one guard: task specs check their URLs with it, the client its connections
    WebhookGuard guard = WebhookGuard.withSystemResolver(config.webhooksAllow);
    int perEndpoint = config.get(ConfigKeys.WEBHOOK_CONCURRENCY_ENDPOINT);
    int perHost = config.get(ConfigKeys.WEBHOOK_CONCURRENCY_HOST);
    WebhookClient client = new WebhookClient(vertx, guard, config.webhookConnectTimeout, config.webhookRequestTimeout,
        config.webhookResponseMax, 2 * perHost);
    webhooks = new WebhookSender(vertx, client, RetryPolicy.of(config), perEndpoint, perHost, metrics, clock);
    tasks = new TaskService(vertx, registry, loops, events, webhooks, metrics, ids, clock, journal, nodeId,
        config.get(ConfigKeys.CLUSTER_LEASE));
    tasks.parking(config.get(ConfigKeys.STORE_HORIZON), config.get(ConfigKeys.LIMITS_PARKED_MAX));
    // a claim of another node, its task not in the store, may be a commit still under way this long
    tasks.keyed().pendingSeconds(3 * config.get(ConfigKeys.STORE_POSTGRES_TIMEOUT));
    if (store instanceof PostgresTaskStore pg) {
      double lease = config.get(ConfigKeys.CLUSTER_LEASE);
      PgConnectOptions where = pg.connectOptions();
      // connections of its own: a heartbeat never waits behind the store's writes
      Pool pool = PgBuilder.pool().with(new PoolOptions().setName("cluster").setMaxSize(2)).connectingTo(where).using(vertx)
          .build();
      cluster = new ClusterNode(vertx, pool, where, nodeId, lease, config.get(ConfigKeys.CLUSTER_HEARTBEAT),
          config.retentionSeconds, config.retentionMaxTasks, tasks, PostgresTaskStore::row);
      pg.leases(lease, cluster::fencedOut);
      tasks.outbox().readLogWith(pg::callbackLog);
      cluster.finishes(finishes);
      tasks.finishes(finishes);
      // a deletion whose NOTIFY this node missed still reaches it: the log has its task.deleted
      finishes.onDeleted(tasks::deletedElsewhere);
      cluster.eventLog(config.get(ConfigKeys.EVENTS_LOG_RETENTION), config.get(ConfigKeys.EVENTS_LOG_MAX), pg.eventsChannel());
      cluster.vacuumEvery(config.get(ConfigKeys.STORE_POSTGRES_VACUUM));
      tasks.ownership(cluster);
      sharedLoops = cluster.shareLoops(loops, config.maxLoops, config.shutdownTimeout);
      sharedLoops.logged(journal::sync);
    }

    metrics.taskStates(registry::pendingCount, registry::finishedCount, registry::cancelledCount);
    metrics.parkedTasks(tasks.parked()::count);
    metrics.store(store::queued);
    if (store instanceof org.vertxasyncio.service.store.PostgresTaskStore pg) {
      metrics.storeStatements(pg, org.vertxasyncio.service.store.PostgresTaskStore::statements);
      metrics.clusterStatements(cluster, ClusterNode::statements);
    }
    store.onCommit(metrics::storeCommit);

    HealthChecks liveness = HealthChecks.create(vertx);
    liveness.register("eventLoops", promise -> {
      JsonObject data = new JsonObject();
      loops.all().forEach(l -> data.put(l.name(), l.state().label()));
      promise.complete(Status.OK(data));
    });
    liveness.register("node", promise -> promise.complete(Status.OK(new JsonObject().put("id", nodeId))));
    HealthChecks readiness = HealthChecks.create(vertx);
    readiness.register("accepting", promise -> promise.complete(started && !draining ? Status.OK()
        : Status.KO(new JsonObject().put("reason", draining ? "shutting down" : "starting"))));
    readiness.register("store", promise -> promise.complete(store.available() ? Status.OK()
        : Status.KO(new JsonObject().put("reason", "the task store cannot reach its database; writes are refused (503) "
            + "and those it holds are retried until it is back"))));
    readiness.register("defaultLoop", promise -> {
      NamedLoop d = loops.get("default");
      boolean ok = d != null && d.loop().isRunning();
      promise.complete(ok ? Status.OK() : Status.KO(new JsonObject().put("reason", "the default loop is not running")));
    });

    // the loops: those kept (in their kept states), those configured, those the kept tasks run on; in a
    // cluster, the loops table's (the configured ones added where missing)
    Map<String, LoopState> keptStates = new LinkedHashMap<>();
    stored.loops().forEach(l -> keptStates.put(l.name(), LoopState.fromLabel(l.state())));
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>(keptStates.keySet());
    names.addAll(config.loops);
    names.addAll(TaskRecovery.loopsOf(stored.tasks()));
    Future<Map<String, LoopState>> states = sharedLoops == null ? Future.succeededFuture(keptStates)
        : onContext(sharedLoops.seed(List.copyOf(names)));
    Future<OpenAPIContract> contract = document.contract(vertx);
    return states.compose(table -> {
      java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(table.keySet());
      all.addAll(names);
      List<Future<NamedLoop>> made = new ArrayList<>();
      for (String name : all) {
        LoopState state = table.getOrDefault(name, LoopState.RUNNING);
        made.add(loops.create(name).compose(l -> switch (state) {
          case STOPPED -> loops.stop(l);
          case CLOSED -> loops.close(l, config.shutdownTimeout);
          case RUNNING -> Future.succeededFuture(l);
        }));
      }
      return Future.all(made);
    })
        .onSuccess(v -> {
          if (sharedLoops != null) {
            loops.control(sharedLoops); // from now on the API's changes of loops are the cluster's
          }
        })
        // in a cluster, the pending tasks kept are not this node's to run: they are claimed (below) once
        // their lease expires, by whichever node is first
        .compose(v -> new TaskRecovery(tasks).recover(cluster == null ? stored.tasks()
            : stored.tasks().stream().filter(t -> !"pending".equals(t.state())).toList()))
        .compose(r -> tail == null ? Future.succeededFuture() : onContext(tail.start().recover(e -> {
          LOG.error("the first read of the event log failed (retried every events.log.poll): {}", String.valueOf(e));
          return Future.succeededFuture();
        })))
        .compose(r -> cluster == null ? Future.succeededFuture() : onContext(cluster.start().recover(e -> {
          LOG.error("the first cluster round failed (retried every cluster.heartbeat): {}", String.valueOf(e));
          return Future.succeededFuture();
        })))
        // the parked tasks: on one node those due within the horizon are staged now, and every half horizon
        .compose(v -> onContext(tasks.parked().start(vertx).recover(e -> {
          LOG.error("the first staging of parked tasks failed (tried again every half store.horizon): {}", String.valueOf(e));
          return Future.succeededFuture();
        })))
        // the webhook outbox: what a previous run left (one node), then, in a cluster, every heartbeat what
        // a dead peer left
        .compose(v -> onContext(tasks.outbox().start(cluster == null ? 0 : config.get(ConfigKeys.CLUSTER_HEARTBEAT))))
        // back on this verticle's context (the loops complete on theirs): the HTTP server listens from
        // here, so its requests are handled on the event hub's context and off every asyncio loop's thread
        .compose(v -> onContext(contract)).compose(c -> {
      Api api = new Api(config, tasks, registry, loops, events, guard, prometheus, liveness, readiness, document.yaml(),
          () -> draining);
      // no h2c upgrade: Vert.x 5.0.7 stalls a large response on an upgraded connection (the JDK's
      // HttpClient upgrades by default), so clients stay on HTTP/1.1 over plain TCP
      server = vertx.createHttpServer(new HttpServerOptions().setHost(config.httpHost).setPort(config.httpPort)
          .setCompressionSupported(false).setHttp2ClearTextEnabled(false));
      Router router = Routes.router(vertx, c, api);
      HttpActivity activity = new HttpActivity();
      activity.watch(server, router);
      metrics.httpActivity(activity::connections, activity::requests);
      Routes.serve(server, router);
      return server.listen();
    }).onSuccess(s -> {
      loops.startProbes(config.lagInterval);
      events.startHeartbeat(vertx, config.eventsHeartbeat);
      sweep();
      sweepTimer = vertx.setPeriodic(1000, t -> sweep());
      started = true;
      LOG.info("node {} listening on http://{}:{} (loops: {}; coroutines on {})", nodeId, config.httpHost, s.actualPort(),
          String.join(", ", config.loops), loops.get("default").loop().coroutineRunner());
    });
  }

  /**
   * Done tasks a sweep forgets before it lets the HTTP server's event loop serve again: at 10^4 tasks
   * finishing a second, forgetting a second's worth at once held up the requests behind it for tens of ms.
   */
  static final int SWEEP_BATCH = 500;

  /**
   * Forgets the done tasks the retention policy lets go: from the store, and for live clients (a
   * {@code task.deleted} event with {@code reason: retention}, so the dashboard drops their rows too);
   * {@link #SWEEP_BATCH} at a time, the rest after the event loop's next round of I/O. In a cluster only
   * from this node's memory: the leader applies the policy to the whole table, removing the rows and logging
   * their {@code task.deleted} once, whichever node ran them.
   */
  private void sweep() {
    if (++sweeps % KEY_SWEEP_EVERY == 0 && journal.available() && !journal.frozen()) {
      journal.store().forgetKeys(KEY_CLAIM_KEPT_MILLIS).onFailure(e -> LOG.warn("idempotency keys of forgotten tasks not "
          + "removed: {}", String.valueOf(e)));
    }
    forgetDone();
  }

  /** Forgets up to {@link #SWEEP_BATCH} done tasks, and sets a timer for the next batch when there may be more. */
  private void forgetDone() {
    if (sweepStopped) {
      return;
    }
    List<TaskRecord> batch = registry.sweep(clock.instant(), SWEEP_BATCH);
    if (batch.size() == SWEEP_BATCH) {
      vertx.setTimer(1, t -> forgetDone());
    }
    if (cluster != null) {
      return;
    }
    for (var forgotten : batch) {
      JsonObject gone = new JsonObject().put("id", forgotten.id()).put("reason", "retention");
      journal.withEvents(() -> journal.deleted(forgotten), () -> List.of(TaskJournal.event("task.deleted", forgotten.id(), gone)));
      events.publish("task.deleted", forgotten.id(), gone);
    }
  }

  /** The Vert.x context of the HTTP server and the event hub. */
  io.vertx.core.Context httpContext() {
    return context;
  }

  /** The service's loops. */
  LoopRegistry loops() {
    return loops;
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

  /** The share of {@code shutdown.timeout} that tasks and webhooks may take; the rest is for in-flight requests. */
  private static final double SETTLE_SHARE = 0.8;

  /**
   * The shutdown, within one deadline ({@code shutdown.timeout} from now): tasks are settled and
   * webhook deliveries given time up to {@value #SETTLE_SHARE} of it, then the HTTP server lets its
   * in-flight requests finish until the deadline (at least {@link #MIN_HTTP_DRAIN_SECONDS} s), then the
   * loops and the store are closed, which takes no waiting. Every step goes on on this verticle's
   * context, whose state (the event hub) it touches.
   */
  private Future<Void> doShutdown() {
    draining = true;
    double grace = config.shutdownTimeout;
    long t0 = System.nanoTime();
    long settleBy = t0 + (long) (grace * SETTLE_SHARE * 1e9);
    long deadline = t0 + (long) (grace * 1e9);
    int pending = registry.pendingCount();
    ServiceConfig.ShutdownTasks mode = config.shutdownTasks;
    if (mode == ServiceConfig.ShutdownTasks.KEEP && !journal.durable()) {
      mode = ServiceConfig.ShutdownTasks.CANCEL; // the memory store keeps nothing
    }
    LOG.info("shutting down: {} pending task(s) will be {}; {} webhook deliveries in flight; within {} s", pending, switch (mode) {
      case KEEP -> "kept in the store (they resume at the next start)";
      case CANCEL -> "cancelled";
      case FINISH -> "left to finish";
    }, webhooks.inFlight(), grace);
    Future<Void> settled;
    tasks.outbox().stop();
    tasks.parked().stop(); // what is parked stays parked, whatever shutdown.tasks says: it holds nothing
    if (cluster != null) {
      cluster.stopClaiming();
    }
    if (mode == ServiceConfig.ShutdownTasks.KEEP && cluster != null) {
      // in a cluster, kept tasks are given back for the peers to resume at once: none is written here
      // after, and what was queued is committed before they are given back
      journal.freeze();
      settled = loops.cancelAll(secondsUntil(settleBy))
          .compose(v -> onContext(store.sync()).recover(e -> Future.succeededFuture()))
          .compose(v -> onContext(cluster.drain()).<Void>mapEmpty().recover(e -> {
            LOG.error("pending tasks not given back ({}); the peers take them when their leases expire", String.valueOf(e));
            return Future.succeededFuture();
          }));
    } else if (mode == ServiceConfig.ShutdownTasks.KEEP) {
      // from here on nothing is written: the store holds the tasks as they are, for the next start
      journal.freeze();
      settled = loops.cancelAll(secondsUntil(settleBy));
    } else if (mode == ServiceConfig.ShutdownTasks.CANCEL) {
      settled = loops.cancelAll(secondsUntil(settleBy));
    } else {
      // half of the settling time to finish, the rest to cancel what has not
      long finishBy = t0 + (long) (grace * SETTLE_SHARE / 2 * 1e9);
      settled = onContext(loops.startStopped())
          .compose(v -> onContext(tasks.awaitAllDone(vertx, secondsUntil(finishBy))))
          .compose(allDone -> allDone ? Future.<Void>succeededFuture() : loops.cancelAll(secondsUntil(settleBy)));
    }
    return onContext(settled)
        .compose(v -> onContext(webhooks.awaitIdle(secondsUntil(settleBy))))
        .compose(v -> onContext(tasks.outbox().release()).recover(e -> {
          LOG.warn("webhook deliveries not given back ({}); they are taken up when their leases expire", String.valueOf(e));
          return Future.succeededFuture();
        }))
        .compose(v -> {
          journal.freeze(); // closing the loops for shutdown is not a state to keep
          events.closeAll(vertx);
          if (!events.logged()) {
            // nobody saw an id after this one: the next start goes on from it
            store.putEventIdsReserved(events.lastId());
          }
          loops.stopProbes();
          sweepStopped = true;
          if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
          }
          // the HTTP server lets in-flight requests finish (long polls are answered: their tasks are done)
          long drainMs = Math.max((long) (MIN_HTTP_DRAIN_SECONDS * 1000), (long) (secondsUntil(deadline) * 1000));
          return server == null ? Future.<Void>succeededFuture() : onContext(server.shutdown(drainMs, TimeUnit.MILLISECONDS));
        })
        .compose(v -> onContext(loops.closeAllNow()))
        .eventually(() -> {
          if (cluster == null) {
            return Future.succeededFuture();
          }
          LOG.info("cluster: node {} took over {} task(s) from peers; it sent {} statement(s) for leases, claims and upkeep, "
              + "the task store {}", nodeId, cluster.rescuedCount(), cluster.statements(), ((PostgresTaskStore) store).statements());
          return onContext(cluster.stop());
        })
        .eventually(() -> tail == null ? Future.succeededFuture() : onContext(tail.stop()))
        .eventually(() -> onContext(store.close()))
        .onComplete(ar -> {
          webhooks.close();
          executor.shutdownNow();
          LOG.info("shutdown complete in {} s ({} task(s) were still pending)", String.format("%.1f", (System.nanoTime() - t0) / 1e9),
              registry.pendingCount());
        })
        .mapEmpty();
  }

  /** The least time in-flight requests are given, even when tasks and webhooks took all of theirs. */
  private static final double MIN_HTTP_DRAIN_SECONDS = 0.5;

  private static double secondsUntil(long nanoTime) {
    return Math.max(0.001, (nanoTime - System.nanoTime()) / 1e9);
  }

  /**
   * {@code f}, completed on this verticle's context (the loops, the webhook sender and the task store
   * complete on theirs).
   */
  private <T> Future<T> onContext(Future<T> f) {
    return Future.fromCompletionStage(f.toCompletionStage(), context);
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
}
