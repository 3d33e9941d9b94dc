package org.vertxasyncio.service.tasks;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Names for tasks submitted without one: asyncio's {@code Task-N}, with N counting up across restarts, so
 * a name is never given twice by the tasks of one store ({@code GET /tasks?name=Task-2} finds one task).
 * The numbers come from the store in blocks of {@link #BLOCK}, reserved ahead ({@code TaskStore#reserveNames}),
 * as the SSE event ids are: a restart goes on after the last block reserved, so it may skip numbers, and
 * numbers taken by a request that then fails are not used again.
 *
 * <p>Invariants: {@code ranges} holds the numbers reserved and not handed out, in increasing order;
 * waiters are served in the order they asked, each with consecutive numbers of the ranges; at most one
 * reservation is under way. The next block is asked for once fewer than half a block is left, so a
 * submission waits for the store only when names run out faster than a reservation commits.
 *
 * <p>Threads: any (the loops ask from their own); state is guarded by this object's monitor, and no
 * future is completed while holding it.
 */
public final class TaskNames {
  /** Numbers reserved at a time. */
  public static final int BLOCK = 1000;

  private final IntFunction<Future<Long>> reserver;
  /** Reserved numbers not handed out: {from, to} both included, increasing. */
  private final ArrayDeque<long[]> ranges = new ArrayDeque<>();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private long available;
  private boolean reserving;

  private record Waiter(int count, Promise<List<String>> promise) {
  }

  /** @param reserver reserves a block of {@code n} numbers and gives the first; failed when it could not */
  public TaskNames(IntFunction<Future<Long>> reserver) {
    this.reserver = reserver;
  }

  /**
   * {@code n} new names, in increasing order.
   *
   * @return at once when reserved numbers are at hand, else when the store has reserved more; failed
   *     (with the store's error) if that reservation failed: the next call asks again
   */
  public Future<List<String>> take(int n) {
    if (n == 0) {
      return Future.succeededFuture(List.of());
    }
    List<String> names;
    int reserve;
    Promise<List<String>> later = null;
    synchronized (this) {
      if (waiters.isEmpty() && available >= n) {
        names = handOut(n);
      } else {
        names = null;
        later = Promise.promise();
        waiters.add(new Waiter(n, later));
      }
      reserve = nextReservation();
    }
    if (reserve > 0) {
      reserve(reserve);
    }
    return names != null ? Future.succeededFuture(names) : later.future();
  }

  /** The size of the block to reserve now (0: none), marking a reservation under way; holding the monitor. */
  private int nextReservation() {
    if (reserving) {
      return 0;
    }
    long wanted = BLOCK / 2;
    for (Waiter w : waiters) {
      wanted += w.count();
    }
    if (available >= wanted) {
      return 0;
    }
    reserving = true;
    return (int) Math.max(BLOCK, wanted - available);
  }

  private void reserve(int block) {
    reserver.apply(block).onComplete(ar -> {
      List<Runnable> completions = new ArrayList<>();
      int again;
      synchronized (this) {
        reserving = false;
        if (ar.succeeded()) {
          long first = ar.result();
          ranges.add(new long[] {first, first + block - 1});
          available += block;
          while (!waiters.isEmpty() && available >= waiters.peek().count()) {
            Waiter w = waiters.poll();
            List<String> names = handOut(w.count());
            completions.add(() -> w.promise().complete(names));
          }
          again = nextReservation();
        } else {
          for (Waiter w : waiters) {
            completions.add(() -> w.promise().fail(ar.cause()));
          }
          waiters.clear();
          again = 0;
        }
      }
      completions.forEach(Runnable::run);
      if (again > 0) {
        reserve(again);
      }
    });
  }

  /** The next {@code n} numbers as names; holding the monitor, with {@code available >= n}. */
  private List<String> handOut(int n) {
    List<String> names = new ArrayList<>(n);
    while (names.size() < n) {
      long[] r = ranges.peek();
      names.add("Task-" + r[0]);
      if (r[0] == r[1]) {
        ranges.poll();
      } else {
        r[0]++;
      }
    }
    available -= n;
    return names;
  }

  @Override
  public synchronized String toString() {
    return "<TaskNames available=" + available + (ranges.isEmpty() ? "" : " next=Task-" + ranges.peek()[0])
        + (reserving ? " reserving" : "") + (waiters.isEmpty() ? "" : " waiters=" + waiters.size()) + ">";
  }
}
