package org.vertxasyncio.bench.programs;

import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.asyncFuture;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.getEventLoop;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.EventLoop;

/**
 * Ours: {@code gather} of N coroutines that finish at once (no await in them): what it costs to make,
 * schedule, run and collect a coroutine, per coroutine.
 *
 * <p>{@code java ... AsyncioGatherNow <await|future> <n> <warm-up n>}: await-style
 * {@code async(() -> { })} or future-style {@code asyncFuture(() -> Future.succeededFuture())}. Prints the
 * measured round's elapsed time, the time per coroutine, its CPU time and the process's peak RSS.
 */
public final class AsyncioGatherNow {
  private AsyncioGatherNow() {
  }

  public static void main(String[] args) {
    String style = args[0];
    int n = Probe.intArg(args[1]);
    int warmup = Probe.intArg(args[2]);
    if (!style.equals("await") && !style.equals("future")) {
      throw new IllegalArgumentException("style must be await or future, not " + style);
    }
    EventLoop loop = getEventLoop();
    if (warmup > 0) {
      round(loop, style, warmup, "warmup.");
      System.gc();
    }
    round(loop, style, n, "");
    Probe.metric("peak_rss_mb", Probe.peakRssMb());
    System.exit(0);
  }

  private static void round(EventLoop loop, String style, int n, String prefix) {
    double cpu0 = Probe.cpuSeconds();
    long t0 = System.nanoTime();
    List<Coroutine<Void>> coros = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      coros.add(style.equals("await") ? async(() -> { }) : asyncFuture(() -> Future.<Void>succeededFuture()));
    }
    List<Void> results = loop.runUntilComplete(gather(coros));
    long t1 = System.nanoTime();
    if (results.size() != n) {
      throw new IllegalStateException("gather gave " + results.size() + " results, not " + n);
    }
    double elapsed = Probe.seconds(t0, t1);
    Probe.metric(prefix + "elapsed_s", elapsed);
    Probe.metric(prefix + "per_coroutine_ns", elapsed * 1e9 / n);
    Probe.metric(prefix + "cpu_s", Probe.cpuSeconds() - cpu0);
  }
}
