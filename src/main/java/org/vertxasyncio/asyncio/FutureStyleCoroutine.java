package org.vertxasyncio.asyncio;

import io.vertx.core.Future;
import java.util.function.Supplier;
import org.vertxasyncio.asyncio.impl.Frame;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * A future-style coroutine: its body returns a Vert.x future, and the coroutine's result is that
 * future's. Run as a task it needs no fiber: one step calls the body, the next takes the outcome.
 */
final class FutureStyleCoroutine<T> extends Coroutine<T> {
  private final Supplier<? extends Future<T>> body;

  FutureStyleCoroutine(String name, Supplier<? extends Future<T>> body) {
    super(name);
    this.body = body;
  }

  @Override
  Frame<T> newFrame(VertxEventLoop loop) {
    return new org.vertxasyncio.asyncio.impl.AbstractFrame<T>() {
      private boolean called;

      @Override
      public void resume(Throwable exc) {
        if (exc != null) {
          error = exc;
          done = true;
          return;
        }
        if (called) {
          take(waiter);
          return;
        }
        called = true;
        Future<T> f;
        try {
          f = body.get();
          if (f == null) {
            throw new NullPointerException("the body of future-style coroutine " + getName() + " returned null, not a Future");
          }
        } catch (Throwable t) {
          error = t;
          done = true;
          return;
        }
        if (f.isComplete()) {
          if (f.succeeded()) {
            result = f.result();
          } else {
            error = f.cause();
          }
          done = true;
          return;
        }
        waiter = loop.wrap(f);
      }

      @SuppressWarnings("unchecked")
      private void take(AsyncFuture<?> w) {
        AsyncFuture<T> f = (AsyncFuture<T>) w;
        waiter = null;
        done = true;
        if (f.exceptionRaw() != null) {
          error = f.exceptionRaw();
        } else {
          result = f.resultRaw();
        }
      }
    };
  }

  @Override
  T awaitInline(Task<?> task) {
    Future<T> f = body.get();
    if (f == null) {
      throw new NullPointerException("the body of future-style coroutine " + getName() + " returned null, not a Future");
    }
    return Asyncio.await(f);
  }
}
