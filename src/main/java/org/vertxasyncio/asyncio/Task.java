package org.vertxasyncio.asyncio;

import java.util.concurrent.atomic.AtomicInteger;
import org.vertxasyncio.asyncio.impl.Describe;
import org.vertxasyncio.asyncio.impl.Fiber;
import org.vertxasyncio.asyncio.impl.Frame;
import org.vertxasyncio.asyncio.impl.ReadyHandle;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * A coroutine scheduled on an event loop, and the future of its result. Each step runs the coroutine
 * up to its next await of a pending future; the future's done callback schedules the next step.
 *
 * <p>Invariants, kept as asyncio keeps them: while the task is not done, either a step is scheduled
 * (in the ready queue) or the task waits on exactly one future, {@code futWaiter}, whose done callbacks
 * include this task's wakeup. The task itself stands in the ready queue for its next step (with no
 * {@code futWaiter}) or its wakeup (on {@code futWaiter}, which is done), outside debug mode. {@link #cancel} cancels that future, so {@link CancelledError} arrives at
 * the coroutine's current await, where it may be caught; if there is none yet, the next step throws it.
 * Every step runs with the task's own context ({@link #getContext()}) current and the task as the loop's
 * current task, the first one too when it runs eagerly, inside the constructor.
 *
 * <p>Python: {@code asyncio.Task}
 *
 * @param <T> the result type
 */
public class Task<T> extends AsyncFuture<T> {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final Coroutine<T> coro;
  private final int number;
  private String name;
  /**
   * The task's context; null while it is an empty copy that nothing has seen: each step then runs in a
   * spare empty context of the loop's, which the task keeps only if the step set a variable in it or
   * someone asked for it ({@link #getContext()}), so most tasks never hold a context object of their own.
   */
  private ContextVars context;
  private Frame<T> frame;
  private AsyncFuture<?> futWaiter;
  /**
   * Bit 0: a cancellation is due at the next step (Python's {@code _must_cancel}); bit 1: {@code context}
   * has been handed out, or was given, and is the task's for good; the bits above: the cancel requests
   * not withdrawn (Python's {@code _num_cancels_requested}). One int, so a task is 72 bytes, not 80.
   */
  private int flags;
  private static final int MUST_CANCEL = 1;
  private static final int CONTEXT_KEPT = 2;
  private static final int CANCELS_SHIFT = 2;
  private static final int ONE_CANCEL = 1 << CANCELS_SHIFT;
  /** Where the loop keeps this task while it is not done. */
  private final int liveSlot;

  /**
   * A task for {@code coro} on the current loop ({@link Asyncio#getEventLoop()}); prefer
   * {@link Asyncio#createTask} or {@link EventLoop#createTask}, which also honour the loop's task factory.
   *
   * <p>Python: {@code asyncio.Task(coro)}
   */
  public Task(Coroutine<T> coro) {
    this(coro, null, null, null, false);
  }

  /** Python: {@code asyncio.Task(coro, loop=loop)} */
  public Task(Coroutine<T> coro, EventLoop loop) {
    this(coro, loop, null, null, false);
  }

  /** Python: {@code asyncio.Task(coro, loop=loop, name=name)} */
  public Task(Coroutine<T> coro, EventLoop loop, String name) {
    this(coro, loop, name, null, false);
  }

  /** Python: {@code asyncio.Task(coro, loop=loop, name=name, context=context)} */
  public Task(Coroutine<T> coro, EventLoop loop, String name, ContextVars context) {
    this(coro, loop, name, context, false);
  }

  /**
   * A task for {@code coro} on {@code loop} (null: {@link Asyncio#getEventLoop()}), named {@code name}
   * (null: {@code Task-N}), running in {@code context} (null: a copy of the current context). Its first
   * step is scheduled on the loop; with {@code eagerStart} and a running loop, the first step runs at
   * once, inside this constructor, until the coroutine first suspends: a coroutine that never suspends
   * gives a task that is already done and was never scheduled.
   *
   * <p>Python: {@code asyncio.Task(coro, loop=loop, name=name, context=context, eager_start=eager_start)}
   *
   * @throws NullPointerException {@code "a coroutine was expected, got None"}
   * @throws IllegalStateException {@code "Event loop is closed"}, or {@code "There is no current event
   *     loop in thread ..."} with no loop
   */
  public Task(Coroutine<T> coro, EventLoop loop, String name, ContextVars context, boolean eagerStart) {
    super(loop != null ? loop : Asyncio.getEventLoop());
    if (coro == null) {
      throw new NullPointerException("a coroutine was expected, got None");
    }
    if (this.loop.isClosed()) {
      throw new IllegalStateException("Event loop is closed");
    }
    this.coro = coro;
    coro.scheduled = true;
    this.name = name;
    this.number = name == null ? COUNTER.incrementAndGet() : 0; // asyncio counts only the tasks it names
    if (context != null) {
      this.context = context;
      this.flags = CONTEXT_KEPT;
    } else if (!ContextVars.current().vars.isEmpty()) {
      this.context = ContextVars.copyContext(); // a copy of an empty one is made when it is first needed
    }
    this.liveSlot = this.loop.register(this);
    if (eagerStart && this.loop.isRunning()) {
      eagerStart();
    } else {
      scheduleStep();
    }
  }

  /**
   * What makes a task: {@code Task::new}, or a subclass's constructor with the same parameters, for
   * {@link Asyncio#createEagerTaskFactory}.
   *
   * <p>Python: a {@code Task}-compatible constructor, {@code custom_task_constructor(coro, loop=loop,
   * name=name, context=context, eager_start=eager_start)}
   */
  @FunctionalInterface
  public interface Constructor {
    Task<?> newTask(Coroutine<?> coro, EventLoop loop, String name, ContextVars context, boolean eagerStart);
  }

  /** Python: {@code Task.__eager_start}: the first step now, as the current task, in the task's context. */
  private void eagerStart() {
    Task<?> previousTask = loop.swapCurrentTask(this);
    try {
      ContextVars c = enterContext();
      ContextVars previous = c.enter();
      try {
        runStep(null);
      } finally {
        c.exit(previous);
        exitContext(c);
      }
    } finally {
      loop.swapCurrentTask(previousTask);
    }
  }

  /** The context a step runs in: the task's, or, while it has none, the loop's spare empty one. */
  private ContextVars enterContext() {
    ContextVars c = context;
    if (c == null) {
      c = loop.borrowEmptyContext();
      context = c;
    }
    return c;
  }

  /** After a step: a spare context the step left empty and unseen goes back to the loop. */
  private void exitContext(ContextVars c) {
    if ((flags & CONTEXT_KEPT) == 0 && c.untouched()) {
      context = null;
      loop.returnEmptyContext(c);
    }
  }

  /** Python: {@code task.get_name()}; {@code Task-N} unless a name was given. */
  public String getName() {
    return name != null ? name : "Task-" + Integer.toUnsignedString(number);
  }

  /** Python: {@code task.set_name(value)}; null becomes {@code "None"}, as Python's {@code str(None)}. */
  public void setName(String value) {
    this.name = value == null ? "None" : value;
  }

  /**
   * The context the task's coroutine runs in: a copy of the one current when the task was made, unless
   * one was given.
   *
   * <p>Python: {@code task.get_context()}
   */
  public ContextVars getContext() {
    ContextVars c = context;
    if (c == null) {
      c = new ContextVars();
      context = c;
    }
    flags |= CONTEXT_KEPT;
    return c;
  }

  /** Python: {@code task.get_coro()} */
  public Coroutine<T> getCoro() {
    return coro;
  }

  /**
   * Where the coroutine is suspended now (empty if it has not started, or is done).
   *
   * <p>Python: {@code task.get_stack()}
   */
  public StackTraceElement[] getStack() {
    Frame<T> f = frame;
    return f == null ? new StackTraceElement[0] : f.suspendedStack();
  }

  /** Python: {@code task.cancelling()}: the number of cancel requests not yet withdrawn by {@link #uncancel()}. */
  public int cancelling() {
    return flags >>> CANCELS_SHIFT;
  }

  private boolean mustCancel() {
    return (flags & MUST_CANCEL) != 0;
  }

  private void mustCancel(boolean due) {
    flags = due ? flags | MUST_CANCEL : flags & ~MUST_CANCEL;
  }

  /**
   * Withdraws one cancel request; at zero, a pending cancellation is forgotten.
   *
   * <p>Python: {@code task.uncancel()}
   */
  public int uncancel() {
    if (cancelling() > 0) {
      flags -= ONE_CANCEL;
      if (cancelling() == 0) {
        mustCancel(false);
      }
    }
    return cancelling();
  }

  /**
   * Requests the task's cancellation: {@link CancelledError} is thrown into the coroutine at its current
   * await (or at its start, or its next step), where it may be caught. The task ends cancelled if the
   * coroutine lets the error out.
   *
   * <p>Python: {@code task.cancel(msg=message)}
   *
   * @return false if the task is already done, true otherwise
   */
  @Override
  public boolean cancel(String message) {
    if (done()) {
      return false;
    }
    flags += ONE_CANCEL;
    AsyncFuture<?> w = futWaiter;
    if (w != null && w.cancel(message)) {
      return true;
    }
    mustCancel(true);
    cancelMessage(message);
    return true;
  }

  /** Tasks finish by running their coroutine: {@code "Task does not support set_result operation"}. */
  @Override
  public void setResult(T value) {
    throw new IllegalStateException("Task does not support set_result operation");
  }

  /** Tasks finish by running their coroutine: {@code "Task does not support set_exception operation"}. */
  @Override
  public void setException(Throwable exc) {
    throw new IllegalStateException("Task does not support set_exception operation");
  }

  /** The fiber running this task's coroutine, when it is an await-style one that has started. */
  Fiber<?> fiber() {
    return frame instanceof Fiber<?> f ? f : null;
  }

  /** The handle that wakes this task up because {@code f}, which it awaited, is done. */
  ReadyHandle wakeupHandle(AsyncFuture<?> f) {
    return new Wakeup(this, f);
  }

  /**
   * Schedules the next step: the task itself stands for it in the ready queue (see {@link ReadyEntries}),
   * or, in debug mode, a {@link Step} handle, which names it in log lines.
   */
  private void scheduleStep() {
    if (loop.getDebug()) {
      loop.schedule(new Step(this, null));
    } else {
      loop.scheduleEntry(this);
    }
  }

  /** The task's step or wakeup, queued as the task itself: a wakeup if it waits on a future, else a step. */
  final void runQueued() {
    AsyncFuture<?> f = futWaiter;
    try {
      if (f == null) {
        step(null);
      } else {
        wakeup(f);
      }
    } catch (Throwable t) {
      loop.callbackFailed(f == null ? new Step(this, null) : new Wakeup(this, f), t);
    }
  }

  /** The handle of what {@link #runQueued()} runs, to describe it. */
  ReadyHandle queuedHandle() {
    AsyncFuture<?> f = futWaiter;
    return f == null ? new Step(this, null) : new Wakeup(this, f);
  }

  private void wakeup(AsyncFuture<?> f) {
    Throwable exc = f.cancelled() ? f.makeCancelledError() : f.exceptionRaw();
    step(exc);
  }

  /** One step, in the task's context. Python: {@code Task.__step}, run by its handle with {@code context.run}. */
  private void step(Throwable exc) {
    ContextVars c = enterContext();
    ContextVars previous = c.enter();
    try {
      stepInContext(exc);
    } finally {
      c.exit(previous);
      exitContext(c);
    }
  }

  private void stepInContext(Throwable exc) {
    if (done()) {
      throw new InvalidStateError("_step(): already done: " + this + ", " + Describe.exception(exc));
    }
    if (mustCancel()) {
      if (!(exc instanceof CancelledError)) {
        exc = makeCancelledError();
      }
      mustCancel(false);
    }
    futWaiter = null;
    loop.enterTask(this);
    try {
      runStep(exc);
    } finally {
      loop.leaveTask(this);
    }
  }

  private void runStep(Throwable exc) {
    Frame<T> f = frame;
    if (f == null) {
      try {
        coro.markStarted();
        f = coro.newFrame(loop);
        frame = f;
      } catch (Throwable t) {
        end(null, t);
        return;
      }
    }
    try {
      f.resume(exc);
    } catch (Throwable t) {
      end(null, t);
      return;
    }
    if (f.isDone()) {
      end(f.result(), f.error());
      return;
    }
    AsyncFuture<?> w = f.waiter();
    if (w == null) {
      scheduleStep(); // a bare yield gives up one iteration
    } else if (w.loop != loop) {
      loop.schedule(new Step(this, new IllegalStateException("Task " + this + " got Future " + w + " attached to a different loop")));
    } else if (w == this) {
      loop.schedule(new Step(this, new IllegalStateException("Task cannot await on itself: " + this)));
    } else {
      w.suspendedOn();
      w.addWakeup(this);
      futWaiter = w;
      if (mustCancel() && w.cancel(cancelMessage())) {
        mustCancel(false);
      }
    }
  }

  private void end(T value, Throwable error) {
    frame = null;
    loop.unregister(this, liveSlot);
    if (error == null) {
      if (mustCancel()) {
        mustCancel(false);
        futureCancel(cancelMessage());
      } else {
        finish(value);
      }
    } else if (error instanceof CancelledError ce) {
      cancelWith(ce, null);
    } else {
      fail(error);
    }
  }

  /** The handle that runs one step of a task. */
  static final class Step extends ReadyHandle {
    private final Task<?> task;
    private final Throwable exc;

    Step(Task<?> task, Throwable exc) {
      this.task = task;
      this.exc = exc;
    }

    @Override
    public void run() {
      task.step(exc);
    }

    @Override
    protected String describe() {
      return "Task.step(" + task + (exc == null ? "" : ", " + Describe.exception(exc)) + ")";
    }
  }

  /** The handle that runs {@code task.__wakeup(future)}. */
  static final class Wakeup extends ReadyHandle {
    private final Task<?> task;
    private final AsyncFuture<?> future;

    Wakeup(Task<?> task, AsyncFuture<?> future) {
      this.task = task;
      this.future = future;
    }

    @Override
    public void run() {
      task.wakeup(future);
    }

    @Override
    protected String describe() {
      return "Task.task_wakeup(" + future + ")";
    }
  }

  @Override
  String reprName() {
    return "Task";
  }

  @Override
  String reprInfo() {
    String base = super.reprInfo();
    int sp = base.indexOf(' ');
    String state = sp < 0 ? base : base.substring(0, sp);
    String rest = sp < 0 ? "" : base.substring(sp);
    StringBuilder sb = new StringBuilder(state);
    if (mustCancel() && !done()) {
      sb = new StringBuilder("cancelling");
    }
    sb.append(" name='").append(getName()).append("' coro=").append(coro);
    AsyncFuture<?> w = futWaiter;
    if (w != null) {
      sb.append(" wait_for=").append(w);
    }
    return sb.append(rest).toString();
  }
}
