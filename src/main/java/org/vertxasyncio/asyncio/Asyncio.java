package org.vertxasyncio.asyncio;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.vertxasyncio.asyncio.impl.Describe;
import org.vertxasyncio.asyncio.impl.Runners;
import org.vertxasyncio.asyncio.impl.Sneaky;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * asyncio's module-level functions: make and await coroutines, get event loops, schedule tasks, and
 * combine futures ({@link #gather}, {@link #wait}, {@link #waitFor}, {@link #timeout}, {@link #shield},
 * {@link #asCompleted}). Import it statically:
 *
 * <pre>{@code
 * import static org.vertxasyncio.asyncio.Asyncio.*;
 *
 * static Coroutine<Void> doSomeWork(double x) {
 *   return async(() -> {
 *     System.out.println("Waiting " + x);
 *     await(sleep(x));
 *   });
 * }
 *
 * getEventLoop().runUntilComplete(gather(doSomeWork(1), doSomeWork(3)));
 * }</pre>
 *
 * <p>Python: the {@code asyncio} module
 */
public final class Asyncio {
  /** Each thread's current loop, and whether {@link #setEventLoop} was called on it. Python: the policy's {@code _local} */
  private static final ThreadLocal<ThreadLoop> THREAD_LOOP = ThreadLocal.withInitial(ThreadLoop::new);
  private static volatile Vertx sharedVertx;

  private static final class ThreadLoop {
    EventLoop loop;
    boolean setCalled;
  }

  private Asyncio() {
  }

  // ------------------------------------------------------------------ coroutines

  /**
   * An await-style coroutine: {@code body} runs when the coroutine is awaited or scheduled, top to
   * bottom, suspending at each {@link #await} of something not yet done.
   *
   * <p>Python: {@code async def f(): ...} then {@code f()}
   */
  public static <T> Coroutine<T> async(CoroutineBody<T> body) {
    return new BodyCoroutine<>("coroutine", body);
  }

  /** An await-style coroutine with no result. */
  public static Coroutine<Void> async(VoidCoroutineBody body) {
    return new BodyCoroutine<>("coroutine", body);
  }

  /** An await-style coroutine named {@code name} (shown in reprs, as Python shows the function name). */
  public static <T> Coroutine<T> async(String name, CoroutineBody<T> body) {
    return new BodyCoroutine<>(name, body);
  }

  /** An await-style coroutine named {@code name}, with no result. */
  public static Coroutine<Void> async(String name, VoidCoroutineBody body) {
    return new BodyCoroutine<Void>(name, body);
  }

  /**
   * A future-style coroutine, for code already written with Vert.x futures: {@code body} runs (on the
   * loop) when the coroutine is awaited or scheduled, and the coroutine's result is the outcome of the
   * future it returns. The body must not call {@link #await}.
   */
  public static <T> Coroutine<T> asyncFuture(Supplier<? extends Future<T>> body) {
    return new FutureStyleCoroutine<>("coroutine", body);
  }

  /** A future-style coroutine named {@code name}. */
  public static <T> Coroutine<T> asyncFuture(String name, Supplier<? extends Future<T>> body) {
    return new FutureStyleCoroutine<>(name, body);
  }

  /**
   * Waits for {@code awaitable} inside a coroutine and returns its result, or throws its exception (the
   * same object). A coroutine runs inline, in the current task; a future that is not done suspends the
   * current task until it is, and the loop runs other work meanwhile.
   *
   * <p>Python: {@code await x}
   *
   * @throws CancelledError if the current task is cancelled while it waits, or the future was cancelled
   * @throws IllegalStateException outside a coroutine body, with how to do it instead
   */
  @SuppressWarnings("unchecked")
  public static <T> T await(Awaitable<T> awaitable) {
    if (awaitable instanceof AsyncFuture<?> f) {
      return Awaits.awaitFuture((AsyncFuture<T>) f);
    }
    Coroutine<T> c = (Coroutine<T>) awaitable;
    Task<?> task = Awaits.currentTask();
    c.markStarted();
    return c.awaitInline(task);
  }

  /**
   * Waits for a Vert.x future inside a coroutine, without blocking the loop.
   *
   * <p>Python: {@code await asyncio.wrap_future(f)}
   */
  public static <T> T await(Future<T> future) {
    if (future.isComplete()) {
      if (future.succeeded()) {
        return future.result();
      }
      throw Sneaky.rethrow(future.cause());
    }
    VertxEventLoop loop = Awaits.runningLoop("await");
    return Awaits.awaitFuture(loop.wrap(future));
  }

  // ------------------------------------------------------------------ event loops

  /**
   * The Vert.x instance new loops are made on: the one given to {@link #setVertx}, or one made on first
   * use, with daemon threads (so a program ends when its main thread does, as a Python script does) and
   * closed when the JVM exits.
   */
  public static Vertx vertx() {
    Vertx v = sharedVertx;
    if (v == null) {
      synchronized (Asyncio.class) {
        v = sharedVertx;
        if (v == null) {
          v = Vertx.vertx(new VertxOptions().setUseDaemonThread(true));
          sharedVertx = v;
          Vertx made = v;
          // closing it lets the JVM exit at once: otherwise it waits ~0.3 s for event-loop threads parked in epoll
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
              made.close().toCompletionStage().toCompletableFuture().get(1, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception | Error ignored) {
              // exiting anyway
            }
          }, "asyncio-vertx-close"));
        }
      }
    }
    return v;
  }

  /** Makes new loops use {@code vertx}. */
  public static synchronized void setVertx(Vertx vertx) {
    sharedVertx = vertx;
  }

  /**
   * The running loop, else this thread's current loop ({@link #setEventLoop}). Only the main thread, and
   * only until {@link #setEventLoop} is first called on it, gets a loop made and set on first use, as in
   * CPython 3.11–3.13: anywhere else (a worker thread, a Vert.x thread outside the loop's iterations)
   * there is no implicit loop, so work cannot be bound to a loop that nobody runs.
   *
   * <p>Python: {@code asyncio.get_event_loop()}
   *
   * @throws IllegalStateException {@code "There is no current event loop in thread 'worker-1'."}
   */
  public static EventLoop getEventLoop() {
    VertxEventLoop running = VertxEventLoop.running();
    if (running != null) {
      return running;
    }
    ThreadLoop local = THREAD_LOOP.get();
    Thread current = Thread.currentThread();
    if (local.loop == null && !local.setCalled && isMainThread(current)) {
      setEventLoop(newEventLoop());
    }
    if (local.loop == null) {
      throw new IllegalStateException("There is no current event loop in thread " + Describe.repr(current.getName()) + ".");
    }
    return local.loop;
  }

  /** Python's {@code threading.main_thread()}: the JVM's main thread, the platform thread named main that runs {@code main}. */
  private static boolean isMainThread(Thread t) {
    ThreadGroup g = t.getThreadGroup();
    return !t.isVirtual() && "main".equals(t.getName()) && g != null && "main".equals(g.getName());
  }

  /**
   * A new loop on a new event-loop context of {@link #vertx()}.
   *
   * <p>Python: {@code asyncio.new_event_loop()}
   */
  public static EventLoop newEventLoop() {
    return newEventLoop(vertx());
  }

  /** A new loop on a new event-loop context of {@code vertx}. */
  public static EventLoop newEventLoop(Vertx vertx) {
    return newEventLoop(((VertxInternal) vertx).createEventLoopContext());
  }

  /** A loop on the given Vert.x event-loop context (a verticle's own, for example). */
  public static EventLoop newEventLoop(Context context) {
    return new VertxEventLoop(context, Runners.defaultRunner());
  }

  /**
   * Makes {@code loop} this thread's current loop (null clears it). Once called on the main thread, even
   * with null, {@link #getEventLoop()} no longer makes a loop there.
   *
   * <p>Python: {@code asyncio.set_event_loop(loop)}
   */
  public static void setEventLoop(EventLoop loop) {
    ThreadLoop local = THREAD_LOOP.get();
    local.setCalled = true;
    local.loop = loop;
  }

  /**
   * The loop running the current coroutine or callback.
   *
   * <p>Python: {@code asyncio.get_running_loop()}
   *
   * @throws IllegalStateException {@code "no running event loop"}
   */
  public static EventLoop getRunningLoop() {
    VertxEventLoop loop = VertxEventLoop.running();
    if (loop == null) {
      throw new IllegalStateException("no running event loop");
    }
    return loop;
  }

  /**
   * Runs {@code main} on a new loop until it is done, cancels the tasks it left behind, waits for the
   * default executor's calls, closes the loop, and returns {@code main}'s result: a {@link Runner} used
   * once. The loop is the thread's current loop while it runs; afterwards there is none
   * ({@link #setEventLoop} null), as in asyncio.
   *
   * <p>Python: {@code asyncio.run(main)}
   *
   * @throws IllegalStateException {@code "asyncio.run() cannot be called from a running event loop"}
   */
  public static <T> T run(Coroutine<T> main) {
    return run(main, null, null);
  }

  /**
   * Like {@link #run(Coroutine)}, the loop with {@code debug} (null: its default) and made by
   * {@code loopFactory} (null: {@link #newEventLoop()}).
   *
   * <p>Python: {@code asyncio.run(main, debug=debug, loop_factory=loop_factory)}
   */
  public static <T> T run(Coroutine<T> main, Boolean debug, Supplier<? extends EventLoop> loopFactory) {
    if (VertxEventLoop.running() != null) {
      throw new IllegalStateException("asyncio.run() cannot be called from a running event loop");
    }
    try (Runner runner = new Runner(debug, loopFactory)) {
      return runner.run(main);
    }
  }

  // ------------------------------------------------------------------ tasks

  /**
   * Schedules {@code coro} as a task on the current loop ({@link #getEventLoop()}).
   *
   * <p>Python: {@code asyncio.ensure_future(coro)}
   */
  public static <T> Task<T> ensureFuture(Coroutine<T> coro) {
    return getEventLoop().createTask(coro);
  }

  /**
   * A future for {@code awaitable}: a future is returned as it is, a coroutine is scheduled as a task.
   *
   * <p>Python: {@code asyncio.ensure_future(obj)}
   */
  public static <T> AsyncFuture<T> ensureFuture(Awaitable<T> awaitable) {
    if (awaitable instanceof AsyncFuture<T> f) {
      return f;
    }
    return getEventLoop().createTask((Coroutine<T>) awaitable);
  }

  /**
   * Like {@link #ensureFuture(Awaitable)}, on {@code loop}.
   *
   * <p>Python: {@code asyncio.ensure_future(obj, loop=loop)}
   *
   * @throws IllegalArgumentException if {@code awaitable} is a future of another loop
   */
  public static <T> AsyncFuture<T> ensureFuture(Awaitable<T> awaitable, EventLoop loop) {
    if (awaitable instanceof AsyncFuture<T> f) {
      if (f.getLoop() != loop) {
        throw new IllegalArgumentException("The future belongs to a different loop than the one specified as the loop argument");
      }
      return f;
    }
    return loop.createTask((Coroutine<T>) awaitable);
  }

  /**
   * A future of the current loop that takes {@code future}'s outcome (in a loop iteration).
   *
   * <p>Python: {@code asyncio.wrap_future(f)}
   */
  public static <T> AsyncFuture<T> ensureFuture(Future<T> future) {
    return ((VertxEventLoop) getEventLoop()).wrap(future);
  }

  /** Like {@link #ensureFuture(Future)}, on {@code loop}. */
  public static <T> AsyncFuture<T> ensureFuture(Future<T> future, EventLoop loop) {
    return ((VertxEventLoop) loop).wrap(future);
  }

  /**
   * Schedules {@code coro} as a task on the running loop.
   *
   * <p>Python: {@code asyncio.create_task(coro)}
   *
   * @throws IllegalStateException {@code "no running event loop"}
   */
  public static <T> Task<T> createTask(Coroutine<T> coro) {
    return getRunningLoop().createTask(coro);
  }

  /** Python: {@code asyncio.create_task(coro, name=name)} */
  public static <T> Task<T> createTask(Coroutine<T> coro, String name) {
    return getRunningLoop().createTask(coro, name);
  }

  /** Python: {@code asyncio.create_task(coro, name=name, context=context)} */
  public static <T> Task<T> createTask(Coroutine<T> coro, String name, ContextVars context) {
    return getRunningLoop().createTask(coro, name, context);
  }

  /**
   * The task factory that starts tasks eagerly: a new task's coroutine runs at once, inside
   * {@code createTask}, up to its first suspension (as the current task, in its context), and is only
   * scheduled if it suspends; one that never suspends gives a task that is already done. On a loop that
   * is not running, tasks start as usual. Install it with {@code loop.setTaskFactory(Asyncio::eagerTaskFactory)}.
   *
   * <p>Python: {@code asyncio.eager_task_factory} (3.12)
   */
  public static <T> Task<T> eagerTaskFactory(EventLoop loop, Coroutine<T> coro, String name, ContextVars context) {
    return new Task<>(coro, loop, name, context, true);
  }

  /**
   * A task factory that starts tasks eagerly, as {@link #eagerTaskFactory}, with tasks made by
   * {@code constructor} (a subclass of {@link Task}: {@code createEagerTaskFactory(MyTask::new)}) with
   * {@code eagerStart} true.
   *
   * <p>Python: {@code asyncio.create_eager_task_factory(custom_task_constructor)} (3.12)
   */
  public static EventLoop.TaskFactory createEagerTaskFactory(Task.Constructor constructor) {
    Objects.requireNonNull(constructor, "constructor");
    return (loop, coro, name, context) -> constructor.newTask(coro, loop, name, context, true);
  }

  /**
   * Submits {@code coro} to {@code loop} from any thread; the returned future completes with its outcome.
   *
   * <p>Python: {@code asyncio.run_coroutine_threadsafe(coro, loop)}
   */
  public static <T> CompletableFuture<T> runCoroutineThreadsafe(Coroutine<T> coro, EventLoop loop) {
    CompletableFuture<T> out = new CompletableFuture<>();
    loop.callSoonThreadsafe(() -> {
      Task<T> t;
      try {
        t = loop.createTask(coro);
      } catch (Throwable e) {
        out.completeExceptionally(e);
        return;
      }
      t.addDoneCallback(f -> {
        if (f.cancelled()) {
          out.cancel(false);
        } else if (f.exception() != null) {
          out.completeExceptionally(f.exception());
        } else {
          out.complete(f.result());
        }
      });
      out.whenComplete((v, e) -> {
        if (out.isCancelled()) {
          loop.callSoonThreadsafe(t::cancel);
        }
      });
    });
    return out;
  }

  /**
   * The task running on the running loop, or null (in a plain callback).
   *
   * <p>Python: {@code asyncio.current_task()}
   *
   * @throws IllegalStateException {@code "no running event loop"}
   */
  public static Task<?> currentTask() {
    return ((VertxEventLoop) getRunningLoop()).currentTask();
  }

  /** The task running on {@code loop}, or null. Python: {@code asyncio.current_task(loop)} */
  public static Task<?> currentTask(EventLoop loop) {
    return ((VertxEventLoop) loop).currentTask();
  }

  /**
   * The tasks of the running loop that are not done.
   *
   * <p>Python: {@code asyncio.all_tasks()}
   */
  public static Set<Task<?>> allTasks() {
    return allTasks(getRunningLoop());
  }

  /** The tasks of {@code loop} that are not done. Python: {@code asyncio.all_tasks(loop)} */
  public static Set<Task<?>> allTasks(EventLoop loop) {
    return new LinkedHashSet<>(((VertxEventLoop) loop).liveTasks());
  }

  /**
   * A coroutine that runs {@code fn} on the loop's default executor (another thread: see
   * {@link EventLoop#runInExecutor(java.util.concurrent.Callable)}), in a copy of the current context,
   * and gives its result: the way to call blocking code from a coroutine.
   *
   * <pre>{@code
   * String body = await(toThread(() -> Files.readString(path)));
   * }</pre>
   *
   * <p>Python: {@code asyncio.to_thread(func)}
   */
  public static <T> Coroutine<T> toThread(java.util.concurrent.Callable<T> fn) {
    Objects.requireNonNull(fn, "fn");
    return async("to_thread", () -> {
      EventLoop loop = getRunningLoop();
      ContextVars context = ContextVars.copyContext();
      return await(loop.runInExecutor(() -> context.run(fn)));
    });
  }

  /** Whether {@code obj} is a coroutine object. Python: {@code asyncio.iscoroutine(obj)} */
  public static boolean isCoroutine(Object obj) {
    return obj instanceof Coroutine<?>;
  }

  /**
   * Whether {@code obj} is an asyncio future (an {@link AsyncFuture}, a {@link Task} too); a Vert.x
   * {@code Future} is not one, as a {@code concurrent.futures.Future} is not in Python.
   *
   * <p>Python: {@code asyncio.isfuture(obj)}
   */
  public static boolean isFuture(Object obj) {
    return obj instanceof AsyncFuture<?>;
  }

  // ------------------------------------------------------------------ sleeping

  /**
   * A coroutine that finishes after {@code seconds} (its timer starts when it runs); zero or less gives
   * up one loop iteration.
   *
   * <p>Python: {@code asyncio.sleep(delay)}
   *
   * @throws IllegalArgumentException {@code "Invalid delay: NaN (not a number)"}
   */
  public static Coroutine<Void> sleep(double seconds) {
    return new SleepCoroutine<>(seconds, null);
  }

  /** Python: {@code asyncio.sleep(delay, result)} */
  public static <T> Coroutine<T> sleep(double seconds, T result) {
    return new SleepCoroutine<>(seconds, result);
  }

  // ------------------------------------------------------------------ gather

  /**
   * Runs the awaitables concurrently (coroutines are scheduled as tasks) and gives their results in
   * argument order. The first exception reaches the awaiter, and the other children keep running;
   * cancelling the returned future cancels the children.
   *
   * <p>Python: {@code asyncio.gather(*aws)}
   */
  public static AsyncFuture<List<Object>> gather(Awaitable<?>... aws) {
    return GatheringFuture.gather(Arrays.asList(aws), false);
  }

  /**
   * Like {@link #gather(Awaitable...)}; with {@code returnExceptions}, exceptions (and
   * {@link CancelledError}s of cancelled children) stand in the list in place of results.
   *
   * <p>Python: {@code asyncio.gather(*aws, return_exceptions=True)}
   */
  public static AsyncFuture<List<Object>> gather(boolean returnExceptions, Awaitable<?>... aws) {
    return GatheringFuture.gather(Arrays.asList(aws), returnExceptions);
  }

  /** {@link #gather(Awaitable...)} over a list, typed by its elements. Python: {@code asyncio.gather(*coros)} */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <T> AsyncFuture<List<T>> gather(List<? extends Awaitable<? extends T>> aws) {
    return (AsyncFuture) GatheringFuture.gather(aws, false);
  }

  /** {@link #gather(boolean, Awaitable...)} over a list. */
  public static AsyncFuture<List<Object>> gather(List<? extends Awaitable<?>> aws, boolean returnExceptions) {
    return GatheringFuture.gather(aws, returnExceptions);
  }

  // ------------------------------------------------------------------ wait

  /** {@link #wait(Collection, Double, ReturnWhen)} with no timeout, until all are done. */
  public static <T> Coroutine<WaitResult<T>> wait(Collection<? extends AsyncFuture<? extends T>> fs) {
    return wait(fs, null, ReturnWhen.ALL_COMPLETED);
  }

  /**
   * A coroutine that waits for the futures until {@code returnWhen} says, or until {@code timeout}
   * seconds pass (null: no limit), and gives the done and pending sets. A timeout raises nothing and
   * cancels nothing.
   *
   * <p>Python: {@code asyncio.wait(fs, timeout=timeout, return_when=return_when)}
   *
   * @throws IllegalArgumentException when awaited: {@code "Set of Tasks/Futures is empty."}, or
   *     {@code "Invalid return_when value: null"}
   */
  @SuppressWarnings("unchecked")
  public static <T> Coroutine<WaitResult<T>> wait(Collection<? extends AsyncFuture<? extends T>> fs, Double timeout,
      ReturnWhen returnWhen) {
    return async("wait", () -> {
      if (fs.isEmpty()) {
        throw new IllegalArgumentException("Set of Tasks/Futures is empty.");
      }
      if (returnWhen == null) {
        throw new IllegalArgumentException("Invalid return_when value: null");
      }
      EventLoop loop = getRunningLoop();
      LinkedHashSet<AsyncFuture<T>> set = new LinkedHashSet<>();
      for (AsyncFuture<? extends T> f : fs) {
        set.add((AsyncFuture<T>) ensureFuture(f, loop));
      }
      return doWait(set, timeout, returnWhen, loop);
    });
  }

  private static <T> WaitResult<T> doWait(Set<AsyncFuture<T>> fs, Double timeout, ReturnWhen returnWhen, EventLoop loop) {
    AsyncFuture<Void> waiter = loop.createFuture();
    TimerHandle[] timeoutHandle = new TimerHandle[1];
    if (timeout != null) {
      timeoutHandle[0] = loop.callLater(timeout, () -> releaseWaiter(waiter));
    }
    int[] counter = {fs.size()};
    Consumer<AsyncFuture<T>> onCompletion = f -> {
      counter[0]--;
      if (counter[0] <= 0 || returnWhen == ReturnWhen.FIRST_COMPLETED
          || (returnWhen == ReturnWhen.FIRST_EXCEPTION && !f.cancelled() && f.exception() != null)) {
        if (timeoutHandle[0] != null) {
          timeoutHandle[0].cancel();
        }
        releaseWaiter(waiter);
      }
    };
    for (AsyncFuture<T> f : fs) {
      f.addLibraryCallback(onCompletion);
    }
    try {
      await(waiter);
    } finally {
      if (timeoutHandle[0] != null) {
        timeoutHandle[0].cancel();
      }
      for (AsyncFuture<T> f : fs) {
        f.removeDoneCallback(onCompletion);
      }
    }
    LinkedHashSet<AsyncFuture<T>> done = new LinkedHashSet<>();
    LinkedHashSet<AsyncFuture<T>> pending = new LinkedHashSet<>();
    for (AsyncFuture<T> f : fs) {
      (f.done() ? done : pending).add(f);
    }
    return new WaitResult<>(done, pending);
  }

  private static void releaseWaiter(AsyncFuture<Void> waiter) {
    if (!waiter.done()) {
      waiter.setResult(null);
    }
  }

  // ------------------------------------------------------------------ deadlines

  /**
   * A coroutine that awaits {@code awaitable} for at most {@code timeout} seconds (null: no limit). On
   * expiry the inner work is cancelled, and waited for, and {@link TimeoutError} is raised.
   *
   * <p>Python: {@code asyncio.wait_for(aw, timeout)}
   */
  public static <T> Coroutine<T> waitFor(Awaitable<T> awaitable, Double timeout) {
    return async("wait_for", () -> {
      if (timeout != null && timeout <= 0) {
        AsyncFuture<T> fut = ensureFuture(awaitable, getRunningLoop());
        if (fut.done()) {
          return fut.result();
        }
        cancelAndWait(fut);
        try {
          return fut.result();
        } catch (CancelledError exc) {
          throw new TimeoutError(null, exc);
        }
      }
      return timeout(timeout, () -> await(awaitable));
    });
  }

  private static void cancelAndWait(AsyncFuture<?> fut) {
    EventLoop loop = getRunningLoop();
    AsyncFuture<Void> waiter = loop.createFuture();
    Consumer<AsyncFuture<?>> cb = f -> releaseWaiter(waiter);
    fut.addLibraryCallback(cb);
    try {
      fut.cancel();
      await(waiter);
    } finally {
      fut.removeDoneCallback(cb);
    }
  }

  /**
   * A {@link Timeout} due {@code delay} seconds from now on the running loop (null: never), to enter
   * later ({@link Timeout#asyncWith}, or {@link Timeout#aenter()} / {@link Timeout#aexit}).
   *
   * <p>Python: {@code asyncio.timeout(delay)}
   *
   * @throws IllegalStateException {@code "no running event loop"}
   */
  public static Timeout timeout(Double delay) {
    EventLoop loop = getRunningLoop();
    return new Timeout(delay == null ? null : loop.time() + delay);
  }

  /**
   * A {@link Timeout} due at loop time {@code when} (null: never), to enter later.
   *
   * <p>Python: {@code asyncio.timeout_at(when)}
   */
  public static Timeout timeoutAt(Double when) {
    return new Timeout(when);
  }

  /**
   * Runs {@code body} in the current coroutine with a deadline {@code delay} seconds away (null: none):
   * when it passes, the current task is cancelled and the block ends with {@link TimeoutError}. Sugar
   * for {@code timeout(delay).asyncWith(t -> body.call())}.
   *
   * <p>Python: {@code async with asyncio.timeout(delay): ...}
   *
   * @throws IllegalStateException {@code "Timeout should be used inside a task"}, {@code "no running
   *     event loop"}
   */
  public static <T> T timeout(Double delay, CoroutineBody<T> body) {
    return timeout(delay).asyncWith(t -> body.call());
  }

  /** Like {@link #timeout(Double, CoroutineBody)}; the body gets the {@link Timeout} to reschedule it. */
  public static <T> T timeout(Double delay, TimeoutBody<T> body) {
    return timeout(delay).asyncWith(body);
  }

  /** Python: {@code async with asyncio.timeout_at(when): ...} */
  public static <T> T timeoutAt(Double when, CoroutineBody<T> body) {
    return new Timeout(when).asyncWith(t -> body.call());
  }

  /** Python: {@code async with asyncio.timeout_at(when) as t: ...} */
  public static <T> T timeoutAt(Double when, TimeoutBody<T> body) {
    return new Timeout(when).asyncWith(body);
  }

  // ------------------------------------------------------------------ shield, as_completed

  /**
   * Protects {@code awaitable} from cancellation: cancelling the returned future (or the task awaiting
   * it) leaves the inner work running.
   *
   * <p>Python: {@code asyncio.shield(aw)}
   */
  public static <T> AsyncFuture<T> shield(Awaitable<T> awaitable) {
    AsyncFuture<T> inner = ensureFuture(awaitable);
    if (inner.done()) {
      return inner;
    }
    AsyncFuture<T> outer = inner.getLoop().createFuture();
    Consumer<AsyncFuture<T>> innerDone = i -> {
      if (outer.cancelled()) {
        return;
      }
      if (i.cancelled()) {
        outer.cancel();
      } else if (i.exception() != null) {
        outer.setException(i.exception());
      } else {
        outer.setResult(i.result());
      }
    };
    inner.addLibraryCallback(innerDone);
    outer.addLibraryCallback(o -> {
      if (!inner.done()) {
        inner.removeDoneCallback(innerDone);
      }
    });
    return outer;
  }

  /**
   * Coroutines, one per awaitable, each giving the next result to finish (or raising its exception);
   * with {@code timeout} (null: none), the ones still waiting when it passes raise {@link TimeoutError}.
   *
   * <pre>{@code
   * for (Coroutine<String> next : asCompleted(tasks, 5.0)) {
   *   String earliest = await(next);
   * }
   * }</pre>
   *
   * <p>Python: {@code asyncio.as_completed(aws, timeout=timeout)}
   */
  @SuppressWarnings("unchecked")
  public static <T> List<Coroutine<T>> asCompleted(Collection<? extends Awaitable<? extends T>> aws, Double timeout) {
    EventLoop loop = getEventLoop();
    LinkedHashSet<AsyncFuture<T>> todo = new LinkedHashSet<>();
    for (Awaitable<? extends T> a : new LinkedHashSet<>(aws)) {
      todo.add((AsyncFuture<T>) ensureFuture(a, loop));
    }
    Queue<AsyncFuture<T>> done = new Queue<>();
    TimerHandle[] timeoutHandle = new TimerHandle[1];
    Consumer<AsyncFuture<T>>[] onCompletion = new Consumer[1];
    onCompletion[0] = f -> {
      if (todo.isEmpty()) {
        return;
      }
      todo.remove(f);
      done.putNowait(f);
      if (todo.isEmpty() && timeoutHandle[0] != null) {
        timeoutHandle[0].cancel();
      }
    };
    for (AsyncFuture<T> f : todo) {
      f.addLibraryCallback(onCompletion[0]);
    }
    if (!todo.isEmpty() && timeout != null) {
      timeoutHandle[0] = loop.callLater(timeout, () -> {
        for (AsyncFuture<T> f : todo) {
          f.removeDoneCallback(onCompletion[0]);
          done.putNowait(null);
        }
        todo.clear();
      });
    }
    List<Coroutine<T>> out = new ArrayList<>(todo.size());
    for (int i = todo.size(); i > 0; i--) {
      out.add(async("as_completed", () -> {
        AsyncFuture<T> f = await(done.get());
        if (f == null) {
          throw new TimeoutError();
        }
        return f.result();
      }));
    }
    return out;
  }

  // ------------------------------------------------------------------ streams

  /**
   * A coroutine that connects to {@code host}:{@code port} over TCP (a Vert.x {@code NetClient} on the
   * running loop's context) and gives the connection's reader and writer.
   *
   * <p>Failure path: {@link ConnectionRefusedError} when nobody listens there; {@link TimeoutError} when
   * the attempt times out (Vert.x's connect timeout, 60 s); {@link IllegalArgumentException} for a null
   * host or a port outside 0-65535; Vert.x's exception otherwise ({@code UnknownHostException}, ...).
   *
   * <p>Python: {@code asyncio.open_connection(host, port)}
   */
  public static Coroutine<StreamPair> openConnection(String host, int port) {
    return Streams.openConnection(host, port, StreamReader.DEFAULT_LIMIT);
  }

  /** Python: {@code asyncio.open_connection(host, port, limit=limit)} */
  public static Coroutine<StreamPair> openConnection(String host, int port, int limit) {
    return Streams.openConnection(host, port, limit);
  }

  /**
   * A coroutine that starts a TCP server on {@code host} (null: every IPv4 interface) and {@code port}
   * (0: a free one) on the running loop's context. Each connection calls {@code clientConnected} with its
   * reader and writer in a loop iteration; the coroutine it returns runs as a task (return null from a
   * plain callback). A task that fails is reported to the loop's exception handler ({@code "Unhandled
   * exception in client_connected_cb"}) and its connection closed.
   *
   * <p>Failure path: the bind's exception ({@code java.net.BindException: Address already in use}).
   *
   * <p>Python: {@code asyncio.start_server(client_connected_cb, host, port)}
   */
  public static Coroutine<Server> startServer(BiFunction<StreamReader, StreamWriter, Coroutine<?>> clientConnected,
      String host, int port) {
    return Streams.startServer(clientConnected, host, port, StreamReader.DEFAULT_LIMIT);
  }

  /** Python: {@code asyncio.start_server(client_connected_cb, host, port, limit=limit)} */
  public static Coroutine<Server> startServer(BiFunction<StreamReader, StreamWriter, Coroutine<?>> clientConnected,
      String host, int port, int limit) {
    return Streams.startServer(clientConnected, host, port, limit);
  }
}
