package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WaitTest extends LoopTestBase {

  private Task<String> after(double s, String v) {
    return loop.createTask(GatherTest.after(s, v));
  }

  private Task<String> failingAfter(double s) {
    return loop.createTask(async(() -> {
      await(sleep(s));
      throw new IllegalStateException("failed");
    }));
  }

  @Test
  void allCompletedWaitsForEveryFuture() {
    Task<String> a = after(0.01, "a");
    Task<String> b = after(0.03, "b");
    WaitResult<String> r = loop.runUntilComplete(Asyncio.wait(List.of(a, b)));
    assertEquals(Set.of(a, b), r.done());
    assertEquals(Set.of(), r.pending());
  }

  @Test
  void firstCompletedReturnsWhenOneIsDone() {
    Task<String> fast = after(0.01, "fast");
    Task<String> slow = after(10, "slow");
    WaitResult<String> r = loop.runUntilComplete(Asyncio.wait(List.of(slow, fast), null, ReturnWhen.FIRST_COMPLETED));
    assertEquals(Set.of(fast), r.done());
    assertEquals(Set.of(slow), r.pending());
    assertFalse(slow.cancelled(), "wait cancels nothing");
    slow.cancel();
  }

  @Test
  void firstExceptionReturnsAtTheFirstFailure() {
    Task<String> ok = after(0.01, "ok");
    Task<String> bad = failingAfter(0.03);
    Task<String> slow = after(10, "slow");
    WaitResult<String> r = loop.runUntilComplete(Asyncio.wait(List.of(ok, bad, slow), null, ReturnWhen.FIRST_EXCEPTION));
    assertEquals(Set.of(ok, bad), r.done());
    assertEquals(Set.of(slow), r.pending());
    slow.cancel();
  }

  @Test
  void firstExceptionWithoutFailuresWaitsForAll() {
    Task<String> a = after(0.01, "a");
    Task<String> b = after(0.02, "b");
    WaitResult<String> r = loop.runUntilComplete(Asyncio.wait(List.of(a, b), null, ReturnWhen.FIRST_EXCEPTION));
    assertEquals(Set.of(a, b), r.done());
  }

  @Test
  void timeoutReturnsTheSetsRaisesNothingAndCancelsNothing() {
    Task<String> fast = after(0.01, "fast");
    Task<String> slow = after(10, "slow");
    WaitResult<String> r = loop.runUntilComplete(Asyncio.wait(List.of(fast, slow), 0.05, ReturnWhen.ALL_COMPLETED));
    assertEquals(Set.of(fast), r.done());
    assertEquals(Set.of(slow), r.pending());
    assertFalse(slow.done());
    slow.cancel();
  }

  @Test
  void emptyInputIsAValueError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> loop.runUntilComplete(Asyncio.wait(List.<AsyncFuture<String>>of())));
    assertEquals("Set of Tasks/Futures is empty.", e.getMessage());
  }

  @Test
  void waitLeavesNoCallbacksBehind() {
    Task<String> slow = after(10, "slow");
    loop.runUntilComplete(Asyncio.wait(List.of(slow), 0.01, ReturnWhen.ALL_COMPLETED));
    assertTrue(slow.callbacks().isEmpty(), slow.callbacks().toString());
    slow.cancel();
  }
}
