package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.AsyncFuture;

/**
 * A running coroutine, as its task drives it: {@link #resume} runs it up to its next suspension or to
 * its end. This is what Python's {@code coro.send(None)} / {@code coro.throw(exc)} are to a Task.
 *
 * <p>Invariants, after {@link #resume} returns: either {@link #done} is true and {@link #result} or
 * {@link #error} holds the outcome, or the frame is suspended on {@link #waiter} (a future it awaits),
 * or, with {@code waiter == null}, it gave up its turn for one loop iteration (a bare yield, as
 * {@code sleep(0)} does).
 *
 * @param <T> the result type
 */
public abstract class Frame<T> {
  protected AsyncFuture<?> waiter;
  protected boolean done;
  protected T result;
  protected Throwable error;

  /**
   * Runs the frame until it suspends or ends.
   *
   * @param exc when not null, thrown at the await the frame is suspended in (as {@code coro.throw})
   */
  public abstract void resume(Throwable exc);

  /** Releases what a frame that will never be resumed holds (a parked thread, for example). */
  public void abandon() {
  }

  public final boolean isDone() {
    return done;
  }

  public final T result() {
    return result;
  }

  public final Throwable error() {
    return error;
  }

  public final AsyncFuture<?> waiter() {
    return waiter;
  }

  /** A stack trace of where the frame is suspended, if the mechanism can tell. */
  public StackTraceElement[] suspendedStack() {
    return new StackTraceElement[0];
  }
}
