package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.TimerHandle;

/** A callback due at a loop time; queued in a {@link TimerQueue} bucket until it is due. */
public final class TimerCallback extends ReadyHandle.Callback implements TimerHandle {
  final double when;
  final long whenNanos;
  final VertxEventLoop loop;
  TimerQueue.Bucket bucket;

  TimerCallback(VertxEventLoop loop, double when, long whenNanos, Runnable callback) {
    super(callback);
    this.loop = loop;
    this.when = when;
    this.whenNanos = whenNanos;
  }

  @Override
  public double when() {
    return when;
  }

  @Override
  public void cancel() {
    if (!cancelled) {
      cancelled = true;
      loop.timerCancelled(this);
    }
  }

  @Override
  public String toString() {
    return "<TimerHandle " + (cancelled ? "cancelled " : "") + "when=" + when + " " + describe() + ">";
  }
}
