package org.vertxasyncio.examples;

import static org.vertxasyncio.asyncio.Asyncio.*;

import org.vertxasyncio.asyncio.Coroutine;

/**
 * Two coroutines at once with {@code gather}: prints {@code Waiting 1} and {@code Waiting 3} together and
 * exits after 3 s in all, not 4 s.
 *
 * <p>Python (asyncio's classic "Several coroutines" example):
 * <pre>{@code
 * loop.run_until_complete(asyncio.gather(do_some_work(1), do_some_work(3)))
 * }</pre>
 */
public final class Gather {
  private Gather() {
  }

  static Coroutine<Void> doSomeWork(int x) {
    return async(() -> {
      System.out.println("Waiting " + x);
      await(sleep(x));
    });
  }

  public static void main(String[] args) {
    var loop = getEventLoop();
    loop.runUntilComplete(gather(doSomeWork(1), doSomeWork(3)));
  }
}
