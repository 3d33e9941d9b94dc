package org.vertxasyncio.bench.programs;

import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.asyncFuture;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.getEventLoop;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.EventLoop;

/**
 * Ours: N coroutines each awaiting a 1 s sleep, gathered, written as asyncio's gather example writes it
 * ({@code loop.run_until_complete(asyncio.gather(*coros))}).
 *
 * <p>{@code java ... AsyncioSleeps <await|future> <n> <warm-up n> [sleep s]}: one warm-up round of the smaller
 * size first, then the measured round on the same loop. Prints the measured round's elapsed time
 * (from before the first coroutine is made to the gather's end, on the calling thread), its overhead
 * beyond the 1 s sleep, the CPU time it used, and the process's peak RSS. (A longer sleep, the optional
 * last argument, holds the measured round's coroutines suspended long enough to take a heap histogram; the warm-up
 * round always sleeps 1 s.)
 *
 * <ul>
 *   <li>{@code await}: {@code async(() -> { await(sleep(1)); })}, the main way to write a coroutine;</li>
 *   <li>{@code future}: {@code asyncFuture(...)} whose body is the plain Vert.x peer's own code, a
 *       {@code setTimer} completing a {@code Promise} (so the difference to that peer is the wrapper's cost).</li>
 * </ul>
 */
public final class AsyncioSleeps {
  private AsyncioSleeps() {
  }

  static Coroutine<Void> doSomeWork(double x) {
    return async(() -> {
      await(sleep(x));
    });
  }

  static Coroutine<Void> doSomeWorkFuture(Vertx vertx, double x) {
    long ms = Math.round(x * 1000);
    return asyncFuture(() -> {
      Promise<Void> p = Promise.promise();
      vertx.setTimer(ms, id -> p.complete());
      return p.future();
    });
  }

  public static void main(String[] args) {
    String style = args[0];
    int n = Probe.intArg(args[1]);
    int warmup = Probe.intArg(args[2]);
    double sleep = args.length > 3 ? Double.parseDouble(args[3]) : 1.0;
    if (!style.equals("await") && !style.equals("future")) {
      throw new IllegalArgumentException("style must be await or future, not " + style);
    }
    EventLoop loop = getEventLoop();
    Probe.metric("coroutine_runner_is_continuations", loop.coroutineRunner().equals("continuations") ? 1 : 0);
    if (warmup > 0) {
      round(loop, style, warmup, 1.0, "warmup.");
      System.gc();
    }
    round(loop, style, n, sleep, "");
    Probe.metric("peak_rss_mb", Probe.peakRssMb());
    System.exit(0);
  }

  private static void round(EventLoop loop, String style, int n, double sleep, String prefix) {
    double cpu0 = Probe.cpuSeconds();
    long t0 = System.nanoTime();
    List<Coroutine<Void>> coros = new ArrayList<>(n);
    Vertx vertx = loop.vertx();
    for (int i = 0; i < n; i++) {
      coros.add(style.equals("await") ? doSomeWork(sleep) : doSomeWorkFuture(vertx, sleep));
    }
    List<Void> results = loop.runUntilComplete(gather(coros));
    long t1 = System.nanoTime();
    if (results.size() != n) {
      throw new IllegalStateException("gather gave " + results.size() + " results, not " + n);
    }
    double elapsed = Probe.seconds(t0, t1);
    Probe.metric(prefix + "elapsed_s", elapsed);
    Probe.metric(prefix + "overhead_s", elapsed - sleep);
    Probe.metric(prefix + "cpu_s", Probe.cpuSeconds() - cpu0);
  }
}
