package org.vertxasyncio.examples;

import static org.vertxasyncio.asyncio.Asyncio.*;

import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.EventLoop;

/**
 * {@code runForever} with several coroutines: {@code gather} merges them into one future whose done
 * callback stops the loop. Prints {@code Waiting 1}, {@code Waiting 3}, {@code Done} after 1 s,
 * {@code Done} after 3 s, and exits after 3 s in all.
 *
 * <p>Python (asyncio's classic "run_until_complete and run_forever" example):
 * <pre>{@code
 * # several coroutines in the loop: the program exits
 * async def do_some_work(loop, x):
 *     print('Waiting ' + str(x))
 *     await asyncio.sleep(x)
 *     print('Done')
 *
 * def done_callback(loop, futu):
 *     loop.stop()
 *
 * loop = asyncio.get_event_loop()
 *
 * futus = asyncio.gather(do_some_work(loop, 1), do_some_work(loop, 3))
 * futus.add_done_callback(functools.partial(done_callback, loop))
 *
 * loop.run_forever()
 * }</pre>
 */
public final class RunForeverGather {
  private RunForeverGather() {
  }

  // several coroutines in the loop: the program exits
  static Coroutine<Void> doSomeWork(EventLoop loop, int x) {
    return async(() -> {
      System.out.println("Waiting " + x);
      await(sleep(x));
      System.out.println("Done");
    });
  }

  static void doneCallback(EventLoop loop, AsyncFuture<?> futu) {
    loop.stop();
  }

  public static void main(String[] args) {
    var loop = getEventLoop();

    var futus = gather(doSomeWork(loop, 1), doSomeWork(loop, 3));
    futus.addDoneCallback(futu -> doneCallback(loop, futu)); // functools.partial(done_callback, loop)

    loop.runForever();
  }
}
