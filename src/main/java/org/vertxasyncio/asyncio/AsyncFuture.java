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
  /** null, one callback, or an ArrayList of them: most futures have exactly one. */
  private Object callbacks;
  /** The last {@code gather} call that saw this future as an argument (it dedupes without a map). */
  int gatherToken;
  /** What few futures need, made on first use: most futures never carry any of it. */
  private Extras<T> extras;

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
   * @throws InvalidStateError {@code "Result is not set."} if the future is pending
   * @throws CancelledError if it was cancelled
   *     <p>Python: {@code fut.result()}
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
   * @throws InvalidStateError {@code "Exception is not set."} if the future is pending
   * @throws CancelledError if it was cancelled
   *     <p>Python: {@code fut.exception()}
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
   * @throws InvalidStateError if it is already done
   *     <p>Python: {@code fut.set_result(result)}
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
   * @throws InvalidStateError if it is already done
   * @throws IllegalArgumentException if {@code exc} is null
   *     <p>Python: {@code fut.set_exception(exception)}
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
   * @return false if it was already done, true otherwise
   *     <p>Python: {@code fut.cancel()}
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
   * {@link EventLoop#callSoon}: never inline, even when the future is already done.
   *
   * <p>Python: {@code fut.add_done_callback(fn)}
   */
  @SuppressWarnings("unchecked")
  public void addDoneCallback(Consumer<? super AsyncFuture<T>> fn) {
    Objects.requireNonNull(fn, "fn");
    if (state != State.PENDING) {
      loop.schedule(new DoneCallback<>(fn, this));
      return;
    }
    Object cbs = callbacks;
    if (cbs == null) {
      callbacks = fn;
    } else if (cbs instanceof CallbackList list) {
      list.add(fn);
    } else {
      CallbackList list = new CallbackList();
      list.add(cbs);
      list.add(fn);
      callbacks = list;
    }
  }

  /**
   * Removes every registration of {@code fn} (compared with {@code equals}).
   *
   * @return how many were removed
   *     <p>Python: {@code fut.remove_done_callback(fn)}
   */
  public int removeDoneCallback(Consumer<? super AsyncFuture<T>> fn) {
    Object cbs = callbacks;
    if (cbs == null) {
      return 0;
    }
    if (cbs instanceof CallbackList list) {
      int before = list.size();
      list.removeIf(c -> c.equals(fn));
      int removed = before - list.size();
      if (list.isEmpty()) {
        callbacks = null;
      }
      return removed;
    }
    if (cbs.equals(fn)) {
      callbacks = null;
      return 1;
    }
    return 0;
  }

  /** The callbacks not yet scheduled, in order (for tests and reprs). */
  public List<Consumer<? super AsyncFuture<T>>> callbacks() {
    Object cbs = callbacks;
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
    return (Consumer<? super AsyncFuture<T>>) o;
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
    } else {
      schedule(cbs);
    }
  }

  /** Schedules one registered callback: a Consumer, or a task waiting on this future. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void schedule(Object c) {
    if (c instanceof Task<?> t) {
      loop.schedule(t.wakeupHandle(this));
    } else {
      loop.schedule(new DoneCallback(((Consumer) c), this));
    }
  }

  /**
   * Registers {@code task}'s wakeup as a done callback: the same FIFO list and the same scheduling as
   * {@link #addDoneCallback}, without an object per await.
   */
  final void addWakeup(Task<?> task) {
    if (state != State.PENDING) {
      loop.schedule(task.wakeupHandle(this));
      return;
    }
    Object cbs = callbacks;
    if (cbs == null) {
      callbacks = task;
    } else if (cbs instanceof CallbackList list) {
      list.add(task);
    } else {
      CallbackList list = new CallbackList();
      list.add(cbs);
      list.add(task);
      callbacks = list;
    }
  }

  private static final class CallbackList extends ArrayList<Object> {
    private static final long serialVersionUID = 1L;
  }

  /** The handle that runs one done callback with its future. */
  static final class DoneCallback<T> extends ReadyHandle {
    private final Consumer<? super AsyncFuture<T>> fn;
    private final AsyncFuture<T> future;

    DoneCallback(Consumer<? super AsyncFuture<T>> fn, AsyncFuture<T> future) {
      this.fn = fn;
      this.future = future;
    }

    @Override
    public void run() {
      fn.accept(future);
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
      addDoneCallback(f -> {
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
    if (callbacks != null) {
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
