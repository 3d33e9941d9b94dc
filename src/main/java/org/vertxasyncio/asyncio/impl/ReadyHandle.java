package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.ContextVars;
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

  /**
   * A handle around a plain {@link Runnable}, run in {@code context} ({@code callSoon}'s, as asyncio's
   * {@code Handle} runs its callback with {@code context.run}), or in whatever context is current (the
   * library's own callbacks, which read no context variables).
   */
  public static class Callback extends ReadyHandle {
    final Runnable callback;
    final ContextVars context;

    /** A library callback: it runs in the loop thread's current context. */
    public Callback(Runnable callback) {
      this(callback, null);
    }

    public Callback(Runnable callback, ContextVars context) {
      this.callback = callback;
      this.context = context;
    }

    @Override
    public void run() {
      if (context == null) {
        callback.run();
      } else {
        context.run(callback);
      }
    }

    @Override
    protected String describe() {
      return Describe.callback(callback);
    }
  }
}
