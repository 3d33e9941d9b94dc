package org.vertxasyncio.asyncio.impl;

import io.vertx.core.Handler;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;

/**
 * The loop's scheduled callbacks: grouped in buckets by the millisecond they are due in, one Vert.x
 * timer ({@link ContextInternal#setTimer}, pinned to the loop's context) per bucket. A million sleeps
 * created over one second make about a thousand Vert.x timers, not a million.
 *
 * <p>Invariants: used on the loop's thread only; a bucket's Vert.x timer fires no earlier than the
 * bucket's millisecond, so no callback runs before its {@code when}; a bucket whose callbacks are all
 * cancelled has its Vert.x timer cancelled; within a bucket callbacks become ready in {@code when}
 * order, and in scheduling order for equal {@code when}.
 */
final class TimerQueue {
  private static final Comparator<TimerCallback> BY_WHEN = Comparator.comparingLong(h -> h.whenNanos);

  private final ContextInternal context;
  private final VertxEventLoop loop;
  private final HashMap<Long, Bucket> buckets = new HashMap<>();
  /** The bucket used last: bursts of timers mostly land in the same millisecond. */
  private Bucket last;

  TimerQueue(VertxEventLoop loop, ContextInternal context) {
    this.loop = loop;
    this.context = context;
  }

  final class Bucket implements Handler<Long> {
    final long tick;
    final ArrayList<TimerCallback> handles = new ArrayList<>(4);
    long timerId;
    int live;
    boolean sorted = true;
    boolean fired;

    Bucket(long tick) {
      this.tick = tick;
    }

    @Override
    public void handle(Long id) {
      fire(this);
    }

    /** A callback of this bucket was cancelled; bookkeeping only on the loop's thread. */
    void cancelled(TimerCallback h) {
      if (loop.inLoop()) {
        TimerQueue.this.cancelled(h);
      }
    }
  }

  void add(TimerCallback h) {
    long tick = Math.ceilDiv(h.whenNanos, 1_000_000L);
    Bucket b = last;
    if (b == null || b.tick != tick || b.fired) {
      b = buckets.get(tick);
    }
    if (b == null) {
      b = new Bucket(tick);
      buckets.put(tick, b);
      long delayMs = Math.max(1L, Math.ceilDiv(tick * 1_000_000L - System.nanoTime(), 1_000_000L));
      b.timerId = context.setTimer(delayMs, b);
    } else if (b.sorted && !b.handles.isEmpty() && b.handles.get(b.handles.size() - 1).whenNanos > h.whenNanos) {
      b.sorted = false;
    }
    b.handles.add(h);
    b.live++;
    h.bucket = b;
    last = b;
  }

  void cancelled(TimerCallback h) {
    Bucket b = h.bucket;
    if (b == null) {
      return;
    }
    h.bucket = null;
    if (--b.live == 0 && buckets.remove(b.tick, b)) {
      b.fired = true;
      context.owner().cancelTimer(b.timerId);
    }
  }

  private void fire(Bucket b) {
    if (!buckets.remove(b.tick, b)) {
      return;
    }
    b.fired = true;
    ArrayList<TimerCallback> hs = b.handles;
    if (!b.sorted) {
      hs.sort(BY_WHEN);
    }
    for (int i = 0, n = hs.size(); i < n; i++) {
      TimerCallback h = hs.get(i);
      if (!h.cancelled) {
        h.bucket = null;
        loop.timerDue(h);
      }
    }
  }

  int size() {
    int n = 0;
    for (Bucket b : buckets.values()) {
      n += b.live;
    }
    return n;
  }

  void clear() {
    last = null;
    for (Bucket b : buckets.values()) {
      b.fired = true;
      context.owner().cancelTimer(b.timerId);
      for (TimerCallback h : b.handles) {
        h.bucket = null;
      }
    }
    buckets.clear();
  }
}
