package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.ContextVars;
import org.vertxasyncio.asyncio.TimerHandle;

/** A callback due at a loop time ({@link org.vertxasyncio.asyncio.EventLoop#callLater}, {@code callAt}). */
public final class TimerCallback extends ReadyHandle implements TimerHandle, Timed {
  private final long whenNanos;
  private final Runnable callback;
  private final ContextVars context;
  private Object bucket;

  /** A timer due at {@code whenNanos} on the {@link System#nanoTime()} scale, run in {@code context}. */
  TimerCallback(long whenNanos, Runnable callback, ContextVars context) {
    this.whenNanos = whenNanos;
    this.callback = callback;
    this.context = context;
  }

  @Override
  public void run() {
    context.run(callback);
  }

  @Override
  public double when() {
    return whenNanos / 1e9;
  }

  @Override
  public long whenNanos() {
    return whenNanos;
  }

  @Override
  public boolean timerCancelled() {
    return cancelled;
  }

  @Override
  public Object dueEntry() {
    return this;
  }

  @Override
  public Object timerBucket() {
    return bucket;
  }

  @Override
  public void timerBucket(Object b) {
    bucket = b;
  }

  @Override
  public void cancel() {
    if (!cancelled) {
      cancelled = true;
      Timed.cancelled(this);
    }
  }

  @Override
  protected String describe() {
    return Describe.callback(callback);
  }

  @Override
  public String toString() {
    return "<TimerHandle " + (cancelled ? "cancelled " : "") + "when=" + when() + " " + describe() + ">";
  }
}
