package org.vertxasyncio.asyncio.impl;

import io.vertx.core.Handler;
import io.vertx.core.impl.VertxImpl;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;

/**
 * The loop's scheduled entries: grouped in buckets by the {@link #TICK_NANOS} slot they are due in, one
 * Vert.x timer (Vert.x's {@code scheduleTimeout} on the loop's context, armed to the nanosecond for the
 * end of the slot) per bucket. A million sleeps created over one second make a few thousand Vert.x
 * timers, not a million, and an entry runs at most one slot after its time (plus Vert.x's own delay).
 *
 * <p>Invariants: used on the loop's thread only; a bucket's Vert.x timer fires no earlier than the end of
 * its slot, so no entry runs before its time; a bucket whose entries are all cancelled has its Vert.x
 * timer cancelled; within a bucket entries become ready in time order, and in scheduling order for equal
 * times.
 */
final class TimerQueue {
  /** The width of a bucket: how much later than its time an entry may run, at most. */
  static final long TICK_NANOS = 250_000L;
  private static final Comparator<Timed> BY_WHEN = Comparator.comparingLong(Timed::whenNanos);

  private final ContextInternal context;
  private final VertxImpl vertx;
  private final VertxEventLoop loop;
  private final HashMap<Long, Bucket> buckets = new HashMap<>();
  /** The bucket used last: bursts of timers mostly land in the same slot. */
  private Bucket last;

  TimerQueue(VertxEventLoop loop, ContextInternal context) {
    this.loop = loop;
    this.context = context;
    this.vertx = (VertxImpl) context.owner();
  }

  /** The entries due in one slot, and the Vert.x timer that fires for them. */
  final class Bucket implements Handler<Long> {
    final long tick;
    final ArrayList<Timed> entries = new ArrayList<>(4);
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

    /** An entry of this bucket was cancelled; bookkeeping only on the loop's thread. */
    void cancelled(Timed t) {
      if (loop.inLoop()) {
        TimerQueue.this.cancelled(t);
      }
    }
  }

  void add(Timed t) {
    long tick = Math.ceilDiv(t.whenNanos(), TICK_NANOS);
    Bucket b = last;
    if (b == null || b.tick != tick || b.fired) {
      b = buckets.get(tick);
    }
    if (b == null) {
      b = new Bucket(tick);
      buckets.put(tick, b);
      long delay = Math.max(1L, tick * TICK_NANOS - System.nanoTime());
      b.timerId = vertx.scheduleTimeout(context, false, delay, TimeUnit.NANOSECONDS, false, b);
    } else if (b.sorted && !b.entries.isEmpty() && b.entries.get(b.entries.size() - 1).whenNanos() > t.whenNanos()) {
      b.sorted = false;
    }
    b.entries.add(t);
    b.live++;
    t.timerBucket(b);
    last = b;
  }

  void cancelled(Timed t) {
    if (!(t.timerBucket() instanceof Bucket b)) {
      return;
    }
    t.timerBucket(null);
    if (--b.live == 0 && buckets.remove(b.tick, b)) {
      b.fired = true;
      vertx.cancelTimer(b.timerId);
    }
  }

  private void fire(Bucket b) {
    if (!buckets.remove(b.tick, b)) {
      return;
    }
    b.fired = true;
    ArrayList<Timed> es = b.entries;
    if (!b.sorted) {
      es.sort(BY_WHEN);
    }
    for (int i = 0, n = es.size(); i < n; i++) {
      Timed t = es.get(i);
      if (!t.timerCancelled()) {
        t.timerBucket(null);
        loop.timerDue(t.dueHandle());
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
      vertx.cancelTimer(b.timerId);
      for (Timed t : b.entries) {
        t.timerBucket(null);
      }
    }
    buckets.clear();
  }
}
