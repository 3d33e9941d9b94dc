package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;
import static org.vertxasyncio.asyncio.Asyncio.timeout;
import static org.vertxasyncio.asyncio.Asyncio.waitFor;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeoutTest extends LoopTestBase {

  @Test
  void waitForReturnsTheResultInTime() {
    assertEquals("done", loop.runUntilComplete(waitFor(GatherTest.after(0.01, "done"), 5.0)));
  }

  @Test
  void waitForCancelsTheInnerTaskOnTimeoutAndRaisesTimeoutError() {
    Task<String> inner = loop.createTask(GatherTest.after(10, "late"));
    TimeoutError e = assertThrows(TimeoutError.class, () -> loop.runUntilComplete(waitFor(inner, 0.02)));
    assertInstanceOf(CancelledError.class, e.getCause());
    assertTrue(inner.cancelled());
  }

  @Test
  void waitForWithZeroTimeoutCancelsAndWaits() {
    Task<String> inner = loop.createTask(GatherTest.after(10, "late"));
    assertThrows(TimeoutError.class, () -> loop.runUntilComplete(waitFor(inner, 0.0)));
    assertTrue(inner.cancelled());
  }

  @Test
  void waitForWithNoTimeoutJustAwaits() {
    assertEquals("x", loop.runUntilComplete(waitFor(GatherTest.after(0.01, "x"), null)));
  }

  @Test
  void waitForTimeoutGivesTheInnerCoroutineAChanceToClean() {
    List<String> log = new ArrayList<>();
    Coroutine<String> inner = async(() -> {
      try {
        await(sleep(10));
        return "late";
      } finally {
        log.add("cleaned up");
      }
    });
    assertThrows(TimeoutError.class, () -> loop.runUntilComplete(waitFor(inner, 0.02)));
    assertEquals(List.of("cleaned up"), log);
  }

  @Test
  void timeoutBlockRaisesTimeoutErrorWhenTheDeadlinePasses() {
    boolean[] expired = new boolean[1];
    assertThrows(TimeoutError.class, () -> loop.runUntilComplete(async(() -> timeout(0.02, t -> {
      try {
        await(sleep(10));
        return null;
      } finally {
        expired[0] = true;
      }
    }))));
    assertTrue(expired[0]);
  }

  @Test
  void timeoutBlockReturnsWhenInTime() {
    assertEquals("in time", loop.runUntilComplete(async(() -> timeout(5.0, () -> {
      await(sleep(0.01));
      return "in time";
    }))));
  }

  @Test
  void timeoutCanBeRescheduled() {
    String r = loop.runUntilComplete(async(() -> timeout(0.02, t -> {
      t.reschedule(loop.time() + 5);
      await(sleep(0.05));
      assertFalse(t.expired());
      return "rescheduled";
    })));
    assertEquals("rescheduled", r);
  }

  @Test
  void timeoutWithNoDelayNeverExpires() {
    assertEquals("ok", loop.runUntilComplete(async(() -> timeout((Double) null, t -> {
      assertNull(t.when());
      await(sleep(0.01));
      return "ok";
    }))));
  }

  @Test
  void innerTimeoutExpiresFirstWhenNested() {
    String r = loop.runUntilComplete(async(() -> timeout(5.0, () -> {
      try {
        timeout(0.02, () -> await(sleep(10)));
        return "not here";
      } catch (TimeoutError e) {
        return "inner expired, outer still running";
      }
    })));
    assertEquals("inner expired, outer still running", r);
  }

  @Test
  void timeoutOutsideATaskIsRefused() {
    loop.callSoon(() -> {
      try {
        timeout(1.0, () -> null);
      } catch (IllegalStateException e) {
        assertEquals("Timeout should be used inside a task", e.getMessage());
        loop.stop();
        return;
      }
      throw new AssertionError("expected a refusal");
    });
    loop.runForever();
  }

  @Test
  void anOuterCancellationIsNotTurnedIntoATimeout() {
    Task<String> t = loop.createTask(async(() -> timeout(5.0, () -> {
      await(sleep(10));
      return "x";
    })));
    loop.callLater(0.02, t::cancel);
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(t));
    assertTrue(t.cancelled());
  }

  @Test
  void timeoutReprShowsItsState() {
    String r = loop.runUntilComplete(async(() -> timeout(1.0, t -> t.toString())));
    assertTrue(r.matches("<Timeout \\[active\\] when=[0-9.]+>"), r);
  }
}
