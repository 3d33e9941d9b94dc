package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.Bodies;
import org.vertxasyncio.asyncio.impl.Frame;
import org.vertxasyncio.asyncio.impl.Sneaky;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * An await-style coroutine: a body of sequential code that awaits. The body is a {@link CoroutineBody} or
 * a {@link VoidCoroutineBody}, kept as it is (no adapter object, no adapter frame on a suspended stack).
 */
final class BodyCoroutine<T> extends Coroutine<T> {
  private final Object body;

  BodyCoroutine(String name, CoroutineBody<T> body) {
    super(name);
    this.body = body;
  }

  BodyCoroutine(String name, VoidCoroutineBody body) {
    super(name);
    this.body = body;
  }

  @Override
  Frame<T> newFrame(VertxEventLoop loop) {
    return loop.runner().newFiber(loop, body);
  }

  @Override
  T awaitInline(Task<?> task) {
    try {
      return Bodies.call(body);
    } catch (Exception e) {
      throw Sneaky.rethrow(e);
    }
  }
}
