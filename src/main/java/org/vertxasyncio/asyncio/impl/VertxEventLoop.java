package org.vertxasyncio.asyncio.impl;

import io.netty.util.internal.PlatformDependent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.Asyncio;
import org.vertxasyncio.asyncio.Awaitable;
import org.vertxasyncio.asyncio.ContextVars;
import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.EventLoop;
import org.vertxasyncio.asyncio.Handle;
import org.vertxasyncio.asyncio.Task;
import org.vertxasyncio.asyncio.TimerHandle;

/**
 * The asyncio loop on a Vert.x event-loop context.
 *
 * <p>Invariants:
 * <ul>
 *   <li>{@code ready}, the timer queue, {@code currentTask} and the live-task list are touched only on the
 *       context's thread (or by a fiber while that thread waits for it), or from another thread while the
 *       loop is not running;</li>
 *   <li>a ready entry (a {@link ReadyHandle}, or an object of the asyncio package that is its own callback,
 *       see {@link Entries}) runs only while {@code running}, in FIFO order; one iteration ({@link #runOnce})
 *       runs the entries that were ready when it began, and entries added meanwhile wait for the next one;</li>
 *   <li>iterations are separate Vert.x tasks, so Vert.x I/O and timers get their turn between them;</li>
 *   <li>{@code stopping} ends the run after the current iteration; a closed loop never runs again.</li>
 * </ul>
 */
public final class VertxEventLoop implements EventLoop {
  private static final Logger LOG = LoggerFactory.getLogger("asyncio");

  /**
   * Runs the ready-queue entries that are not {@link ReadyHandle}s: objects of the asyncio package that
   * stand for their own callback (a task woken up by the future it awaited, a sleep that came due, a
   * future's only done callback), so that the commonest callbacks cost no object of their own.
   */
  public interface Entries {
    /** Runs {@code entry}'s callback; its errors go to the loop's exception handler, as a handle's do. */
    void run(VertxEventLoop loop, Object entry);

    /** A handle that describes {@code entry}, for log lines. */
    ReadyHandle describe(Object entry);
  }

  private static volatile Entries entries;

  /** Installs the runner of the asyncio package's entries (done once, by that package). */
  public static void entries(Entries e) {
    entries = e;
  }

  /** The loop whose code runs on the current thread (its iteration, or one of its fibers), or null. */
  private static final ThreadLocal<VertxEventLoop> RUNNING = new ThreadLocal<>();

  private final Vertx vertx;
  private final ContextInternal context;
  private final FiberRunner runner;
  /** {@link ReadyHandle}s, and the entries {@link Entries} runs (a task to wake up, a sleep come due, ...). */
  private final ArrayDeque<Object> ready = new ArrayDeque<>();
  /** Entries queued from other threads: a multi-producer queue of array chunks (no node per entry). */
  private final Queue<Object> inbox = PlatformDependent.newMpscQueue();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final TimerQueue timers;
  private final Handler<Void> pump = v -> pump();

  /** How long one Vert.x task may run handles before the rest of the iteration yields to Vert.x. */
  private static final long SLICE_NANOS = 20_000_000L;
  /** Handles of the current iteration not yet run (an iteration may span several Vert.x tasks). */
  private int iterationLeft;
  private volatile boolean running;
  private volatile boolean stopping;
  private volatile boolean closed;
  private Runnable onStopped;
  /** An error of the loop's own machinery that ended the last run; thrown by the blocking run methods. */
  private volatile Throwable fatal;
  private Task<?> currentTask;
  /** An empty context that no task holds, lent to the steps of tasks that have none of their own. */
  private ContextVars spareContext;
  /** The tasks not done yet, each in the slot {@link #register} gave it (the loop keeps them reachable). */
  private Task<?>[] live = new Task<?>[16];
  /** Slots below this have been handed out; the free ones among them are in {@code freeSlots}. */
  private int liveEnd;
  private int[] freeSlots = new int[16];
  private int freeCount;
  private int liveCount;
  /** The first fiber of the thread runner that has a thread of its own (see {@link ThreadRunner}). */
  ThreadRunner.ThreadFiber<?> threadFibers;
  private volatile TaskFactory taskFactory;

