package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

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

  @Test
  void getEventLoopGivesThisThreadsLoopAndSetEventLoopReplacesIt() throws Exception {
    CompletableFuture<String> r = CompletableFuture.supplyAsync(() -> {
      EventLoop a = Asyncio.getEventLoop();
      EventLoop b = Asyncio.getEventLoop();
      EventLoop fresh = Asyncio.newEventLoop();
      Asyncio.setEventLoop(fresh);
      EventLoop c = Asyncio.getEventLoop();
      Asyncio.setEventLoop(null);
      a.close();
      fresh.close();
      return (a == b) + " " + (c == fresh) + " " + (a != fresh);
    });
    assertEquals("true true true", r.get(10, TimeUnit.SECONDS));
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
