package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.ContextVars;

/**
 * The slot that holds each thread's current {@link ContextVars}: what a {@code ContextVar} reads and
 * {@code ContextVars.run} swaps. A coroutine runner whose fibers run on threads of their own hands its
 * task's context over through it.
 *
 * <p>Python: the {@code context} of a {@code PyThreadState}
 */
public final class CurrentContext {
  private static final ThreadLocal<ContextVars> CURRENT = new ThreadLocal<>();

  private CurrentContext() {
  }

  /** The context current on this thread, or null if the thread has never had one. */
  public static ContextVars get() {
    return CURRENT.get();
  }

  /** Makes {@code context} current on this thread (no check: see {@code ContextVars.run} for entering one). */
  public static void set(ContextVars context) {
    CURRENT.set(context);
  }
}
