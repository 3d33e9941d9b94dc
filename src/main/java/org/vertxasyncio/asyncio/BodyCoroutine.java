package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.Frame;
import org.vertxasyncio.asyncio.impl.Sneaky;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/** An await-style coroutine: a body of sequential code that awaits. */
final class BodyCoroutine<T> extends Coroutine<T> {
  private final CoroutineBody<T> body;

  BodyCoroutine(String name, CoroutineBody<T> body) {
    super(name);
    this.body = body;
  }

  @Override
  Frame<T> newFrame(VertxEventLoop loop) {
    return loop.runner().newFiber(loop, body);
  }

  @Override
  T awaitInline() {
    try {
      return body.call();
    } catch (Exception e) {
      throw Sneaky.rethrow(e);
    }
  }
}
