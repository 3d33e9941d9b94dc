package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * What the fast runner cannot do, and how it says so: an await that cannot suspend (a native frame on
 * the stack) fails with a clear message instead of hanging, and in debug mode an await that holds a Java
 * lock is refused. These limits belong to JDK continuations, so the tests run where the loop uses them.
 */
class PinningTest extends LoopTestBase {

  static final class AwaitsInItsStaticInitializer {
    static final String OUTCOME;

    static {
      String v;
      try {
        await(sleep(0.01));
        v = "suspended";
      } catch (IllegalStateException e) {
        v = e.getMessage();
      }
      OUTCOME = v;
    }
  }

  private void assumeContinuations() {
    assumeTrue(loop.coroutineRunner().equals("continuations"),
        "pinning is a limit of JDK continuations; the virtual-thread runner suspends here without trouble");
  }

  @Test
  void awaitThatCannotSuspendFailsClearlyInsteadOfHanging() {
    assumeContinuations();
    String outcome = loop.runUntilComplete(async(() -> AwaitsInItsStaticInitializer.OUTCOME));
    assertTrue(outcome.startsWith("await() cannot suspend here: a native frame is on the coroutine's stack"), outcome);
    assertEquals("the loop still works", loop.runUntilComplete(async(() -> {
      await(sleep(0.001));
      return "the loop still works";
    })));
  }

  @Test
  void debugModeRefusesAnAwaitInsideSynchronized() {
    assumeContinuations();
    loop.setDebug(true);
    Object monitor = new Object();
    String outcome = loop.runUntilComplete(async(() -> {
      synchronized (monitor) {
        try {
          await(sleep(0.001));
          return "suspended holding the monitor";
        } catch (IllegalStateException e) {
          return e.getMessage();
        }
      }
    }));
    assertTrue(outcome.startsWith("await() while holding monitor java.lang.Object@"), outcome);
    assertTrue(outcome.endsWith("use an asyncio Lock across awaits"), outcome);
  }

  @Test
  void debugModeRefusesAnAwaitHoldingAReentrantLock() {
    assumeContinuations();
    loop.setDebug(true);
    ReentrantLock lock = new ReentrantLock();
    String outcome = loop.runUntilComplete(async(() -> {
      lock.lock();
      try {
        await(sleep(0.001));
        return "suspended holding the lock";
      } catch (IllegalStateException e) {
        return e.getMessage();
      } finally {
        lock.unlock();
      }
    }));
    assertTrue(outcome.startsWith("await() while holding lock java.util.concurrent.locks.ReentrantLock"), outcome);
  }

  @Test
  void debugModeAllowsAwaitsWithoutLocks() {
    loop.setDebug(true);
    assertEquals("fine", loop.runUntilComplete(async(() -> {
      await(sleep(0.001));
      return "fine";
    })));
  }
}
