package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.createTask;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Ported from CPython's test_locks.BarrierTests. */
class BarrierTest extends LoopTestBase {
  private static final int N = 5;

  private static <T> List<Task<T>> makeTasks(int n, Supplier<Coroutine<T>> coro) {
    List<Task<T>> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(createTask(coro.get()));
    }
    return tasks;
  }

  /** Runs {@code n} tasks of {@code coro} and gathers their results. */
  private static <T> List<T> gatherTasks(int n, Supplier<Coroutine<T>> coro) {
    return await(gather(makeTasks(n, coro)));
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  @Test
  void partiesMustBePositive() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Barrier(0));
    assertEquals("parties must be > 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Barrier(-4));
    assertEquals(N, new Barrier(N).parties());
  }

  @Test
  void reprShowsStateAndWaiters() {
    Barrier barrier = new Barrier(N);
    assertEquals("<Barrier [filling, waiters:0/5]>", barrier.toString());
    loop.runUntilComplete(async(() -> {
      List<Task<Integer>> waiters = new ArrayList<>();
      int incr = 2;
      for (int i = 0; i < incr; i++) {
        waiters.add(createTask(barrier.await()));
      }
      await(sleep(0));
      assertEquals("<Barrier [filling, waiters:2/5]>", barrier.toString());

      // the missing waiters
      for (int i = barrier.parties() - barrier.nWaiting(); i > 0; i--) {
        waiters.add(createTask(barrier.await()));
      }
      await(sleep(0));
      assertEquals("<Barrier [draining, waiters:0/5]>", barrier.toString());

      // a part of the waiters again, and reset
      for (int i = 0; i < incr; i++) {
        waiters.add(createTask(barrier.await()));
      }
      await(sleep(0));
      await(barrier.reset());
      assertEquals("<Barrier [resetting, waiters:0/5]>", barrier.toString());

      // a part of the waiters again, and abort
      for (int i = 0; i < incr; i++) {
        waiters.add(createTask(barrier.await()));
      }
      await(sleep(0));
      await(barrier.abort());
      assertEquals("<Barrier [broken]>", barrier.toString());
      assertTrue(barrier.broken());

      await(gather(waiters, true));
    }));
  }

  @Test
  void allPartiesPassTogetherWithDistinctIndexes() {
    Barrier barrier = new Barrier(3);
    List<Integer> results = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      gatherTasks(3, () -> async(() -> {
        results.add(await(barrier.await()));
      }));
    }));
    Collections.sort(results);
    assertEquals(range(3), results);
    assertEquals(0, barrier.nWaiting());
    assertFalse(barrier.broken());
  }

  @Test
  void barrierOfOnePassesAtOnce() {
    Barrier barrier = new Barrier(1);
    int i = loop.runUntilComplete(barrier.await());
    assertEquals(0, i);
    assertEquals(0, barrier.nWaiting());
    assertFalse(barrier.broken());
  }

  @Test
  void barrierOfOneCanBeUsedTwice() {
    Barrier barrier = new Barrier(1);
    loop.runUntilComplete(async(() -> {
      Task<Integer> t1 = createTask(barrier.await());
      await(sleep(0));
      assertEquals(0, barrier.nWaiting());
      Task<Integer> t2 = createTask(barrier.await());
      await(sleep(0));
      assertEquals(t1.result(), t2.result());
      assertEquals(t1.done(), t2.done());
      assertEquals(0, barrier.nWaiting());
      assertFalse(barrier.broken());
    }));
  }

  @Test
  void nWaitingCountsTheArrivals() {
    Barrier barrier = new Barrier(3);
    loop.runUntilComplete(async(() -> {
      Task<Integer> t1 = createTask(barrier.await());
      await(sleep(0));
      assertEquals(1, barrier.nWaiting());
      assertTrue(barrier.toString().contains("filling"));

      Task<Integer> t2 = createTask(barrier.await());
      await(sleep(0));
      assertEquals(2, barrier.nWaiting());
      assertTrue(barrier.toString().contains("filling"));

      Task<Integer> t3 = createTask(barrier.await());
      await(sleep(0));
      await(Asyncio.wait(List.of(t1, t2, t3)));
      assertEquals(List.of(0, 1, 2), List.of(t1.result(), t2.result(), t3.result()));
      assertEquals(0, barrier.nWaiting());
      assertFalse(barrier.broken());
    }));
  }

  @Test
  void barrierIsReusableByTheSameTasks() {
    Barrier barrier = new Barrier(N);
    List<Boolean> results = new ArrayList<>();
    List<Integer> indexes = loop.runUntilComplete(async(() -> gatherTasks(N, () -> async(() -> {
      await(barrier.await());
      results.add(true);
      int i = await(barrier.await());
      results.add(false);
      return i;
    }))));
    assertEquals(2 * N, results.size());
    assertEquals(N, Collections.frequency(results, true));
    assertEquals(N, Collections.frequency(results, false));
    List<Integer> sorted = new ArrayList<>(indexes);
    Collections.sort(sorted);
    assertEquals(range(N), sorted);
    assertEquals(0, barrier.nWaiting());
    assertFalse(barrier.broken());
  }

  @Test
  void barrierDrainsUntilTheLastPartyLeaves() {
    Barrier barrier = new Barrier(N);
    List<Boolean> results = new ArrayList<>();
    loop.runUntilComplete(async(() -> gatherTasks(N, () -> async(() -> {
      await(barrier.await());
      // the state turns back to filling when the last task leaves
      results.add(barrier.toString().contains("draining"));
    }))));
    assertEquals(N, results.size());
    assertFalse(results.get(N - 1));
    assertTrue(results.subList(0, N - 1).stream().allMatch(b -> b));
    assertEquals(0, barrier.nWaiting());
    assertFalse(barrier.broken());
  }

  @Test
  void newcomersWaitWhileTheBarrierDrains() {
    int rewait = 2;
    Barrier barrier = new Barrier(N);
    Barrier barrierNoWaiting = new Barrier(N - rewait);
    int[] rewaitN = {rewait};
    // a success means that barrierNoWaiting was waited for exactly N - rewait times
    loop.runUntilComplete(async(() -> gatherTasks(N, () -> async(() -> {
      await(barrier.await());
      if (rewaitN[0] > 0) {
        rewaitN[0]--;
        await(barrier.await()); // wait again, only for the rewait tasks
      } else {
        await(barrierNoWaiting.await()); // wait for the end of the draining
        await(barrier.await()); // then for the other waiting tasks
      }
    }))));
    assertEquals(0, barrier.nWaiting());
  }

  @Test
  void cancelledWaiterLeavesTheBarrier() {
    Barrier barrier = new Barrier(3);
    List<Boolean> results = new ArrayList<>();
    Supplier<Coroutine<Void>> coro = () -> async(() -> {
      await(barrier.await());
      results.add(true);
    });
    loop.runUntilComplete(async(() -> {
      Task<Void> t1 = createTask(coro.get());
      await(sleep(0));
      assertEquals(1, barrier.nWaiting());

      Task<Void> t2 = createTask(coro.get());
      await(sleep(0));
      assertEquals(2, barrier.nWaiting());

      t1.cancel();
      await(sleep(0));
      assertEquals(1, barrier.nWaiting());
      assertThrows(CancelledError.class, () -> await(t1));
      assertTrue(t1.cancelled());

      Task<Void> t3 = createTask(coro.get());
      await(sleep(0));
      assertEquals(2, barrier.nWaiting());

      Task<Void> t4 = createTask(coro.get());
      await(gather(t2, t3, t4));
    }));
    assertEquals(List.of(true, true, true), results);
    assertEquals(0, barrier.nWaiting());
    assertFalse(barrier.broken());
  }

  @Test
  void resetOfAnEmptyBarrierLeavesItFilling() {
    Barrier barrier = new Barrier(1);
    loop.runUntilComplete(async(() -> {
      createTask(barrier.reset());
      await(sleep(0));
      assertEquals(0, barrier.nWaiting());
      assertFalse(barrier.broken());
      assertEquals("<Barrier [filling, waiters:0/1]>", barrier.toString());
    }));
  }

  @Test
  void resetBreaksTheWaitersOut() {
    Barrier barrier = new Barrier(N);
    List<String> results = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      List<Task<Void>> tasks = makeTasks(N - 1, () -> async(() -> {
        try {
          await(barrier.await());
        } catch (BrokenBarrierError e) {
          results.add(e.getMessage());
        }
      }));
      await(sleep(0));
      createTask(barrier.reset());
      await(gather(tasks));
    }));
    assertEquals(Collections.nCopies(N - 1, "Abort or reset of barrier"), results);
    assertEquals(0, barrier.nWaiting());
    assertFalse(barrier.toString().contains("resetting"));
    assertFalse(barrier.broken());
  }

  @Test
  void resetWhileHalfTheTasksDrainBreaksTheOthers() {
    Barrier barrier = new Barrier(N);
    List<Boolean> results1 = new ArrayList<>();
    int restOfTasks = N / 2;
    int[] count = {0};
    loop.runUntilComplete(async(() -> gatherTasks(N, () -> async(() -> {
      try {
        await(barrier.await());
      } catch (BrokenBarrierError e) {
        results1.add(true); // the tasks still waiting
        return;
      }
      count[0]++;
      // a drained task, outside the barrier; CPython tests barrier._count == restOfTasks, which is
      // the same moment: each task leaves the barrier and gets here in one step
      if (count[0] == N - restOfTasks) {
        await(barrier.reset());
      }
    }))));
    assertEquals(Collections.nCopies(restOfTasks, true), results1);
    assertEquals(0, barrier.nWaiting());
    assertFalse(barrier.toString().contains("resetting"));
    assertFalse(barrier.broken());
  }

  @Test
  void resetWhileHalfDrainingAndHalfBlockingBreaksOnlyTheWaiters() {
    Barrier barrier = new Barrier(N);
    List<Boolean> results1 = new ArrayList<>();
    List<Boolean> results2 = new ArrayList<>();
    int blockingTasks = N / 2;
    int[] count = {0};
    loop.runUntilComplete(async(() -> gatherTasks(N, () -> async(() -> {
      try {
        await(barrier.await());
      } catch (BrokenBarrierError e) {
        results1.add(true); // the tasks still waiting
        await(barrier.await()); // so now waiting again to reach the parties
        return;
      }
      count[0]++;
      if (count[0] > blockingTasks) {
        await(barrier.reset()); // BrokenBarrierError for the waiting tasks
        await(barrier.await()); // so now waiting again to reach the parties
      } else {
        try {
          await(barrier.await());
        } catch (BrokenBarrierError e) {
          results2.add(true); // never: blocked tasks go on waiting
        }
      }
    }))));
    assertEquals(Collections.nCopies(blockingTasks, true), results1);
    assertEquals(List.of(), results2);
    assertEquals(0, barrier.nWaiting());
    assertFalse(barrier.toString().contains("resetting"));
    assertFalse(barrier.broken());
  }

  @Test
  void waitersBrokenByResetCanMeetAgain() {
    Barrier barrier = new Barrier(N);
    List<Boolean> results1 = new ArrayList<>();
    List<Boolean> results2 = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      List<Task<Void>> tasks = makeTasks(N - 1, () -> async(() -> {
        try {
          await(barrier.await());
        } catch (BrokenBarrierError e) {
          results1.add(true);
        } finally {
          await(barrier.await());
          results2.add(true);
        }
      }));
      // reset: the N-1 waiting tasks get BrokenBarrierError
      createTask(barrier.reset());
      await(sleep(0));
      // complete the waiting tasks in their finally
      createTask(async(() -> {
        await(barrier.await());
        results2.add(true);
      }));
      await(gather(tasks));
    }));
    assertFalse(barrier.broken());
    assertEquals(Collections.nCopies(N - 1, true), results1);
    assertEquals(Collections.nCopies(N, true), results2);
    assertEquals(0, barrier.nWaiting());
  }

  @Test
  void resetWhileTasksDrainLetsThemMeetAgain() {
    Barrier barrier = new Barrier(N);
    List<Boolean> results1 = new ArrayList<>();
    List<Boolean> results2 = new ArrayList<>();
    List<Boolean> results3 = new ArrayList<>();
    int[] count = {0};
    loop.runUntilComplete(async(() -> gatherTasks(N, () -> async(() -> {
      await(barrier.await());
      count[0]++;
      if (count[0] == N) {
        await(barrier.reset()); // the last task out of the barrier
        await(barrier.await()); // waits here to reach the parties
      } else {
        try {
          await(barrier.await()); // second wait
          results1.add(true); // N-1 tasks here
        } catch (Exception e) {
          results2.add(true); // never here
        }
      }
      // pass the barrier once more: the last wait must complete
      await(barrier.await());
      results3.add(true);
    }))));
    assertFalse(barrier.broken());
    assertEquals(Collections.nCopies(N - 1, true), results1);
    assertEquals(List.of(), results2);
    assertEquals(Collections.nCopies(N, true), results3);
    assertEquals(0, barrier.nWaiting());
  }

  @Test
  void abortBreaksTheBarrier() {
    Barrier barrier = new Barrier(1);
    loop.runUntilComplete(async(() -> {
      createTask(barrier.abort());
      await(sleep(0));
      assertEquals(0, barrier.nWaiting());
      assertTrue(barrier.broken());
      BrokenBarrierError e = assertThrows(BrokenBarrierError.class, () -> await(barrier.await()));
      assertEquals("Barrier aborted", e.getMessage());
    }));
  }

  @Test
  void brokenBarrierErrorIsARuntimeErrorLikeException() {
    assertTrue(IllegalStateException.class.isAssignableFrom(BrokenBarrierError.class));
  }

  @Test
  void abortWhileHalfDrainingAndHalfBlockingBreaksEveryone() {
    Barrier barrier = new Barrier(N);
    List<Boolean> results1 = new ArrayList<>();
    List<Boolean> results2 = new ArrayList<>();
    int blockingTasks = N / 2;
    int[] count = {0};
    loop.runUntilComplete(async(() -> gatherTasks(N, () -> async(() -> {
      try {
        await(barrier.await());
      } catch (BrokenBarrierError e) {
        results1.add(true); // the tasks waiting to drain
        return;
      }
      count[0]++;
      if (count[0] > blockingTasks) {
        await(barrier.abort()); // BrokenBarrierError for all the tasks
      } else {
        try {
          await(barrier.await());
        } catch (BrokenBarrierError e) {
          results2.add(true); // the blocked tasks, already drained
        }
      }
    }))));
    assertTrue(barrier.broken());
    assertEquals(Collections.nCopies(blockingTasks, true), results1);
    assertEquals(Collections.nCopies(N - blockingTasks - 1, true), results2);
    assertEquals(0, barrier.nWaiting());
    assertFalse(barrier.toString().contains("resetting"));
  }

  /** From threading.Barrier's tests (lock_tests.test_reset): one party fails and aborts. */
  @Test
  void abortAfterAFailureBreaksTheOthers() {
    Barrier barrier = new Barrier(N);
    List<Boolean> results1 = new ArrayList<>();
    List<Boolean> results2 = new ArrayList<>();
    loop.runUntilComplete(async(() -> gatherTasks(N, () -> async(() -> {
      try {
        int i = await(barrier.await());
        if (i == N / 2) {
          throw new ArithmeticException("boom");
        }
        await(barrier.await());
        results1.add(true);
      } catch (BrokenBarrierError e) {
        results2.add(true);
      } catch (ArithmeticException e) {
        await(barrier.abort());
      }
    }))));
    assertTrue(barrier.broken());
    assertEquals(List.of(), results1);
    assertEquals(Collections.nCopies(N - 1, true), results2);
    assertEquals(0, barrier.nWaiting());
  }

  /** From threading.Barrier's tests (lock_tests.test_abort_and_reset). */
  @Test
  void resetRepairsAnAbortedBarrier() {
    Barrier barrier1 = new Barrier(N);
    Barrier barrier2 = new Barrier(N);
    List<Boolean> results1 = new ArrayList<>();
    List<Boolean> results2 = new ArrayList<>();
    List<Boolean> results3 = new ArrayList<>();
    loop.runUntilComplete(async(() -> gatherTasks(N, () -> async(() -> {
      try {
        int i = await(barrier1.await());
        if (i == N / 2) {
          throw new ArithmeticException("boom");
        }
        await(barrier1.await());
        results1.add(true);
      } catch (BrokenBarrierError e) {
        results2.add(true);
      } catch (ArithmeticException e) {
        await(barrier1.abort());
      }
      // synchronise and reset the barrier: first so that everyone has left it when it is reset,
      // and after, so that no one enters it before the reset
      int i = await(barrier2.await());
      if (i == N / 2) {
        await(barrier1.reset());
      }
      await(barrier2.await());
      await(barrier1.await());
      results3.add(true);
    }))));
    assertFalse(barrier1.broken());
    assertEquals(List.of(), results1);
    assertEquals(Collections.nCopies(N - 1, true), results2);
    assertEquals(Collections.nCopies(N, true), results3);
    assertEquals(0, barrier1.nWaiting());
  }
}
