package org.vertxasyncio.asyncio;

import java.util.ArrayDeque;

/**
 * A mutual-exclusion lock for the coroutines of one loop: {@link #acquire()} suspends the caller while
 * another holds it, and waiters get it in the order they asked (FIFO). The lock is not owned by a
 * coroutine: any coroutine may {@link #release()} it. Not thread-safe: for the coroutines of one loop.
 *
 * <pre>{@code
 * await(lock.acquire());
 * try {
 *   ...
 * } finally {
 *   lock.release();
 * }
 * // or, as Python's "async with lock:"
 * lock.withLock(() -> { ... });
 * }</pre>
 *
 * <p>Invariants, as in asyncio: a waiter's future is in {@code waiters} exactly while its
 * {@code acquire} is suspended on it; a release wakes the first waiter only, and a woken waiter either
 * takes the lock or, if it was cancelled before it could, passes the wake-up on to the next one; a new
 * {@code acquire} takes the lock at once only when no live waiter is queued, so it cannot jump the queue.
 *
 * <p>Python: {@code asyncio.Lock}
 */
public final class Lock extends LoopBound {
  private ArrayDeque<AsyncFuture<Boolean>> waiters;
  private boolean locked;

  /** An unlocked lock; it binds to a loop when a coroutine first has to wait for it. */
  public Lock() {
  }

  /** Whether the lock is held. Python: {@code lock.locked()} */
  public boolean locked() {
    return locked;
  }

  /**
   * A coroutine that takes the lock, waiting (behind the earlier waiters) while it is held, and gives
   * {@code true}.
   *
   * <p>Failure path: if the task is cancelled while it waits, the coroutine raises
   * {@link CancelledError} and does not hold the lock; a wake-up it received is passed on to the next
   * waiter. {@link IllegalStateException} if the lock is bound to another loop.
   *
   * <p>Python: {@code asyncio.Lock.acquire}
   */
  public Coroutine<Boolean> acquire() {
    return Asyncio.async("Lock.acquire", () -> {
      if (!locked && (waiters == null || allCancelled())) {
        locked = true;
        return true;
      }
      if (waiters == null) {
        waiters = new ArrayDeque<>();
      }
      AsyncFuture<Boolean> fut = getLoop().createFuture();
      waiters.add(fut);
      // The finally runs before the CancelledError handling, so that a cancelled waiter does not wake
      // itself up in wakeUpFirst().
      try {
        try {
          Asyncio.await(fut);
        } finally {
          waiters.remove(fut);
        }
      } catch (CancelledError e) {
        if (!locked) {
          wakeUpFirst();
        }
        throw e;
      }
      locked = true;
      return true;
    });
  }

  private boolean allCancelled() {
    for (AsyncFuture<Boolean> w : waiters) {
      if (!w.cancelled()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Releases the lock and wakes the first waiter, if any. Any coroutine may release it, not only the
   * one that acquired it.
   *
   * <p>Python: {@code asyncio.Lock.release}
   *
   * @throws IllegalStateException {@code "Lock is not acquired."} if the lock is not held
   */
  public void release() {
    if (locked) {
      locked = false;
      wakeUpFirst();
    } else {
      throw new IllegalStateException("Lock is not acquired.");
    }
  }

  /** Wakes the first waiter unless it is done already (then it will wake up anyway and pass it on). */
  private void wakeUpFirst() {
    if (waiters == null || waiters.isEmpty()) {
      return;
    }
    AsyncFuture<Boolean> fut = waiters.peekFirst();
    if (!fut.done()) {
      fut.setResult(true);
    }
  }

  /**
   * Runs {@code body} in the current coroutine while holding the lock: acquires it (awaiting), runs
   * the body, and releases the lock in a {@code finally}. Returns the body's result; the body's
   * exception comes out as the same object, after the release.
   *
   * <p>Python: {@code async with lock: ...}
   *
   * @throws CancelledError if the task is cancelled while waiting for the lock (the body does not run)
   * @throws IllegalStateException outside a coroutine body
   */
  public <T> T withLock(CoroutineBody<T> body) {
    return Held.run(acquire(), this::release, body);
  }

  /** Like {@link #withLock(CoroutineBody)}, for a body with no result. Python: {@code async with lock: ...} */
  public void withLock(VoidCoroutineBody body) {
    Held.run(acquire(), this::release, body);
  }

  /** Python's repr: {@code <Lock [locked, waiters:2]>}. */
  @Override
  public String toString() {
    String extra = locked ? "locked" : "unlocked";
    if (waiters != null && !waiters.isEmpty()) {
      extra += ", waiters:" + waiters.size();
    }
    return "<Lock [" + extra + "]>";
  }
}
