package org.vertxasyncio.asyncio.impl;

import io.vertx.core.Handler;
import io.vertx.core.impl.VertxImpl;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The loop's scheduled entries, asyncio's timer heap: an entry reaches the ready queue only at the start
 * of an iteration, after the callbacks already queued, together with every other entry due by then, in
 * deadline order (equal deadlines in scheduling order). An entry already due when it is scheduled
 * ({@code callLater(0)}, a {@code callAt} in the past) takes the same path.
 *
 * <p>Entries not yet due are grouped in buckets by the {@link #TICK_NANOS} slot they are due in, with one
 * Vert.x timer per bucket (Vert.x's {@code scheduleTimeout} on the loop's context, armed to the nanosecond
 * for the end of the slot) whose only job is to wake the loop up: a million sleeps created over one second
 * make a few thousand Vert.x timers, not a million. The iteration takes what is due from the buckets
 * itself, so an entry runs at most one slot after its time (plus Vert.x's own delay), and earlier when the
 * loop iterates anyway.
 *
 * <p>Invariants: used on the loop's thread only; {@code buckets} holds the buckets with entries not yet
 * taken, by slot; a bucket's entries before {@code head} have been taken; a bucket whose Vert.x timer has
 * not fired yet is {@code armed}, and every bucket with entries not due yet is armed once an iteration has
 * looked at it; a bucket whose live entries are all cancelled is dropped with its Vert.x timer;
 * {@code due} holds entries whose time has come, in the order they came due.
 */
final class TimerQueue {
  /** The width of a bucket: how much later than its time an entry may run, at most. */
  static final long TICK_NANOS = 250_000L;
  private static final Comparator<Timed> BY_WHEN = Comparator.comparingLong(Timed::whenNanos);

  private final ContextInternal context;
  private final VertxImpl vertx;
  private final VertxEventLoop loop;
  private final TreeMap<Long, Bucket> buckets = new TreeMap<>();
  /** The bucket used last: bursts of timers mostly land in the same slot. */
  private Bucket last;
  /** Entries whose time has come, waiting for the start of the next iteration. */
  private final ArrayList<Timed> due = new ArrayList<>();
  /** Whether {@code due} is in deadline order (it is unless an entry came due behind a later one). */
  private boolean dueSorted = true;

  TimerQueue(VertxEventLoop loop, ContextInternal context) {
    this.loop = loop;
    this.context = context;
    this.vertx = (VertxImpl) context.owner();
  }

  /** The entries due in one slot, and the Vert.x timer that wakes the loop for them. */
  final class Bucket implements Handler<Long> {
    final long tick;
    final ArrayList<Timed> entries = new ArrayList<>(4);
    int head;
    long timerId;
    boolean armed;
    int live;
    /** Whether {@code entries} from {@code head} on are in deadline order. */
    boolean sorted = true;
    boolean removed;

    Bucket(long tick) {
      this.tick = tick;
    }

    @Override
    public void handle(Long id) {
      armed = false;
      loop.timersDue();
    }

    /** An entry of this bucket was cancelled; bookkeeping only on the loop's thread. */
    void cancelled(Timed t) {
      if (loop.inLoop()) {
        TimerQueue.this.cancelled(t);
      }
    }
  }

  /** Schedules {@code t}: an entry already due waits for the next iteration, the others in their slot's bucket. */
  void add(Timed t) {
    long now = System.nanoTime();
    if (t.whenNanos() - now <= 0) {
      takeDue(now); // entries due earlier first, so that equal deadlines keep their scheduling order
      appendDue(t);
      loop.timersDue();
      return;
    }
    long tick = Math.ceilDiv(t.whenNanos(), TICK_NANOS);
    Bucket b = last;
    if (b == null || b.tick != tick || b.removed) {
      b = buckets.get(tick);
    }
    if (b == null) {
      b = new Bucket(tick);
      buckets.put(tick, b);
      arm(b, now);
    } else if (b.sorted && b.entries.get(b.entries.size() - 1).whenNanos() > t.whenNanos()) {
      b.sorted = false;
    }
    b.entries.add(t);
    b.live++;
    t.timerBucket(b);
    last = b;
  }

  private void arm(Bucket b, long now) {
    long delay = Math.max(1L, b.tick * TICK_NANOS - now);
    b.timerId = vertx.scheduleTimeout(context, false, delay, TimeUnit.NANOSECONDS, false, b);
    b.armed = true;
  }

  void cancelled(Timed t) {
    if (!(t.timerBucket() instanceof Bucket b)) {
      return;
    }
    t.timerBucket(null);
    if (--b.live == 0) {
      remove(b);
    }
  }

  private void remove(Bucket b) {
    if (!b.removed) {
      b.removed = true;
      buckets.remove(b.tick, b);
      if (b.armed) {
        b.armed = false;
        vertx.cancelTimer(b.timerId);
      }
    }
  }

  private void appendDue(Timed t) {
    int n = due.size();
    if (dueSorted && n > 0 && due.get(n - 1).whenNanos() > t.whenNanos()) {
      dueSorted = false;
    }
    due.add(t);
  }

  /** Moves the entries of the buckets whose time has come ({@code <= now}) to {@code due}, slot by slot. */
  private void takeDue(long now) {
    while (!buckets.isEmpty()) {
      Bucket b = buckets.get(buckets.firstKey()); // firstEntry() would make an entry object each time
      if ((b.tick - 1) * TICK_NANOS - now >= 0) {
        return; // the first slot has not begun: nothing is due
      }
      ArrayList<Timed> es = b.entries;
      int i = b.head;
      int n = es.size();
      if (!b.sorted) {
        es.subList(i, n).sort(BY_WHEN); // stable: equal deadlines stay in scheduling order
        b.sorted = true;
      }
      while (i < n) {
        Timed t = es.get(i);
        if (t.whenNanos() - now > 0) {
          break;
        }
        es.set(i++, null);
        if (t.timerBucket() == b) {
          t.timerBucket(null);
          b.live--;
        }
        if (!t.timerCancelled()) {
          appendDue(t);
        }
      }
      b.head = i;
      if (i < n && b.live > 0) {
        if (!b.armed) {
          arm(b, now); // its Vert.x timer fired early, or while the loop was stopped
        }
        return;
      }
      remove(b); // all taken, or the rest cancelled
      if (i < n) {
        return;
      }
    }
  }

  /**
   * At the start of an iteration: appends every entry due by now to {@code ready}, in deadline order
   * (equal deadlines in scheduling order), behind the callbacks already there.
   */
  void moveDue(ArrayDeque<Object> ready) {
    takeDue(System.nanoTime());
    int n = due.size();
    if (n == 0) {
      return;
    }
    if (!dueSorted) {
      due.sort(BY_WHEN);
      dueSorted = true;
    }
    for (int i = 0; i < n; i++) {
      Timed t = due.get(i);
      if (!t.timerCancelled()) {
        ready.add(t.dueEntry());
      }
    }
    due.clear();
    if (n > 4096) {
      due.trimToSize(); // a burst of due entries need not keep its array
    }
  }

  /** Whether entries have come due that no iteration has taken yet. */
  boolean hasDue() {
    return !due.isEmpty();
  }

  /** Entries not yet due and not cancelled. */
  int size() {
    int n = 0;
    for (Bucket b : buckets.values()) {
      n += b.live;
    }
    return n;
  }

  /** Entries due and not yet taken by an iteration. */
  int dueCount() {
    return due.size();
  }

  void clear() {
    last = null;
    for (Bucket b : buckets.values()) {
      b.removed = true;
      if (b.armed) {
        b.armed = false;
        vertx.cancelTimer(b.timerId);
      }
      for (int i = b.head; i < b.entries.size(); i++) {
        b.entries.get(i).timerBucket(null);
      }
    }
    buckets.clear();
    due.clear();
    dueSorted = true;
  }
}
