package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.TimerHandle;

/**
 * A callback due at a loop time; queued in a {@link TimerQueue} bucket until it is due. Subclasses may
 * override {@link #run()} instead of passing a callback (the library's sleep does, to save an object per
 * sleep).
 */
public class TimerCallback extends ReadyHandle implements TimerHandle {
  final long whenNanos;
  private final Runnable callback;
  TimerQueue.Bucket bucket;

  /** A timer due at {@code whenNanos} on the {@link System#nanoTime()} scale. */
  protected TimerCallback(long whenNanos, Runnable callback) {
    this.whenNanos = whenNanos;
    this.callback = callback;
  }

  @Override
  public void run() {
    callback.run();
  }

  @Override
  public double when() {
    return whenNanos / 1e9;
  }

  @Override
  public void cancel() {
    if (!cancelled) {
      cancelled = true;
      TimerQueue.Bucket b = bucket;
      if (b != null) {
        b.cancelled(this);
      }
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
