package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
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

  // ------------------------------------------------------------------ the object (CPython 3.11-3.13 agree)

  @Test
  void aTimeoutIsMadeFirstAndEnteredLater() {
    List<Object> r = loop.runUntilComplete(async(() -> {
      Timeout t = Asyncio.timeout(0.01);
      String made = t.toString();
      double when = t.when();
      try {
        t.asyncWith(tm -> {
          await(sleep(1));
          return null;
        });
        return List.<Object>of("no timeout");
      } catch (TimeoutError e) {
        return List.of(made, when > 0, t.expired(), t.toString(), e.getCause() instanceof CancelledError);
      }
    }));
    assertEquals(List.of("<Timeout [created]>", true, true, "<Timeout [expired]>", true), r);
  }

  @Test
  void rescheduleBeforeEnteringIsRefused() {
    Timeout t = Asyncio.timeoutAt(null);
    assertEquals("Timeout has not been entered", assertThrows(IllegalStateException.class, () -> t.reschedule(1.0)).getMessage());
    assertNull(t.when());
    assertFalse(t.expired());
  }

  @Test
  void afterItsBlockATimeoutCanBeReadButNotMoved() {
    List<String> r = loop.runUntilComplete(async(() -> {
      Timeout inTime = Asyncio.timeout(10.0);
      inTime.asyncWith(tm -> null);
      Timeout late = Asyncio.timeout(0.0);
      try {
        late.asyncWith(tm -> await(sleep(1)));
      } catch (TimeoutError expected) {
        // the deadline passed
      }
      return List.of(inTime.toString(), "expired=" + inTime.expired(), messageOf(() -> inTime.reschedule(null)),
          late.toString(), "expired=" + late.expired(), messageOf(() -> late.reschedule(null)));
    }));
    assertEquals(List.of("<Timeout [finished]>", "expired=false", "Cannot change state of finished Timeout",
        "<Timeout [expired]>", "expired=true", "Cannot change state of expired Timeout"), r);
  }

  @Test
  void aTimeoutCannotBeEnteredTwice() {
    String msg = loop.runUntilComplete(async(() -> {
      Timeout t = Asyncio.timeout(10.0);
      t.asyncWith(tm -> null);
      return messageOf(() -> t.asyncWith(tm -> null));
    }));
    assertEquals("Timeout has already been entered", msg);
  }

  @Test
  void timeoutNeedsARunningLoopAndTimeoutAtDoesNot() {
    assertEquals("no running event loop", assertThrows(IllegalStateException.class, () -> Asyncio.timeout(1.0)).getMessage());
    assertEquals("<Timeout [created]>", Asyncio.timeoutAt(5.0).toString());
    assertEquals("<Timeout [created]>", new Timeout(null).toString());
  }

  @Test
  void aenterAndAexitAreTheBlocksEdges() {
    List<Object> r = loop.runUntilComplete(async(() -> {
      Timeout t = new Timeout(Asyncio.getRunningLoop().time() + 0.01);
      assertSame(t, t.aenter());
      Throwable out;
      try {
        await(sleep(1));
        t.aexit(null);
        out = null;
      } catch (CancelledError e) {
        try {
          t.aexit(e);
          out = null;
        } catch (TimeoutError te) {
          out = te;
        }
      }
      return List.of(out instanceof TimeoutError, t.expired());
    }));
    assertEquals(List.of(true, true), r, "aexit turned the CancelledError into a TimeoutError");
  }

  @Test
  void aexitOfATimeoutNeverEnteredIsRefused() {
    assertEquals("Timeout has not been entered",
        assertThrows(IllegalStateException.class, () -> new Timeout(null).aexit(null)).getMessage());
  }

  private static String messageOf(Runnable r) {
    try {
      r.run();
      return "no error";
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }
}
