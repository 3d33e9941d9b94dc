package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.asCompleted;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.shield;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShieldAndAsCompletedTest extends LoopTestBase {

  @Test
  void shieldedWorkSurvivesTheCancellationOfItsAwaiter() {
    Task<String> inner = loop.createTask(GatherTest.after(0.05, "survived"));
    Task<String> outer = loop.createTask(async(() -> await(shield(inner))));
    loop.callLater(0.01, outer::cancel);
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(outer));
    assertFalse(inner.cancelled());
    assertEquals("survived", loop.runUntilComplete(inner));
  }

  @Test
  void shieldOfADoneFutureIsThatFuture() {
    AsyncFuture<String> f = loop.createFuture();
    f.setResult("x");
    assertSame(f, shield(f));
  }

  @Test
  void shieldPassesResultsAndExceptionsThrough() {
    assertEquals("r", loop.runUntilComplete(async(() -> await(shield(GatherTest.after(0.01, "r"))))));
    IllegalStateException boom = new IllegalStateException("boom");
    assertSame(boom, assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(async(() -> await(shield(async(() -> {
      throw boom;
    })))))));
  }

  @Test
  void cancellingTheInnerWorkCancelsTheShield() {
    Task<String> inner = loop.createTask(GatherTest.after(10, "x"));
    AsyncFuture<String> outer = shield(inner);
    loop.callLater(0.01, inner::cancel);
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(outer));
    assertTrue(outer.cancelled());
  }

  @Test
  void asCompletedGivesResultsInCompletionOrder() {
    List<String> order = loop.runUntilComplete(async(() -> {
      List<String> got = new ArrayList<>();
      for (Coroutine<String> next : asCompleted(List.of(
          GatherTest.after(0.06, "slow"), GatherTest.after(0.0, "fast"), GatherTest.after(0.03, "middle")), null)) {
        got.add(await(next));
      }
      return got;
    }));
    assertEquals(List.of("fast", "middle", "slow"), order);
  }

  @Test
  void asCompletedRaisesTimeoutErrorForTheOnesStillRunning() {
    List<String> got = loop.runUntilComplete(async(() -> {
      List<String> out = new ArrayList<>();
      for (Coroutine<String> next : asCompleted(List.of(GatherTest.after(0.0, "fast"), GatherTest.after(10, "slow")), 0.05)) {
        try {
          out.add(await(next));
        } catch (TimeoutError e) {
          out.add("timeout");
        }
      }
      return out;
    }));
    assertEquals(List.of("fast", "timeout"), got);
  }
}
