package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AsyncioRunTest {

  @Test
  void runRunsTheCoroutineOnANewLoopAndClosesIt() {
    EventLoop[] seen = new EventLoop[1];
    String r = Asyncio.run(async(() -> {
      seen[0] = Asyncio.getRunningLoop();
      await(sleep(0.01));
      return "done";
    }));
    assertEquals("done", r);
    assertTrue(seen[0].isClosed());
  }

  @Test
  void runCancelsTheTasksItLeavesBehind() {
    List<String> log = new ArrayList<>();
    Task<?>[] leftover = new Task<?>[1];
    Asyncio.run(async(() -> {
      leftover[0] = Asyncio.createTask(async(() -> {
        try {
          await(sleep(10));
        } catch (CancelledError e) {
          log.add("cancelled at shutdown");
          throw e;
        }
      }));
      await(sleep(0));
    }));
    assertTrue(leftover[0].cancelled());
    assertEquals(List.of("cancelled at shutdown"), log);
  }

  @Test
  void runInsideARunningLoopIsRefused() {
    IllegalStateException e = Asyncio.run(async(() -> {
      try {
        Asyncio.run(async(() -> 1));
        return null;
      } catch (IllegalStateException ex) {
        return ex;
      }
    }));
    assertEquals("asyncio.run() cannot be called from a running event loop", e.getMessage());
  }

  @Test
  void runPassesTheCoroutinesExceptionThrough() {
    IllegalArgumentException boom = new IllegalArgumentException("boom");
    assertSame(boom, assertThrows(IllegalArgumentException.class, () -> Asyncio.run(async(() -> {
      throw boom;
    }))));
  }

  @Test
  void getRunningLoopOutsideALoopIsAnError() {
    assertEquals("no running event loop", assertThrows(IllegalStateException.class, Asyncio::getRunningLoop).getMessage());
  }

  // CPython 3.11-3.13: get_event_loop() in a thread other than the main thread, with no loop set, raises
  // RuntimeError("There is no current event loop in thread 'Thread-1 (t)'.")
  @Test
  void getEventLoopInAThreadWithNoLoopSetIsAnError() throws Exception {
    assertEquals("There is no current event loop in thread 'worker-1'.",
        onThread("worker-1", () -> messageOf(Asyncio::getEventLoop)));
    assertEquals("There is no current event loop in thread \"it's mine\".",
        onThread("it's mine", () -> messageOf(Asyncio::getEventLoop)), "the thread's name as Python's repr shows it");
  }

  @Test
  void getEventLoopGivesTheLoopSetOnThisThreadUntilItIsUnset() throws Exception {
    EventLoop fresh = Asyncio.newEventLoop();
    try {
      assertEquals("same loop, then: There is no current event loop in thread 'worker-2'.", onThread("worker-2", () -> {
        Asyncio.setEventLoop(fresh);
        boolean same = Asyncio.getEventLoop() == fresh && Asyncio.getEventLoop() == fresh;
        Asyncio.setEventLoop(null);
        return (same ? "same loop" : "another loop") + ", then: " + messageOf(Asyncio::getEventLoop);
      }));
    } finally {
      fresh.close();
    }
  }

  // Everything that finds a loop implicitly goes through get_event_loop(): on a thread with no loop it fails
  // at once, instead of binding the work to a loop that nobody runs (where it would wait forever).
  @Test
  void everyImplicitLoopLookupRefusesOnAThreadWithNoLoop() throws Exception {
    String expected = "There is no current event loop in thread 'worker-3'.";
    List<String> got = onThread("worker-3", () -> List.of(
        messageOf(() -> Asyncio.ensureFuture(async(() -> 1))),
        messageOf(() -> Asyncio.ensureFuture((Awaitable<Integer>) async(() -> 1))),
        messageOf(() -> Asyncio.ensureFuture(io.vertx.core.Future.succeededFuture(1))),
        messageOf(() -> Asyncio.gather()),
        messageOf(() -> Asyncio.gather(async(() -> 1), async(() -> 2))),
        messageOf(() -> Asyncio.shield(async(() -> 1))),
        messageOf(() -> Asyncio.asCompleted(List.of(async(() -> 1)), null)),
        messageOf(() -> new AsyncFuture<Integer>()),
        messageOf(() -> new Task<>(async(() -> 1)))));
    assertEquals(java.util.Collections.nCopies(got.size(), expected), got);
  }

  @Test
  void whatNeedsARunningLoopSaysThereIsNone() throws Exception {
    List<String> got = onThread("worker-4", () -> List.of(
        messageOf(Asyncio::getRunningLoop),
        messageOf(Asyncio::currentTask),
        messageOf(() -> Asyncio.createTask(async(() -> 1))),
        messageOf(Asyncio::allTasks),
        messageOf(() -> Asyncio.timeout(1.0))));
    assertEquals(java.util.Collections.nCopies(got.size(), "no running event loop"), got);
  }

  // The main thread's own rules need a JVM whose main thread has not been used yet: a process of its own.
  // CPython 3.11-3.13: the main thread's first get_event_loop() makes and sets a loop; after
  // set_event_loop(None), or after asyncio.run(), it raises like any other thread.
  @Test
  void onTheMainThreadGetEventLoopMakesALoopUntilALoopIsSet() throws Exception {
    assertEquals(List.of("same loop: true", "runs: 42",
            "after setEventLoop(null): There is no current event loop in thread 'main'."),
        runMainThreadProgram("first-use"));
  }

  @Test
  void onTheMainThreadRunLeavesNoCurrentLoop() throws Exception {
    assertEquals(List.of("run: 7", "after run: There is no current event loop in thread 'main'."),
        runMainThreadProgram("after-run"));
  }

  private static List<String> runMainThreadProgram(String mode) throws Exception {
    String javaCmd = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>(List.of(javaCmd, "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED",
        "-Dasyncio.coroutines=" + org.vertxasyncio.asyncio.impl.Runners.configured(),
        "-cp", System.getProperty("java.class.path"), MainThreadLoops.class.getName(), mode));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the program ended");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    return out.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING")).toList();
  }

  static <T> T onThread(String name, java.util.concurrent.Callable<T> body) throws Exception {
    CompletableFuture<T> out = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        out.complete(body.call());
      } catch (Throwable e) {
        out.completeExceptionally(e);
      }
    }, name);
    t.start();
    return out.get(10, TimeUnit.SECONDS);
  }

  static String messageOf(Runnable r) {
    try {
      r.run();
      return "no error";
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }

  @Test
  void isCoroutineAndIsFutureTellAsyncioObjects() {
    EventLoop loop = Asyncio.newEventLoop();
    try {
      assertTrue(Asyncio.isCoroutine(sleep(0)));
      assertTrue(Asyncio.isCoroutine(async(() -> 1)));
      assertTrue(!Asyncio.isCoroutine(loop.createFuture()));
      assertTrue(!Asyncio.isCoroutine(null));
      assertTrue(Asyncio.isFuture(loop.createFuture()));
      assertTrue(Asyncio.isFuture(loop.createTask(async(() -> 1))));
      assertTrue(!Asyncio.isFuture(async(() -> 1)), "a coroutine is not a future");
      assertTrue(!Asyncio.isFuture(io.vertx.core.Future.succeededFuture(1)), "nor is a Vert.x future (Python: a concurrent.futures.Future)");
      assertTrue(!Asyncio.isFuture("x"));
    } finally {
      loop.close();
    }
  }

  @Test
  void newEventLoopMakesADistinctLoop() {
    EventLoop a = Asyncio.newEventLoop();
    EventLoop b = Asyncio.newEventLoop();
    try {
      assertNotSame(a, b);
      assertNotSame(a.context(), b.context());
    } finally {
      a.close();
      b.close();
    }
  }

  @Test
  void runCoroutineThreadsafeSubmitsFromAnotherThread() throws Exception {
    EventLoop loop = Asyncio.newEventLoop();
    CompletableFuture<Void> forever = CompletableFuture.runAsync(loop::runForever);
    try {
      CompletableFuture<String> f = Asyncio.runCoroutineThreadsafe(async(() -> {
        await(sleep(0.01));
        return "from the loop";
      }), loop);
      assertEquals("from the loop", f.get(5, TimeUnit.SECONDS));
    } finally {
      loop.callSoonThreadsafe(loop::stop);
      forever.get(5, TimeUnit.SECONDS);
      loop.close();
    }
  }
}
