package org.vertxasyncio.service.loops;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.Asyncio;
import org.vertxasyncio.asyncio.EventLoop;
import org.vertxasyncio.asyncio.Task;
import org.vertxasyncio.service.ServiceError;

/**
 * The service's named event loops: each is {@code Asyncio.newEventLoop(vertx)}, its own Vert.x
 * event-loop context, run with {@link EventLoop#start()}. One of them may be made on a given context's
 * thread (the HTTP server's, for the {@code default} loop): a context of its own still, on that thread, so
 * that a request handled there reaches the loop, and the loop's answer the request, without waking
 * another thread. Start, stop and close follow asyncio: a
 * stopped loop keeps its tasks and runs them when started again; a closed loop runs nothing again.
 *
 * <p>Closing a loop that still has tasks first cancels them and lets them finish (as
 * {@code asyncio.run} does before it closes its loop), so that no task of the service stays pending
 * forever; then the loop is stopped and closed.
 */
public final class LoopRegistry implements LoopControl {
  private static final Logger LOG = LoggerFactory.getLogger(LoopRegistry.class);

  /** What the registry tells the rest of the service. */
  public interface Listener {
    void loopChanged(NamedLoop loop, LoopEvent event);
  }

  private final Vertx vertx;
  /** The loop made on {@link #homeThread}, or null. */
  private final String homeLoop;
  /** The thread (a Netty event loop of {@link #vertx}) that {@link #homeLoop} shares, or null. */
  private final io.netty.channel.EventLoop homeThread;
  private final Map<String, NamedLoop> loops = new ConcurrentHashMap<>();
  private final List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Listener listener;
  private final Consumer<EventLoop> setup;
  private long probeTimer = -1;
  /** Who makes the API's changes: this registry, or a cluster's loops table. */
  private volatile LoopControl control = this;

  /**
   * @param setup called on each new loop's context before it first runs (to set its default executor)
   */
  public LoopRegistry(Vertx vertx, Listener listener, Consumer<EventLoop> setup) {
    this(vertx, listener, setup, null, null);
  }

  /**
   * @param setup    called on each new loop's context before it first runs (to set its default executor)
   * @param homeLoop the loop to make on the thread of {@code home} (an event-loop context of {@code vertx}), in a
   *     context of its own; each other loop gets a thread of Vert.x's event-loop pool as {@code newEventLoop(vertx)}
   *     gives it (null: every loop does)
   */
  public LoopRegistry(Vertx vertx, Listener listener, Consumer<EventLoop> setup, String homeLoop, io.vertx.core.Context home) {
    this.vertx = vertx;
    this.listener = listener;
    this.setup = setup;
    this.homeLoop = home == null ? null : homeLoop;
    this.homeThread = home == null ? null : ((ContextInternal) home).nettyEventLoop();
  }

  /** A new loop's own Vert.x context: on the home thread for {@link #homeLoop}, else on the next thread of the pool. */
  private EventLoop newLoop(String name) {
    if (name.equals(homeLoop)) {
      return Asyncio.newEventLoop(((VertxInternal) vertx).contextBuilder().withEventLoop(homeThread).build());
    }
    return Asyncio.newEventLoop(vertx);
  }

  /** Who makes the API's changes of loops: this registry on one node, the cluster's loops table in a cluster. */
  public LoopControl control() {
    return control;
  }

  /** Makes the API's changes through {@code c} (a cluster's loops table) from now on. */
  public void control(LoopControl c) {
    this.control = c;
  }

  public NamedLoop get(String name) {
    return loops.get(name);
  }

  /**
   * The loop named {@code name}.
   *
   * @throws ServiceError.NotFound naming {@code field} (null: the URL) when there is none
   */
  public NamedLoop require(String name, String field) {
    NamedLoop l = loops.get(name);
    if (l == null) {
      throw new ServiceError.NotFound(field, "Event loop '" + name + "' not found");
    }
    return l;
  }

  /** The loops in the order they were made. */
  public List<NamedLoop> all() {
    List<NamedLoop> out = new ArrayList<>();
    for (String n : order) {
      NamedLoop l = loops.get(n);
      if (l != null) {
        out.add(l);
      }
    }
    return out;
  }

  /**
   * Makes a new loop and starts it.
   *
   * @return a future of the running loop, failed with {@link ServiceError.Conflict} if the name is taken
   */
  @Override
  public Future<NamedLoop> create(String name) {
    NamedLoop l = new NamedLoop(name, newLoop(name));
    if (loops.putIfAbsent(name, l) != null) {
      return Future.failedFuture(new ServiceError.Conflict(ServiceError.Conflict.Reason.LOOP_EXISTS,
          "Event loop '" + name + "' already exists"));
    }
    order.add(name);
    return l.call(() -> {
      setup.accept(l.loop());
      l.startOnContext();
      return l;
    }).onSuccess(x -> {
      LOG.info("loop {} created and running ({} coroutines)", name, l.loop().coroutineRunner());
      listener.loopChanged(l, LoopEvent.CREATED);
    });
  }

  /**
   * Runs a stopped loop again.
   *
   * @return failed with {@link ServiceError.LoopClosed}, or {@link ServiceError.Conflict} {@code This event loop is
   *     already running}
   */
  @Override
  public Future<NamedLoop> start(NamedLoop l) {
    return l.call(() -> {
      if (l.closing()) {
        throw new ServiceError.LoopClosed();
      }
      if (l.loop().isRunning()) {
        throw new ServiceError.Conflict(ServiceError.Conflict.Reason.LOOP_RUNNING, "This event loop is already running");
      }
      l.startOnContext();
      return l;
    }).onSuccess(x -> {
      LOG.info("loop {} started", l.name());
      listener.loopChanged(l, LoopEvent.STARTED);
    });
  }

