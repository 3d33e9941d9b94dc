package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.createTask;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ported from CPython's test_locks.LockTests, plus the Java block form {@link Lock#withLock}. */
class LockTest extends LoopTestBase {

  /** A coroutine that acquires {@code lock}, then records {@code tag}. */
  private static Coroutine<Boolean> acquireAndRecord(Lock lock, List<Integer> result, int tag) {
    return async(() -> {
      if (await(lock.acquire())) {
        result.add(tag);
      }
      return true;
    });
  }

  @Test
  void reprShowsLockedStateAndWaiters() {
    Lock lock = new Lock();
    assertEquals("<Lock [unlocked]>", lock.toString());
    loop.runUntilComplete(async(() -> {
      await(lock.acquire());
      assertEquals("<Lock [locked]>", lock.toString());
      Task<Boolean> t = createTask(lock.acquire());
      await(sleep(0));
      assertEquals("<Lock [locked, waiters:1]>", lock.toString());
      lock.release();
      await(t);
    }));
  }

  @Test
  void newLockIsUnlocked() {
    assertFalse(new Lock().locked());
  }

  @Test
  void lockIsFifoFair() {
    Lock lock = new Lock();
    List<Integer> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      assertTrue(await(lock.acquire()));
      Task<Boolean> t1 = createTask(acquireAndRecord(lock, result, 1));
      Task<Boolean> t2 = createTask(acquireAndRecord(lock, result, 2));

      await(sleep(0));
      assertEquals(List.of(), result);

      lock.release();
      await(sleep(0));
      assertEquals(List.of(1), result);

      await(sleep(0));
      assertEquals(List.of(1), result);

      Task<Boolean> t3 = createTask(acquireAndRecord(lock, result, 3));

      lock.release();
      await(sleep(0));
      assertEquals(List.of(1, 2), result);

      lock.release();
      await(sleep(0));
      assertEquals(List.of(1, 2, 3), result);

      for (Task<Boolean> t : List.of(t1, t2, t3)) {
        assertTrue(t.done());
        assertTrue(t.result());
      }
    }));
  }

  @Test
  void newcomerDoesNotJumpAheadOfAWokenWaiter() {
    Lock lock = new Lock();
    List<String> order = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      await(lock.acquire());
      Task<Void> waiter = createTask(async(() -> {
        await(lock.acquire());
        order.add("waiter");
        lock.release();
      }));
      await(sleep(0));
      lock.release(); // wakes the waiter, which has not run yet
      assertFalse(lock.locked());
      await(lock.acquire()); // must queue behind it
      order.add("newcomer");
      lock.release();
      await(waiter);
    }));
    assertEquals(List.of("waiter", "newcomer"), order);
  }

  @Test
  void cancelledAcquireLeavesNoWaiterBehind() {
    Lock lock = new Lock();
    loop.runUntilComplete(async(() -> {
      assertTrue(await(lock.acquire()));
      Task<Boolean> task = createTask(lock.acquire());
      Asyncio.getRunningLoop().callSoon(task::cancel);
      assertThrows(CancelledError.class, () -> await(task));
      assertEquals("<Lock [locked]>", lock.toString());
    }));
  }

  /**
   * A holds the lock, B and C wait; B is cancelled while A releases: the release must skip B's
   * cancelled waiter and the lock must reach C.
   */
  @Test
  void cancelledWaiterDoesNotBlockTheNextOne() {
    Lock lock = new Lock();
    loop.runUntilComplete(async(() -> {
      AsyncFuture<Void> fa = Asyncio.getRunningLoop().createFuture();
      Task<Void> ta = createTask(lockIt(lock, fa));
      await(sleep(0));
      assertTrue(lock.locked());
      Task<Void> tb = createTask(lockIt(lock, null));
      await(sleep(0));
      assertTrue(lock.toString().contains("waiters:1"), lock.toString());
      Task<Void> tc = createTask(lockIt(lock, null));
      await(sleep(0));
      assertTrue(lock.toString().contains("waiters:2"), lock.toString());

      fa.setResult(null);
      tb.cancel();
      await(sleep(0));
      assertFalse(lock.locked());
      assertTrue(ta.done());
      assertTrue(tb.cancelled());
      await(tc);
      assertFalse(lock.locked());
    }));
  }

  private static Coroutine<Void> lockIt(Lock lock, AsyncFuture<Void> blocker) {
    return async(() -> {
      await(lock.acquire());
      try {
        if (blocker != null) {
          await(blocker);
        }
      } finally {
        lock.release();
      }
    });
  }

  /** CPython bpo-32734: with waiters t1, t2, t3, cancelling t1 while releasing gives the lock to one task only. */
  @Test
  void cancelledWaiterDoesNotStealTheLock() {
    Lock lock = new Lock();
    int[] lockCount = {0};
    int[] callCount = {0};
    loop.runUntilComplete(async(() -> {
      await(lock.acquire());
      List<Task<Void>> ts = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ts.add(createTask(async(() -> {
          callCount[0]++;
          await(lock.acquire());
          lockCount[0]++;
        })));
      }
      await(sleep(0)); // start the tasks
      Asyncio.getRunningLoop().callSoon(() -> {
        ts.get(0).cancel();
        lock.release();
      });
      assertThrows(CancelledError.class, () -> await(ts.get(0)));

      assertEquals(1, lockCount[0]);
      assertEquals(3, callCount[0]);
      assertTrue(ts.get(0).cancelled());
      assertTrue(ts.get(1).done());

      ts.get(2).cancel(); // stuck on acquire
      await(sleep(0));
      assertTrue(ts.get(2).cancelled());
    }));
  }

  /** A waiter woken by release() and then cancelled before it runs passes the lock on to the next waiter. */
  @Test
  void wokenWaiterCancelledPassesTheLockOn() {
    Lock lock = new Lock();
    loop.runUntilComplete(async(() -> {
      await(lock.acquire());
      assertTrue(lock.locked());
      Task<Boolean> tb = createTask(lock.acquire());
      await(sleep(0));
      assertTrue(lock.toString().contains("waiters:1"), lock.toString());

      Task<Boolean> tc = createTask(lock.acquire());
      tb.cancel();
      lock.release();
      await(sleep(0));

      assertTrue(lock.locked());
      assertTrue(tb.cancelled());
      assertTrue(await(tc));
    }));
  }

  @Test
  void releasingAnUnlockedLockFails() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Lock().release());
    assertEquals("Lock is not acquired.", e.getMessage());
  }

  @Test
  void releaseWithNoWaitersUnlocks() {
    Lock lock = new Lock();
    loop.runUntilComplete(async(() -> {
      await(lock.acquire());
      assertTrue(lock.locked());
      lock.release();
      assertFalse(lock.locked());
    }));
  }

  @Test
  void anyCoroutineMayRelease() {
    Lock lock = new Lock();
    loop.runUntilComplete(async(() -> {
      await(lock.acquire());
      await(createTask(async(() -> lock.release())));
      assertFalse(lock.locked());
    }));
  }

  @Test
  void withLockHoldsTheLockForTheBodyAndReturnsItsResult() {
    Lock lock = new Lock();
    String r = loop.runUntilComplete(async(() -> {
      assertFalse(lock.locked());
      String inside = lock.withLock(() -> {
        assertTrue(lock.locked());
        await(sleep(0));
        return "body";
      });
      assertFalse(lock.locked());
      return inside;
    }));
    assertEquals("body", r);
  }

  @Test
  void withLockReleasesWhenTheBodyThrows() {
    Lock lock = new Lock();
    IOException boom = new IOException("boom");
    loop.runUntilComplete(async(() -> {
      IOException e = assertThrows(IOException.class, () -> lock.withLock(() -> {
        throw boom;
      }));
      assertSame(boom, e);
      assertFalse(lock.locked());
    }));
  }

  @Test
  void withLockSerialisesCoroutinesAcrossAwaits() {
    Lock lock = new Lock();
    List<String> trace = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      List<Coroutine<Void>> workers = new ArrayList<>();
      for (String name : List.of("a", "b", "c")) {
        workers.add(async(() -> lock.withLock(() -> {
          trace.add(name + " in");
          await(sleep(0));
          await(sleep(0));
          trace.add(name + " out");
        })));
      }
      await(gather(workers));
    }));
    assertEquals(List.of("a in", "a out", "b in", "b out", "c in", "c out"), trace);
  }

  @Test
  void withLockCancelledWhileWaitingDoesNotRunTheBody() {
    Lock lock = new Lock();
    boolean[] ran = {false};
    loop.runUntilComplete(async(() -> {
      await(lock.acquire());
      Task<Void> t = createTask(async(() -> lock.withLock(() -> {
        ran[0] = true;
      })));
      await(sleep(0));
      t.cancel();
      assertThrows(CancelledError.class, () -> await(t));
      assertTrue(lock.locked()); // still ours
      lock.release();
      assertFalse(lock.locked());
    }));
    assertFalse(ran[0]);
  }

  @Test
  void lockUsedOnTwoLoopsFails() {
    Lock lock = new Lock();
    loop.runUntilComplete(async(() -> {
      await(lock.acquire());
      Task<Boolean> t = createTask(lock.acquire()); // waits: binds the lock to this loop
      await(sleep(0));
      lock.release();
      await(t);
    }));
    EventLoop other = Asyncio.newEventLoop();
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> other.runUntilComplete(lock.acquire()));
      assertEquals("<Lock [locked]> is bound to a different event loop", e.getMessage());
    } finally {
      other.close();
    }
  }
}
