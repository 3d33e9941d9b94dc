package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.asyncFuture;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.ensureFuture;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskTest extends LoopTestBase {

  @Test
  void coroutineRunsNothingUntilAwaitedOrScheduled() {
    List<String> ran = new ArrayList<>();
    Coroutine<Void> c = async(() -> {
      ran.add("ran");
    });
    assertEquals(List.of(), ran);
    assertFalse(c.started());
    loop.runUntilComplete(c);
    assertEquals(List.of("ran"), ran);
  }

  @Test
  void coroutineRunsAtMostOnce() {
    Coroutine<Integer> c = async(() -> 1);
    assertEquals(1, loop.runUntilComplete(c));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(c));
    assertEquals("cannot reuse already awaited coroutine", e.getMessage());
    Coroutine<Integer> d = async(() -> 2);
    IllegalStateException e2 = loop.runUntilComplete(async(() -> {
      await(d);
      try {
        await(d);
        return null;
      } catch (IllegalStateException ex) {
        return ex;
      }
    }));
    assertEquals("cannot reuse already awaited coroutine", e2.getMessage());
  }

  @Test
  void awaitingACoroutineRunsItInlineInTheSameTask() {
    Task<?>[] tasks = new Task<?>[2];
    Coroutine<Void> inner = async(() -> {
      tasks[1] = Asyncio.currentTask();
    });
    loop.runUntilComplete(async(() -> {
      tasks[0] = Asyncio.currentTask();
      await(inner);
    }));
    assertSame(tasks[0], tasks[1]);
  }

  @Test
  void taskNamesDefaultToTaskN() {
    Task<Integer> a = loop.createTask(async(() -> 1));
    Task<Integer> b = loop.createTask(async(() -> 1), "custom");
    assertTrue(a.getName().matches("Task-\\d+"), a.getName());
    assertEquals("custom", b.getName());
    b.setName("renamed");
    assertEquals("renamed", b.getName());
    loop.runUntilComplete(Asyncio.gather(a, b));
  }

  @Test
  void cancelDeliversCancelledErrorAtTheCurrentAwaitWhereItCanBeCaught() {
    Task<String> t = loop.createTask(async(() -> {
      try {
        await(sleep(10));
        return "slept";
      } catch (CancelledError e) {
        return "caught: " + e.getMessage();
      }
    }));
    loop.callLater(0.02, () -> assertTrue(t.cancel("stop now")));
    assertEquals("caught: stop now", loop.runUntilComplete(t));
    assertFalse(t.cancelled());
  }

  @Test
  void uncaughtCancellationEndsTheTaskCancelled() {
    Task<String> t = loop.createTask(async(() -> {
      await(sleep(10));
      return "slept";
    }));
    loop.callLater(0.02, t::cancel);
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(t));
    assertTrue(t.cancelled());
    assertFalse(t.cancel());
  }

  @Test
  void cancelOfADoneTaskReturnsFalse() {
    Task<Integer> t = loop.createTask(async(() -> 1));
    loop.runUntilComplete(t);
    assertFalse(t.cancel());
  }

  @Test
  void cancelBeforeTheFirstStepCancelsWithoutRunningTheBody() {
    List<String> ran = new ArrayList<>();
    Task<Void> t = loop.createTask(async(() -> {
      ran.add("body");
    }));
    assertTrue(t.cancel());
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(t));
    assertTrue(t.cancelled());
    assertEquals(List.of(), ran);
  }

  @Test
  void cancellingAnAwaitedTaskCancelsTheAwaitingOne() {
    Task<Void> inner = loop.createTask(async(() -> await(sleep(10))));
    Task<Void> outer = loop.createTask(async(() -> await(inner)));
    loop.callLater(0.02, () -> inner.cancel());
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(outer));
    assertTrue(inner.cancelled());
    assertTrue(outer.cancelled());
  }

  @Test
  void cancellingTheAwaitingTaskCancelsTheAwaitedTask() {
    Task<Void> inner = loop.createTask(async(() -> await(sleep(10))));
    Task<Void> outer = loop.createTask(async(() -> await(inner)));
    loop.callLater(0.02, () -> outer.cancel());
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(outer));
    loop.runUntilComplete(async(() -> await(sleep(0))));
    assertTrue(inner.cancelled());
  }

  @Test
  void cancellingAndUncancellingCountRequests() {
    Task<Void> t = loop.createTask(async(() -> await(sleep(10))));
    assertEquals(0, t.cancelling());
    t.cancel();
    t.cancel();
    assertEquals(2, t.cancelling());
    assertEquals(1, t.uncancel());
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(t));
  }

  @Test
  void uncancelToZeroForgetsAPendingCancellation() {
    Task<String> t = loop.createTask(async(() -> "finished"));
    t.cancel();
    assertEquals(0, t.uncancel());
    assertEquals("finished", loop.runUntilComplete(t));
  }

  // the cancel counter and the flags share one field: many requests, a kept context and a withdrawn
  // cancellation do not disturb each other
  @Test
  void manyCancelRequestsAKeptContextAndUncancelKeepTheirOwnCounts() {
    ContextVar<String> var = new ContextVar<>("var", "unset");
    Task<String> t = loop.createTask(async(() -> {
      var.set("kept");
      await(sleep(0));
      return var.get();
    }));
    ContextVars ctx = t.getContext(); // asked for before the task runs: it is the task's for good
    for (int i = 1; i <= 1000; i++) {
      t.cancel();
      assertEquals(i, t.cancelling());
    }
    for (int i = 999; i >= 0; i--) {
      assertEquals(i, t.uncancel());
    }
    assertEquals(0, t.uncancel());
    assertSame(ctx, t.getContext());
    assertEquals("kept", loop.runUntilComplete(t), "the withdrawn cancellation never reached it");
    assertEquals("kept", ctx.get(var));
  }

  // a coroutine's value may be an exception object: it is its result, not its error
  @Test
  void aCoroutineThatReturnsAnExceptionFinishesWithItAsItsResult() {
    IOException value = new IOException("a value");
    Task<IOException> t = loop.createTask(async(() -> {
      await(sleep(0));
      return value;
    }));
    assertSame(value, loop.runUntilComplete(t));
    assertNull(t.exception());
    assertEquals("v", loop.runUntilComplete(async(() -> await(sleep(0.001, "v")))));
    assertNull(loop.runUntilComplete(async(() -> await(sleep(0.001)))));
  }

  @Test
  void checkedExceptionsKeepTheirIdentity() {
    IOException io = new IOException("io");
    Task<Void> t = loop.createTask(async(() -> {
      await(sleep(0));
      throw io;
    }));
    assertSame(io, assertThrows(IOException.class, () -> loop.runUntilComplete(t)));
    assertSame(io, t.exception());
  }

  @Test
  void stackOverflowInACoroutineReachesItsTaskAndTheLoopSurvives() {
    Task<Integer> t = loop.createTask(async(() -> recurse(0)));
    assertThrows(StackOverflowError.class, () -> loop.runUntilComplete(t));
    assertEquals(1, loop.runUntilComplete(async(() -> 1)));
  }

  private static int recurse(int n) {
    return recurse(n + 1) + 1;
  }

  @Test
  void taskCannotAwaitItself() {
    @SuppressWarnings("unchecked")
    Task<Object>[] self = new Task[1];
    self[0] = loop.createTask(async(() -> await(self[0])));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(self[0]));
    assertTrue(e.getMessage().startsWith("Task cannot await on itself: <Task"), e.getMessage());
  }

  @Test
  void awaitingAFutureOfAnotherLoopFails() {
    EventLoop other = Asyncio.newEventLoop();
    try {
      AsyncFuture<Integer> foreign = other.createFuture();
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> loop.runUntilComplete(async(() -> await(foreign))));
      assertTrue(e.getMessage().contains("attached to a different loop"), e.getMessage());
    } finally {
      other.close();
    }
  }

  @Test
  void setResultOnATaskIsRefused() {
    Task<Integer> t = loop.createTask(async(() -> 1));
    assertEquals("Task does not support set_result operation",
        assertThrows(IllegalStateException.class, () -> t.setResult(2)).getMessage());
    assertEquals("Task does not support set_exception operation",
        assertThrows(IllegalStateException.class, () -> t.setException(new RuntimeException())).getMessage());
    loop.runUntilComplete(t);
  }

  @Test
  void currentTaskIsTheRunningTaskInsideAndNullInACallback() {
    Task<Task<?>> t = loop.createTask(async(() -> Asyncio.currentTask()));
    assertSame(t, loop.runUntilComplete(t));
    Task<?>[] inCallback = {t};
    loop.callSoon(() -> inCallback[0] = Asyncio.currentTask());
    loop.callSoon(loop::stop);
    loop.runForever();
    assertNull(inCallback[0]);
    assertNull(Asyncio.currentTask(loop), "current_task(loop) of a loop that is not running");
  }

  // CPython 3.11-3.13: asyncio.current_task() with no running loop raises RuntimeError('no running event loop')
  @Test
  void currentTaskWithNoRunningLoopIsAnError() {
    assertEquals("no running event loop",
        assertThrows(IllegalStateException.class, Asyncio::currentTask).getMessage());
  }

  @Test
  void allTasksListsThePendingTasksOfTheLoop() {
    Task<Void> sleeper = loop.createTask(async(() -> await(sleep(10))));
    Set<Task<?>> seen = loop.runUntilComplete(async(() -> Asyncio.allTasks()));
    assertTrue(seen.contains(sleeper));
    assertEquals(2, seen.size(), "the sleeper and the task asking");
    sleeper.cancel();
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(sleeper));
    assertEquals(Set.of(), Asyncio.allTasks(loop));
  }

  @Test
  void awaitOutsideACoroutineFailsClearly() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> await(sleep(1)));
    assertTrue(e.getMessage().startsWith("await() called outside a coroutine"), e.getMessage());
  }

  @Test
  void awaitInACallbackFailsClearly() {
    IllegalStateException[] got = new IllegalStateException[1];
    loop.callSoon(() -> {
      try {
        await(sleep(1));
      } catch (IllegalStateException e) {
        got[0] = e;
      }
      loop.stop();
    });
    loop.runForever();
    assertTrue(got[0].getMessage().startsWith("await() called outside a coroutine body"), got[0].getMessage());
  }

  @Test
  void sleepZeroGivesUpExactlyOneTurn() {
    List<String> order = new ArrayList<>();
    Coroutine<Void> a = async(() -> {
      order.add("a1");
      await(sleep(0));
      order.add("a2");
    });
    Coroutine<Void> b = async(() -> {
      order.add("b1");
      await(sleep(0));
      order.add("b2");
    });
    loop.runUntilComplete(Asyncio.gather(a, b));
    assertEquals(List.of("a1", "b1", "a2", "b2"), order);
  }

  @Test
  void sleepReturnsItsResult() {
    assertEquals("value", loop.runUntilComplete(sleep(0.01, "value")));
    assertEquals("value", loop.runUntilComplete(async(() -> await(sleep(0.01, "value")))));
  }

  @Test
  void sleepRejectsNaN() {
    assertEquals("Invalid delay: NaN (not a number)",
        assertThrows(IllegalArgumentException.class, () -> sleep(Double.NaN)).getMessage());
  }

  // the timer of a sleep awaited in a coroutine body is put on the loop by its task, in the step that
  // suspended: the next callback already sees it, and it is gone once the sleep is cancelled
  @Test
  void aSleepAwaitedInACoroutineIsTimedFromItsAwaitAndDroppedWhenCancelled() {
    org.vertxasyncio.asyncio.impl.VertxEventLoop vl = (org.vertxasyncio.asyncio.impl.VertxEventLoop) loop;
    List<Integer> scheduled = new ArrayList<>();
    Task<Double> sleeper = loop.createTask(async(() -> {
      long t0 = System.nanoTime();
      loop.callSoon(() -> scheduled.add(vl.scheduledCount()));
      await(sleep(0.05));
      return since(t0);
    }));
    assertTrue(loop.runUntilComplete(sleeper) >= 0.05);
    assertEquals(List.of(1), scheduled);
    assertEquals(0, vl.scheduledCount());

    Task<Void> cancelled = loop.createTask(async(() -> {
      await(sleep(3600));
    }));
    loop.runUntilComplete(async(() -> {
      await(sleep(0));
      scheduled.add(vl.scheduledCount());
      cancelled.cancel();
      await(sleep(0));
    }));
    assertTrue(cancelled.cancelled());
    assertEquals(List.of(1, 1), scheduled);
    assertEquals(0, vl.scheduledCount());

    Task<Void> cancelledAsItSleeps = loop.createTask(async(() -> {
      Asyncio.currentTask().cancel(); // the sleep it awaits next is cancelled in the step that starts it
      await(sleep(3600));
    }));
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(cancelledAsItSleeps));
    assertEquals(0, vl.scheduledCount());
  }

  // a sleep awaited in a coroutine that is itself awaited inline suspends the task that runs them both
  @Test
  void aSleepInsideANestedAwaitSuspendsTheOuterTaskAndCanBeCancelledThere() {
    List<String> order = new ArrayList<>();
    Coroutine<String> inner = async(() -> {
      order.add("inner sleeps");
      String v = await(sleep(0.01, "slept"));
      await(sleep(0));
      return v + " and yielded";
    });
    Task<String> outer = loop.createTask(async(() -> "outer got " + await(inner)));
    Task<Void> other = loop.createTask(async(() -> {
      order.add("other runs meanwhile");
    }));
    assertEquals("outer got slept and yielded", loop.runUntilComplete(outer));
    loop.runUntilComplete(other);
    assertEquals(List.of("inner sleeps", "other runs meanwhile"), order);

    Task<String> sleeper = loop.createTask(async(() -> await(async(() -> {
      try {
        await(sleep(3600));
        return "woke";
      } catch (CancelledError e) {
        return "cancelled inside";
      }
    }))));
    loop.callLater(0.01, sleeper::cancel);
    assertEquals("cancelled inside", loop.runUntilComplete(sleeper));
    assertEquals(0, ((org.vertxasyncio.asyncio.impl.VertxEventLoop) loop).scheduledCount());
  }

  @Test
  void sleepAsATaskNeedsNoCoroutineBody() {
    Task<String> t = (Task<String>) ensureFuture(sleep(0.01, "timer"));
    assertEquals("timer", loop.runUntilComplete(t));
  }

  @Test
  void futureStyleCoroutineTakesTheOutcomeOfItsFuture() {
    Coroutine<String> ok = asyncFuture(() -> {
      Promise<String> p = Promise.promise();
      loop.vertx().setTimer(10, id -> p.complete("vert.x result"));
      return p.future();
    });
    assertEquals("vert.x result", loop.runUntilComplete(ok));
    IOException io = new IOException("failed");
    assertSame(io, assertThrows(IOException.class, () -> loop.runUntilComplete(asyncFuture(() -> Future.failedFuture(io)))));
    assertEquals("inline", loop.runUntilComplete(async(() -> await(asyncFuture(() -> Future.succeededFuture("inline"))))));
  }

  @Test
  void futureStyleTaskCanBeCancelled() {
    Task<String> t = loop.createTask(asyncFuture(() -> Promise.<String>promise().future()));
    loop.callLater(0.01, t::cancel);
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(t));
    assertTrue(t.cancelled());
  }

  @Test
  void awaitOfAVertxFutureSuspendsWithoutBlocking() {
    Promise<String> p = Promise.promise();
    List<String> order = new ArrayList<>();
    Coroutine<Void> waiter = async(() -> {
      order.add("waiting");
      order.add(await(p.future()));
    });
    Coroutine<Void> other = async(() -> {
      order.add("other runs meanwhile");
      await(sleep(0.01));
      p.complete("completed");
    });
    loop.runUntilComplete(Asyncio.gather(waiter, other));
    assertEquals(List.of("waiting", "other runs meanwhile", "completed"), order);
  }

  @Test
  void reprShowsNameStateAndCoroutine() {
    Task<Integer> t = loop.createTask(async("compute", () -> 1), "t1");
    assertEquals("<Task pending name='t1' coro=<coroutine compute (not started)>>", t.toString());
    loop.runUntilComplete(t);
    assertEquals("<Task finished name='t1' coro=<coroutine compute> result=1>", t.toString());
  }

  @Test
  void getStackShowsWhereASuspendedCoroutineIs() {
    Task<Void> t = loop.createTask(async(() -> await(sleep(10))));
    loop.runUntilComplete(async(() -> await(sleep(0.01))));
    StackTraceElement[] stack = t.getStack();
    assertTrue(stack.length > 0);
    t.cancel();
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(t));
    assertArrayEquals(new StackTraceElement[0], t.getStack());
  }
}
