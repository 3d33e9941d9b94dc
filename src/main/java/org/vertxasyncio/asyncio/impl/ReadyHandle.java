package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.Handle;

/**
 * An entry of a loop's ready queue: something to run once, on the loop, when its turn comes.
 *
 * <p>Invariant: {@link #run()} is called only by the loop that queued it, on its thread, while it runs,
 * and never after {@link #cancel()}.
 */
public abstract class ReadyHandle implements Handle {
  volatile boolean cancelled;

  /** Runs the callback. Exceptions go to the loop's exception handler. */
  public abstract void run();

  /** A short description of the callback, for reprs and log lines. */
  protected abstract String describe();

  @Override
  public void cancel() {
    cancelled = true;
  }

  @Override
  public boolean cancelled() {
    return cancelled;
  }

  @Override
  public String toString() {
    return "<Handle " + (cancelled ? "cancelled " : "") + describe() + ">";
  }

  /** A handle around a plain {@link Runnable}. */
  public static class Callback extends ReadyHandle {
    final Runnable callback;

    public Callback(Runnable callback) {
      this.callback = callback;
    }

    @Override
    public void run() {
      callback.run();
    }

    @Override
    protected String describe() {
      return Describe.callback(callback);
    }
  }
}
