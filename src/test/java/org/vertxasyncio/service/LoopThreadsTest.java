package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.vertxasyncio.service.ServiceHarness.sleep;

import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.asyncio.EventLoop;

/**
 * Which threads run what: the {@code default} loop, in a Vert.x context of its own, on the HTTP server's
 * thread (a {@code POST /tasks} that names no loop is handled there from the request to the answer); every
 * other loop, configured or made through the API, on another thread.
 */
class LoopThreadsTest {
  static ServiceHarness svc;

  @BeforeAll
  static void start() throws Exception {
    svc = ServiceHarness.start(Map.of("loops", "default,batch", "store.type", "memory"));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  /** The thread that runs what is put on {@code ctx}. */
  static Thread threadOf(Context ctx) throws Exception {
    CompletableFuture<Thread> t = new CompletableFuture<>();
    ctx.runOnContext(v -> t.complete(Thread.currentThread()));
    return t.get(10, TimeUnit.SECONDS);
  }

  /** The thread that runs the callbacks of loop {@code name} (and, with the continuations runner, its coroutines). */
  static Thread loopThread(String name) throws Exception {
    EventLoop loop = svc.running.service().loops().require(name, null).loop();
    CompletableFuture<Thread> t = new CompletableFuture<>();
    loop.context().runOnContext(v -> loop.callSoon(() -> t.complete(Thread.currentThread())));
    return t.get(10, TimeUnit.SECONDS);
  }

  @Test
  void theDefaultLoopRunsOnTheHttpServersThreadInAContextOfItsOwn() throws Exception {
    Context http = svc.running.service().httpContext();
    Context loop = svc.running.service().loops().require("default", null).loop().context();
    assertNotSame(http, loop, "a context of its own");
    assertEquals(threadOf(http), threadOf(loop));
    assertEquals(threadOf(http), loopThread("default"), "its iterations run on the HTTP server's thread");
    // and a request on it is answered as ever
    JsonObject t = svc.submitAndWait(sleep(0.05).put("result", "here"), 10);
    assertEquals("here", t.getString("result"));
    assertEquals("default", t.getString("loop"));
  }

  @Test
  void everyOtherLoopRunsOnAnotherThread() throws Exception {
    Thread http = threadOf(svc.running.service().httpContext());
    assertNotEquals(http, loopThread("batch"), "a configured loop");
    svc.post("/loops", new JsonObject().put("name", "made")).expect(201);
    assertNotEquals(http, loopThread("made"), "a loop made through the API");
    JsonObject t = svc.submitAndWait(sleep(0.05).put("loop", "made").put("result", 2), 10);
    assertEquals(2, t.getInteger("result"));
  }
}
