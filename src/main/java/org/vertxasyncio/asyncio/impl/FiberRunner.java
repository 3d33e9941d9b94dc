package org.vertxasyncio.asyncio.impl;


/**
 * How await-style coroutine bodies are run: the one internal interface the mechanism hides behind.
 *
 * <p>Every runner keeps asyncio's guarantee: a fiber runs only inside {@link Fiber#resume}, called on
 * its loop's thread, which does nothing else until the fiber suspends or ends; so the coroutines and
 * callbacks of one loop never run at the same instant, and switch only at an await.
 */
public interface FiberRunner {

  /** A short name, as configured: {@code continuations} or {@code threads}. */
  String name();

  /** A new, not yet started fiber for {@code body} (a CoroutineBody or a VoidCoroutineBody), on {@code loop}. */
  <T> Fiber<T> newFiber(VertxEventLoop loop, Object body);
}
