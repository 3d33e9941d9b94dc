package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class AsyncFutureTest extends LoopTestBase {

  @Test
  void resultOfAPendingFutureIsNotSet() {
    AsyncFuture<Integer> f = loop.createFuture();
    assertFalse(f.done());
    assertEquals("Result is not set.", assertThrows(InvalidStateError.class, f::result).getMessage());
    assertEquals("Exception is not set.", assertThrows(InvalidStateError.class, f::exception).getMessage());
  }

  @Test
  void setResultFinishesTheFuture() {
    AsyncFuture<Integer> f = loop.createFuture();
    f.setResult(7);
    assertTrue(f.done());
    assertFalse(f.cancelled());
    assertEquals(7, f.result());
    assertNull(f.exception());
    assertEquals(AsyncFuture.State.FINISHED, f.state());
  }

  @Test
  void secondSetResultIsAnInvalidState() {
    AsyncFuture<Integer> f = loop.createFuture();
    f.setResult(1);
    InvalidStateError e = assertThrows(InvalidStateError.class, () -> f.setResult(2));
    assertEquals("FINISHED: <AsyncFuture finished result=1>", e.getMessage());
    assertThrows(InvalidStateError.class, () -> f.setException(new RuntimeException()));
  }

  @Test
  void setExceptionMakesResultThrowTheSameObject() {
    AsyncFuture<Integer> f = loop.createFuture();
    Exception boom = new Exception("checked boom");
    f.setException(boom);
    assertSame(boom, assertThrows(Exception.class, f::result));
    assertSame(boom, f.exception());
  }

  @Test
  void cancelReturnsTrueOnceThenFalse() {
    AsyncFuture<Integer> f = loop.createFuture();
    assertTrue(f.cancel());
    assertFalse(f.cancel());
    assertTrue(f.cancelled());
    assertTrue(f.done());
    assertThrows(CancelledError.class, f::result);
    assertThrows(CancelledError.class, f::exception);
  }

  @Test
  void cancelOfADoneFutureReturnsFalse() {
    AsyncFuture<Integer> f = loop.createFuture();
    f.setResult(1);
    assertFalse(f.cancel());
    assertFalse(f.cancelled());
  }

  @Test
  void cancelMessageReachesTheCancelledError() {
    AsyncFuture<Integer> f = loop.createFuture();
    f.cancel("no longer needed");
    assertEquals("no longer needed", assertThrows(CancelledError.class, f::result).getMessage());
  }

  @Test
  void doneCallbacksRunInRegistrationOrderThroughTheLoop() {
    AsyncFuture<Integer> f = loop.createFuture();
    List<String> order = new ArrayList<>();
    f.addDoneCallback(x -> order.add("first " + x.result()));
    f.addDoneCallback(x -> order.add("second " + x.result()));
    f.addDoneCallback(x -> order.add("third " + x.result()));
    loop.callSoon(() -> {
      f.setResult(5);
      order.add("set");
    });
    loop.runUntilComplete(async(() -> await(sleep(0.01))));
    assertEquals(List.of("set", "first 5", "second 5", "third 5"), order);
  }

  @Test
  void doneCallbackOnADoneFutureIsScheduledNotCalledInline() {
    AsyncFuture<Integer> f = loop.createFuture();
    f.setResult(1);
    List<String> order = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      f.addDoneCallback(x -> order.add("callback"));
      order.add("after add");
      await(sleep(0));
      order.add("after yield");
    }));
    assertEquals(List.of("after add", "callback", "after yield"), order);
  }

  @Test
  void doneCallbackGetsTheFuture() {
    AsyncFuture<Integer> f = loop.createFuture();
    AsyncFuture<?>[] got = new AsyncFuture<?>[1];
    f.addDoneCallback(x -> got[0] = x);
    f.setResult(3);
    loop.runUntilComplete(async(() -> await(sleep(0))));
    assertSame(f, got[0]);
  }

  @Test
  void removeDoneCallbackReturnsHowManyItRemoved() {
    AsyncFuture<Integer> f = loop.createFuture();
    List<String> ran = new ArrayList<>();
    Consumer<AsyncFuture<Integer>> a = x -> ran.add("a");
    Consumer<AsyncFuture<Integer>> b = x -> ran.add("b");
    f.addDoneCallback(a);
    f.addDoneCallback(b);
    f.addDoneCallback(a);
    assertEquals(2, f.removeDoneCallback(a));
    assertEquals(0, f.removeDoneCallback(a));
    f.setResult(1);
    loop.runUntilComplete(async(() -> await(sleep(0))));
    assertEquals(List.of("b"), ran);
  }

  // a future's only done callback is queued as the future itself: it is no longer the future's, it runs
  // in a new empty context, and its error reaches the exception handler with a handle that names it
  @Test
  void aLoneDoneCallbackLeavesTheFutureRunsInAFreshContextAndReportsItsError() {
    ContextVar<String> var = new ContextVar<>("var", "unset");
    List<Object> seen = new ArrayList<>();
    loop.setExceptionHandler((l, c) -> seen.add(c.get("message") + " | " + c.get("exception") + " | " + c.get("handle")));
    AsyncFuture<Integer> a = loop.createFuture();
    AsyncFuture<Integer> b = loop.createFuture();
    AsyncFuture<Integer> c = loop.createFuture();
    Consumer<AsyncFuture<Integer>> setter = x -> {
      var.set("set by a's callback");
      seen.add("a's callback");
    };
    a.addDoneCallback(setter);
    b.addDoneCallback(x -> seen.add("b's callback sees " + var.get()));
    c.addDoneCallback(x -> {
      throw new IllegalStateException("c's callback failed");
    });
    a.setResult(1);
    assertEquals(List.of(), a.callbacks());
    assertEquals(0, a.removeDoneCallback(setter));
    assertFalse(a.toString().contains("cb="), a.toString());
    b.setResult(2);
    c.setResult(3);
    loop.runUntilComplete(async(() -> await(sleep(0))));
    assertEquals(3, seen.size(), seen.toString());
    assertEquals("a's callback", seen.get(0));
    assertEquals("b's callback sees unset", seen.get(1));
    String report = (String) seen.get(2);
    assertTrue(report.startsWith("Exception in callback "), report);
    assertTrue(report.contains(" | java.lang.IllegalStateException: c's callback failed | <Handle "), report);
    assertTrue(report.endsWith("(<AsyncFuture finished result=3>)>"), report);
  }

  @Test
  void aTaskWakesUpInTheIterationAfterItsFutureIsSetInFifoOrderWithOtherCallbacks() {
    List<String> order = new ArrayList<>();
    AsyncFuture<Integer> f = loop.createFuture();
    Task<Integer> t = loop.createTask(async(() -> {
      order.add("waits");
      int v = await(f);
      order.add("woke up with " + v);
      return v;
    }));
    loop.callSoon(() -> loop.callSoon(() -> {
      f.setResult(7);
      order.add("set");
      loop.callSoon(() -> order.add("callback scheduled after the result"));
    }));
    assertEquals(7, loop.runUntilComplete(t));
    loop.runUntilComplete(async(() -> await(sleep(0))));
    assertEquals(List.of("waits", "set", "woke up with 7", "callback scheduled after the result"), order);
  }

  @Test
  void cancelSchedulesTheCallbacks() {
    AsyncFuture<Integer> f = loop.createFuture();
    List<Boolean> ran = new ArrayList<>();
    f.addDoneCallback(x -> ran.add(x.cancelled()));
    f.cancel();
    loop.runUntilComplete(async(() -> await(sleep(0))));
    assertEquals(List.of(true), ran);
  }

  @Test
  void reprShowsStateResultAndException() {
    AsyncFuture<String> f = loop.createFuture();
    assertEquals("<AsyncFuture pending>", f.toString());
    f.addDoneCallback(x -> { });
    assertTrue(f.toString().startsWith("<AsyncFuture pending cb=["), f.toString());
    f.setResult("ok");
    assertEquals("<AsyncFuture finished result='ok'>", f.toString());
    AsyncFuture<String> g = loop.createFuture();
    g.setException(new IllegalArgumentException("bad"));
    assertEquals("<AsyncFuture finished exception=IllegalArgumentException('bad')>", g.toString());
    AsyncFuture<String> h = loop.createFuture();
    h.cancel();
    assertEquals("<AsyncFuture cancelled>", h.toString());
  }

  @Test
  void asVertxFutureCompletesWithTheResult() throws Exception {
    AsyncFuture<String> f = loop.createFuture();
    Future<String> vf = f.asVertxFuture();
    assertSame(vf, f.asVertxFuture());
    loop.callSoon(() -> f.setResult("done"));
    loop.runUntilComplete(f);
    assertEquals("done", vf.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
  }

  @Test
  void asVertxFutureFailsWithTheExceptionOrCancellation() throws Exception {
    AsyncFuture<String> f = loop.createFuture();
    AsyncFuture<String> c = loop.createFuture();
    Future<String> vf = f.asVertxFuture();
    Future<String> vc = c.asVertxFuture();
    IllegalStateException boom = new IllegalStateException("boom");
    f.setException(boom);
    c.cancel();
    loop.runUntilComplete(async(() -> await(sleep(0.01))));
    assertSame(boom, vf.cause());
    assertTrue(vc.cause() instanceof CancelledError);
  }

  @Test
  void ensureFutureTakesAVertxFutureIn() {
    Promise<String> p = Promise.promise();
    AsyncFuture<String> f = Asyncio.ensureFuture(p.future(), loop);
    assertFalse(f.done());
    loop.callLater(0.01, () -> p.complete("from vert.x"));
    assertEquals("from vert.x", loop.runUntilComplete(f));
    Promise<String> q = Promise.promise();
    AsyncFuture<String> g = Asyncio.ensureFuture(q.future(), loop);
    RuntimeException boom = new RuntimeException("vert.x failure");
    new Thread(() -> q.fail(boom)).start();
    assertSame(boom, assertThrows(RuntimeException.class, () -> loop.runUntilComplete(g)));
  }

  @Test
  void ensureFutureOfAFutureIsThatFuture() {
    AsyncFuture<String> f = loop.createFuture();
    assertSame(f, Asyncio.ensureFuture(f));
    EventLoop other = Asyncio.newEventLoop();
    try {
      assertEquals("The future belongs to a different loop than the one specified as the loop argument",
          assertThrows(IllegalArgumentException.class, () -> Asyncio.ensureFuture(f, other)).getMessage());
    } finally {
      other.close();
    }
  }
}
