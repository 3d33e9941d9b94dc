package org.vertxasyncio.asyncio;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

/**
 * An asyncio event loop: a Vert.x event-loop context that runs callbacks, tasks and timers only while
 * the loop is running. Get one from {@link Asyncio#getEventLoop()} or {@link Asyncio#newEventLoop()}.
 *
 * <p>The Vert.x thread underneath keeps turning whether the loop runs or not; the loop gates what it
 * runs: a callback, task step or timer that comes due while the loop is stopped waits in the ready
 * queue until {@link #runUntilComplete}, {@link #runForever} or {@link #start} runs the loop again.
 * The coroutines and callbacks of one loop never run at the same instant, and switch only at an
 * {@code await}.
 *
 * <p>Thread safety, as in asyncio: use the loop from its own thread (a coroutine or callback of the loop,
 * or code that runs on {@link #context()}), or from any thread while it is not running; from other
 * threads while it runs, only {@link #callSoonThreadsafe}, {@link #stop()}, {@link #isRunning()},
 * {@link #isClosed()} and {@link #time()}.
 *
 * <p>Python: {@code asyncio.AbstractEventLoop}
 */
public interface EventLoop {

  /**
   * Runs the loop until {@code awaitable} is done, blocking the calling thread, and returns its result.
   * A coroutine is first wrapped into a task with {@link Asyncio#ensureFuture}.
   *
   * <p>Python: {@code loop.run_until_complete(future)}
   *
   * @return the result of the awaitable
   * @throws IllegalStateException {@code "Event loop is closed"}, {@code "This event loop is already
   *     running"}, {@code "Cannot run the event loop while another loop is running"}, or when called on
   *     a Vert.x event-loop thread (it would block it); {@code "Event loop stopped before Future
   *     completed."} if {@link #stop()} ended the run first
   * @throws Throwable the awaitable's own exception object (checked exceptions included), or
   *     {@link CancelledError} if it was cancelled
   */
  <T> T runUntilComplete(Awaitable<T> awaitable);

  /**
   * Like {@link #runUntilComplete(Awaitable)} for a Vert.x future.
   *
   * <p>Python: {@code loop.run_until_complete(asyncio.wrap_future(f))}
   */
  <T> T runUntilComplete(Future<T> future);

  /**
   * Runs the loop until {@link #stop()} is called, blocking the calling thread.
   *
   * <p>Python: {@code loop.run_forever()}
   *
   * @throws IllegalStateException as {@link #runUntilComplete(Awaitable)}
   */
  void runForever();

  /**
   * Starts running the loop without blocking: the non-blocking twin of {@link #runForever()}, for code
   * that already runs on Vert.x (a verticle). The returned future completes when the loop has stopped.
   *
   * @throws IllegalStateException {@code "Event loop is closed"} or {@code "This event loop is already
   *     running"}
   */
  Future<Void> start();

  /**
   * Stops the loop: the callbacks already scheduled for the current iteration run, then
   * {@link #runForever()} returns. A stopped loop can run again. Called while the loop is not running,
   * the next run does one iteration and stops.
   *
   * <p>Python: {@code loop.stop()}
   */
  void stop();

  /**
   * Closes the loop: pending callbacks and timers are dropped and the loop never runs again. Closing a
   * closed loop does nothing.
   *
   * <p>Python: {@code loop.close()}
   *
   * @throws IllegalStateException {@code "Cannot close a running event loop"}
   */
  void close();

  /** Python: {@code loop.is_running()} */
  boolean isRunning();

  /** Python: {@code loop.is_closed()} */
  boolean isClosed();

  /**
   * The loop's clock: monotonic seconds.
   *
   * <p>Python: {@code loop.time()}
   */
  double time();

  /**
   * Schedules {@code callback} to run in the next iteration of the loop, after the callbacks already
   * scheduled (FIFO), never inline. It runs in a copy of the context current now
   * ({@link ContextVars#copyContext()}).
   *
   * <p>Python: {@code loop.call_soon(callback)}
   *
   * @throws IllegalStateException {@code "Event loop is closed"}
   */
  Handle callSoon(Runnable callback);

