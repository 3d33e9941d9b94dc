package org.vertxasyncio.asyncio;

import java.util.ArrayDeque;

/**
 * A flag coroutines can wait for: {@link #await()} suspends until {@link #set()} is called; once set,
 * waiting returns at once until {@link #clear()}.
 *
 * <p>Python: {@code asyncio.Event}
 */
public final class Event extends LoopBound {
  private final ArrayDeque<AsyncFuture<Boolean>> waiters = new ArrayDeque<>();
  private boolean value;

  /** Python: {@code event.is_set()} */
  public boolean isSet() {
    return value;
  }

  /** Sets the flag and wakes every waiter. Python: {@code event.set()} */
  public void set() {
    if (!value) {
      value = true;
      for (AsyncFuture<Boolean> f : waiters) {
        if (!f.done()) {
          f.setResult(true);
        }
      }
    }
  }

  /** Python: {@code event.clear()} */
  public void clear() {
    value = false;
  }

  /**
   * A coroutine that finishes with {@code true} once the flag is set.
   *
   * <p>Python: {@code event.wait()}
   */
  public Coroutine<Boolean> await() {
    return Asyncio.async("Event.wait", () -> {
      if (value) {
        return true;
      }
      AsyncFuture<Boolean> fut = getLoop().createFuture();
      waiters.add(fut);
      try {
        Asyncio.await(fut);
        return true;
      } finally {
        waiters.remove(fut);
      }
    });
  }

  /** Same as {@link #await()}; Python's name. */
  public Coroutine<Boolean> waitSet() {
    return await();
  }

  @Override
  public String toString() {
    return "<Event [" + (value ? "set" : "unset") + (waiters.isEmpty() ? "" : ", waiters:" + waiters.size()) + "]>";
  }
}
