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

  @Test
  void getEventLoopOnVertxCodeGivesTheLoopOfTheCurrentContext() throws Exception {
    CompletableFuture<EventLoop[]> got = new CompletableFuture<>();
    io.vertx.core.Context ctx = ((io.vertx.core.internal.VertxInternal) loop.vertx()).createEventLoopContext();
    ctx.runOnContext(v -> got.complete(new EventLoop[] {Asyncio.getEventLoop(), Asyncio.getEventLoop()}));
    EventLoop[] loops = got.get(5, TimeUnit.SECONDS);
    assertSame(loops[0], loops[1]);
    assertSame(ctx, loops[0].context());
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
    double before = loop.time();
    TimerHandle c = loop.callLater(0.06, () -> order.add("c"));
    TimerHandle a = loop.callLater(0.02, () -> order.add("a"));
    TimerHandle b = loop.callLater(0.04, () -> order.add("b"));
    loop.callLater(0.1, loop::stop);
    loop.runForever();
    assertTrue(a.when() >= before + 0.02 && b.when() >= before + 0.04 && c.when() >= before + 0.06, "when() is time() + delay");
    // in the order of their deadlines: a, b, c unless this thread stalled for 20 ms between two calls
    List<String> byDeadline = new ArrayList<>(List.of("a", "b", "c"));
    Map<String, TimerHandle> handles = Map.of("a", a, "b", b, "c", c);
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