  /**
   * Like {@link #callSoon(Runnable)}, the callback running in {@code context} (null: a copy of the
   * current one).
   *
   * <p>Python: {@code loop.call_soon(callback, context=context)}
   */
  Handle callSoon(Runnable callback, ContextVars context);

  /**
   * Like {@link #callSoon}, from any thread; the callback runs in a copy of the calling thread's context.
   *
   * <p>Python: {@code loop.call_soon_threadsafe(callback)}
   */
  Handle callSoonThreadsafe(Runnable callback);

  /** Python: {@code loop.call_soon_threadsafe(callback, context=context)} */
  Handle callSoonThreadsafe(Runnable callback, ContextVars context);

  /**
   * Schedules {@code callback} to run {@code delay} seconds from now, on a Vert.x timer of the loop's
   * context. As in asyncio, a timer reaches the ready queue at the start of an iteration, behind the
   * callbacks already there, together with the other timers due by then in deadline order; callbacks due
   * at the same time run in the order they were scheduled. A delay of zero or less (or a {@link #callAt}
   * in the past) is no shortcut: the timer runs in the next iteration, after the ready callbacks.
   *
   * <p>Python: {@code loop.call_later(delay, callback)}
   *
   * @throws IllegalArgumentException if {@code delay} is NaN
   */
  TimerHandle callLater(double delay, Runnable callback);

  /** Python: {@code loop.call_later(delay, callback, context=context)}; null: a copy of the current context. */
  TimerHandle callLater(double delay, Runnable callback, ContextVars context);

  /**
   * Schedules {@code callback} to run at loop time {@code when} (see {@link #time()}).
   *
   * <p>Python: {@code loop.call_at(when, callback)}
   */
  TimerHandle callAt(double when, Runnable callback);

  /** Python: {@code loop.call_at(when, callback, context=context)}; null: a copy of the current context. */
  TimerHandle callAt(double when, Runnable callback, ContextVars context);

  /**
   * A new pending future attached to this loop.
   *
   * <p>Python: {@code loop.create_future()}
   */
  <T> AsyncFuture<T> createFuture();

  /**
   * Wraps {@code coro} into a task scheduled on this loop; its first step runs in the next iteration (at
   * once, with an eager task factory: see {@link #setTaskFactory}). The task runs in a copy of the
   * current context.
   *
   * <p>Python: {@code loop.create_task(coro)}
   *
   * @throws IllegalStateException {@code "Event loop is closed"}
   */
  <T> Task<T> createTask(Coroutine<T> coro);

  /** Python: {@code loop.create_task(coro, name=name)} */
  <T> Task<T> createTask(Coroutine<T> coro, String name);

  /**
   * A task named {@code name} (null: {@code Task-N}) that runs in {@code context} (null: a copy of the
   * current context), made by the task factory if one is set.
   *
   * <p>Python: {@code loop.create_task(coro, name=name, context=context)}
   */
  <T> Task<T> createTask(Coroutine<T> coro, String name, ContextVars context);

  /**
   * Makes the tasks of {@link #createTask}: what {@link EventLoop#setTaskFactory} takes. {@code name} and
   * {@code context} may be null (the defaults).
   *
   * <p>Python: a task factory, {@code factory(loop, coro, name=name, context=context)}
   */
  @FunctionalInterface
  interface TaskFactory {
    Task<?> createTask(EventLoop loop, Coroutine<?> coro, String name, ContextVars context);
  }

  /**
   * Makes {@link #createTask} (and so {@link Asyncio#createTask}, {@link Asyncio#ensureFuture},
   * {@link Asyncio#gather}, {@link TaskGroup#createTask}) use {@code factory}; null restores the
   * default, {@code new Task<>(coro, loop, name, context)}. {@code loop.setTaskFactory(Asyncio::eagerTaskFactory)}
   * starts every new task eagerly.
   *
   * <p>Python: {@code loop.set_task_factory(factory)}
   */
  void setTaskFactory(TaskFactory factory);