  /**
   * Stops a running loop (asyncio's {@code loop.stop()}: the callbacks already scheduled run, then the
   * loop stops); the future completes once it has stopped. A loop that is not running is left as it is.
   */
  @Override
  public Future<NamedLoop> stop(NamedLoop l) {
    return l.call(() -> {
      EventLoop loop = l.loop();
      if (!loop.isRunning()) {
        return Future.<Void>succeededFuture();
      }
      // stop() from inside an iteration, as asyncio code does it (call_soon_threadsafe(loop.stop))
      loop.callSoonThreadsafe(loop::stop);
      return l.runFuture();
    }).compose(f -> f).map(v -> {
      LOG.info("loop {} stopped", l.name());
      listener.loopChanged(l, LoopEvent.STOPPED);
      return l;
    });
  }

  /**
   * Closes a loop: refuses new tasks at once, cancels the loop's tasks and waits for them (at most
   * {@code graceSeconds}; a stopped loop is run for this), stops the loop and closes it.
   */
  @Override
  public Future<NamedLoop> close(NamedLoop l, double graceSeconds) {
    l.markClosing();
    return cancelTasks(l, graceSeconds)
        .compose(v -> stop(l))
        .compose(x -> closeStopped(l));
  }

  /** Closes a stopped loop, on its context; a closed one is left as it is. */
  private Future<NamedLoop> closeStopped(NamedLoop l) {
    return l.call(() -> {
      if (!l.loop().isClosed()) {
        l.loop().close();
        LOG.info("loop {} closed", l.name());
        listener.loopChanged(l, LoopEvent.CLOSED);
      }
      return l;
    });
  }

  /** Cancels {@code tasks} and completes {@code drained} when all are done or after {@code graceSeconds}. */
  public void cancelAndAwait(NamedLoop l, Set<Task<?>> tasks, double graceSeconds, Promise<Void> drained) {
    if (tasks.isEmpty()) {
      drained.tryComplete();
      return;
    }
    int[] left = {tasks.size()};
    Consumer<AsyncFuture<?>> onDone = f -> {
      if (--left[0] == 0) {
        drained.tryComplete();
      }
    };
    for (Task<?> t : tasks) {
      t.cancel();
      addDone(t, onDone);
    }
    vertx.setTimer(Math.max(1, (long) (graceSeconds * 1000)), id -> {
      if (drained.tryComplete()) {
        LOG.warn("loop {}: {} task(s) still pending after {} s of cancellation", l.name(), left[0], graceSeconds);
      }
    });
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void addDone(Task<?> t, Consumer<AsyncFuture<?>> cb) {
    ((Task) t).addDoneCallback(cb);
  }

  /**
   * Cancels every task of every loop that is not closed (shutdown), running stopped loops so that the
   * cancellations take effect; completes when all are done or after {@code graceSeconds}.
   */
  public Future<Void> cancelAll(double graceSeconds) {
    List<Future<Void>> all = new ArrayList<>();
    for (NamedLoop l : all()) {
      all.add(cancelTasks(l, graceSeconds));
    }
    return Future.join(all).mapEmpty();
  }

  /**
   * Cancels the tasks of one loop (running it if it is stopped, so that the cancellations take effect);
   * completes when they are done or after {@code graceSeconds}. A closed loop has none.
   */
  private Future<Void> cancelTasks(NamedLoop l, double graceSeconds) {
    Promise<Void> drained = Promise.promise();
    l.call(() -> {
      EventLoop loop = l.loop();
      if (loop.isClosed()) {
        drained.tryComplete();
        return null;
      }
      Set<Task<?>> live = Asyncio.allTasks(loop);
      if (!loop.isRunning() && !live.isEmpty()) {
        l.startOnContext();
      }
      cancelAndAwait(l, live, graceSeconds, drained);
      return null;
    }).onFailure(drained::tryFail);
    return drained.future();
  }

  /** Runs every loop that is stopped and not closed (shutdown in {@code finish} mode). */
  public Future<Void> startStopped() {
    List<Future<Void>> all = new ArrayList<>();
    for (NamedLoop l : all()) {
      all.add(l.call(() -> {
        if (!l.loop().isClosed() && !l.loop().isRunning()) {
          l.startOnContext();
        }
        return null;
      }));
    }
    return Future.join(all).mapEmpty();
  }

  /** Stops and closes every loop (the end of shutdown); their tasks are done or abandoned by then. */
  public Future<Void> closeAllNow() {
    List<Future<NamedLoop>> all = new ArrayList<>();
    for (NamedLoop l : all()) {
      l.markClosing();
      if (l.loop().isClosed()) {
        continue;
      }
      all.add(stop(l).compose(x -> closeStopped(l)));
    }
    return Future.join(all).mapEmpty();
  }

  /** Probes every running loop's lag every {@code seconds}. */
  public void startProbes(double seconds) {
    probeTimer = vertx.setPeriodic(Math.max(1, (long) (seconds * 1000)), id -> {
      for (NamedLoop l : loops.values()) {
        l.probe();
      }
    });
  }

  public void stopProbes() {
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
      probeTimer = -1;
    }
  }
}
