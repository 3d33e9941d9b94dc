package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.createTask;
import static org.vertxasyncio.asyncio.Asyncio.sleep;
import static org.vertxasyncio.asyncio.Asyncio.waitFor;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ported from CPython's test_locks.ConditionTests, plus the Java block form {@link Condition#withLock}. */
class ConditionTest extends LoopTestBase {

  /** Acquires, waits, records {@code tag}, and keeps the lock. */
  private static Coroutine<Boolean> waitAndRecord(Condition cond, List<Integer> result, int tag) {
    return async(() -> {
      await(cond.acquire());
      if (await(cond.await())) {
        result.add(tag);
      }
      return true;
    });
  }

  /** Acquires, waits, records {@code tag}, and releases. */
  private static Coroutine<Boolean> waitRecordRelease(Condition cond, List<Integer> result, int tag) {
    return async(() -> {
      await(cond.acquire());
      if (await(cond.await())) {
        result.add(tag);
        cond.release();
      }
      return true;
    });
  }

  @Test
  void waitReleasesTheLockAndNotifiedWaitersRetakeItInTurn() {
    Condition cond = new Condition();
    List<Integer> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t1 = createTask(waitAndRecord(cond, result, 1));
      Task<Boolean> t2 = createTask(waitAndRecord(cond, result, 2));
      Task<Boolean> t3 = createTask(waitAndRecord(cond, result, 3));

      await(sleep(0));
      assertEquals(List.of(), result);
      assertFalse(cond.locked());

      assertTrue(await(cond.acquire()));
      cond.notifyOne();
      await(sleep(0));
      assertEquals(List.of(), result); // notified, but the lock is still ours
      assertTrue(cond.locked());

      cond.release();
      await(sleep(0));
      assertEquals(List.of(1), result);
      assertTrue(cond.locked());

      cond.notify(2);
      await(sleep(0));
      assertEquals(List.of(1), result);
      assertTrue(cond.locked());

      cond.release();
      await(sleep(0));
      assertEquals(List.of(1, 2), result);
      assertTrue(cond.locked());

      cond.release();
      await(sleep(0));
      assertEquals(List.of(1, 2, 3), result);
      assertTrue(cond.locked());

      for (Task<Boolean> t : List.of(t1, t2, t3)) {
        assertTrue(t.done());
        assertTrue(t.result());
      }
    }));
  }

  @Test
  void cancelledWaitStillReacquiresTheLock() {
    Condition cond = new Condition();
    loop.runUntilComplete(async(() -> {
      await(cond.acquire());
      Task<Boolean> wait = createTask(cond.await());
      Asyncio.getRunningLoop().callSoon(wait::cancel);
      assertThrows(CancelledError.class, () -> await(wait));
      assertEquals("<Condition [locked]>", cond.toString()); // no waiter left, lock held
    }));
  }

  /**
   * CPython's test_wait_cancel_contested: notified, then cancelled while it waits to retake the lock,
   * the wait still retakes it before it raises (as CPython 3.12 does: the task ends cancelled, the lock held).
   */
  @Test
  void waitCancelledWhileRetakingAContestedLockRaisesHoldingTheLock() {
    Condition cond = new Condition();
    loop.runUntilComplete(async(() -> {
      await(cond.acquire());
      assertTrue(cond.locked());

      Task<Boolean> waitTask = createTask(cond.await());
      await(sleep(0));
      assertFalse(cond.locked());

      // notify, but contest the lock before cancelling
      await(cond.acquire());
      assertTrue(cond.locked());
      cond.notifyOne();
      Asyncio.getRunningLoop().callSoon(waitTask::cancel);
      Asyncio.getRunningLoop().callSoon(cond::release);
      assertThrows(CancelledError.class, () -> await(waitTask));
      assertTrue(waitTask.cancelled());
      assertTrue(cond.locked());
    }));
  }

  /** bpo-32841: a waiter notified, then cancelled while it waits for the lock, ends cancelled. */
  @Test
  void waiterCancelledAfterNotifyEndsCancelled() {
    Condition cond = new Condition();
    boolean[] waited = {false};
    loop.runUntilComplete(async(() -> {
      Task<Void> waiter = createTask(async(() -> cond.withLock(() -> {
        waited[0] = true;
        await(cond.await());
      })));
      await(sleep(0)); // start waiting

      await(cond.acquire());
      cond.notifyOne();
      await(sleep(0)); // get to acquire()
      waiter.cancel();
      await(sleep(0)); // activate the cancellation
      cond.release();
      await(sleep(0)); // the cancellation should occur

      assertTrue(waiter.cancelled());
      assertTrue(waited[0]);
      assertFalse(cond.locked());
    }));
  }

  @Test
  void waitWithoutTheLockFails() {
    Condition cond = new Condition();
    IllegalStateException e = loop.runUntilComplete(async(() ->
        assertThrows(IllegalStateException.class, () -> await(cond.await()))));
    assertEquals("cannot wait on un-acquired lock", e.getMessage());
  }

  @Test
  void waitForWaitsUntilThePredicateHolds() {
    Condition cond = new Condition();
    boolean[] presult = {false};
    List<Integer> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t = createTask(async(() -> {
        await(cond.acquire());
        if (await(cond.waitFor(() -> presult[0]))) {
          result.add(1);
          cond.release();
        }
        return true;
      }));
      await(sleep(0));
      assertEquals(List.of(), result);

      await(cond.acquire());
      cond.notifyOne();
      cond.release();
      await(sleep(0));
      assertEquals(List.of(), result); // woken, predicate still false: waits again

      presult[0] = true;
      await(cond.acquire());
      cond.notifyOne();
      cond.release();
      await(sleep(0));
      assertEquals(List.of(1), result);

      assertTrue(t.done());
      assertTrue(t.result());
    }));
  }

  @Test
  void waitForNeedsTheLockOnlyWhenItHasToWait() {
    Condition cond = new Condition();
    loop.runUntilComplete(async(() -> {
      assertTrue(await(cond.waitFor(() -> true))); // true at once: no lock needed
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> await(cond.waitFor(() -> false)));
      assertEquals("cannot wait on un-acquired lock", e.getMessage());
    }));
  }

  @Test
  void notifyWakesAtMostNWaitersInFifoOrder() {
    Condition cond = new Condition();
    List<Integer> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t1 = createTask(waitRecordRelease(cond, result, 1));
      Task<Boolean> t2 = createTask(waitRecordRelease(cond, result, 2));
      Task<Boolean> t3 = createTask(waitRecordRelease(cond, result, 3));
      await(sleep(0));
      assertEquals(List.of(), result);

      await(cond.acquire());
      cond.notify(1);
      cond.release();
      await(sleep(0));
      assertEquals(List.of(1), result);

      await(cond.acquire());
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      await(sleep(0));
      assertEquals(List.of(1, 2, 3), result);

      for (Task<Boolean> t : List.of(t1, t2, t3)) {
        assertTrue(t.done());
        assertTrue(t.result());
      }
    }));
  }

  @Test
  void notifyAllWaitersWakesEveryWaiter() {
    Condition cond = new Condition();
    List<Integer> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t1 = createTask(waitRecordRelease(cond, result, 1));
      Task<Boolean> t2 = createTask(waitRecordRelease(cond, result, 2));
      await(sleep(0));
      assertEquals(List.of(), result);

      await(cond.acquire());
      cond.notifyAllWaiters();
      cond.release();
      await(sleep(0));
      assertEquals(List.of(1, 2), result);
      assertTrue(t1.result() && t2.result());
    }));
  }

  @Test
  void notifyWithoutTheLockFails() {
    Condition cond = new Condition();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> cond.notify(1));
    assertEquals("cannot notify on un-acquired lock", e.getMessage());
    assertThrows(IllegalStateException.class, cond::notifyOne);
    assertThrows(IllegalStateException.class, cond::notifyAllWaiters);
  }

  @Test
  void reprShowsLockStateAndWaiters() {
    Condition cond = new Condition();
    assertEquals("<Condition [unlocked]>", cond.toString());
    loop.runUntilComplete(async(() -> {
      await(cond.acquire());
      assertEquals("<Condition [locked]>", cond.toString());
      Task<Boolean> w1 = createTask(waitRecordRelease(cond, new ArrayList<>(), 1));
      Task<Boolean> w2 = createTask(waitRecordRelease(cond, new ArrayList<>(), 2));
      cond.release();
      await(sleep(0));
      assertEquals("<Condition [unlocked, waiters:2]>", cond.toString());
      await(cond.acquire());
      cond.notifyAllWaiters();
      cond.release();
      await(w1);
      await(w2);
    }));
  }

  @Test
  void withLockHoldsTheLockForTheBody() {
    Condition cond = new Condition();
    loop.runUntilComplete(async(() -> {
      assertFalse(cond.locked());
      int r = cond.withLock(() -> {
        assertTrue(cond.locked());
        return 7;
      });
      assertEquals(7, r);
      assertFalse(cond.locked());
    }));
  }

  @Test
  void conditionSharesAnExplicitLock() {
    Lock lock = new Lock();
    Condition cond = new Condition(lock);
    assertSame(lock, cond.lock());
    loop.runUntilComplete(async(() -> {
      cond.withLock(() -> {
        assertTrue(lock.locked());
        assertTrue(cond.locked());
      });
      assertFalse(lock.locked());
      assertFalse(cond.locked());
      lock.withLock(() -> {
        assertTrue(lock.locked());
        assertTrue(cond.locked());
      });
      assertFalse(lock.locked());
      assertFalse(cond.locked());
    }));
  }

  @Test
  void producerConsumerOverASharedLock() {
    Condition cond = new Condition();
    List<Integer> items = new ArrayList<>();
    List<Integer> consumed = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      List<Task<Void>> consumers = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        consumers.add(createTask(async(() -> {
          for (int i = 0; i < 3; i++) {
            cond.withLock(() -> {
              await(cond.waitFor(() -> !items.isEmpty()));
              consumed.add(items.remove(0));
            });
          }
        })));
      }
      for (int i = 0; i < 6; i++) {
        int item = i;
        cond.withLock(() -> {
          items.add(item);
          cond.notifyOne();
        });
        await(sleep(0));
      }
      for (Task<Void> t : consumers) {
        await(t);
      }
    }));
    assertEquals(List.of(0, 1, 2, 3, 4, 5), consumed);
  }

  @Test
  void conditionUsedOnTwoLoopsFails() {
    Condition cond = new Condition();
    loop.runUntilComplete(async(() -> {
      await(cond.acquire());
      Task<Boolean> w = createTask(cond.await()); // binds the condition to this loop
      await(sleep(0));
      await(cond.acquire());
      cond.notifyOne();
      cond.release();
      await(w);
      cond.release();
    }));
    EventLoop other = Asyncio.newEventLoop();
    try {
      other.runUntilComplete(async(() -> cond.withLock(() -> {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> await(cond.await()));
        assertTrue(e.getMessage().endsWith("is bound to a different event loop"), e.getMessage());
        assertTrue(cond.locked()); // the failed wait took the lock back
      })));
    } finally {
      other.close();
    }
  }

  @Test
  void waitTimingOutInsideTheBlockKeepsTheLock() {
    Condition cond = new Condition();
    loop.runUntilComplete(async(() -> cond.withLock(() -> {
      assertThrows(TimeoutError.class, () -> await(waitFor(cond.await(), 0.05)));
      assertTrue(cond.locked());
    })));
    assertFalse(cond.locked());
  }
}
