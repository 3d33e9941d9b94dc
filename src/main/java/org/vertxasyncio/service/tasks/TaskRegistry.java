package org.vertxasyncio.service.tasks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * All task records the service knows, by id (ids sort by creation time, so the map lists newest first
 * without a second index), with the counts the API and the metrics show, the pending-task budget
 * ({@code limits.pending.max}) and the retention of done tasks.
 *
 * <p>Thread-safe: records are added on their loop's thread and read from HTTP handlers.
 */
public final class TaskRegistry {
  /** The pending and done counts of one loop. */
  public record Counts(AtomicInteger pending, AtomicInteger done) {
  }

  private final ConcurrentSkipListMap<String, TaskRecord> records = new ConcurrentSkipListMap<>();
  private final ConcurrentLinkedQueue<TaskRecord> doneOrder = new ConcurrentLinkedQueue<>();
  private final Map<String, Counts> perLoop = new ConcurrentHashMap<>();
  private final AtomicInteger budgetUsed = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger finished = new AtomicInteger();
  private final AtomicInteger cancelled = new AtomicInteger();
  private final int maxPending;
  private final Duration retention;
  private final int maxRetained;

  public TaskRegistry(int maxPending, double retentionSeconds, int maxRetained) {
    this.maxPending = maxPending;
    this.retention = Duration.ofMillis((long) (retentionSeconds * 1000));
    this.maxRetained = maxRetained;
  }

  /** Takes {@code n} places of the pending-task budget, or none if that would exceed it. */
  public boolean reserve(int n) {
    while (true) {
      int used = budgetUsed.get();
      if (used + n > maxPending) {
        return false;
      }
      if (budgetUsed.compareAndSet(used, used + n)) {
        return true;
      }
    }
  }

  /** Gives back {@code n} places that were reserved and not used. */
  public void release(int n) {
    budgetUsed.addAndGet(-n);
  }

  /** Takes {@code n} places even beyond the limit: the pending tasks recovered at start-up were all accepted. */
  void reserveRecovered(int n) {
    budgetUsed.addAndGet(n);
  }

  /** A record that was done before a restart; add them in the order they were done (retention goes by it). */
  void restoreDone(TaskRecord r) {
    records.put(r.id(), r);
    (r.view().state() == TaskState.CANCELLED ? cancelled : finished).incrementAndGet();
    counts(r.loopName()).done().incrementAndGet();
    doneOrder.add(r);
  }

  public int maxPending() {
    return maxPending;
  }

  /** Places of the pending-task budget not taken. */
  public int free() {
    return Math.max(0, maxPending - budgetUsed.get());
  }

  void add(TaskRecord r) {
    records.put(r.id(), r);
    pending.incrementAndGet();
    counts(r.loopName()).pending().incrementAndGet();
  }

  /** The record's done callback fired: its place in the budget is free, and retention starts. */
  void markDone(TaskRecord r) {
    budgetUsed.decrementAndGet();
    pending.decrementAndGet();
    (r.view().state() == TaskState.CANCELLED ? cancelled : finished).incrementAndGet();
    Counts c = counts(r.loopName());
    c.pending().decrementAndGet();
    c.done().incrementAndGet();
    doneOrder.add(r);
  }

  /** Forgets a pending task whose lease the node lost (a peer runs it now): its place in the budget is free. */
  boolean drop(TaskRecord r) {
    if (!records.remove(r.id(), r)) {
      return false;
    }
    if (r.view().done()) {
      (r.view().state() == TaskState.CANCELLED ? cancelled : finished).decrementAndGet();
      counts(r.loopName()).done().decrementAndGet();
    } else {
      budgetUsed.decrementAndGet();
      pending.decrementAndGet();
      counts(r.loopName()).pending().decrementAndGet();
    }
    return true;
  }

  public TaskRecord get(String id) {
    return records.get(id);
  }

  /** Forgets a done task; false if there is no such record. */
  public boolean remove(TaskRecord r) {
    if (!records.remove(r.id(), r)) {
      return false;
    }
    if (r.view().done()) {
      (r.view().state() == TaskState.CANCELLED ? cancelled : finished).decrementAndGet();
      counts(r.loopName()).done().decrementAndGet();
    }
    return true;
  }

  /**
   * Forgets done tasks older than the retention period, and the oldest ones beyond the retained maximum.
   *
   * @return the records forgotten
   */
  public List<TaskRecord> sweep(Instant now) {
    return sweep(now, Integer.MAX_VALUE);
  }

  /**
   * {@link #sweep(Instant)}, oldest first, stopping after {@code max} records forgotten.
   *
   * @return the records forgotten ({@code max} of them when more may be due)
   */
  public List<TaskRecord> sweep(Instant now, int max) {
    List<TaskRecord> out = new ArrayList<>();
    Instant cutoff = now.minus(retention);
    while (out.size() < max) {
      TaskRecord head = doneOrder.peek();
      if (head == null) {
        break;
      }
      boolean present = records.get(head.id()) == head;
      boolean expired = !head.view().doneAt().isAfter(cutoff);
      boolean tooMany = finished.get() + cancelled.get() > maxRetained;
      if (present && !expired && !tooMany) {
        break;
      }
      doneOrder.poll();
      if (present && remove(head)) {
        out.add(head);
      }
    }
    return out;
  }

  /** One page of a listing, newest first, and the cursor of the next page (null at the end). */
  public record Page(List<TaskView> tasks, String nextCursor) {
  }

  /** Lists tasks newest first, those matching {@code filter}, after {@code cursor} (an id), {@code limit} at most. */
  public Page list(Predicate<TaskView> filter, int limit, String cursor) {
    NavigableMap<String, TaskRecord> m = records.descendingMap();
    if (cursor != null) {
      m = m.tailMap(cursor, false);
    }
    List<TaskView> out = new ArrayList<>(Math.min(limit, 64));
    String last = null;
    for (TaskRecord r : m.values()) {
      TaskView v = r.view();
      if (v == null || !filter.test(v)) {
        continue;
      }
      if (out.size() == limit) {
        return new Page(out, last);
      }
      out.add(v);
      last = v.id();
    }
    return new Page(out, null);
  }

  public Counts counts(String loop) {
    return perLoop.computeIfAbsent(loop, k -> new Counts(new AtomicInteger(), new AtomicInteger()));
  }

  /** Tasks whose record is not done yet. */
  public int pendingCount() {
    return pending.get();
  }

  public int finishedCount() {
    return finished.get();
  }

  public int cancelledCount() {
    return cancelled.get();
  }

  /** Every record, oldest first (a weakly consistent view). */
  public Iterable<TaskRecord> all() {
    return records.values();
  }
}