  private volatile ExceptionHandler exceptionHandler;
  private volatile boolean debug;
  private volatile double slowCallbackDuration = 0.1;
  private volatile Executor defaultExecutor;
  /** Calls of {@link #runInExecutor(Callable)} not finished yet; guarded by itself. */
  private final int[] executorCalls = new int[1];
  private volatile boolean executorShutdownCalled;

  public VertxEventLoop(Context context, FiberRunner runner) {
    ContextInternal ctx = (ContextInternal) context;
    if (!ctx.isEventLoopContext()) {
      throw new IllegalArgumentException("an asyncio loop needs a Vert.x event-loop context, not " + ctx.threadingModel());
    }
    this.context = ctx;
    this.vertx = ctx.owner();
    this.runner = runner;
    this.timers = new TimerQueue(this, ctx);
    this.debug = debugByDefault();
  }

  private static boolean debugByDefault() {
    String p = System.getProperty("asyncio.debug");
    if (p != null) {
      return Boolean.parseBoolean(p);
    }
    String env = System.getenv("PYTHONASYNCIODEBUG");
    return env != null && !env.isEmpty();
  }

  // ---------------------------------------------------------------- threads

  /**
   * The loop running on the current thread (in one of its iterations, or one of its fibers), or null.
   *
   * <p>Python: {@code asyncio._get_running_loop()}
   */
  public static VertxEventLoop running() {
    return RUNNING.get();
  }

  /** A fiber's own thread runs on behalf of {@code loop} (the thread runner). */
  static void runningOnThisThread(VertxEventLoop loop) {
    RUNNING.set(loop);
  }

  /** Whether the caller may touch the loop's queues directly: its thread, or one of its fibers. */
  public boolean inLoop() {
    return context.nettyEventLoop().inEventLoop() || RUNNING.get() == this;
  }

  private void checkThread() {
    if (debug && running && !inLoop()) {
      throw new IllegalStateException("Non-thread-safe operation invoked on an event loop other than the current one");
    }
  }

  private void checkClosed() {
    if (closed) {
      throw new IllegalStateException("Event loop is closed");
    }
  }

  private void checkRunning() {
    if (running) {
      throw new IllegalStateException("This event loop is already running");
    }
    if (RUNNING.get() != null) {
      throw new IllegalStateException("Cannot run the event loop while another loop is running");
    }
  }

  // ---------------------------------------------------------------- running

  @Override
  public <T> T runUntilComplete(Awaitable<T> awaitable) {
    checkClosed();
    checkRunning();
    refuseToBlockVertx("runUntilComplete");
    AsyncFuture<T> future = Asyncio.ensureFuture(awaitable, this);
    if (future.getLoop() != this) {
      throw new IllegalArgumentException("The future belongs to a different loop than the one specified as the loop argument");
    }
    Consumer<AsyncFuture<T>> done = f -> f.getLoop().stop();
    future.addDoneCallback(done);
    try {
      runForever();
    } finally {
      future.removeDoneCallback(done);
    }
    if (!future.done()) {
      throw new IllegalStateException("Event loop stopped before Future completed.");
    }
    return future.result();
  }

  @Override
  public <T> T runUntilComplete(Future<T> future) {
    checkClosed();
    return runUntilComplete(wrap(future));
  }

