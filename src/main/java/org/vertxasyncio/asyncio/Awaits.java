package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.Fiber;
import org.vertxasyncio.asyncio.impl.Sneaky;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/** The await primitive: suspend the current fiber on a future, or give up one iteration. */
final class Awaits {
  private Awaits() {
  }

  static VertxEventLoop runningLoop(String what) {
    VertxEventLoop loop = VertxEventLoop.running();
    if (loop == null) {
      throw new IllegalStateException(what + "() called outside a coroutine: no event loop is running on thread "
          + Thread.currentThread().getName() + "; run the coroutine with loop.runUntilComplete(...) or Asyncio.run(...)");
    }
    return loop;
  }

  /** The fiber of the task running on this thread; fails clearly when there is none. */
  static Fiber<?> currentFiber() {
    return currentTask().fiber();
  }

  /** The task whose coroutine body runs on this thread, and may await; fails clearly when there is none. */
  static Task<?> currentTask() {
    VertxEventLoop loop = runningLoop("await");
    Task<?> task = loop.currentTask();
    Fiber<?> fiber = task == null ? null : task.fiber();
    if (fiber == null || !fiber.isCurrent()) {
      throw new IllegalStateException("await() called outside a coroutine body: a callback, or the body of a future-style "
          + "coroutine, cannot await; return a Future instead, or make it an await-style coroutine (Asyncio.async)");
    }
    String locks = loop.heldJavaLocks();
    if (locks != null) {
      throw new IllegalStateException("await() while holding " + locks + ": the lock would stay held by the event-loop "
          + "thread while the coroutine is suspended; use an asyncio Lock across awaits");
    }
    return task;
  }

  static <T> T awaitFuture(AsyncFuture<T> f) {
    if (!f.done()) {
      return suspendOn(currentFiber(), f);
    }
    return f.result();
  }

  /** Suspends {@code fiber} until {@code f}, which is not done, is; then its result. */
  static <T> T suspendOn(Fiber<?> fiber, AsyncFuture<T> f) {
    Throwable exc = fiber.suspend(f);
    if (exc != null) {
      throw Sneaky.rethrow(exc);
    }
    if (!f.done()) {
      throw new IllegalStateException("await wasn't used with future");
    }
    return f.result();
  }

  static void yieldOnce(Fiber<?> fiber) {
    Throwable exc = fiber.suspend(null);
    if (exc != null) {
      throw Sneaky.rethrow(exc);
    }
  }
}
