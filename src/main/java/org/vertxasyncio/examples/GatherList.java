package org.vertxasyncio.examples;

import static org.vertxasyncio.asyncio.Asyncio.*;

import java.util.List;
import org.vertxasyncio.asyncio.Coroutine;

/**
 * {@code gather} over a list of coroutines made first: prints {@code Waiting 1} and {@code Waiting 3}
 * together and exits after 3 s in all.
 *
 * <p>Python (asyncio's classic "Several coroutines" example):
 * <pre>{@code
 * coros = [do_some_work(1), do_some_work(3)]
 * loop.run_until_complete(asyncio.gather(*coros))
 * }</pre>
 */
public final class GatherList {
  private GatherList() {
  }

  static Coroutine<Void> doSomeWork(int x) {
    return async(() -> {
      System.out.println("Waiting " + x);
      await(sleep(x));
    });
  }

  public static void main(String[] args) {
    var loop = getEventLoop();
    var coros = List.of(doSomeWork(1), doSomeWork(3));
    loop.runUntilComplete(gather(coros));
  }
}
