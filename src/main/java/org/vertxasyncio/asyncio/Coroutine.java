package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.Frame;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * A coroutine object: what calling an {@code async def} function gives in Python. Making one runs
 * nothing. It runs when a running coroutine awaits it (inline, in the awaiting task) or when it is
 * wrapped into a {@link Task} ({@link Asyncio#ensureFuture}, {@link Asyncio#createTask},
 * {@link EventLoop#runUntilComplete}, {@link Asyncio#gather}); it runs at most once.
 *
 * <p>Made by {@link Asyncio#async(CoroutineBody)} (await-style: sequential code with {@code await}
 * in it), {@link Asyncio#asyncFuture} (future-style: a body that returns a Vert.x future), and the
 * library's own coroutine functions such as {@link Asyncio#sleep}.
 *
 * <p>Python: a coroutine object
 *
 * @param <T> the type of its result
 */
public abstract non-sealed class Coroutine<T> implements Awaitable<T> {
  private final String name;
  private boolean started;
  /** Wrapped in a task already (so {@code gather} can tell a repeated argument without a map). */
  boolean scheduled;

  Coroutine(String name) {
    this.name = name;
  }

  /** The name shown in reprs: the name given to {@code async}, or the kind of coroutine. */
  public String getName() {
    return name;
  }

  /** Whether the coroutine has been started (awaited or wrapped in a task that ran it). */
  public boolean started() {
    return started;
  }

  final void markStarted() {
    if (started) {
      throw new IllegalStateException("cannot reuse already awaited coroutine");
    }
    started = true;
  }

  /** A frame that runs this coroutine as the body of a task on {@code loop}. */
  abstract Frame<T> newFrame(VertxEventLoop loop);

  /** Runs this coroutine inside the coroutine of {@code task}, which awaits it, and returns its result. */
  abstract T awaitInline(Task<?> task);

  @Override
  public String toString() {
    return "<coroutine " + name + (started ? "" : " (not started)") + ">";
  }
}
