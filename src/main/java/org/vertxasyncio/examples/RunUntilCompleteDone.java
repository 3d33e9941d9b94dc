package org.vertxasyncio.examples;

import static org.vertxasyncio.asyncio.Asyncio.*;

import org.vertxasyncio.asyncio.Coroutine;

/**
 * {@code runUntilComplete} returns when the coroutine is done: prints {@code Waiting 3}, then {@code Done}
 * 3 s later, and exits.
 *
 * <p>Python (asyncio's classic "run_until_complete and run_forever" example):
 * <pre>{@code
 * async def do_some_work(x):
 *     print('Waiting ' + str(x))
 *     await asyncio.sleep(x)
 *     print('Done')
 * loop = asyncio.get_event_loop()
 * coro = do_some_work(3)
 * loop.run_until_complete(coro)
 * }</pre>
 */
public final class RunUntilCompleteDone {
  private RunUntilCompleteDone() {
  }

  static Coroutine<Void> doSomeWork(int x) {
    return async(() -> {
      System.out.println("Waiting " + x);
      await(sleep(x));
      System.out.println("Done");
    });
  }

  public static void main(String[] args) {
    var loop = getEventLoop();
    var coro = doSomeWork(3);
    loop.runUntilComplete(coro);
  }
}