  /** The factory {@link #setTaskFactory} set, or null. Python: {@code loop.get_task_factory()} */
  TaskFactory getTaskFactory();

  /**
   * Runs blocking or CPU-bound {@code fn} on the default executor (the Vert.x worker pool), off the
   * event loop, and returns a future of this loop for its result. Cancelling the future does not
   * interrupt {@code fn}.
   *
   * <p>Python: {@code loop.run_in_executor(None, fn)}
   *
   * @throws IllegalStateException {@code "Executor shutdown has been called"} after
   *     {@link #shutdownDefaultExecutor}
   */
  <T> AsyncFuture<T> runInExecutor(Callable<T> fn);

  /** Python: {@code loop.run_in_executor(executor, fn)} */
  <T> AsyncFuture<T> runInExecutor(Executor executor, Callable<T> fn);

  /**
   * Replaces the default executor of {@link #runInExecutor(Callable)}; null restores the Vert.x worker pool.
   * The loop owns an executor it is given: {@link #shutdownDefaultExecutor} shuts an
   * {@link java.util.concurrent.ExecutorService} down.
   *
   * <p>Python: {@code loop.set_default_executor(executor)}
   */
  void setDefaultExecutor(Executor executor);

  /**
   * A coroutine that ends the default executor's use by this loop: later {@link #runInExecutor(Callable)}
   * calls fail, and it waits for the calls already made to finish (and, for an
   * {@link java.util.concurrent.ExecutorService} set with {@link #setDefaultExecutor}, shuts it down and
   * waits for it to terminate). With a {@code timeout} (seconds; null: none) that passes first, it logs a
   * warning and returns. {@link Asyncio#run} and {@link Runner#close()} call it with 300 s.
   *
   * <p>Python: {@code loop.shutdown_default_executor(timeout)} (the timeout since 3.12)
   */
  Coroutine<Void> shutdownDefaultExecutor(Double timeout);

  /** {@link #shutdownDefaultExecutor(Double)} with no timeout. Python: {@code loop.shutdown_default_executor()} */
  default Coroutine<Void> shutdownDefaultExecutor() {
    return shutdownDefaultExecutor(null);
  }

  /** Receives the errors the loop cannot hand to anyone: callbacks that threw, for example. */
  @FunctionalInterface
  interface ExceptionHandler {
    void handle(EventLoop loop, Map<String, Object> context);
  }

  /** Python: {@code loop.set_exception_handler(handler)}; null restores the default handler. */
  void setExceptionHandler(ExceptionHandler handler);

  /** Python: {@code loop.get_exception_handler()} */
  ExceptionHandler getExceptionHandler();

  /**
   * Reports an error: {@code context} has {@code message}, and may have {@code exception},
   * {@code handle}, {@code future}, {@code task}.
   *
   * <p>Python: {@code loop.call_exception_handler(context)}
   */
  void callExceptionHandler(Map<String, Object> context);

  /**
   * Logs the error to the {@code asyncio} logger, as the default handler does.
   *
   * <p>Python: {@code loop.default_exception_handler(context)}
   */
  void defaultExceptionHandler(Map<String, Object> context);

  /** Python: {@code loop.get_debug()} */
  boolean getDebug();

  /**
   * Debug mode: callbacks slower than {@link #getSlowCallbackDuration()} are logged, the loop refuses
   * non-thread-safe calls from other threads while it runs, and an await that holds a Java lock fails.
   * Also on with {@code -Dasyncio.debug=true} or {@code PYTHONASYNCIODEBUG=1}.
   *
   * <p>Python: {@code loop.set_debug(enabled)}
   */
  void setDebug(boolean enabled);

  /** Python: {@code loop.slow_callback_duration} */
  double getSlowCallbackDuration();

  /** Python: {@code loop.slow_callback_duration = seconds} */
  void setSlowCallbackDuration(double seconds);

  /** The Vert.x event-loop context the loop runs on. */
  Context context();

  /** The Vert.x instance of {@link #context()}. */
  Vertx vertx();

  /** The coroutine mechanism of this loop: {@code continuations} or {@code threads}. */
  String coroutineRunner();
}
