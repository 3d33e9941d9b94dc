package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatherTest extends LoopTestBase {

  static Coroutine<String> after(double seconds, String value) {
    return async(() -> {
      await(sleep(seconds));
      return value;
    });
  }

  @Test
  void gatherKeepsArgumentOrder() {
    List<Object> r = loop.runUntilComplete(gather(after(0.05, "slow"), after(0.0, "fast"), after(0.02, "middle")));
    assertEquals(List.of("slow", "fast", "middle"), r);
  }

  @Test
  void gatherOfAListIsTypedByItsElements() {
    List<Coroutine<String>> coros = List.of(after(0.01, "a"), after(0.0, "b"));
    List<String> r = loop.runUntilComplete(gather(coros));
    assertEquals(List.of("a", "b"), r);
  }

  @Test
  void gatheredCoroutinesRunConcurrently() {
    List<String> seen = new ArrayList<>();
    java.util.function.Function<String, Coroutine<String>> sleeper = name -> async(() -> {
      seen.add("start " + name);
      await(sleep(0.3));
      seen.add("end " + name);
      return name;
    });
    long t0 = System.nanoTime();
    List<Object> r = loop.runUntilComplete(gather(sleeper.apply("a"), sleeper.apply("b"), sleeper.apply("c")));
    double took = since(t0);
    assertEquals(List.of("a", "b", "c"), r);
    // one after the other would be start a, end a, start b, ...: all three sleep at once
    assertEquals(List.of("start a", "start b", "start c"), seen.subList(0, 3), seen.toString());
    assertTrue(took >= 0.29, "three 0.3 s sleeps took " + took + " s");
  }

  @Test
  void firstExceptionReachesTheAwaiterAndTheOtherChildrenKeepRunning() {
    RuntimeException boom = new RuntimeException("boom");
    Task<String> survivor = loop.createTask(after(0.05, "survived"));
    Coroutine<String> failing = async(() -> {
      await(sleep(0.01));
      throw boom;
    });
    AsyncFuture<List<Object>> g = gather(survivor, failing);
    assertSame(boom, assertThrows(RuntimeException.class, () -> loop.runUntilComplete(g)));
    assertFalse(survivor.done(), "the other child is still running");
    assertEquals("survived", loop.runUntilComplete(survivor));
  }

  @Test
  void returnExceptionsPutsExceptionsInTheList() {
    IllegalArgumentException bad = new IllegalArgumentException("bad");
    Task<String> cancelled = loop.createTask(after(10, "never"));
    cancelled.cancel("stopped");
    List<Object> r = loop.runUntilComplete(gather(true, after(0.01, "ok"), async(() -> {
      throw bad;
    }), cancelled));
    assertEquals("ok", r.get(0));
    assertSame(bad, r.get(1));
    assertInstanceOf(CancelledError.class, r.get(2));
    // CPython puts CancelledError('') here: the task's own cancel() of its future carries no message
    assertEquals("", ((CancelledError) r.get(2)).getMessage());
    assertEquals("stopped", assertThrows(CancelledError.class, cancelled::result).getMessage());
  }

  @Test
  void cancellingTheGatherCancelsItsChildren() {
    Task<String> a = loop.createTask(after(10, "a"));
    Task<String> b = loop.createTask(after(10, "b"));
    AsyncFuture<List<Object>> g = gather(a, b);
    loop.callLater(0.02, () -> assertTrue(g.cancel()));
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(g));
    assertTrue(a.cancelled());
    assertTrue(b.cancelled());
    assertFalse(g.cancel(), "done gathers cannot be cancelled");
  }

  @Test
  void aCancelledChildMakesTheGatherRaiseCancelledError() {
    Task<String> a = loop.createTask(after(10, "a"));
    AsyncFuture<List<Object>> g = gather(a, after(0.01, "b"));
    loop.callLater(0.02, a::cancel);
    assertThrows(CancelledError.class, () -> loop.runUntilComplete(g));
  }

  @Test
  void emptyGatherIsDoneWithAnEmptyList() {
    AsyncFuture<List<Object>> g = gather();
    assertTrue(g.done());
    assertEquals(List.of(), g.result());
  }

  @Test
  void theSameFuturePassedTwiceIsAwaitedOnce() {
    Task<String> a = loop.createTask(after(0.01, "a"));
    assertEquals(List.of("a", "a"), loop.runUntilComplete(gather(a, a)));
  }

  @Test
  void theSameCoroutinePassedTwiceRunsOnce() {
    int[] runs = {0};
    Coroutine<String> c = async(() -> {
      runs[0]++;
      await(sleep(0.01));
      return "once";
    });
    assertEquals(List.of("once", "once"), loop.runUntilComplete(gather(c, c)));
    assertEquals(1, runs[0]);
  }

  @Test
  void aFutureOfAnotherLoopIsRefused() {
    EventLoop other = Asyncio.newEventLoop();
    try {
      AsyncFuture<String> mine = loop.createFuture();
      AsyncFuture<String> theirs = other.createFuture();
      assertThrows(IllegalArgumentException.class, () -> gather(mine, theirs));
    } finally {
      other.close();
    }
  }

  @Test
  void gatherInsideACoroutineWaitsForAllChildren() {
    List<String> log = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      List<Object> r = await(gather(after(0.02, "x"), after(0.01, "y")));
      log.add(r.toString());
    }));
    assertEquals(List.of("[x, y]"), log);
  }
}
