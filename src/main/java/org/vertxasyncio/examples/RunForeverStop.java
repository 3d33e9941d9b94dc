package org.vertxasyncio.examples;

import static org.vertxasyncio.asyncio.Asyncio.*;

import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.EventLoop;

/**
 * {@code runForever} until the only coroutine calls {@code loop.stop()}: prints {@code Waiting 3}, then
 * {@code Done} 3 s later, and exits.
 *
 * <p>Python (asyncio's classic "run_until_complete and run_forever" example; the last two lines run it):
 * <pre>{@code
 * # one coroutine in the loop: the program exits
 * async def do_some_work(loop, x):
 *     print('Waiting ' + str(x))
 *     await asyncio.sleep(x)
 *     print('Done')
 *     loop.stop()
 *
 * asyncio.ensure_future(do_some_work(loop, 3))
 * loop.run_forever()
 * }</pre>
 */
public final class RunForeverStop {
  private RunForeverStop() {
  }

  // one coroutine in the loop: the program exits
  static Coroutine<Void> doSomeWork(EventLoop loop, int x) {
    return async(() -> {
      System.out.println("Waiting " + x);
      await(sleep(x));
      System.out.println("Done");
      loop.stop();
    });
  }

  public static void main(String[] args) {
    var loop = getEventLoop();
    ensureFuture(doSomeWork(loop, 3));
    loop.runForever();
  }
}
