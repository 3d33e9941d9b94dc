package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.createTask;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.sleep;
import static org.vertxasyncio.asyncio.Asyncio.waitFor;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ported from CPython's test_locks.SemaphoreTests, plus {@link Semaphore#withPermit} and {@link BoundedSemaphore}. */
class SemaphoreTest extends LoopTestBase {

  /** A coroutine that takes a permit of {@code sem}, then records {@code tag}. */
  private static Coroutine<Boolean> acquireAndRecord(Semaphore sem, List<Integer> result, int tag) {
    return async(() -> {
      await(sem.acquire());
      result.add(tag);
      return true;
    });
  }

  @Test
  void semaphoreWithNoPermitIsLocked() {
    assertTrue(new Semaphore(0).locked());
  }

  @Test
  void defaultSemaphoreHasOnePermit() {
    Semaphore sem = new Semaphore();
    assertEquals(1, sem.value());
    assertFalse(sem.locked());
  }

  @Test
  void negativeInitialValueIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Semaphore(-1));
    assertEquals("Semaphore initial value must be >= 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new BoundedSemaphore(-1));
  }

  @Test
  void reprShowsValueAndWaiters() {
    Semaphore sem = new Semaphore();
    assertEquals("<Semaphore [unlocked, value:1]>", sem.toString());
    loop.runUntilComplete(async(() -> {
      await(sem.acquire());
      assertEquals("<Semaphore [locked]>", sem.toString());
      Task<Boolean> t1 = createTask(sem.acquire());
      Task<Boolean> t2 = createTask(sem.acquire());
      await(sleep(0));
      assertEquals("<Semaphore [locked, waiters:2]>", sem.toString());
      sem.release();
      sem.release();
      await(gather(t1, t2));
    }));
    assertEquals("<BoundedSemaphore [unlocked, value:2]>", new BoundedSemaphore(2).toString());
  }

  @Test
  void permitsGoToWaitersInFifoOrder() {
    Semaphore sem = new Semaphore(3);
    List<Integer> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      assertTrue(await(sem.acquire()));
      assertTrue(await(sem.acquire()));
      assertFalse(sem.locked());

      Task<Boolean> t1 = createTask(acquireAndRecord(sem, result, 1));
      Task<Boolean> t2 = createTask(acquireAndRecord(sem, result, 2));
      Task<Boolean> t3 = createTask(acquireAndRecord(sem, result, 3));
      await(sleep(0));
      assertEquals(List.of(1), result);
      assertTrue(sem.locked());
      assertTrue(sem.toString().contains("waiters:2"), sem.toString());
      assertEquals(0, sem.value());

      Task<Boolean> t4 = createTask(acquireAndRecord(sem, result, 4));
      sem.release();
      sem.release();
      assertEquals(0, sem.value()); // both permits promised to the woken waiters at once

      await(sleep(0));
      assertEquals(0, sem.value());
      assertEquals(List.of(1, 2, 3), result);
      assertTrue(sem.locked());
      assertTrue(sem.toString().contains("waiters:1"), sem.toString());
      assertTrue(t1.result());
      assertTrue(t2.done() && t3.done());
      assertFalse(t4.done());

      sem.release();
      await(gather(t2, t3, t4));
      assertEquals(List.of(1, 2, 3, 4), result);
    }));
  }

  @Test
  void cancelledAcquireLeavesNoLiveWaiter() {
    Semaphore sem = new Semaphore();
    loop.runUntilComplete(async(() -> {
      await(sem.acquire());
      Task<Boolean> acquire = createTask(sem.acquire());
      Asyncio.getRunningLoop().callSoon(acquire::cancel);
      assertThrows(CancelledError.class, () -> await(acquire));
      assertEquals("<Semaphore [locked]>", sem.toString());
      sem.release();
      assertEquals("<Semaphore [unlocked, value:1]>", sem.toString());
    }));
  }

  @Test
  void waitersCancelledBeforeWakeUpDoNotConsumeThePermit() {
    Semaphore sem = new Semaphore(0);
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t1 = createTask(sem.acquire());
      Task<Boolean> t2 = createTask(sem.acquire());
      Task<Boolean> t3 = createTask(sem.acquire());
      Task<Boolean> t4 = createTask(sem.acquire());
      await(sleep(0));

      t1.cancel();
      t2.cancel();
      sem.release();

      await(sleep(0));
      await(sleep(0));
      assertTrue(t3.done());
      assertFalse(t4.done());
      assertTrue(t1.cancelled() && t2.cancelled());

      t4.cancel();
      await(sleep(0));
      assertTrue(t4.cancelled());
    }));
  }

  @Test
  void cancelledFirstWaiterDoesNotHangTheNext() {
    Semaphore sem = new Semaphore(0);
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t1 = createTask(sem.acquire());
      Task<Boolean> t2 = createTask(sem.acquire());
      await(sleep(0));

      t1.cancel();
      sem.release();
      await(sleep(0));
      await(sleep(0));
      assertTrue(sem.locked());
      assertTrue(t2.done());
      assertTrue(t1.cancelled());
    }));
  }

  /**
   * CPython's test_acquire_no_hang: the holder releases, which wakes the waiter with the permit, then
   * cancels it before it runs; the permit must come back, not leak.
   */
  @Test
  void holderCancellingTheWokenWaiterDoesNotHang() {
    Semaphore sem = new Semaphore(1);
    loop.runUntilComplete(async(() -> {
      @SuppressWarnings("unchecked")
      Task<Void>[] t2 = new Task[1];
      Task<Void> t1 = createTask(async(() -> {
        sem.withPermit(() -> {
          await(sleep(0));
        });
        t2[0].cancel();
      }));
      t2[0] = createTask(async(() -> sem.withPermit(() -> {
        throw new AssertionError("the cancelled task got the permit");
      })));
      List<Object> r = await(gather(true, t1, t2[0]));
      assertNull(r.get(0));
      assertInstanceOf(CancelledError.class, r.get(1));
      assertEquals(1, sem.value());
      await(waitFor(sem.acquire(), 1.0));
    }));
  }

  @Test
  void releaseWithNoWaitersUnlocks() {
    Semaphore sem = new Semaphore();
    loop.runUntilComplete(async(() -> {
      await(sem.acquire());
      assertTrue(sem.locked());
      sem.release();
      assertFalse(sem.locked());
    }));
  }

  @Test
  void plainSemaphoreAcceptsExtraReleases() {
    Semaphore sem = new Semaphore(1);
    sem.release();
    assertEquals(2, sem.value());
  }

  @Test
  void boundedSemaphoreRefusesReleaseBeyondItsInitialValue() {
    BoundedSemaphore sem = new BoundedSemaphore();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, sem::release);
    assertEquals("BoundedSemaphore released too many times", e.getMessage());
    loop.runUntilComplete(async(() -> {
      await(sem.acquire());
      sem.release();
      assertEquals(1, sem.value());
      assertThrows(IllegalArgumentException.class, sem::release);
      assertEquals(1, sem.value());
    }));
  }

  @Test
  void reacquiringTasksAlternateInFifoOrder() {
    Semaphore sem = new Semaphore(1);
    List<String> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> TaskGroup.run(tg -> {
      for (String tag : List.of("c1", "c2", "c3")) {
        tg.createTask(async(() -> {
          await(sem.acquire());
          result.add(tag + "_1");
          await(sleep(0));
          sem.release();

          await(sem.acquire());
          result.add(tag + "_2");
          await(sleep(0));
          sem.release();
        }));
      }
      return null;
    })));
    assertEquals(List.of("c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"), result);
  }

  @Test
  void releaseAndReacquireQueuesBehindEarlierWaiters() {
    Semaphore sem = new Semaphore(1);
    List<Integer> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t1 = createTask(acquireAndRecord(sem, result, 1));
      Task<Boolean> t2 = createTask(async(() -> {
        await(sem.acquire());
        result.add(2);
        sem.release();
        await(sem.acquire());
        result.add(4);
        return true;
      }));
      Task<Boolean> t3 = createTask(acquireAndRecord(sem, result, 3));
      await(sleep(0));
      sem.release();
      sem.release();
      await(gather(t1, t2, t3));
    }));
    assertEquals(List.of(1, 2, 3, 4), result);
  }

  @Test
  void cancelledWaiterIsSkipped() {
    Semaphore sem = new Semaphore(0);
    List<Integer> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t1 = createTask(acquireAndRecord(sem, result, 1));
      Task<Boolean> t2 = createTask(acquireAndRecord(sem, result, 2));
      Task<Boolean> t3 = createTask(acquireAndRecord(sem, result, 3));
      await(sleep(0));
      t1.cancel();
      await(sleep(0));
      sem.release();
      sem.release();
      await(gather(true, t1, t2, t3));
    }));
    assertEquals(List.of(2, 3), result);
  }

  @Test
  void withPermitLimitsConcurrency() {
    Semaphore sem = new Semaphore(2);
    int[] inside = {0};
    int[] most = {0};
    String r = loop.runUntilComplete(async(() -> {
      List<Coroutine<Void>> workers = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        workers.add(async(() -> sem.withPermit(() -> {
          inside[0]++;
          most[0] = Math.max(most[0], inside[0]);
          await(sleep(0));
          await(sleep(0));
          inside[0]--;
        })));
      }
      await(gather(workers));
      return sem.withPermit(() -> "result");
    }));
    assertEquals("result", r);
    assertEquals(2, most[0]);
    assertEquals(2, sem.value());
  }

  @Test
  void withPermitReleasesWhenTheBodyThrows() {
    BoundedSemaphore sem = new BoundedSemaphore(1);
    loop.runUntilComplete(async(() -> {
      assertThrows(IllegalStateException.class, () -> sem.withPermit(() -> {
        throw new IllegalStateException("boom");
      }));
      assertEquals(1, sem.value());
    }));
  }
}
