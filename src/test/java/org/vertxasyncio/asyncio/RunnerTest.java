package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Runner}, checked against CPython 3.11's {@code asyncio.Runner} (3.12 and 3.13 agree on all of it). */
class RunnerTest {

  @Test
  void runRunsCoroutinesOneAfterAnotherOnOneLoop() {
    try (Runner runner = new Runner()) {
      EventLoop first = runner.run(async(() -> Asyncio.getRunningLoop()));
      EventLoop second = runner.run(async(() -> {
        await(sleep(0.01));
        return Asyncio.getRunningLoop();
      }));
      assertSame(first, second);
      assertSame(first, runner.getLoop());
      assertFalse(first.isClosed());
    }
  }

  @Test
  void getLoopMakesTheLoopAndSetsItAsTheThreadsCurrentLoop() throws Exception {
    String got = AsyncioRunTest.onThread("runner-thread", () -> {
      try (Runner runner = new Runner()) {
        EventLoop loop = runner.getLoop();
        return (Asyncio.getEventLoop() == loop) + " " + loop.isRunning();
      }
    });
    assertEquals("true false", got);
  }

  @Test
  void closeCancelsTheTasksLeftOverClosesTheLoopAndUnsetsIt() throws Exception {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    String after = AsyncioRunTest.onThread("runner-thread", () -> {
      Runner runner = new Runner();
      EventLoop loop = runner.getLoop();
      runner.run(async(() -> {
        Asyncio.createTask(async(() -> {
          try {
            await(sleep(10));
          } catch (CancelledError e) {
            log.add("cancelled at close");
            throw e;
          }
        }));
        await(sleep(0));
      }));
      runner.close();
      log.add("closed: " + loop.isClosed());
      return AsyncioRunTest.messageOf(Asyncio::getEventLoop);
    });
    assertEquals(List.of("cancelled at close", "closed: true"), log);
    assertEquals("There is no current event loop in thread 'runner-thread'.", after);
  }

  @Test
  void aClosedRunnerRunsNothing() {
    Runner runner = new Runner();
    runner.run(async(() -> 1));
    runner.close();
    runner.close(); // twice is fine
    assertEquals("Runner is closed", assertThrows(IllegalStateException.class, () -> runner.run(async(() -> 2))).getMessage());
    assertEquals("Runner is closed", assertThrows(IllegalStateException.class, runner::getLoop).getMessage());
  }

  @Test
  void closingARunnerThatMadeNoLoopLeavesItUsable() {
    Runner runner = new Runner();
    runner.close(); // asyncio: nothing to close, the runner stays as it was
    try {
      assertEquals(3, runner.run(async(() -> 3)));
    } finally {
      runner.close();
    }
  }

  @Test
  void runFromARunningLoopIsRefused() {
    try (Runner outer = new Runner(); Runner inner = new Runner()) {
      String msg = outer.run(async(() -> {
        try {
          inner.run(async(() -> 1));
          return "ran";
        } catch (IllegalStateException e) {
          return e.getMessage();
        }
      }));
      assertEquals("Runner.run() cannot be called from a running event loop", msg);
    }
  }

  @Test
  void runRefusesNull() {
    try (Runner runner = new Runner()) {
      assertEquals("a coroutine was expected, got None",
          assertThrows(IllegalArgumentException.class, () -> runner.run(null)).getMessage());
    }
  }

  @Test
  void runPassesTheCoroutinesExceptionAndTheRunnerGoesOn() {
    IllegalArgumentException boom = new IllegalArgumentException("boom");
    try (Runner runner = new Runner()) {
      assertSame(boom, assertThrows(IllegalArgumentException.class, () -> runner.run(async(() -> {
        throw boom;
      }))));
      assertEquals("still running", runner.run(async(() -> "still running")));
    }
  }

  // CPython: each run's task runs in the runner's context (copied once, when the loop was made), so a
  // variable set by one run is seen by the next
  @Test
  void theRunsShareTheRunnersContext() {
    ContextVar<String> var = new ContextVar<>("var", "unset");
    try (Runner runner = new Runner()) {
      assertEquals("one", runner.run(async(() -> {
        var.set("one");
        return var.get();
      })));
      assertEquals("one", runner.run(async(() -> var.get())));
      assertEquals("unset", var.get(), "the caller's context is not the runner's");
      ContextVars own = new ContextVars();
      assertEquals("unset", runner.run(async(() -> var.get()), own), "a context given to run is used instead");
    }
  }

  @Test
  void theLoopFactoryMakesTheLoopAndDebugIsApplied() {
    EventLoop[] made = new EventLoop[1];
    try (Runner runner = new Runner(true, () -> made[0] = Asyncio.newEventLoop())) {
      EventLoop loop = runner.getLoop();
      assertSame(made[0], loop);
      assertTrue(runner.getLoop().getDebug());
      assertTrue(runner.run(async(() -> Asyncio.getRunningLoop().getDebug())));
    }
    assertTrue(made[0].isClosed());
  }

  @Test
  void asyncioRunTakesDebugAndALoopFactory() {
    EventLoop[] made = new EventLoop[1];
    assertEquals(true, Asyncio.run(async(() -> Asyncio.getRunningLoop().getDebug()), true,
        () -> made[0] = Asyncio.newEventLoop()));
    assertTrue(made[0].isClosed());
  }

  // CPython's Runner.close() runs loop.shutdown_default_executor(): work still running in the default
  // executor (a to_thread whose awaiter was cancelled, for one) is waited for before the loop closes
  @Test
  void closeWaitsForTheDefaultExecutorsCalls() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    Thread releaser = new Thread(() -> {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
      log.add("released");
      release.countDown();
    });
    try (Runner runner = new Runner()) {
      runner.run(async(() -> {
        Task<Void> t = Asyncio.createTask(Asyncio.toThread(() -> {
          release.await(10, TimeUnit.SECONDS);
          log.add("thread done");
          return null;
        }));
        await(sleep(0.05));
        t.cancel(); // the awaiter goes; the thread's call goes on
      }));
      releaser.start();
    }
    log.add("closed");
    assertEquals(List.of("released", "thread done", "closed"), log);
  }
}
