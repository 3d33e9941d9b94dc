package org.vertxasyncio.asyncio.impl;

/** Rethrows any throwable as it is, checked or not, so a coroutine's own exception object reaches its awaiter. */
public final class Sneaky {
  private Sneaky() {
  }

  /** Throws {@code t}; declared to return so callers can write {@code throw Sneaky.rethrow(t)}. */
  public static RuntimeException rethrow(Throwable t) {
    throw Sneaky.<RuntimeException>doThrow(t);
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E doThrow(Throwable t) throws E {
    throw (E) t;
  }
}
