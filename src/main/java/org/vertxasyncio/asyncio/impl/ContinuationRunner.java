package org.vertxasyncio.asyncio.impl;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;
import org.vertxasyncio.asyncio.AsyncFuture;

/**
 * The fast runner: each fiber is a JDK {@link Continuation} run and resumed on the loop's own
 * event-loop thread, so fibers of one loop are serialised by construction and a suspend/resume costs a
 * stack copy, not a thread switch.
 *
 * <p>{@code jdk.internal.vm} is not exported: this class only links when the JVM runs with
 * {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} (or, for {@code java -jar}, the
 * {@code Add-Exports} manifest entry). {@link Runners} probes for it before use.
 *
 * <p>Rules that come with the mechanism: an await cannot suspend while a native frame is on the stack
 * (the await then fails with a clear {@link IllegalStateException}); and on JDK 24+ a Java monitor held
 * across an await stays held by the loop thread, so coroutines must use the asyncio {@code Lock}, never
 * {@code synchronized} or a {@code java.util.concurrent} lock, across an await (debug mode checks it).
 */
public final class ContinuationRunner implements FiberRunner {
  static final ContinuationScope SCOPE = new ContinuationScope("asyncio");

  @Override
  public String name() {
    return "continuations";
  }

  @Override
  public <T> Fiber<T> newFiber(VertxEventLoop loop, Object body) {
    return new ContinuationFiber<>(body);
  }

  /** Runs one fiber through a full suspend/resume cycle on the calling thread: proves the mechanism works. */
  static void selfTest() {
    ContinuationFiber<String> f = new ContinuationFiber<>((org.vertxasyncio.asyncio.CoroutineBody<String>) () -> {
      Fiber<?> me = current();
      Throwable t = me.suspend(null);
      return t == null ? "ok" : "failed";
    });
    f.resume(null);
    if (f.isDone()) {
      throw new IllegalStateException("continuation did not suspend");
    }
    f.resume(null);
    if (!f.isDone() || !"ok".equals(f.result())) {
      throw new IllegalStateException("continuation did not resume", f.error());
    }
  }

  /** The fiber whose body runs on this thread right now, or null. */
  static ContinuationFiber<?> current() {
    return Continuation.getCurrentContinuation(SCOPE) instanceof ContinuationFiber<?> f ? f : null;
  }

  /** Every fiber's entry point: the continuation finds its own fiber (no per-fiber lambda). */
  private static final Runnable ENTRY = () -> current().runBody();

  /**
   * A fiber that is its own continuation (so {@link Continuation#isDone()} is the frame's): one object per coroutine besides the stack it saves when it
   * suspends.
   */
  static final class ContinuationFiber<T> extends Continuation implements Fiber<T> {
    /** The body until it starts; then its result, or, when {@code failed}, its exception. */
    private Object outcome;
    private AsyncFuture<?> waiter;
    /**
     * The exception a resume throws at the await (or into a body that has not started), or null. A field of
     * its own type: read after the yield, it needs no cast, whose speculation C2 could get wrong once and
     * then deoptimize every coroutine suspended in that compiled code as it resumes.
     */
    private Throwable sendExc;
    private boolean failed;

    ContinuationFiber(Object body) {
      super(SCOPE, ENTRY);
      this.outcome = body;
    }

    @Override
    protected void onPinned(Continuation.Pinned reason) {
      throw new IllegalStateException(switch (reason) {
        case NATIVE -> "await() cannot suspend here: a native frame is on the coroutine's stack (an await inside "
            + "a static initializer, or in a callback called from native code); await outside of it";
        case MONITOR -> "await() cannot suspend here: the coroutine holds a Java monitor (synchronized); "
            + "use an asyncio Lock across awaits";
        case CRITICAL_SECTION -> "await() cannot suspend here: the coroutine is inside a JVM critical section";
        default -> "await() cannot suspend here: the coroutine is pinned (" + reason + ")";
      });
    }

    void runBody() {
      try {
        Object body = outcome;
        outcome = null;
        Throwable t = sendExc;
        sendExc = null;
        if (t != null) {
          throw t; // thrown into a coroutine that never started: it ends there, as coro.throw() does
        }
        outcome = Bodies.call(body);
      } catch (Throwable t) {
        outcome = t;
        failed = true;
      } finally {
        waiter = null;
      }
    }

    @Override
    public void resume(Throwable exc) {
      sendExc = exc;
      run();
    }

    @Override
    public Throwable suspend(AsyncFuture<?> on) {
      waiter = on;
      try {
        Continuation.yield(SCOPE);
      } catch (IllegalStateException pinned) {
        waiter = null;
        throw pinned;
      }
      Throwable t = sendExc;
      sendExc = null;
      return t;
    }

    @Override
    public boolean isCurrent() {
      return current() == this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T result() {
      return failed || !isDone() ? null : (T) outcome;
    }

    @Override
    public Throwable error() {
      return failed ? (Throwable) outcome : null;
    }

    @Override
    public AsyncFuture<?> waiter() {
      return waiter;
    }

    @Override
    public StackTraceElement[] suspendedStack() {
      return isDone() ? new StackTraceElement[0] : getStackTrace();
    }
  }
}
