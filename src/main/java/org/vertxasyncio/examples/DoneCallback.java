package org.vertxasyncio.examples;

import static org.vertxasyncio.asyncio.Asyncio.*;

import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.Coroutine;

/**
 * A done callback on the task: prints {@code Waiting 3}, then {@code Done} 3 s later, and exits.
 *
 * <p>Python (asyncio's classic "Callbacks" example):
 * <pre>{@code
 * def done_callback(futu):
 *     print('Done')
 *
 * futu = asyncio.ensure_future(do_some_work(3))
 * futu.add_done_callback(done_callback)
 *
 * loop.run_until_complete(futu)
 * }</pre>
 */
public final class DoneCallback {
  private DoneCallback() {
  }

  static Coroutine<Void> doSomeWork(int x) {
    return async(() -> {
      System.out.println("Waiting " + x);
      await(sleep(x));
    });
  }

  static void doneCallback(AsyncFuture<?> futu) {
    System.out.println("Done");
  }

  public static void main(String[] args) {
    var loop = getEventLoop();

    var futu = ensureFuture(doSomeWork(3));
    futu.addDoneCallback(DoneCallback::doneCallback);

    loop.runUntilComplete(futu);
  }
}
