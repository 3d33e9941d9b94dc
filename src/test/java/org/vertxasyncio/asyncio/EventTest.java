package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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

/** Ported from CPython's test_locks.EventTests. */
class EventTest extends LoopTestBase {

  /** Waits for {@code ev}, then records {@code tag}. */
  private static Coroutine<Void> waitAndRecord(Event ev, List<Integer> result, int tag) {
    return async(() -> {
      if (await(ev.await())) {
        result.add(tag);
      }
    });
  }

  @Test
  void reprShowsTheFlagAndWaiters() {
    Event ev = new Event();
    assertEquals("<Event [unset]>", ev.toString());
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t = createTask(ev.await());
      await(sleep(0));
      assertEquals("<Event [unset, waiters:1]>", ev.toString());
      ev.set();
      assertEquals("<Event [set, waiters:1]>", ev.toString());
      await(t);
    }));
    assertEquals("<Event [set]>", ev.toString());
  }

  @Test
  void setWakesEveryWaiter() {
    Event ev = new Event();
    assertFalse(ev.isSet());
    List<Integer> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      Task<Void> t1 = createTask(waitAndRecord(ev, result, 1));
      Task<Void> t2 = createTask(waitAndRecord(ev, result, 2));
      await(sleep(0));
      assertEquals(List.of(), result);

      Task<Void> t3 = createTask(waitAndRecord(ev, result, 3));
      ev.set();
      await(sleep(0));
      // t3 had not started: it finds the flag set without waiting, and runs first
      assertEquals(List.of(3, 1, 2), result);
      for (Task<Void> t : List.of(t1, t2, t3)) {
        assertTrue(t.done());
        assertNull(t.result());
      }
    }));
  }

  @Test
  void waitOnASetEventReturnsAtOnce() {
    Event ev = new Event();
    ev.set();
    assertTrue(loop.runUntilComplete(ev.await()));
    assertTrue(loop.runUntilComplete(ev.waitSet()));
  }

  @Test
  void cancelledWaitLeavesNoWaiterBehind() {
    Event ev = new Event();
    loop.runUntilComplete(async(() -> {
      Task<Boolean> wait = createTask(ev.await());
      Asyncio.getRunningLoop().callSoon(wait::cancel);
      assertThrows(CancelledError.class, () -> await(wait));
      assertEquals("<Event [unset]>", ev.toString());
    }));
  }

  @Test
  void clearResetsTheFlag() {
    Event ev = new Event();
    assertFalse(ev.isSet());
    ev.set();
    assertTrue(ev.isSet());
    ev.clear();
    assertFalse(ev.isSet());
  }

  @Test
  void waiterWokenBySetReturnsEvenIfClearedBeforeItRuns() {
    Event ev = new Event();
    List<Integer> result = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      Task<Void> t = createTask(waitAndRecord(ev, result, 1));
      await(sleep(0));
      assertEquals(List.of(), result);

      ev.set();
      ev.clear();
      assertFalse(ev.isSet());

      ev.set();
      ev.set();
      assertTrue(ev.toString().contains("waiters:1"), ev.toString());

      await(sleep(0));
      assertEquals(List.of(1), result);
      assertEquals("<Event [set]>", ev.toString());
      assertTrue(t.done());
    }));
  }

  @Test
  void clearedEventMakesNewWaitersWait() {
    Event ev = new Event();
    loop.runUntilComplete(async(() -> {
      ev.set();
      ev.clear();
      assertThrows(TimeoutError.class, () -> await(waitFor(ev.await(), 0.02)));
      assertEquals("<Event [unset]>", ev.toString());
    }));
  }

  @Test
  void eventUsedOnTwoLoopsFails() {
    Event ev = new Event();
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t = createTask(ev.await()); // waits: binds the event to this loop
      await(sleep(0));
      ev.set();
      await(t);
    }));
    ev.clear();
    EventLoop other = Asyncio.newEventLoop();
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.runUntilComplete(ev.await()));
      assertEquals("<Event [unset]> is bound to a different event loop", e.getMessage());
    } finally {
      other.close();
    }
  }
}
