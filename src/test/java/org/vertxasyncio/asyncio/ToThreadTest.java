package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;
import static org.vertxasyncio.asyncio.Asyncio.toThread;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@code asyncio.to_thread} and {@code loop.shutdown_default_executor} (checked against CPython 3.11;
 * the timeout of {@code shutdown_default_executor} is 3.12's, read from its Lib/asyncio/base_events.py).
 */
class ToThreadTest extends LoopTestBase {

  @Test
  void toThreadRunsTheFunctionOffTheLoopAndGivesItsResult() {
    String[] threads = loop.runUntilComplete(async(() -> {
      String loopThread = Thread.currentThread().getName();
      String worker = await(toThread(() -> Thread.currentThread().getName()));
      return new String[] {loopThread, worker};
    }));
    assertFalse(threads[0].equals(threads[1]), threads[0] + " / " + threads[1]);
  }

  @Test
  void toThreadPassesTheFunctionsExceptionAsItIs() {
    java.io.IOException boom = new java.io.IOException("boom");
    assertSame(boom, assertThrows(java.io.IOException.class, () -> loop.runUntilComplete(toThread(() -> {
      throw boom;
    }))));
  }

  @Test
  void toThreadKeepsTheCallersContext() {
    ContextVar<String> var = new ContextVar<>("var", "unset");
    List<String> seen = loop.runUntilComplete(async(() -> {
      var.set("in the task");
      String inThread = await(toThread(() -> {
        String before = var.get();
        var.set("set in the thread"); // in the copy: not seen by the task
        return before;
      }));
      return List.of(inThread, var.get());
    }));
    assertEquals(List.of("in the task", "in the task"), seen);
  }

  @Test
  void toThreadIsACoroutineThatRunsNothingUntilAwaited() throws Exception {
    CountDownLatch ran = new CountDownLatch(1);
    Coroutine<Void> c = toThread(() -> {
      ran.countDown();
      return null;
    });
    assertFalse(ran.await(50, TimeUnit.MILLISECONDS));
    loop.runUntilComplete(c);
    assertTrue(ran.await(5, TimeUnit.SECONDS));
  }

  @Test
  void shutdownDefaultExecutorWaitsForTheCallsThenRefusesNewOnes() {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    loop.runUntilComplete(async(() -> {
      AsyncFuture<String> call = loop.runInExecutor(() -> {
        Thread.sleep(100);
        log.add("call done");
        return "x";
      });
      await(loop.shutdownDefaultExecutor());
      log.add("shut down");
      assertEquals("x", await(call));
    }));
    assertEquals(List.of("call done", "shut down"), log);
    assertEquals("Executor shutdown has been called",
        assertThrows(IllegalStateException.class, () -> loop.runInExecutor(() -> 1)).getMessage());
    assertEquals("no error", loop.runUntilComplete(async(() -> {
      await(loop.runInExecutor(Runnable::run, () -> 1)); // an executor given explicitly is still fine
      return "no error";
    })));
  }

  @Test
  void shutdownDefaultExecutorShutsDownAnExecutorTheLoopWasGiven() {
    ExecutorService pool = Executors.newFixedThreadPool(1);
    loop.setDefaultExecutor(pool);
    assertEquals(5, loop.runUntilComplete(async(() -> {
      int r = await(loop.runInExecutor(() -> 5));
      await(loop.shutdownDefaultExecutor());
      return r;
    })));
    assertTrue(pool.isTerminated());
  }

  @Test
  void shutdownDefaultExecutorGivesUpAfterItsTimeoutWithAWarning() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger("asyncio");
    ListAppender<ILoggingEvent> app = new ListAppender<>();
    app.start();
    logger.addAppender(app);
    CountDownLatch release = new CountDownLatch(1);
    try {
      double took = loop.runUntilComplete(async(() -> {
        loop.runInExecutor(() -> release.await(10, TimeUnit.SECONDS));
        double t0 = loop.time();
        await(loop.shutdownDefaultExecutor(0.05));
        return loop.time() - t0;
      }));
      assertTrue(took < 5, "returned after its timeout, not after the call: " + took);
      assertTrue(app.list.stream().anyMatch(e -> e.getFormattedMessage()
          .equals("The executor did not finishing joining its threads within 0.05 seconds.")), app.list.toString());
    } finally {
      release.countDown();
      logger.detachAppender(app);
    }
  }

  @Test
  void shutdownDefaultExecutorWithNothingToJoinReturnsAtOnce() {
    loop.runUntilComplete(loop.shutdownDefaultExecutor());
    assertThrows(IllegalStateException.class, () -> loop.runInExecutor(() -> 1));
  }
}
