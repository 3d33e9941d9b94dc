package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.AsyncFuture;

/** The state every {@link Frame} keeps, for frames that need no other superclass. */
public abstract class AbstractFrame<T> implements Frame<T> {
  protected AsyncFuture<?> waiter;
  protected boolean done;
  protected T result;
  protected Throwable error;

  @Override
  public final boolean isDone() {
    return done;
  }

  @Override
  public final T result() {
    return result;
  }

  @Override
  public final Throwable error() {
    return error;
  }

  @Override
  public final AsyncFuture<?> waiter() {
    return waiter;
  }
}
