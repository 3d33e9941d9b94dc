package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** asyncio's guarantee: coroutines of one loop never run at the same instant, and switch only at an await. */
class ConcurrencyTest extends LoopTestBase {
  private static final int COROUTINES = 10_000;
  private static final int ROUNDS = 5;

  private final AtomicInteger inside = new AtomicInteger();
  private int overlaps;
  private long counter;

  @Test
  void coroutinesOfOneLoopRunOneAtATimeUnderTenThousandInterleavingCoroutines() {
    Random random = new Random(42);
    List<Coroutine<Void>> coros = new ArrayList<>(COROUTINES);
    for (int i = 0; i < COROUTINES; i++) {
      double[] pauses = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        pauses[r] = random.nextInt(4) == 0 ? 0.0 : random.nextInt(3) / 1000.0;
      }
      coros.add(async(() -> {
        for (int r = 0; r < ROUNDS; r++) {
          criticalSection();
          await(sleep(pauses[r]));
        }
      }));
    }
    loop.runUntilComplete(gather(coros));
    assertEquals(0, overlaps, "two coroutines ran at the same instant");
    assertEquals((long) COROUTINES * ROUNDS, counter, "an unsynchronised read-modify-write lost updates");
  }

  /** A read-modify-write with no lock: safe only if nothing else of the loop runs until the next await. */
  private void criticalSection() {
    if (inside.incrementAndGet() != 1) {
      overlaps++;
    }
    long c = counter;
    Thread.onSpinWait();
    counter = c + 1;
    inside.decrementAndGet();
  }

  @Test
  void coroutinesSwitchOnlyAtAnAwait() {
    List<String> log = new ArrayList<>();
    List<Coroutine<Void>> coros = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String id = "c" + i;
      coros.add(async(() -> {
        for (int r = 0; r < 3; r++) {
          log.add(id + ":a" + r);
          log.add(id + ":b" + r);
          log.add(id + ":c" + r);
          await(sleep(0));
        }
      }));
    }
    loop.runUntilComplete(gather(coros));
    assertEquals(200 * 9, log.size());
    for (int i = 0; i < log.size(); i += 3) {
      String owner = log.get(i).substring(0, log.get(i).indexOf(':'));
      String round = log.get(i).substring(log.get(i).length() - 1);
      assertEquals(owner + ":a" + round, log.get(i));
      assertEquals(owner + ":b" + round, log.get(i + 1), "a switch happened between two awaits");
      assertEquals(owner + ":c" + round, log.get(i + 2), "a switch happened between two awaits");
    }
  }

  @Test
  void callbacksNeverRunWhileACoroutineIsBetweenAwaits() {
    int[] shared = {0};
    boolean[] clash = {false};
    for (int i = 0; i < 500; i++) {
      loop.callLater(i / 100_000.0, () -> {
        if (shared[0] % 2 != 0) {
          clash[0] = true;
        }
      });
    }
    List<Coroutine<Void>> coros = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      coros.add(async(() -> {
        for (int r = 0; r < 20; r++) {
          shared[0]++; // odd: inside the critical section
          long end = System.nanoTime() + 20_000;
          while (System.nanoTime() < end) {
            Thread.onSpinWait();
          }
          shared[0]++; // even again before the await
          await(sleep(0));
        }
      }));
    }
    loop.runUntilComplete(gather(coros));
    assertTrue(!clash[0], "a callback ran in the middle of a coroutine step");
  }
}
