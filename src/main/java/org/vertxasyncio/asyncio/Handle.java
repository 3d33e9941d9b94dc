package org.vertxasyncio.asyncio;

/**
 * A callback scheduled on an {@link EventLoop}, returned by {@link EventLoop#callSoon}. Cancelling it
 * before its turn means it never runs.
 *
 * <p>Python: {@code asyncio.Handle}
 */
public interface Handle {

  /** Prevents the callback from running if it has not run yet. Cancelling twice is harmless. */
  void cancel();

  /** Whether {@link #cancel()} was called. */
  boolean cancelled();
}
