package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.Bodies;
import org.vertxasyncio.asyncio.impl.Sneaky;

/** Python's {@code async with primitive:} for Java: acquire with await, run the body, release in finally. */
final class Held {
  private Held() {
  }

  /** Runs {@code body} (a CoroutineBody or a VoidCoroutineBody) between {@code acquire} and {@code release}. */
  static <T> T run(Coroutine<Boolean> acquire, Runnable release, Object body) {
    Asyncio.await(acquire);
    try {
      return Bodies.call(body);
    } catch (Exception e) {
      throw Sneaky.rethrow(e);
    } finally {
      release.run();
    }
  }
}
