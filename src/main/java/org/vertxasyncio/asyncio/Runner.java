package org.vertxasyncio.asyncio;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * Runs coroutines, one after another, on one loop of its own, and cleans up after them: what
 * {@link Asyncio#run} is built on, for a program that runs several top-level coroutines on the same loop.
 *
 * <pre>{@code
 * try (Runner runner = new Runner()) {      // with asyncio.Runner() as runner:
 *   runner.run(connect());                  //     runner.run(connect())
 *   runner.run(serve());                    //     runner.run(serve())
 * }                                         // tasks left over cancelled, the loop closed
 * }</pre>
 *
 * <p>The loop is made on first use ({@link #run}, {@link #getLoop()}) and set as the thread's current loop
 * (unless a loop factory made it); {@link #close()} cancels the tasks left over, waits for the default
 * executor's calls (at most 300 s), unsets the current loop and closes the loop. Each {@link #run} runs its
 * coroutine as a task in a copy of the context current when the runner made its loop, so the runs share
 * their context variables, as in asyncio.
 *
 * <p>Differs from asyncio: no Ctrl-C handling (the JVM has no SIGINT handler to install; a
 * {@link Runtime#addShutdownHook shutdown hook} is the Java way).
 *
 * <p>Invariant: states go CREATED → INITIALIZED (the loop made) → CLOSED; a closed runner runs nothing.
 *
 * <p>Python: {@code asyncio.Runner}
 */
public final class Runner implements AutoCloseable {
  /** How long {@link #close()} waits for the default executor's calls, in seconds. Python: {@code constants.THREAD_JOIN_TIMEOUT} */
  static final double THREAD_JOIN_TIMEOUT = 300;

  private enum State { CREATED, INITIALIZED, CLOSED }

  private final Boolean debug;
  private final Supplier<? extends EventLoop> loopFactory;
  private State state = State.CREATED;
  private EventLoop loop;
  private ContextVars context;
  private boolean setEventLoop;

  /** A runner that makes a new loop ({@link Asyncio#newEventLoop()}). Python: {@code asyncio.Runner()} */
  public Runner() {
    this(null, null);
  }

  /**
   * A runner whose loop gets {@code debug} (null: the loop's default) and is made by {@code loopFactory}
   * (null: {@link Asyncio#newEventLoop()}, set as the thread's current loop).
   *
   * <p>Python: {@code asyncio.Runner(debug=debug, loop_factory=loop_factory)}
   */
  public Runner(Boolean debug, Supplier<? extends EventLoop> loopFactory) {
    this.debug = debug;
    this.loopFactory = loopFactory;
  }

  /**
   * Runs {@code coro} as a task on the runner's loop until it is done, blocking the calling thread, and
   * returns its result (or throws its exception).
   *
   * <p>Python: {@code runner.run(coro)}
   *
   * @throws IllegalArgumentException {@code "a coroutine was expected, got None"}
   * @throws IllegalStateException {@code "Runner.run() cannot be called from a running event loop"},
   *     {@code "Runner is closed"}
   */
  public <T> T run(Coroutine<T> coro) {
    return run(coro, null);
  }

  /** Like {@link #run(Coroutine)}, the task running in {@code context}. Python: {@code runner.run(coro, context=context)} */
  public <T> T run(Coroutine<T> coro, ContextVars context) {
    if (coro == null) {
      throw new IllegalArgumentException("a coroutine was expected, got None");
    }
    if (VertxEventLoop.running() != null) {
      throw new IllegalStateException("Runner.run() cannot be called from a running event loop");
    }
    lazyInit();
    Task<T> task = loop.createTask(coro, null, context != null ? context : this.context);
    return loop.runUntilComplete(task);
  }

  /**
   * The runner's loop, made now if it was not yet.
   *
   * <p>Python: {@code runner.get_loop()}
   *
   * @throws IllegalStateException {@code "Runner is closed"}
   */
  public EventLoop getLoop() {
    lazyInit();
    return loop;
  }

  /**
   * Cancels the tasks left on the loop (and waits for them), waits for the default executor's calls, unsets
   * the thread's current loop if the runner set it, and closes the loop. Closing a runner that made no
   * loop yet, or a closed one, does nothing.
   *
   * <p>Python: {@code runner.close()}
   */
  @Override
  public void close() {
    if (state != State.INITIALIZED) {
      return; // as asyncio: a runner that made no loop can still run
    }
    try {
      cancelAllTasks(loop);
      loop.runUntilComplete(loop.shutdownDefaultExecutor(THREAD_JOIN_TIMEOUT));
    } finally {
      try {
        if (setEventLoop) {
          Asyncio.setEventLoop(null);
        }
        loop.close();
        loop = null;
      } finally {
        state = State.CLOSED;
      }
    }
  }

  private void lazyInit() {
    if (state == State.CLOSED) {
      throw new IllegalStateException("Runner is closed");
    }
    if (state == State.INITIALIZED) {
      return;
    }
    if (loopFactory == null) {
      loop = Asyncio.newEventLoop();
      if (!setEventLoop) {
        Asyncio.setEventLoop(loop);
        setEventLoop = true;
      }
    } else {
      loop = loopFactory.get();
    }
    if (debug != null) {
      loop.setDebug(debug);
    }
    context = ContextVars.copyContext();
    state = State.INITIALIZED;
  }

  /** Python: {@code runners._cancel_all_tasks(loop)} */
  private static void cancelAllTasks(EventLoop loop) {
    Set<Task<?>> toCancel = Asyncio.allTasks(loop);
    if (toCancel.isEmpty()) {
      return;
    }
    for (Task<?> t : toCancel) {
      t.cancel();
    }
    loop.runUntilComplete(Asyncio.gather(new ArrayList<>(toCancel), true));
    for (Task<?> t : toCancel) {
      if (!t.cancelled() && t.exception() != null) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("message", "unhandled exception during asyncio.run() shutdown");
        c.put("exception", t.exception());
        c.put("task", t);
        loop.callExceptionHandler(c);
      }
    }
  }

  @Override
  public String toString() {
    return "<Runner " + state.name().toLowerCase(java.util.Locale.ROOT) + (loop == null ? "" : " loop=" + loop) + ">";
  }
}
