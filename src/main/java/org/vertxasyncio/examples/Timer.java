package org.vertxasyncio.examples;

import static org.vertxasyncio.asyncio.Asyncio.*;

import java.util.function.Consumer;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.Coroutine;

/**
 * A timer made of a sleeping task and a done callback: prints {@code Done} after 3 s and exits.
 *
 * <p>Python (asyncio's classic "Timer" example):
 * <pre>{@code
 * async def timer(x, cb):
 *     futu = asyncio.ensure_future(asyncio.sleep(x))
 *     futu.add_done_callback(cb)
 *     await futu
 *
 * t = timer(3, lambda futu: print('Done'))
 * loop.run_until_complete(t)
 * }</pre>
 */
public final class Timer {
  private Timer() {
  }

  static Coroutine<Void> timer(int x, Consumer<AsyncFuture<Void>> cb) {
    return async(() -> {
      var futu = ensureFuture(sleep(x));
      futu.addDoneCallback(cb);
      await(futu);
    });
  }

  public static void main(String[] args) {
    var loop = getEventLoop();

    var t = timer(3, futu -> System.out.println("Done"));
    loop.runUntilComplete(t);
  }
}
