package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.AsyncFuture;

/**
 * A running coroutine, as its task drives it: {@link #resume} runs it up to its next suspension or to
 * its end. This is what Python's {@code coro.send(None)} / {@code coro.throw(exc)} are to a Task.
 *
 * <p>Invariants, after {@link #resume} returns: either {@link #isDone()} and {@link #result()} or
 * {@link #error()} holds the outcome, or the frame is suspended on {@link #waiter()} (a future it
 * awaits), or, with a null waiter, it gave up its turn for one loop iteration (a bare yield, as
 * {@code sleep(0)} does).
 *
 * @param <T> the result type
 */
public interface Frame<T> {

  /**
   * Runs the frame until it suspends or ends.
   *
   * @param exc when not null, thrown at the await the frame is suspended in (as {@code coro.throw})
   */
  void resume(Throwable exc);

  boolean isDone();

  T result();

  Throwable error();

  AsyncFuture<?> waiter();

  /** Releases what a frame that will never be resumed holds (a parked thread, for example). */
  default void abandon() {
  }

  /** A stack trace of where the frame is suspended, if the mechanism can tell. */
  default StackTraceElement[] suspendedStack() {
    return new StackTraceElement[0];
  }
}
