package org.vertxasyncio.examples;

import static org.vertxasyncio.asyncio.Asyncio.*;

import org.vertxasyncio.asyncio.Coroutine;

/**
 * Wraps the coroutine into a task with {@code ensureFuture} before running it: prints {@code Waiting 3}
 * and exits 3 s later.
 *
 * <p>Python (asyncio's classic "run_until_complete()" example):
 * <pre>{@code
 * async def do_some_work(x):
 *     print("Waiting " + str(x))
 *     await asyncio.sleep(x)
 *
 * loop = asyncio.get_event_loop()
 * loop.run_until_complete(asyncio.ensure_future(do_some_work(3)))
 * }</pre>
 */
public final class EnsureFuture {
  private EnsureFuture() {
  }

  static Coroutine<Void> doSomeWork(int x) {
    return async(() -> {
      System.out.println("Waiting " + x);
      await(sleep(x));
    });
  }

  public static void main(String[] args) {
    var loop = getEventLoop();
    loop.runUntilComplete(ensureFuture(doSomeWork(3)));
  }
}
