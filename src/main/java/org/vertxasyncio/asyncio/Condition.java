package org.vertxasyncio.asyncio;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A condition variable for the coroutines of one loop: a coroutine holding the underlying
 * {@link Lock} {@linkplain #await() waits} until another one {@linkplain #notify(int) notifies} it.
 * Waiting releases the lock, and the lock is held again when the wait returns (also when it ends with
 * an exception). Not thread-safe: for the coroutines of one loop.
 *
 * <pre>{@code
 * cond.withLock(() -> {
 *   await(cond.waitFor(() -> !items.isEmpty()));
 *   return items.removeFirst();
 * });
 * }</pre>
 *
 * <p>Names: {@link Object} already has final {@code wait()}, {@code notify()} and {@code notifyAll()}
 * (Java monitor methods, which throw {@code IllegalMonitorStateException} here), so Python's
 * {@code wait()} is {@link #await()} (as for {@link Event#await()}), {@code notify()} is
 * {@link #notifyOne()} or {@link #notify(int)}, and {@code notify_all()} is {@link #notifyAllWaiters()}.
 * Inside a class that has an {@code await()} method, call the static one as {@code Asyncio.await(...)}.
 *
 * <p>Invariants: a waiter's future is in {@code waiters} exactly while its wait is suspended on it; a
 * notification finishes futures that are not done yet, in FIFO order, and never touches the lock.
 *
 * <p>Python: {@code asyncio.Condition}
 */
public final class Condition extends LoopBound {
  private final Lock lock;
  private final ArrayDeque<AsyncFuture<Boolean>> waiters = new ArrayDeque<>();

  /** A condition with a new {@link Lock} of its own. */
  public Condition() {
    this(new Lock());
  }

  /** A condition over {@code lock}, which may be shared with other conditions. Python: {@code asyncio.Condition(lock)} */
  public Condition(Lock lock) {
    this.lock = Objects.requireNonNull(lock, "lock");
  }

  /** The underlying lock. */
  public Lock lock() {
    return lock;
  }

  /** Whether the underlying lock is held. Python: {@code cond.locked()} */
  public boolean locked() {
    return lock.locked();
  }

  /** The underlying lock's {@link Lock#acquire()}. Python: {@code cond.acquire()} */
  public Coroutine<Boolean> acquire() {
    return lock.acquire();
  }

  /** The underlying lock's {@link Lock#release()}. Python: {@code cond.release()} */
  public void release() {
    lock.release();
  }

  /**
   * A coroutine that waits until notified: it releases the lock, suspends until
   * {@link #notify(int)} or {@link #notifyAll()} wakes it, re-acquires the lock, and gives {@code true}.
   *
   * <p>Failure path: {@link IllegalStateException} {@code "cannot wait on un-acquired lock"} if the
   * lock is not held. If the task is cancelled, the lock is still re-acquired (waiting for it as long
   * as it takes, even through further cancellations) before {@link CancelledError} comes out, so the
   * caller always holds the lock when this returns or raises.
   *
   * <p>Python: {@code asyncio.Condition.wait}
   */
  public Coroutine<Boolean> await() {
    return Asyncio.async("Condition.wait", () -> {
      if (!locked()) {
        throw new IllegalStateException("cannot wait on un-acquired lock");
      }
      release();
      try {
        AsyncFuture<Boolean> fut = getLoop().createFuture();
        waiters.add(fut);
        try {
          Asyncio.await(fut);
          return true;
        } finally {
          waiters.remove(fut);
        }
      } finally {
        // Must reacquire the lock even if the wait is cancelled.
        boolean cancelled = false;
        while (true) {
          try {
            Asyncio.await(acquire());
            break;
          } catch (CancelledError e) {
            cancelled = true;
          }
        }
        if (cancelled) {
          throw new CancelledError();
        }
      }
    });
  }

  /**
   * A coroutine that waits until {@code predicate} is true: it checks the predicate, and waits on
   * the condition and checks again until it holds. The lock must be held unless the predicate is true
   * at once; it is held when this returns.
   *
   * <p>Failure path: as {@link #await()}, and whatever {@code predicate} throws.
   *
   * <p>Python: {@code asyncio.Condition.wait_for}
   */
  public Coroutine<Boolean> waitFor(BooleanSupplier predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return Asyncio.async("Condition.wait_for", () -> {
      boolean result = predicate.getAsBoolean();
      while (!result) {
        Asyncio.await(await());
        result = predicate.getAsBoolean();
      }
      return result;
    });
  }

  /**
   * Wakes up to {@code n} of the coroutines waiting on this condition, first come first woken; does
   * nothing if none waits. The woken ones return from their wait only once they get the lock back,
   * which this does not release.
   *
   * <p>Python: {@code asyncio.Condition.notify(n)}
   *
   * @throws IllegalStateException {@code "cannot notify on un-acquired lock"} if the lock is not held
   */
  public void notify(int n) {
    if (!locked()) {
      throw new IllegalStateException("cannot notify on un-acquired lock");
    }
    int idx = 0;
    for (AsyncFuture<Boolean> fut : waiters) {
      if (idx >= n) {
        break;
      }
      if (!fut.done()) {
        idx++;
        fut.setResult(false);
      }
    }
  }

  /**
   * Wakes one waiting coroutine: {@code notify(1)}. (Not {@code notify()}: {@link Object#notify()} is
   * final.)
   *
   * <p>Python: {@code asyncio.Condition.notify()}
   *
   * @throws IllegalStateException {@code "cannot notify on un-acquired lock"} if the lock is not held
   */
  public void notifyOne() {
    notify(1);
  }

  /**
   * Wakes every waiting coroutine: {@code notify(n)} with n the number of waiters. (Not
   * {@code notifyAll()}: {@link Object#notifyAll()} is final.)
   *
   * <p>Python: {@code asyncio.Condition.notify_all}
   *
   * @throws IllegalStateException {@code "cannot notify on un-acquired lock"} if the lock is not held
   */
  public void notifyAllWaiters() {
    notify(waiters.size());
  }

  /**
   * Runs {@code body} in the current coroutine while holding the underlying lock, as
   * {@link Lock#withLock(CoroutineBody)}.
   *
   * <p>Python: {@code async with cond: ...}
   */
  public <T> T withLock(CoroutineBody<T> body) {
    return lock.withLock(body);
  }

  /** Like {@link #withLock(CoroutineBody)}, for a body with no result. Python: {@code async with cond: ...} */
  public void withLock(VoidCoroutineBody body) {
    lock.withLock(body);
  }

  /** Python's repr: {@code <Condition [locked, waiters:1]>}. */
  @Override
  public String toString() {
    String extra = locked() ? "locked" : "unlocked";
    if (!waiters.isEmpty()) {
      extra += ", waiters:" + waiters.size();
    }
    return "<Condition [" + extra + "]>";
  }
}