  @Override
  public void runForever() {
    checkClosed();
    checkRunning();
    refuseToBlockVertx("runForever");
    CountDownLatch stopped = new CountDownLatch(1);
    fatal = null;
    begin(stopped::countDown);
    boolean interrupted = false;
    while (true) {
      try {
        stopped.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
        stop();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable f = fatal;
    if (f != null) {
      fatal = null;
      throw new IllegalStateException("the event loop failed: " + f, f);
    }
  }

  @Override
  public Future<Void> start() {
    checkClosed();
    if (running) {
      throw new IllegalStateException("This event loop is already running");
    }
    Promise<Void> stopped = context.promise();
    begin(() -> stopped.tryComplete());
    return stopped.future();
  }

  private void refuseToBlockVertx(String what) {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException(what + "() blocks the calling thread and cannot run on a Vert.x event-loop thread ("
          + Thread.currentThread().getName() + "): from Vert.x code use loop.start(), or await the future in a coroutine");
    }
  }

  private synchronized void begin(Runnable whenStopped) {
    if (running) {
      throw new IllegalStateException("This event loop is already running");
    }
    onStopped = whenStopped;
    running = true;
    forceWakeup();
  }

  @Override
  public void stop() {
    stopping = true;
    if (running && RUNNING.get() != this) {
      forceWakeup(); // outside an iteration (another thread, or Vert.x code on the loop's context): wake it
    }
  }

  @Override
  public void close() {
    if (running) {
      throw new IllegalStateException("Cannot close a running event loop");
    }
    if (closed) {
      return;
    }
    closed = true;
    if (inLoop()) {
      cleanUp();
    } else {
      context.runOnContext(v -> cleanUp());
    }
  }

  private void cleanUp() {
    iterationLeft = 0;
    ready.clear();
    inbox.clear();
    timers.clear();
    List<Frame<?>> fibers = new ArrayList<>();
    for (ThreadRunner.ThreadFiber<?> f = threadFibers; f != null; f = f.nextOfLoop) {
      fibers.add(f);
    }
    for (Frame<?> f : fibers) {
      try {
        f.abandon(); // a suspended body on a thread of its own: unwind it, or the thread stays parked forever
      } catch (Throwable t) {
        LOG.debug("asyncio: error while abandoning a coroutine of a closed loop", t);
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public double time() {
    return System.nanoTime() / 1e9;
  }

  // ---------------------------------------------------------------- the ready queue

  /**
   * Queues {@code h} to run in the next iteration; from any thread. From another thread it goes through
   * the inbox, which the loop takes in when it runs: a stopped loop is not even woken up.
   */
  public void schedule(ReadyHandle h) {
    scheduleEntry(h);
  }

  /** Queues a {@link ReadyHandle} or an entry of the asyncio package's (see {@link Entries}); from any thread. */
  public void scheduleEntry(Object h) {
    if (inLoop()) {
      ready.add(h);
    } else {
      inbox.add(h);
    }
    if (running) {
      wakeup(); // after the add: a loop that starts meanwhile either takes h in or is woken again
    }
  }

  private void wakeup() {
    if (!wakeupPending.get() && wakeupPending.compareAndSet(false, true)) {
      context.runOnContext(pump);
    }
  }

  /** A wakeup whether or not the loop runs (to start it, or to make it notice a stop). */
  private void forceWakeup() {
    if (wakeupPending.compareAndSet(false, true)) {
      context.runOnContext(pump);
    }
  }

  private void pump() {
    wakeupPending.set(false);
    if (!running) {
      return;
    }
    for (Object h; (h = inbox.poll()) != null; ) {
      ready.add(h);
    }
    try {
      runOnce();
    } catch (Throwable t) {
      // the loop's own machinery failed (callbacks' errors never get here): end the run rather than hang it
      LOG.error("asyncio: the event loop failed and stops", t);
      fatal = t;
      iterationLeft = 0;
      stopping = false;
      running = false;
      Runnable s = onStopped;
      onStopped = null;
      if (s != null) {
        s.run();
      }
    }
  }

  /**
   * Runs one asyncio iteration: the timers due by now join the ready queue, behind the callbacks already
   * there and in deadline order, and the iteration runs the handles that were ready when it began. A long
   * iteration is split into slices of about {@link #SLICE_NANOS}, each its own Vert.x task, so Vert.x I/O
   * and timers are not starved meanwhile; handles added during the iteration still wait for the next one.
   */
  private void runOnce() {
    if (iterationLeft == 0) {
      timers.moveDue(ready);
      iterationLeft = ready.size();
    }
    VertxEventLoop previous = RUNNING.get();
    RUNNING.set(this);
    try {
      boolean timed = debug;
      if (timed) {
        lockBaseline = heldLockIds();
      }
      long deadline = System.nanoTime() + SLICE_NANOS;
      int sinceCheck = 0;
      while (iterationLeft > 0) {
        iterationLeft--;
        Object e = ready.poll();
        if (e instanceof ReadyHandle h) {
          if (h.cancelled) {
            continue;
          }
          if (timed) {
            runTimed(h);
          } else {
            runHandle(h);
          }
        } else if (timed) {
          runEntryTimed(e);
        } else {
          entries.run(this, e);
        }
        if (++sinceCheck == 64) {
          sinceCheck = 0;
          if (System.nanoTime() - deadline > 0 && iterationLeft > 0) {
            yieldToVertx(); // the rest of this iteration after Vert.x has had its turn
            return;
          }
        }
      }
    } finally {
      RUNNING.set(previous);
    }
    if (stopping) {
      stopping = false;
      running = false;
      Runnable s = onStopped;
      onStopped = null;
      if (s != null) {
        s.run();
      }
    } else if (!ready.isEmpty() || !inbox.isEmpty() || timers.hasDue()) {
      wakeup();
    }
  }

  /**
   * Continues the current iteration after Netty has done its I/O and run its due timers: a task queued
   * as an immediate one would run before them, so the continuation goes to Netty's scheduled queue.
   */
  private void yieldToVertx() {
    context.nettyEventLoop().schedule(() -> context.dispatch(pump), 0, TimeUnit.NANOSECONDS);
  }

  private void runHandle(ReadyHandle h) {
    try {
      h.run();
    } catch (Throwable t) {
      callbackFailed(h, t);
    }
  }

  /** Reports the error of a callback of the ready queue to the exception handler. */
  public void callbackFailed(ReadyHandle h, Throwable t) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("message", "Exception in callback " + h.describe());
    c.put("exception", t);
    c.put("handle", h);
    callExceptionHandler(c);
  }

  private void runEntryTimed(Object e) {
    ReadyHandle described = entries.describe(e); // before it runs: running it changes what it is
    long t0 = System.nanoTime();
    entries.run(this, e);
    double dt = (System.nanoTime() - t0) / 1e9;
    if (dt >= slowCallbackDuration) {
      LOG.warn("Executing {} took {} seconds", described, String.format("%.3f", dt));
    }
  }

  private void runTimed(ReadyHandle h) {
    long t0 = System.nanoTime();
    runHandle(h);
    double dt = (System.nanoTime() - t0) / 1e9;
    if (dt >= slowCallbackDuration) {
      LOG.warn("Executing {} took {} seconds", h, String.format("%.3f", dt));
    }
  }

  @Override
  public Handle callSoon(Runnable callback) {
    return callSoon(callback, null);
  }

  @Override
  public Handle callSoon(Runnable callback, ContextVars context) {
    checkClosed();
    checkThread();
    ReadyHandle h = new ReadyHandle.Callback(callback, context == null ? ContextVars.copyContext() : context);
    schedule(h);
    return h;
  }

  @Override
  public Handle callSoonThreadsafe(Runnable callback) {
    return callSoonThreadsafe(callback, null);
  }

  @Override
  public Handle callSoonThreadsafe(Runnable callback, ContextVars context) {
    checkClosed();
    ReadyHandle h = new ReadyHandle.Callback(callback, context == null ? ContextVars.copyContext() : context);
    schedule(h);
    return h;
  }

  // ---------------------------------------------------------------- timers

  @Override
  public TimerHandle callLater(double delay, Runnable callback) {
    return callLater(delay, callback, null);
  }

  @Override
  public TimerHandle callLater(double delay, Runnable callback, ContextVars context) {
    checkClosed();
    checkThread();
    long when = deadlineAfter(delay);
    return scheduleTimer(new TimerCallback(when, callback, context == null ? ContextVars.copyContext() : context));
  }

  @Override
  public TimerHandle callAt(double when, Runnable callback) {
    return callAt(when, callback, null);
  }

  @Override
  public TimerHandle callAt(double when, Runnable callback, ContextVars context) {
    if (Double.isNaN(when)) {
      throw new IllegalArgumentException("Invalid time: NaN (not a number)");
    }
    checkClosed();
    checkThread();
    return scheduleTimer(new TimerCallback(toNanos(when), callback, context == null ? ContextVars.copyContext() : context));
  }

  /** The {@link System#nanoTime()} deadline {@code delay} seconds from now. */
  public long deadlineAfter(double delay) {
    if (Double.isNaN(delay)) {
      throw new IllegalArgumentException("Invalid delay: NaN (not a number)");
    }
    long now = System.nanoTime();
    long d = toNanos(delay);
    long when = now + d;
    return ((now ^ when) & (d ^ when)) < 0 ? (d > 0 ? Long.MAX_VALUE / 2 : Long.MIN_VALUE / 2) : when;
  }

  private static long toNanos(double seconds) {
    double n = Math.ceil(seconds * 1e9);
    return n >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE / 2 : n <= Long.MIN_VALUE / 2 ? Long.MIN_VALUE / 2 : (long) n;
  }

  /** Queues a timer entry (a sleep's future, for one); from any thread. */
  public <H extends Timed> H scheduleTimer(H h) {
    checkClosed();
    if (inLoop()) {
      addTimer(h);
    } else {
      context.runOnContext(v -> addTimer(h));
    }
    return h;
  }

  private void addTimer(Timed h) {
    if (h.timerCancelled() || closed) {
      return;
    }
    timers.add(h); // an entry already due too: it waits for the next iteration, as in asyncio's heap
  }

  /** Timers have come due: a running loop iterates to take them (a stopped one when it runs again). */
  void timersDue() {
    if (running) {
      wakeup();
    }
  }

  /** Scheduled timers not yet due and not cancelled (for tests and metrics). */
  public int scheduledCount() {
    return timers.size();
  }

  /** Callbacks waiting for their turn. */
  public int readyCount() {
    return ready.size() + inbox.size() + timers.dueCount();
  }

  // ---------------------------------------------------------------- futures and tasks

  @Override
  public <T> AsyncFuture<T> createFuture() {
    return new AsyncFuture<>(this);
  }

  @Override
  public <T> Task<T> createTask(Coroutine<T> coro) {
    return createTask(coro, null, null);
  }

  @Override
  public <T> Task<T> createTask(Coroutine<T> coro, String name) {
    return createTask(coro, name, null);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> Task<T> createTask(Coroutine<T> coro, String name, ContextVars context) {
    checkClosed();
    checkThread();
    TaskFactory factory = taskFactory;
    if (factory == null) {
      return new Task<>(coro, this, name, context);
    }
    Task<T> task = (Task<T>) factory.createTask(this, coro, name, context);
    if (name != null) {
      task.setName(name); // as asyncio does after a factory (tasks._set_task_name)
    }
    return task;
  }

  @Override
  public void setTaskFactory(TaskFactory factory) {
    this.taskFactory = factory;
  }

  @Override
  public TaskFactory getTaskFactory() {
    return taskFactory;
  }

  /** A future of this loop that copies {@code source}'s outcome, in a loop iteration. */
  public <T> AsyncFuture<T> wrap(Future<T> source) {
    AsyncFuture<T> f = createFuture();
    source.onComplete(ar -> schedule(new ReadyHandle.Callback(() -> {
      if (f.done()) {
        return;
      }
      if (ar.succeeded()) {
        f.setResult(ar.result());
      } else {
        f.setException(ar.cause());
      }
    })));
    return f;
  }

  @Override
  public <T> AsyncFuture<T> runInExecutor(Callable<T> fn) {
    checkClosed();
    if (executorShutdownCalled) {
      throw new IllegalStateException("Executor shutdown has been called");
    }
    Executor e = defaultExecutor;
    synchronized (executorCalls) {
      executorCalls[0]++;
    }
    Callable<T> counted = () -> {
      try {
        return fn.call();
      } finally {
        synchronized (executorCalls) {
          if (--executorCalls[0] == 0) {
            executorCalls.notifyAll();
          }
        }
      }
    };
    try {
      return e != null ? runInExecutor(e, counted) : wrap(context.executeBlocking(counted, false));
    } catch (RuntimeException | Error refused) {
      synchronized (executorCalls) {
        executorCalls[0]--;
      }
      throw refused;
    }
  }

  @Override
  public <T> AsyncFuture<T> runInExecutor(Executor executor, Callable<T> fn) {
    checkClosed();
    Promise<T> p = Promise.promise();
    executor.execute(() -> {
      try {
        p.complete(fn.call());
      } catch (Throwable t) {
        p.fail(t);
      }
    });
    return wrap(p.future());
  }

  @Override
  public void setDefaultExecutor(Executor executor) {
    this.defaultExecutor = executor;
  }

  @Override
  public Coroutine<Void> shutdownDefaultExecutor(Double timeout) {
    return Asyncio.async("shutdown_default_executor", () -> {
      executorShutdownCalled = true;
      Executor e = defaultExecutor;
      if (!(e instanceof ExecutorService)) {
        synchronized (executorCalls) {
          if (executorCalls[0] == 0) {
            return; // nothing to join
          }
        }
      }
      AsyncFuture<Void> joined = createFuture();
      Thread joiner = new Thread(() -> {
        try {
          if (e instanceof ExecutorService es) {
            es.shutdown(); // the executor the loop was given is the loop's, as in asyncio
            es.awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
          }
          synchronized (executorCalls) {
            while (executorCalls[0] > 0) {
              executorCalls.wait();
            }
          }
          if (!closed) {
            callSoonThreadsafe(() -> {
              if (!joined.done()) {
                joined.setResult(null);
              }
            });
          }
        } catch (InterruptedException stop) {
          // given up on: the timeout passed
        }
      }, "asyncio-default-executor-shutdown");
      joiner.setDaemon(true);
      joiner.start();
      try {
        Asyncio.timeout(timeout, () -> Asyncio.await(joined));
      } catch (org.vertxasyncio.asyncio.TimeoutError expired) {
        LOG.warn("The executor did not finishing joining its threads within {} seconds.", timeout);
        joiner.interrupt();
      }
    });
  }

  /** A Vert.x promise on this loop's context. */
  public <T> Promise<T> promise() {
    return context.promise();
  }

  /** The runner that makes this loop's fibers. */
  public FiberRunner runner() {
    return runner;
  }

  @Override
  public String coroutineRunner() {
    return runner.name();
  }

  public Task<?> currentTask() {
    return currentTask;
  }

  /**
   * An empty context for a task step that has no context of its own yet: the loop's spare one if it is
   * free, else a new one. The task gives it back after the step if it stayed empty and unseen.
   */
  public ContextVars borrowEmptyContext() {
    ContextVars c = spareContext;
    if (c != null) {
      spareContext = null;
      return c;
    }
    return new ContextVars();
  }

  /** Takes back an empty context that nothing kept (see {@link #borrowEmptyContext()}). */
  public void returnEmptyContext(ContextVars c) {
    spareContext = c;
  }

  /** Makes {@code t} the current task (null: none) and returns the one it replaces: an eager task's first step. */
  public Task<?> swapCurrentTask(Task<?> t) {
    Task<?> prev = currentTask;
    currentTask = t;
    return prev;
  }

  /** Called by a task around each of its steps. */
  public Task<?> enterTask(Task<?> t) {
    Task<?> prev = currentTask;
    if (prev != null) {
      throw new IllegalStateException("Cannot enter into task " + t + " while another task " + prev + " is being executed.");
    }
    currentTask = t;
    return prev;
  }

  public void leaveTask(Task<?> t) {
    if (currentTask != t) {
      throw new IllegalStateException("Leaving task " + t + " does not match the current task " + currentTask + ".");
    }
    currentTask = null;
  }

  /**
   * Adds a new task to the live tasks (the loop keeps pending tasks reachable until they finish) and
   * returns its slot, which the task gives back to {@link #unregister}. Python: {@code tasks._register_task}
   */
  public int register(Task<?> t) {
    int slot;
    if (freeCount > 0) {
      slot = freeSlots[--freeCount];
    } else {
      if (liveEnd == live.length) {
        live = Arrays.copyOf(live, liveEnd * 2);
        freeSlots = Arrays.copyOf(freeSlots, live.length); // room for every slot: tasks that end allocate nothing
      }
      slot = liveEnd++;
    }
    live[slot] = t;
    liveCount++;
    return slot;
  }

  /** Removes a task that is done from the live tasks. Python: {@code tasks._unregister_task} */
  public void unregister(Task<?> t, int slot) {
    if (slot < 0 || slot >= liveEnd || live[slot] != t) {
      return; // not registered here
    }
    live[slot] = null;
    if (--liveCount == 0) {
      // every slot is free again: start over. liveEnd is the most tasks this busy spell held at once; room
      // grown for more than four times that is given back, so a loop that runs bursts of the same size keeps
      // its room and one that ran a single large burst does not keep it for good
      if (live.length > 1024 && liveEnd <= live.length / 4) {
        live = new Task<?>[16];
        freeSlots = new int[16];
      }
      liveEnd = 0;
      freeCount = 0;
      return;
    }
    freeSlots[freeCount++] = slot;
  }

  /** The tasks of this loop that are not done yet. */
  public List<Task<?>> liveTasks() {
    List<Task<?>> out = new ArrayList<>(liveCount);
    for (int i = 0; i < liveEnd; i++) {
      Task<?> t = live[i];
      if (t != null && !t.done()) {
        out.add(t);
      }
    }
    return out;
  }

  public int liveTaskCount() {
    return liveCount;
  }

  /** How many live tasks the loop has room for now without growing its arrays (for tests). */
  public int liveTaskRoom() {
    return live.length;
  }

  // ---------------------------------------------------------------- errors and debug

  @Override
  public void setExceptionHandler(ExceptionHandler handler) {
    this.exceptionHandler = handler;
  }

  @Override
  public ExceptionHandler getExceptionHandler() {
    return exceptionHandler;
  }

  @Override
  public void callExceptionHandler(Map<String, Object> c) {
    ExceptionHandler h = exceptionHandler;
    if (h == null) {
      try {
        defaultExceptionHandler(c);
      } catch (Throwable t) {
        LOG.error("Exception in default exception handler", t);
      }
      return;
    }
    try {
      h.handle(this, c);
    } catch (Throwable t) {
      try {
        Map<String, Object> c2 = new LinkedHashMap<>();
        c2.put("message", "Unhandled error in exception handler");
        c2.put("exception", t);
        c2.put("context", c);
        defaultExceptionHandler(c2);
      } catch (Throwable t2) {
        LOG.error("Exception in default exception handler while handling an unexpected error in custom exception handler", t2);
      }
    }
  }

  @Override
  public void defaultExceptionHandler(Map<String, Object> c) {
    Object message = c.get("message");
    StringBuilder sb = new StringBuilder(message == null ? "Unhandled exception in event loop" : message.toString());
    for (Map.Entry<String, Object> e : new TreeMap<>(c).entrySet()) {
      if (!e.getKey().equals("message") && !e.getKey().equals("exception")) {
        sb.append('\n').append(e.getKey()).append(": ").append(e.getValue());
      }
    }
    Object exc = c.get("exception");
    if (exc instanceof Throwable t) {
      LOG.error(sb.toString(), t);
    } else {
      LOG.error(sb.toString());
    }
  }

  @Override
  public boolean getDebug() {
    return debug;
  }

  @Override
  public void setDebug(boolean enabled) {
    this.debug = enabled;
  }

  @Override
  public double getSlowCallbackDuration() {
    return slowCallbackDuration;
  }

  @Override
  public void setSlowCallbackDuration(double seconds) {
    if (!(seconds >= 0)) {
      throw new IllegalArgumentException("slowCallbackDuration must be a non-negative number, got " + seconds);
    }
    this.slowCallbackDuration = seconds;
  }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  /** Locks the loop thread already holds outside any coroutine (Netty holds one while it runs tasks). */
  private java.util.Set<Integer> lockBaseline = java.util.Set.of();

  /** The Java monitors and locks the current thread holds: identity hash to a description. */
  private static Map<Integer, String> heldLocks() {
    ThreadInfo[] infos = THREADS.getThreadInfo(new long[] {Thread.currentThread().threadId()}, true, true);
    Map<Integer, String> held = new LinkedHashMap<>();
    if (infos.length == 1 && infos[0] != null) {
      for (var m : infos[0].getLockedMonitors()) {
        held.put(m.getIdentityHashCode(), "monitor " + m.getClassName() + "@" + Integer.toHexString(m.getIdentityHashCode()));
      }
      for (var l : infos[0].getLockedSynchronizers()) {
        held.put(l.getIdentityHashCode(), "lock " + l.getClassName() + "@" + Integer.toHexString(l.getIdentityHashCode()));
      }
    }
    return held;
  }

  private static java.util.Set<Integer> heldLockIds() {
    return heldLocks().keySet();
  }

  /**
   * Debug mode: an await must not hold a Java monitor or lock, which would stay held by the loop thread
   * while the coroutine is suspended. Returns a description of the locks the coroutine holds, or null.
   * (Only the loop's own thread can be inspected: on the virtual-thread runner this finds nothing.)
   */
  public String heldJavaLocks() {
    if (!debug) {
      return null;
    }
    List<String> held = new ArrayList<>();
    heldLocks().forEach((id, what) -> {
      if (!lockBaseline.contains(id)) {
        held.add(what);
      }
    });
    return held.isEmpty() ? null : String.join(", ", held);
  }

  @Override
  public Context context() {
    return context;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public String toString() {
    return "<VertxEventLoop running=" + py(running) + " closed=" + py(closed) + " debug=" + py(debug) + ">";
  }

  private static String py(boolean b) {
    return b ? "True" : "False";
  }
}
