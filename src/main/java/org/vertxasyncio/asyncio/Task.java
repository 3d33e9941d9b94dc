package org.vertxasyncio.asyncio;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.vertxasyncio.asyncio.impl.Describe;
import org.vertxasyncio.asyncio.impl.Fiber;
import org.vertxasyncio.asyncio.impl.Frame;
import org.vertxasyncio.asyncio.impl.ReadyHandle;
import org.vertxasyncio.asyncio.impl.TaskAccess;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * A coroutine scheduled on an event loop, and the future of its result. Each step runs the coroutine
 * up to its next await of a pending future; the future's done callback schedules the next step.
 *
 * <p>Invariants, kept as asyncio keeps them: while the task is not done, either a step is scheduled
 * (in the ready queue) or the task waits on exactly one future, {@code futWaiter}, whose done callbacks
 * include this task's wakeup. {@link #cancel} cancels that future, so {@link CancelledError} arrives at
 * the coroutine's current await, where it may be caught; if there is none yet, the next step throws it.
 *
 * <p>Python: {@code asyncio.Task}
 *
 * @param <T> the result type
 */
public class Task<T> extends AsyncFuture<T> {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  static {
    TaskAccess.install(new TaskAccess.Accessor() {
      @Override
      public Task<?> prev(Task<?> t) {
        return t.prevLive;
      }

      @Override
      public Task<?> next(Task<?> t) {
        return t.nextLive;
      }

      @Override
      public void setPrev(Task<?> t, Task<?> prev) {
        t.prevLive = prev;
      }

      @Override
      public void setNext(Task<?> t, Task<?> next) {
        t.nextLive = next;
      }

      @Override
      public Frame<?> frame(Task<?> t) {
        return t.frame;
      }

      @Override
      public <T> Task<T> newTask(Coroutine<T> coro, VertxEventLoop loop, String name) {
        return new Task<>(coro, loop, name);
      }
    });
  }

  private final Coroutine<T> coro;
  private final int number;
  private String name;
  private Frame<T> frame;
  private AsyncFuture<?> futWaiter;
  private boolean mustCancel;
  private int numCancelsRequested;
  private Task<?> prevLive;
  private Task<?> nextLive;

  Task(Coroutine<T> coro, VertxEventLoop loop, String name) {
    super(loop);
    this.coro = Objects.requireNonNull(coro, "coro");
    coro.scheduled = true;
    this.number = COUNTER.incrementAndGet();
    this.name = name;
    loop.register(this);
    loop.schedule(new Step(this, null));
  }

  /** Python: {@code task.get_name()}; {@code Task-N} unless a name was given. */
  public String getName() {
    return name != null ? name : "Task-" + Integer.toUnsignedString(number);
  }

  /** Python: {@code task.set_name(value)} */
  public void setName(String value) {
    this.name = value;
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
    return numCancelsRequested;
  }

  /**
   * Withdraws one cancel request; at zero, a pending cancellation is forgotten.
   *
   * <p>Python: {@code task.uncancel()}
   */
  public int uncancel() {
    if (numCancelsRequested > 0) {
      numCancelsRequested--;
      if (numCancelsRequested == 0) {
        mustCancel = false;
      }
    }
    return numCancelsRequested;
  }

  /**
   * Requests the task's cancellation: {@link CancelledError} is thrown into the coroutine at its current
   * await (or at its start, or its next step), where it may be caught. The task ends cancelled if the
   * coroutine lets the error out.
   *
   * @return false if the task is already done, true otherwise
   *     <p>Python: {@code task.cancel(msg=message)}
   */
  @Override
  public boolean cancel(String message) {
    if (done()) {
      return false;
    }
    numCancelsRequested++;
    AsyncFuture<?> w = futWaiter;
    if (w != null && w.cancel(message)) {
      return true;
    }
    mustCancel = true;
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

  private void wakeup(AsyncFuture<?> f) {
    Throwable exc = f.cancelled() ? f.makeCancelledError() : f.exceptionRaw();
    step(exc);
  }

  private void step(Throwable exc) {
    if (done()) {
      throw new InvalidStateError("_step(): already done: " + this + ", " + Describe.exception(exc));
    }
    if (mustCancel) {
      if (!(exc instanceof CancelledError)) {
        exc = makeCancelledError();
      }
      mustCancel = false;
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
      loop.schedule(new Step(this, null)); // a bare yield gives up one iteration
    } else if (w.loop != loop) {
      loop.schedule(new Step(this, new IllegalStateException("Task " + this + " got Future " + w + " attached to a different loop")));
    } else if (w == this) {
      loop.schedule(new Step(this, new IllegalStateException("Task cannot await on itself: " + this)));
    } else {
      w.addWakeup(this);
      futWaiter = w;
      if (mustCancel && w.cancel(cancelMessage())) {
        mustCancel = false;
      }
    }
  }

  private void end(T value, Throwable error) {
    frame = null;
    loop.unregister(this);
    if (error == null) {
      if (mustCancel) {
        mustCancel = false;
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
    if (mustCancel && !done()) {
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
