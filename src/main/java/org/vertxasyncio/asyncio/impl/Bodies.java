package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.CoroutineBody;
import org.vertxasyncio.asyncio.VoidCoroutineBody;

/** Calls a coroutine body of either kind. */
public final class Bodies {
  private Bodies() {
  }

  @SuppressWarnings("unchecked")
  public static <T> T call(Object body) throws Exception {
    if (body instanceof VoidCoroutineBody v) {
      v.run();
      return null;
    }
    return ((CoroutineBody<T>) body).call();
  }
}
