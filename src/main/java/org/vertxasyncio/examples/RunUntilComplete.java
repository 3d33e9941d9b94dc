package org.vertxasyncio.examples;

import static org.vertxasyncio.asyncio.Asyncio.*;

import org.vertxasyncio.asyncio.Coroutine;

/**
 * Runs one coroutine on the loop until it is complete: prints {@code Waiting 3} and exits 3 s later.
 *
 * <p>Python (asyncio's classic "Running" example):
 * <pre>{@code
 * async def do_some_work(x):
 *     print("Waiting " + str(x))
 *     await asyncio.sleep(x)
 *
 * loop = asyncio.get_event_loop()
 * loop.run_until_complete(do_some_work(3))
 * }</pre>
 */
public final class RunUntilComplete {
  private RunUntilComplete() {
  }

  static Coroutine<Void> doSomeWork(int x) {
    return async(() -> {
      System.out.println("Waiting " + x);
      await(sleep(x));
    });
  }

  public static void main(String[] args) {
    var loop = getEventLoop();
    loop.runUntilComplete(doSomeWork(3));
  }
}
