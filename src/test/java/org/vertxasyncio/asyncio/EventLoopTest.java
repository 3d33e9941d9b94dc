package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class EventLoopTest extends LoopTestBase {

  @Test
  void runUntilCompleteReturnsTheResult() {
    assertEquals(42, loop.runUntilComplete(async(() -> 42)));
  }

  @Test
  void runUntilCompleteThrowsTheCoroutinesOwnExceptionObject() {
    IOException boom = new IOException("boom");
    Throwable thrown = assertThrows(IOException.class, () -> loop.runUntilComplete(async(() -> {
      await(sleep(0));
      throw boom;
    })));
    assertSame(boom, thrown);
  }

  @Test
  void runUntilCompleteAcceptsAVertxFuture() {
    assertEquals("v", loop.runUntilComplete(io.vertx.core.Future.succeededFuture("v")));
  }

  @Test
  void closedLoopRefusesToRun() {
    loop.close();
    assertTrue(loop.isClosed());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(async(() -> 1)));
    assertEquals("Event loop is closed", e.getMessage());
    assertEquals("Event loop is closed", assertThrows(IllegalStateException.class, loop::runForever).getMessage());
    assertEquals("Event loop is closed", assertThrows(IllegalStateException.class, () -> loop.callSoon(() -> { })).getMessage());
    assertEquals("Event loop is closed",
        assertThrows(IllegalStateException.class, () -> loop.createTask(async(() -> 1))).getMessage());
  }

  @Test
  void closeIsIdempotent() {
    loop.close();
    loop.close();
    assertTrue(loop.isClosed());
  }

  @Test
  void runningTheSameLoopFromItsOwnCoroutineFails() {
    IllegalStateException e = loop.runUntilComplete(async(() -> {
      try {
        loop.runUntilComplete(async(() -> 1));
        return null;
      } catch (IllegalStateException ex) {
        return ex;
      }
    }));
    assertEquals("This event loop is already running", e.getMessage());
  }

  @Test
  void runningAnotherLoopFromACoroutineFails() {
    EventLoop other = Asyncio.newEventLoop();
    try {
      IllegalStateException e = loop.runUntilComplete(async(() -> {
        try {
          other.runUntilComplete(async(() -> 1));
          return null;
        } catch (IllegalStateException ex) {
          return ex;
        }
      }));
      assertEquals("Cannot run the event loop while another loop is running", e.getMessage());
    } finally {
      other.close();
    }
  }

  @Test
  void runningALoopThatRunsInAnotherThreadFails() throws Exception {
    CompletableFuture<Void> forever = CompletableFuture.runAsync(loop::runForever);
    waitUntil(loop::isRunning);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(async(() -> 1)));
    assertEquals("This event loop is already running", e.getMessage());
    assertEquals("Cannot close a running event loop", assertThrows(IllegalStateException.class, loop::close).getMessage());
    loop.stop();
    forever.get(5, TimeUnit.SECONDS);
    assertFalse(loop.isRunning());
  }

  @Test
  void runForeverOnAVertxThreadIsRefusedInsteadOfBlockingIt() throws Exception {
    CompletableFuture<String> msg = new CompletableFuture<>();
    loop.vertx().runOnContext(v -> {
      try {
        loop.runForever();
        msg.complete("ran");
      } catch (IllegalStateException e) {
        msg.complete(e.getMessage());
      }
    });
    assertTrue(msg.get(5, TimeUnit.SECONDS).startsWith("runForever() blocks the calling thread and cannot run on a Vert.x event-loop thread"));
  }

  // Vert.x code outside the loop's iterations runs on a thread other than the main thread: as in asyncio,
  // no loop is made for it (one would be a loop nobody runs), and getEventLoop() says so.
  @Test
  void getEventLoopOnVertxCodeWithNoLoopSetIsAnError() throws Exception {
    CompletableFuture<String> got = new CompletableFuture<>();
    io.vertx.core.Context ctx = ((io.vertx.core.internal.VertxInternal) loop.vertx()).createEventLoopContext();
    ctx.runOnContext(v -> {
      try {
        got.complete("gave " + Asyncio.getEventLoop());
      } catch (IllegalStateException e) {
        got.complete(e.getMessage());
      }
    });
    assertEquals("There is no current event loop in thread '" + onThreadOf(ctx) + "'.", got.get(5, TimeUnit.SECONDS));
  }

  @Test
  void getEventLoopOnVertxCodeGivesTheLoopSetThere() throws Exception {
    CompletableFuture<EventLoop> got = new CompletableFuture<>();
    io.vertx.core.Context ctx = ((io.vertx.core.internal.VertxInternal) loop.vertx()).createEventLoopContext();
    ctx.runOnContext(v -> {
      Asyncio.setEventLoop(loop);
      try {
        got.complete(Asyncio.getEventLoop());
      } finally {
        Asyncio.setEventLoop(null);
      }
    });
    assertSame(loop, got.get(5, TimeUnit.SECONDS));
  }

  @Test
  void getEventLoopInsideTheLoopGivesTheRunningLoopOnAnyThread() {
    assertSame(loop, loop.runUntilComplete(async(() -> Asyncio.getEventLoop())));
  }

  private static String onThreadOf(io.vertx.core.Context ctx) throws Exception {
    CompletableFuture<String> name = new CompletableFuture<>();
    ctx.runOnContext(v -> name.complete(Thread.currentThread().getName()));
    return name.get(5, TimeUnit.SECONDS);
  }

  @Test
  void callSoonRunsCallbacksInFifoOrder() {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      int k = i;
      loop.callSoon(() -> order.add(k));
    }
    loop.callSoon(loop::stop);
    loop.runForever();
    for (int i = 0; i < 100; i++) {
      assertEquals(i, order.get(i));
    }
  }

  @Test
  void callSoonNeverRunsInline() {
    List<String> order = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      loop.callSoon(() -> order.add("callback"));
      order.add("after callSoon");
      await(sleep(0));
      order.add("after yield");
    }));
    assertEquals(List.of("after callSoon", "callback", "after yield"), order);
  }

  @Test
  void callLaterRunsCallbacksInTimeOrder() {
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    Map<String, TimerHandle> handles = new java.util.HashMap<>();
    handles.put("c", loop.callLater(0.06, () -> order.add("c")));
    handles.put("a", loop.callLater(0.02, () -> order.add("a")));
    handles.put("b", loop.callLater(0.04, () -> order.add("b")));
    loop.callLater(0.1, loop::stop);
    loop.runForever();
    // by deadline: a, b, c, unless this thread stalled between two calls (a loaded machine) and moved a deadline
    List<String> byDeadline = new ArrayList<>(handles.keySet());
    byDeadline.sort(java.util.Comparator.comparingDouble(k -> handles.get(k).when()));
    assertEquals(byDeadline, order);
  }

  @Test
  void timersDueAtTheSameTimeRunInSchedulingOrder() {
    List<Integer> order = new ArrayList<>();
    double when = loop.time() + 0.03;
    for (int i = 0; i < 50; i++) {
      int k = i;
      loop.callAt(when, () -> order.add(k));
    }
    loop.callAt(when + 0.01, loop::stop);
    loop.runForever();
    for (int i = 0; i < 50; i++) {
      assertEquals(i, order.get(i));
    }
  }

  /** The four calls of asyncio's own example, made on the loop (in a callback). */
  private void scheduleDueTimersAndACallback(List<String> out) {
    loop.callLater(0, () -> out.add("later0"));
    loop.callSoon(() -> out.add("soon"));
    loop.callLater(-1, () -> out.add("b"));
    loop.callLater(-2, () -> out.add("past"));
    loop.callSoon(loop::stop);
  }

  // CPython 3.11-3.13: call_later(0, ...) / call_later(-1, ...) / call_at(past) go through the timer heap, which
  // an iteration empties into the ready queue behind the callbacks already there, by deadline:
  // call_later(0,'later0'); call_soon('soon'); call_later(-1,'b'); call_later(-2,'past'); run_forever()
  // gives ['soon', 'past', 'b', 'later0'].
  @Test
  void timersAlreadyDueRunAfterTheReadyCallbacksByDeadline() {
    List<String> out = Collections.synchronizedList(new ArrayList<>());
    loop.callSoon(() -> scheduleDueTimersAndACallback(out));
    loop.runForever();
    assertEquals(List.of("soon", "past", "b", "later0"), out);
  }

  @Test
  void timersAlreadyDueScheduledBeforeRunForeverRunAfterTheReadyCallbacksByDeadline() {
    List<String> out = Collections.synchronizedList(new ArrayList<>());
    scheduleDueTimersAndACallback(out); // from the test's thread, not the loop's, while the loop is stopped
    loop.runForever();
    assertEquals(List.of("soon", "past", "b", "later0"), out);
  }

  @Test
  void timersAlreadyDueScheduledFromAnotherThreadBeforeRunForeverRunAfterTheReadyCallbacksByDeadline() throws Exception {
    for (int round = 0; round < 20; round++) { // the order must not depend on how the threads interleave
      List<String> out = Collections.synchronizedList(new ArrayList<>());
      Thread t = new Thread(() -> scheduleDueTimersAndACallback(out), "scheduler");
      t.start();
      t.join();
      loop.runForever();
      assertEquals(List.of("soon", "past", "b", "later0"), out, "round " + round);
    }
  }

  @Test
  void aTimerThatCameDueDuringACallbackRunsBeforeALaterDeadlineScheduledAfterIt() {
    List<String> out = new ArrayList<>();
    loop.callSoon(() -> {
      loop.callLater(0.001, () -> out.add("due first"));
      busyWait(0.005); // the first timer comes due before the loop thread is free to notice
      loop.callLater(0, () -> out.add("due second"));
      loop.callSoon(loop::stop);
    });
    loop.runForever();
    assertEquals(List.of("due first", "due second"), out);
  }

  @Test
  void timersWithTheSameDeadlineRunInSchedulingOrderWhenOneIsAlreadyDue() {
    List<String> out = new ArrayList<>();
    loop.callSoon(() -> {
      double when = loop.time() + 0.001;
      loop.callAt(when, () -> out.add("scheduled first"));
      busyWait(0.005);
      loop.callAt(when, () -> out.add("scheduled second, already due"));
      loop.callSoon(loop::stop);
    });
    loop.runForever();
    assertEquals(List.of("scheduled first", "scheduled second, already due"), out);
  }

  @Test
  void aTimerDueNowRunsInTheNextIterationNotLater() {
    List<String> out = new ArrayList<>();
    loop.callSoon(() -> {
      loop.callLater(0, () -> out.add("timer"));
      loop.callSoon(() -> {
        out.add("iteration 2");
        loop.callSoon(() -> out.add("iteration 3"));
        loop.callSoon(loop::stop);
      });
    });
    loop.runForever();
    assertEquals(List.of("iteration 2", "timer", "iteration 3"), out);
  }

  private static void busyWait(double seconds) {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() - end < 0) {
      Thread.onSpinWait();
    }
  }

  @Test
  void timerNeverRunsBeforeItsTime() {
    double[] ranAt = new double[1];
    TimerHandle h = loop.callLater(0.05, () -> {
      ranAt[0] = loop.time();
      loop.stop();
    });
    loop.runForever();
    assertTrue(ranAt[0] >= h.when(), "ran at " + ranAt[0] + " before " + h.when());
  }

  @Test
  void cancelledCallbacksAndTimersDoNotRun() {
    List<String> ran = new ArrayList<>();
    Handle h = loop.callSoon(() -> ran.add("soon"));
    TimerHandle t = loop.callLater(0.01, () -> ran.add("later"));
    h.cancel();
    t.cancel();
    assertTrue(h.cancelled());
    assertTrue(t.cancelled());
    loop.callLater(0.05, loop::stop);
    loop.runForever();
    assertEquals(List.of(), ran);
  }

  @Test
  void loopThatIsNotRunningRunsNothing() throws Exception {
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    loop.callSoon(() -> ran.add("soon"));
    loop.callLater(0.01, () -> ran.add("timer"));
    Task<Void> task = loop.createTask(async(() -> {
      ran.add("task");
    }));
    Thread.sleep(150); // the timer comes due while the loop is stopped
    assertEquals(List.of(), ran, "nothing runs while the loop is not running");
    assertFalse(task.done());
    loop.runUntilComplete(task);
    assertEquals(List.of("soon", "task", "timer"), ran, "queued in FIFO order, the due timer after them");
  }

  @Test
  void stopFinishesTheCurrentIterationThenRunForeverReturns() {
    List<String> ran = new ArrayList<>();
    loop.callSoon(() -> {
      ran.add("first");
      loop.stop();
      loop.callSoon(() -> ran.add("next iteration"));
    });
    loop.callSoon(() -> ran.add("same iteration"));
    loop.runForever();
    assertEquals(List.of("first", "same iteration"), ran);
    loop.callSoon(loop::stop);
    loop.runForever();
    assertEquals(List.of("first", "same iteration", "next iteration"), ran);
  }

  @Test
  void stopBeforeRunForeverRunsOneIteration() {
    List<String> ran = new ArrayList<>();
    loop.stop();
    loop.callSoon(() -> {
      ran.add("a");
      loop.callSoon(() -> ran.add("b"));
    });
    loop.runForever();
    assertEquals(List.of("a"), ran);
  }

  @Test
  void stoppedLoopCanRunAgain() {
    assertEquals(1, loop.runUntilComplete(async(() -> 1)));
    assertFalse(loop.isRunning());
    assertEquals(2, loop.runUntilComplete(async(() -> 2)));
  }

  @Test
  void eventLoopStoppedBeforeFutureCompleted() {
    AsyncFuture<Integer> never = loop.createFuture();
    loop.callSoon(loop::stop);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.runUntilComplete(never));
    assertEquals("Event loop stopped before Future completed.", e.getMessage());
  }

  @Test
  void callbackErrorsGoToTheExceptionHandlerAndTheLoopKeepsRunning() {
    List<Map<String, Object>> reported = new ArrayList<>();
    loop.setExceptionHandler((l, c) -> reported.add(c));
    RuntimeException boom = new RuntimeException("boom");
    loop.callSoon(() -> {
      throw boom;
    });
    assertEquals("still running", loop.runUntilComplete(async(() -> {
      await(sleep(0.01));
      return "still running";
    })));
    assertEquals(1, reported.size());
    assertSame(boom, reported.get(0).get("exception"));
    assertTrue(reported.get(0).get("message").toString().startsWith("Exception in callback "));
    assertTrue(reported.get(0).containsKey("handle"));
  }

  @Test
  void defaultExceptionHandlerLogsToTheAsyncioLogger() {
    ListAppender<ILoggingEvent> logs = capture();
    try {
      loop.callSoon(() -> {
        throw new IllegalArgumentException("bad callback");
      });
      loop.runUntilComplete(async(() -> await(sleep(0.01))));
      assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().startsWith("Exception in callback")
          && e.getThrowableProxy() != null && e.getThrowableProxy().getMessage().equals("bad callback")), logs.list.toString());
    } finally {
      release(logs);
    }
  }

  @Test
  void debugModeReportsSlowCallbacks() {
    ListAppender<ILoggingEvent> logs = capture();
    try {
      loop.setDebug(true);
      assertTrue(loop.getDebug());
      loop.setSlowCallbackDuration(0.05);
      loop.callSoon(() -> {
        long end = System.nanoTime() + 80_000_000L;
        while (System.nanoTime() < end) {
          Thread.onSpinWait();
        }
      });
      loop.callSoon(loop::stop);
      loop.runForever();
      assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().matches("Executing <Handle .*> took 0\\.\\d{3} seconds")),
          logs.list.toString());
    } finally {
      release(logs);
    }
  }

  @Test
  void debugModeRefusesNonThreadsafeCallsFromOtherThreads() throws Exception {
    loop.setDebug(true);
    CompletableFuture<Void> forever = CompletableFuture.runAsync(loop::runForever);
    waitUntil(loop::isRunning);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.callSoon(() -> { }));
    assertEquals("Non-thread-safe operation invoked on an event loop other than the current one", e.getMessage());
    loop.callSoonThreadsafe(loop::stop);
    forever.get(5, TimeUnit.SECONDS);
  }

  // the queue other threads hand callbacks through is made of array chunks: thousands of callbacks, some
  // before the loop runs and some while it runs, from two threads, each thread's in its own order
  @Test
  void callbacksFromOtherThreadsRunEachInTheOrderItsThreadScheduledThem() throws Exception {
    int n = 5000;
    List<Integer> a = Collections.synchronizedList(new ArrayList<>());
    List<Integer> b = Collections.synchronizedList(new ArrayList<>());
    Thread before = new Thread(() -> {
      for (int i = 0; i < n; i++) {
        int k = i;
        loop.callSoonThreadsafe(() -> a.add(k));
      }
    });
    before.start();
    before.join();
    AsyncFuture<Void> allRan = loop.createFuture();
    Thread during = new Thread(() -> {
      for (int i = 0; i < n; i++) {
        int k = i;
        loop.callSoonThreadsafe(() -> b.add(k));
      }
      loop.callSoonThreadsafe(() -> allRan.setResult(null));
    });
    loop.callSoon(during::start);
    loop.runUntilComplete(allRan);
    during.join();
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      expected.add(i);
    }
    assertEquals(expected, a);
    assertEquals(expected, b);
  }

  // room grown for a burst of tasks is kept while bursts of that size go on, and given back after a spell
  // that used a quarter of it or less
  @Test
  void theRoomForLiveTasksIsKeptForBurstsOfTheSameSizeAndGivenBackAfterASmallSpell() {
    org.vertxasyncio.asyncio.impl.VertxEventLoop vl = (org.vertxasyncio.asyncio.impl.VertxEventLoop) loop;
    java.util.function.IntConsumer burst = n -> loop.runUntilComplete(Asyncio.async(() -> {
      List<Task<Integer>> tasks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        tasks.add(loop.createTask(Asyncio.async(() -> k)));
      }
      return Asyncio.await(Asyncio.gather(tasks));
    }));
    burst.accept(5000);
    assertEquals(0, vl.liveTaskCount());
    int grown = vl.liveTaskRoom();
    assertTrue(grown > 5000, "room for the burst: " + grown);
    burst.accept(5000);
    burst.accept(3000);
    assertEquals(grown, vl.liveTaskRoom(), "bursts that use more than a quarter of the room keep it");
    burst.accept(100);
    assertTrue(vl.liveTaskRoom() < 1024, "a spell of 101 tasks gives the room back: " + vl.liveTaskRoom());
    burst.accept(5000);
    assertEquals(0, vl.liveTaskCount());
    assertEquals(grown, vl.liveTaskRoom(), "and a burst grows it again");
  }

  // a task's place among the loop's live tasks is given back when it ends, and handed out again
  @Test
  void tasksThatEndInAnyOrderLeaveTheLiveTasksRight() {
    org.vertxasyncio.asyncio.impl.VertxEventLoop vl = (org.vertxasyncio.asyncio.impl.VertxEventLoop) loop;
    for (int round = 0; round < 3; round++) {
      int n = 3000;
      List<AsyncFuture<Void>> gates = new ArrayList<>();
      List<Task<Integer>> tasks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        AsyncFuture<Void> gate = loop.createFuture();
        gates.add(gate);
        int k = i;
        tasks.add(loop.createTask(Asyncio.async(() -> {
          Asyncio.await(gate);
          return k;
        })));
      }
      assertEquals(n, vl.liveTaskCount());
      loop.runUntilComplete(Asyncio.async(() -> {
        for (int i = n - 1; i >= 0; i -= 2) { // every other one, from the last
          gates.get(i).setResult(null);
        }
        Asyncio.await(Asyncio.sleep(0));
        Asyncio.await(Asyncio.sleep(0));
      }));
      assertEquals(n / 2, vl.liveTaskCount());
      assertEquals(n / 2, vl.liveTasks().size());
      for (Task<?> t : vl.liveTasks()) {
        assertFalse(t.done());
      }
      Task<Integer> extra = loop.createTask(Asyncio.async(() -> -1)); // takes a slot a finished task gave back
      assertEquals(n / 2 + 1, vl.liveTaskCount());
      assertEquals(-1, loop.runUntilComplete(extra));
      for (AsyncFuture<Void> g : gates) {
        if (!g.done()) {
          g.setResult(null);
        }
      }
      loop.runUntilComplete(Asyncio.gather(tasks));
      assertEquals(0, vl.liveTaskCount());
      for (int i = 0; i < n; i++) {
        assertEquals(i, tasks.get(i).result());
      }
    }
  }

  @Test
  void callSoonThreadsafeWakesTheLoopFromAnotherThread() throws Exception {
    AsyncFuture<String> f = loop.createFuture();
    Thread other = new Thread(() -> {
      try {
        Thread.sleep(30);
      } catch (InterruptedException ignored) {
        // ends the thread
      }
      loop.callSoonThreadsafe(() -> f.setResult("from another thread"));
    });
    other.start();
    assertEquals("from another thread", loop.runUntilComplete(f));
    other.join();
  }

  @Test
  void timeIsMonotonicSeconds() throws Exception {
    double t0 = loop.time();
    Thread.sleep(20);
    double t1 = loop.time();
    assertTrue(t1 - t0 >= 0.015 && t1 - t0 < 5, "elapsed " + (t1 - t0));
  }

  @Test
  void runInExecutorRunsOffTheEventLoop() {
    String[] threads = new String[2];
    String result = loop.runUntilComplete(async(() -> {
      threads[0] = Thread.currentThread().getName();
      return await(loop.runInExecutor(() -> {
        threads[1] = Thread.currentThread().getName();
        return "computed";
      }));
    }));
    assertEquals("computed", result);
    assertNotEquals(threads[0], threads[1]);
    assertTrue(threads[1].startsWith("vert.x-worker-thread"), threads[1]);
  }

  @Test
  void runInExecutorPassesTheFunctionsException() {
    IOException io = new IOException("disk");
    Throwable t = assertThrows(IOException.class, () -> loop.runUntilComplete(loop.runInExecutor(() -> {
      throw io;
    })));
    assertSame(io, t);
  }

  @Test
  void reprShowsTheState() {
    assertEquals("<VertxEventLoop running=False closed=False debug=False>", loop.toString());
    loop.close();
    assertEquals("<VertxEventLoop running=False closed=True debug=False>", loop.toString());
  }

  @Test
  void callLaterRejectsNaN() {
    assertEquals("Invalid delay: NaN (not a number)",
        assertThrows(IllegalArgumentException.class, () -> loop.callLater(Double.NaN, () -> { })).getMessage());
  }

  @Test
  void startRunsTheLoopWithoutBlockingAndItsFutureCompletesOnStop() throws Exception {
    io.vertx.core.Future<Void> stopped = loop.start();
    assertTrue(loop.isRunning());
    CountDownLatch ran = new CountDownLatch(1);
    loop.callSoonThreadsafe(ran::countDown);
    assertTrue(ran.await(5, TimeUnit.SECONDS));
    loop.stop();
    stopped.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertFalse(loop.isRunning());
  }

  @Test
  void stopFromVertxCodeOnTheLoopsOwnContextStopsAnIdleLoop() throws Exception {
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    loop.context().runOnContext(v -> loop.start().onComplete(ar -> stopped.complete(null)));
    waitUntil(loop::isRunning);
    loop.context().runOnContext(v -> loop.stop());
    stopped.get(5, TimeUnit.SECONDS);
    assertFalse(loop.isRunning());
  }

  @Test
  void aLongIterationLetsVertxRunInBetweenButKeepsItsBoundary() {
    int n = 300;
    int[] done = {0};
    int[] seenByVertxTimer = {-1};
    List<String> order = new ArrayList<>();
    loop.callSoon(() -> {
      // a plain Vert.x timer on the loop's own context, due while the iteration below is running
      ((io.vertx.core.internal.ContextInternal) loop.context()).setTimer(50, id -> seenByVertxTimer[0] = done[0]);
      loop.callSoon(() -> order.add("next iteration"));
    });
    for (int i = 0; i < n; i++) {
      loop.callSoon(() -> {
        long end = System.nanoTime() + 1_000_000L;
        while (System.nanoTime() < end) {
          Thread.onSpinWait();
        }
        done[0]++;
        if (done[0] == n) {
          order.add("iteration done");
        }
      });
    }
    loop.callSoon(() -> loop.callSoon(loop::stop));
    loop.runForever();
    assertTrue(seenByVertxTimer[0] >= 0 && seenByVertxTimer[0] < n,
        "the Vert.x timer ran only after the whole iteration: " + seenByVertxTimer[0]);
    assertEquals(List.of("iteration done", "next iteration"), order);
  }

  static void waitUntil(java.util.function.BooleanSupplier cond) throws InterruptedException {
    long end = System.nanoTime() + 5_000_000_000L;
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met in 5 s");
      }
      Thread.sleep(5);
    }
  }

  static ListAppender<ILoggingEvent> capture() {
    Logger logger = (Logger) LoggerFactory.getLogger("asyncio");
    ListAppender<ILoggingEvent> app = new ListAppender<>();
    app.start();
    logger.addAppender(app);
    return app;
  }

  static void release(ListAppender<ILoggingEvent> app) {
    ((Logger) LoggerFactory.getLogger("asyncio")).detachAppender(app);
  }
}
