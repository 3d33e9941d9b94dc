package org.vertxasyncio.bench.programs;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The floor: plain Vert.x, N {@code setTimer} of 1 s each completing a {@code Promise}, joined with
 * {@code Future.all}, on one event-loop context; no asyncio library on the class path's hot path.
 *
 * <p>{@code java ... VertxSleeps <n> <warm-up n> [sleep s]}: the same rounds and figures as {@link AsyncioSleeps}.
 */
public final class VertxSleeps {
  private VertxSleeps() {
  }

  public static void main(String[] args) {
    int n = Probe.intArg(args[0]);
    int warmup = Probe.intArg(args[1]);
    double sleep = args.length > 2 ? Double.parseDouble(args[2]) : 1.0;
    // the same options as the library's own Vert.x instance (Asyncio.vertx())
    Vertx vertx = Vertx.vertx(new VertxOptions().setUseDaemonThread(true));
    ContextInternal ctx = ((VertxInternal) vertx).createEventLoopContext();
    if (warmup > 0) {
      round(vertx, ctx, warmup, 1.0, "warmup.");
      System.gc();
    }
    round(vertx, ctx, n, sleep, "");
    Probe.metric("peak_rss_mb", Probe.peakRssMb());
    System.exit(0);
  }

  private static void round(Vertx vertx, ContextInternal ctx, int n, double sleep, String prefix) {
    double cpu0 = Probe.cpuSeconds();
    long t0 = System.nanoTime();
    long ms = Math.round(sleep * 1000);
    CompletableFuture<Integer> done = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      List<Future<Void>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        Promise<Void> p = Promise.promise();
        vertx.setTimer(ms, id -> p.complete());
        futures.add(p.future());
      }
      Future.all(futures).onComplete(ar -> done.complete(ar.result().size()));
    });
    int size = done.join();
    long t1 = System.nanoTime();
    if (size != n) {
      throw new IllegalStateException("Future.all gave " + size + " results, not " + n);
    }
    double elapsed = Probe.seconds(t0, t1);
    Probe.metric(prefix + "elapsed_s", elapsed);
    Probe.metric(prefix + "overhead_s", elapsed - sleep);
    Probe.metric(prefix + "cpu_s", Probe.cpuSeconds() - cpu0);
  }
}
