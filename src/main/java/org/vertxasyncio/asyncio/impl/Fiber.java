package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.AsyncFuture;

/**
 * The frame of an await-style coroutine: a body of sequential code that can suspend in the middle,
 * inside {@code await}. A {@link FiberRunner} makes them; the mechanism (JDK continuations, or virtual
 * threads handed off to and from the loop thread) is the runner's business.
 */
public interface Fiber<T> extends Frame<T> {

  /**
   * Suspends the fiber until its task resumes it. Called from inside the fiber's body only.
   *
   * @param on the future the fiber waits for, or null to give up one loop iteration
   * @return the exception to throw at the await, or null to go on
   */
  Throwable suspend(AsyncFuture<?> on);

  /** Whether the calling code runs inside this fiber's body right now. */
  boolean isCurrent();
}
