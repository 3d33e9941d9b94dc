package org.vertxasyncio.examples;

import static org.vertxasyncio.asyncio.Asyncio.*;

import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.EventLoop;

/**
 * A closed loop cannot run again: prints {@code Waiting 1}, {@code Done} 1 s later, then the second run
 * fails with {@code IllegalStateException: Event loop is closed} (uncaught, like Python's
 * {@code RuntimeError}: the program exits with status 1).
 *
 * <p>Python (asyncio's classic "loop.close" example; {@code do_some_work} is the one that prints {@code Done}):
 * <pre>{@code
 * loop.run_until_complete(do_some_work(loop, 1))
 * loop.close()
 * loop.run_until_complete(do_some_work(loop, 3))  # raises here
 * }</pre>
 */
public final class LoopClose {
  private LoopClose() {
  }

  static Coroutine<Void> doSomeWork(EventLoop loop, int x) {
    return async(() -> {
      System.out.println("Waiting " + x);
      await(sleep(x));
      System.out.println("Done");
    });
  }

  public static void main(String[] args) {
    var loop = getEventLoop();

    loop.runUntilComplete(doSomeWork(loop, 1));
    loop.close();
    loop.runUntilComplete(doSomeWork(loop, 3)); // throws here
  }
}
