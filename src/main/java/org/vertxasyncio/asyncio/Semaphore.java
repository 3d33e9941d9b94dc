package org.vertxasyncio.asyncio;

import java.util.ArrayDeque;

/**
 * A counter of permits for the coroutines of one loop: {@link #acquire()} takes one, suspending the
 * caller while there are none, and {@link #release()} gives one back; waiters get permits in the order
 * they asked (FIFO). Not thread-safe: for the coroutines of one loop.
 *
 * <pre>{@code
 * Semaphore sem = new Semaphore(10);
 * sem.withPermit(() -> fetch(url));   // Python: async with sem: ...
 * }</pre>
 *
 * <p>Invariants, as in asyncio 3.12: {@code value} counts the permits nobody holds and no woken waiter
 * has been promised; waking a waiter takes its permit from {@code value} at once, so a newcomer cannot
 * take the permit meant for it; a newcomer waits whenever a live (not cancelled) waiter is queued; a
 * waiter cancelled after it was woken gives its permit back and wakes the next one.
 *
 * <p>Python: {@code asyncio.Semaphore}
 */
public class Semaphore extends LoopBound {
  private ArrayDeque<AsyncFuture<Boolean>> waiters;
  private int value;

  /** A semaphore with one permit. */
  public Semaphore() {
    this(1);
  }

  /**
   * A semaphore with {@code value} permits.
   *
   * @throws IllegalArgumentException {@code "Semaphore initial value must be >= 0"}
   */
  public Semaphore(int value) {
    if (value < 0) {
      throw new IllegalArgumentException("Semaphore initial value must be >= 0");
    }
    this.value = value;
  }

  /** The permits available now, not counting those promised to woken waiters. Python: {@code sem._value} */
  public int value() {
    return value;
  }

  /**
   * Whether {@link #acquire()} would have to wait: no permit is left, or a live waiter is queued ahead.
   *
   * <p>Python: {@code asyncio.Semaphore.locked}
   */
  public boolean locked() {
    if (value == 0) {
      return true;
    }
    if (waiters != null) {
      for (AsyncFuture<Boolean> w : waiters) {
        if (!w.cancelled()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A coroutine that takes a permit, waiting (behind the earlier waiters) while none is free, and
   * gives {@code true}.
   *
   * <p>Failure path: if the task is cancelled while it waits, the coroutine raises
   * {@link CancelledError} and holds no permit; a permit it had been promised goes to the next waiter.
   * {@link IllegalStateException} if the semaphore is bound to another loop.
   *
   * <p>Python: {@code asyncio.Semaphore.acquire}
   */
  public Coroutine<Boolean> acquire() {
    return Asyncio.async(getClass().getSimpleName() + ".acquire", () -> {
      if (!locked()) {
        value--;
        return true;
      }
      if (waiters == null) {
        waiters = new ArrayDeque<>();
      }
      AsyncFuture<Boolean> fut = getLoop().createFuture();
      waiters.add(fut);
      // The finally runs before the CancelledError handling, so that a cancelled waiter does not wake
      // itself up in wakeUpNext().
      try {
        try {
          Asyncio.await(fut);
        } finally {
          waiters.remove(fut);
        }
      } catch (CancelledError e) {
        if (!fut.cancelled()) {
          // woken (and given a permit) before the cancellation arrived: hand the permit on
          value++;
          wakeUpNext();
        }
        throw e;
      }
      if (value > 0) {
        wakeUpNext();
      }
      return true;
    });
  }

  /**
   * Gives a permit back and wakes the first waiter, if any. A plain semaphore accepts more releases
   * than acquires (the count grows); {@link BoundedSemaphore} refuses them.
   *
   * <p>Python: {@code asyncio.Semaphore.release}
   */
  public void release() {
    value++;
    wakeUpNext();
  }

  /** Wakes the first waiter that is not done, handing it one permit. */
  private void wakeUpNext() {
    if (waiters == null || waiters.isEmpty()) {
      return;
    }
    for (AsyncFuture<Boolean> fut : waiters) {
      if (!fut.done()) {
        value--;
        fut.setResult(true);
        return;
      }
    }
  }

  /**
   * Runs {@code body} in the current coroutine while holding a permit: acquires one (awaiting), runs
   * the body, and releases the permit in a {@code finally}. Returns the body's result; the body's
   * exception comes out as the same object, after the release.
   *
   * <p>Python: {@code async with sem: ...}
   *
   * @throws CancelledError if the task is cancelled while waiting for a permit (the body does not run)
   * @throws IllegalStateException outside a coroutine body
   */
  public <T> T withPermit(CoroutineBody<T> body) {
    return Held.run(acquire(), this::release, body);
  }

  /** Like {@link #withPermit(CoroutineBody)}, for a body with no result. Python: {@code async with sem: ...} */
  public void withPermit(VoidCoroutineBody body) {
    Held.run(acquire(), this::release, body);
  }

  /** Python's repr: {@code <Semaphore [unlocked, value:2]>}, {@code <Semaphore [locked, waiters:1]>}. */
  @Override
  public String toString() {
    String extra = locked() ? "locked" : "unlocked, value:" + value;
    if (waiters != null && !waiters.isEmpty()) {
      extra += ", waiters:" + waiters.size();
    }
    return "<" + getClass().getSimpleName() + " [" + extra + "]>";
  }
}
