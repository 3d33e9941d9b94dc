package org.vertxasyncio.asyncio;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.vertxasyncio.asyncio.impl.Describe;
import org.vertxasyncio.asyncio.impl.ReadyHandle;
import org.vertxasyncio.asyncio.impl.Sneaky;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * The eventual result of an operation, attached to one event loop: pending, then finished (with a
 * result or an exception) or cancelled. Done callbacks run on the loop, through
 * {@link EventLoop#callSoon}, in the order they were added, never inline.
 *
 * <p>{@link #asVertxFuture()} gives the Vert.x view of it, and {@link Asyncio#ensureFuture(Future)} takes
 * a Vert.x future in.
 *
 * <p>Invariants: the state changes once, from pending, on the loop; when it does, every callback
 * registered so far is handed to {@code callSoon} in registration order and the list is emptied.
 *
 * <p>Not thread-safe, as in asyncio: use it from its loop (see {@link EventLoop}).
 *
 * <p>Python: {@code asyncio.Future}
 *
 * @param <T> the result type
 */
public non-sealed class AsyncFuture<T> implements Awaitable<T> {

  /** Python: the {@code _state} of a future: {@code PENDING}, {@code CANCELLED}, {@code FINISHED}. */
  public enum State { PENDING, CANCELLED, FINISHED }

  final VertxEventLoop loop;
  private State state = State.PENDING;
  private T result;
  private Throwable exception;
  /**
   * null, one callback, or an ArrayList of them: most futures have exactly one. A callback is a
   * {@link Consumer} (registered where no context variable had a value, or by the library itself), a
   * {@link WithContext} (one registered where some had), or a {@link Task} waiting on this future. Once
   * the future is done, a lone Consumer stays here while the future stands for it in the ready queue
   * ({@link #runOwnCallback()}); it is no longer registered then.
   */
  private Object callbacks;
  /** The last {@code gather} call that saw this future as an argument (it dedupes without a map). */
  int gatherToken;
  /** What few futures need, made on first use: most futures never carry any of it. */
  private Extras<T> extras;

  static {
    VertxEventLoop.entries(new ReadyEntries());
  }

  private static final class Extras<T> {
    String cancelMessage;
    CancelledError cancelledExc;
    Promise<T> vertxPromise;
  }

  private Extras<T> extras() {
    Extras<T> e = extras;
    if (e == null) {
      e = new Extras<>();
      extras = e;
    }
    return e;
  }

  final String cancelMessage() {
    Extras<T> e = extras;
    return e == null ? null : e.cancelMessage;
  }

  final void cancelMessage(String message) {
    if (message != null || extras != null) {
      extras().cancelMessage = message;
    }
  }

  /** A pending future on {@code loop}; usually made by {@link EventLoop#createFuture()}. */
  public AsyncFuture(EventLoop loop) {
    this.loop = (VertxEventLoop) Objects.requireNonNull(loop, "loop");
  }

  /** A pending future on the current event loop ({@link Asyncio#getEventLoop()}). */
  public AsyncFuture() {
    this(Asyncio.getEventLoop());
  }

  /** Python: {@code fut.get_loop()} */
  public EventLoop getLoop() {
    return loop;
  }

  /** The state, as asyncio names it. */
  public State state() {
    return state;
  }

  /** Python: {@code fut.done()} */
  public boolean done() {
    return state != State.PENDING;
  }

  /** Python: {@code fut.cancelled()} */
  public boolean cancelled() {
    return state == State.CANCELLED;
  }

  /**
   * The result: the value it finished with, or its exception thrown as the same object.
   *
   * <p>Python: {@code fut.result()}
   *
   * @throws InvalidStateError {@code "Result is not set."} if the future is pending
   * @throws CancelledError if it was cancelled
   */
  public T result() {
    if (state == State.CANCELLED) {
      throw makeCancelledError();
    }
    if (state != State.FINISHED) {
      throw new InvalidStateError("Result is not set.");
    }
    if (exception != null) {
      throw Sneaky.rethrow(exception);
    }
    return result;
  }

  /**
   * The exception it finished with, or null if it finished with a result.
   *
   * <p>Python: {@code fut.exception()}
   *
   * @throws InvalidStateError {@code "Exception is not set."} if the future is pending
   * @throws CancelledError if it was cancelled
   */
  public Throwable exception() {
    if (state == State.CANCELLED) {
      throw makeCancelledError();
    }
    if (state != State.FINISHED) {
      throw new InvalidStateError("Exception is not set.");
    }
    return exception;
  }

  /**
   * Finishes the future with {@code value} and schedules its callbacks.
   *
   * <p>Python: {@code fut.set_result(result)}
   *
   * @throws InvalidStateError if it is already done
   */
  public void setResult(T value) {
    finish(value);
  }

  final void finish(T value) {
    if (state != State.PENDING) {
      throw new InvalidStateError(state + ": " + this);
    }
    result = value;
    state = State.FINISHED;
    scheduleCallbacks();
  }

  /**
   * Finishes the future with {@code exc} and schedules its callbacks.
   *
   * <p>Python: {@code fut.set_exception(exception)}
   *
   * @throws InvalidStateError if it is already done
   * @throws IllegalArgumentException if {@code exc} is null
   */
  public void setException(Throwable exc) {
    fail(exc);
  }

  final void fail(Throwable exc) {
    if (state != State.PENDING) {
      throw new InvalidStateError(state + ": " + this);
    }
    if (exc == null) {
      throw new IllegalArgumentException("exception must not be null");
    }
    exception = exc;
    state = State.FINISHED;
    scheduleCallbacks();
  }

  /**
   * Cancels the future and schedules its callbacks.
   *
   * <p>Python: {@code fut.cancel()}
   *
   * @return false if it was already done, true otherwise
   */
  public boolean cancel() {
    return cancel(null);
  }

  /** Python: {@code fut.cancel(msg=message)} */
  public boolean cancel(String message) {
    return futureCancel(message);
  }

  /** Future.cancel itself, whatever a subclass makes of {@link #cancel(String)}. */
  final boolean futureCancel(String message) {
    if (state != State.PENDING) {
      return false;
    }
    state = State.CANCELLED;
    cancelMessage(message);
    scheduleCallbacks();
    return true;
  }

  /** Marks the future cancelled on behalf of a task whose coroutine raised {@code exc}. */
  final boolean cancelWith(CancelledError exc, String message) {
    if (!futureCancel(message)) {
      return false;
    }
    extras().cancelledExc = exc;
    return true;
  }

  /** Python: {@code fut._make_cancelled_error()}: the saved error once, then a new one with the message. */
  CancelledError makeCancelledError() {
    Extras<T> e = extras;
    CancelledError saved = e == null ? null : e.cancelledExc;
    if (saved != null) {
      e.cancelledExc = null;
      return saved;
    }
    String m = cancelMessage();
    return m == null ? new CancelledError() : new CancelledError(m);
  }

  /**
   * Adds a callback to run when the future is done; it gets the future. Through
   * {@link EventLoop#callSoon}: never inline, even when the future is already done. It runs in a copy of
   * the context current now ({@link ContextVars#copyContext()}).
   *
   * <p>Python: {@code fut.add_done_callback(fn)}
   */
  public void addDoneCallback(Consumer<? super AsyncFuture<T>> fn) {
    addDoneCallback(fn, null);
  }

  /**
   * Like {@link #addDoneCallback(Consumer)}, the callback running in {@code context} (null: a copy of the
   * current one).
   *
   * <p>Python: {@code fut.add_done_callback(fn, context=context)}
   */
  public void addDoneCallback(Consumer<? super AsyncFuture<T>> fn, ContextVars context) {
    Objects.requireNonNull(fn, "fn");
    java.util.Map<ContextVar<?>, Object> vars = context != null ? context.vars : ContextVars.current().vars;
    // the values are all a copy needs: an empty context is stored as no context at all (no object)
    addCallback(context == null && vars.isEmpty() ? fn : new WithContext(fn, context, vars));
  }

  /** Adds a callback of the library's own, which reads no context variables: it needs no context. */
  final void addLibraryCallback(Consumer<? super AsyncFuture<T>> fn) {
    addCallback(fn);
  }

  private void addCallback(Object cb) {
    if (state != State.PENDING) {
      schedule(cb);
      return;
    }
    Object cbs = callbacks;
    if (cbs == null) {
      callbacks = cb;
    } else if (cbs instanceof CallbackList list) {
      list.add(cb);
    } else {
      CallbackList list = new CallbackList();
      list.add(cbs);
      list.add(cb);
      callbacks = list;
    }
  }

  /** A callback and the context it runs in: the one given, or a new one with the values captured. */
  private static final class WithContext {
    final Consumer<?> fn;
    final ContextVars context;
    final java.util.Map<ContextVar<?>, Object> vars;

    WithContext(Consumer<?> fn, ContextVars context, java.util.Map<ContextVar<?>, Object> vars) {
      this.fn = fn;
      this.context = context;
      this.vars = vars;
    }
  }

  /**
   * Removes every registration of {@code fn} (compared with {@code equals}).
   *
   * <p>Python: {@code fut.remove_done_callback(fn)}
   *
   * @return how many were removed
   */
  public int removeDoneCallback(Consumer<? super AsyncFuture<T>> fn) {
    Object cbs = callbacks;
    if (cbs == null || state != State.PENDING) {
      return 0;
    }
    if (cbs instanceof CallbackList list) {
      int before = list.size();
      list.removeIf(c -> callbackOf(c).equals(fn));
      int removed = before - list.size();
      if (list.isEmpty()) {
        callbacks = null;
      }
      return removed;
    }
    if (callbackOf(cbs).equals(fn)) {
      callbacks = null;
      return 1;
    }
    return 0;
  }

  private static Object callbackOf(Object registered) {
    return registered instanceof WithContext w ? w.fn : registered;
  }

  /** The callbacks not yet scheduled, in order (for tests and reprs). */
  public List<Consumer<? super AsyncFuture<T>>> callbacks() {
    Object cbs = state == State.PENDING ? callbacks : null;
    List<Consumer<? super AsyncFuture<T>>> out = new ArrayList<>();
    if (cbs instanceof CallbackList list) {
      for (Object o : list) {
        out.add(asConsumer(o));
      }
    } else if (cbs != null) {
      out.add(asConsumer(cbs));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private Consumer<? super AsyncFuture<T>> asConsumer(Object o) {
    if (o instanceof Task<?> t) {
      return new Consumer<AsyncFuture<T>>() {
        @Override
        public void accept(AsyncFuture<T> f) {
          t.wakeupHandle(f).run();
        }

        @Override
        public String toString() {
          return "Task.task_wakeup";
        }
      };
    }
    return (Consumer<? super AsyncFuture<T>>) callbackOf(o);
  }

  private void scheduleCallbacks() {
    Object cbs = callbacks;
    if (cbs == null) {
      return;
    }
    callbacks = null;
    if (cbs instanceof CallbackList list) {
      for (Object c : list) {
        schedule(c);
      }
    } else if (cbs instanceof Consumer<?> && !loop.getDebug()) {
      callbacks = cbs; // the future itself stands for its one callback in the ready queue
      loop.scheduleEntry(this);
    } else {
      schedule(cbs);
    }
  }

  /**
   * Runs the one done callback this future stood for in the ready queue, in a new empty context (what a
   * copy of the context at its registration was: it had no values). Python: the {@code Handle} of the
   * callback that {@code __schedule_callbacks} passed to {@code call_soon}.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  final void runOwnCallback() {
    Object cb = callbacks;
    callbacks = null;
    if (cb == null) {
      return;
    }
    Consumer fn = (Consumer) cb;
    try {
      ContextVars ctx = loop.borrowEmptyContext();
      ContextVars previous = ctx.enter();
      try {
        fn.accept(this);
      } finally {
        ctx.exit(previous);
        if (ctx.untouched()) {
          loop.returnEmptyContext(ctx);
        }
      }
    } catch (Throwable t) {
      loop.callbackFailed(new DoneCallback<>(fn, this, null, null), t);
    }
  }

  /** Describes the one done callback this future stands for in the ready queue. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  final ReadyHandle ownCallbackHandle() {
    Object cb = callbacks;
    return new DoneCallback<>(cb instanceof Consumer c ? c : f -> { }, this, null, null);
  }

  /** Schedules one registered callback: a Consumer, one with its context, or a task waiting on this future. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void schedule(Object c) {
    if (c instanceof Task<?> t) {
      if (loop.getDebug()) {
        loop.schedule(t.wakeupHandle(this)); // a handle that names the future, for debug mode's log lines
      } else {
        loop.scheduleEntry(t); // the task itself: it wakes up on the future it waits on
      }
    } else if (c instanceof WithContext w) {
      loop.schedule(new DoneCallback(w.fn, this, w.context, w.vars));
    } else {
      loop.schedule(new DoneCallback(((Consumer) c), this, null, null));
    }
  }

  /**
   * Registers {@code task}'s wakeup as a done callback: the same FIFO list and the same scheduling as
   * {@link #addDoneCallback}, without an object per await.
   */
  final void addWakeup(Task<?> task) {
    addCallback(task);
  }


  /**
   * Called by a task once its coroutine has suspended awaiting this future, in the same step, before the
   * task's wakeup is registered: work a future can do off the coroutine's stack is done here.
   */
  void suspendedOn() {
  }

  private static final class CallbackList extends ArrayList<Object> {
    private static final long serialVersionUID = 1L;
  }

  /**
   * The handle that runs one done callback with its future, in its context: the one given, else a new
   * one with the values captured at registration (none: an empty one), as a copy made then would be.
   */
  static final class DoneCallback<T> extends ReadyHandle {
    private final Consumer<? super AsyncFuture<T>> fn;
    private final AsyncFuture<T> future;
    private final ContextVars context;
    private final java.util.Map<ContextVar<?>, Object> vars;

    DoneCallback(Consumer<? super AsyncFuture<T>> fn, AsyncFuture<T> future, ContextVars context,
        java.util.Map<ContextVar<?>, Object> vars) {
      this.fn = fn;
      this.future = future;
      this.context = context;
      this.vars = vars;
    }

    @Override
    public void run() {
      boolean lent = context == null && vars == null;
      ContextVars ctx = context != null ? context : lent ? future.loop.borrowEmptyContext() : ContextVars.of(vars);
      ContextVars previous = ctx.enter();
      try {
        fn.accept(future);
      } finally {
        ctx.exit(previous);
        if (lent && ctx.untouched()) {
          future.loop.returnEmptyContext(ctx);
        }
      }
    }

    @Override
    protected String describe() {
      return Describe.callback(fn) + "(" + future + ")";
    }
  }

  /**
   * The Vert.x view of this future: it completes, in a loop iteration, when this one is done; a
   * cancelled future fails it with a {@link CancelledError}. Made on first use, then the same object.
   */
  public Future<T> asVertxFuture() {
    Promise<T> p = extras == null ? null : extras.vertxPromise;
    if (p == null) {
      p = loop.promise();
      extras().vertxPromise = p;
      Promise<T> target = p;
      addLibraryCallback(f -> {
        if (f.cancelled()) {
          target.tryFail(f.makeCancelledError());
        } else if (f.exception != null) {
          target.tryFail(f.exception);
        } else {
          target.tryComplete(f.result);
        }
      });
    }
    return p.future();
  }

  /** Python's repr: {@code <Future pending>}, {@code <Future finished result=1>}. */
  @Override
  public String toString() {
    return "<" + reprName() + " " + reprInfo() + ">";
  }

  String reprName() {
    return "AsyncFuture";
  }

  String reprInfo() {
    StringBuilder sb = new StringBuilder(state.name().toLowerCase(java.util.Locale.ROOT));
    if (state == State.FINISHED) {
      if (exception != null) {
        sb.append(" exception=").append(Describe.exception(exception));
      } else {
        sb.append(" result=").append(Describe.value(result));
      }
    }
    if (callbacks != null && state == State.PENDING) {
      List<Consumer<? super AsyncFuture<T>>> cbs = callbacks();
      sb.append(" cb=[");
      for (int i = 0; i < cbs.size(); i++) {
        if (i > 0) {
          sb.append(", ");
        }
        Object c = cbs.get(i);
        sb.append(c.getClass().isAnonymousClass() ? c.toString() : Describe.callback(c));
      }
      sb.append(']');
    }
    return sb.toString();
  }

  // package-private access for Task and the library's functions
  final Throwable exceptionRaw() {
    return exception;
  }

  final T resultRaw() {
    return result;
  }
}
