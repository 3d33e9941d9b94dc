package org.vertxasyncio.bench.programs;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.CompletableFuture;

/**
 * The floor, timer lateness: the same N due instants as {@link AsyncioLateness}, each a plain Vert.x
 * {@code setTimer} (whole ms, rounded up, at least 1) completing a {@code Promise}; the promise's future
 * handler records (resume - due).
 *
 * <p>{@code java ... VertxLateness <n> <max ms> <allowance ms> <seed> <warm-up n>}: the same rounds and
 * figures as {@link AsyncioLateness}.
 */
public final class VertxLateness {
  private VertxLateness() {
  }

  public static void main(String[] args) {
    int n = Probe.intArg(args[0]);
    int maxMs = Probe.intArg(args[1]);
    int allowanceMs = Probe.intArg(args[2]);
    long seed = Long.parseLong(args[3]);
    int warmup = Probe.intArg(args[4]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setUseDaemonThread(true));
    ContextInternal ctx = ((VertxInternal) vertx).createEventLoopContext();
    if (warmup > 0) {
      round(vertx, ctx, warmup, Math.max(1, maxMs / 10), allowanceMs / 4, seed + 1, "warmup.");
      System.gc();
    }
    round(vertx, ctx, n, maxMs, allowanceMs, seed, "");
    Probe.metric("peak_rss_mb", Probe.peakRssMb());
    System.exit(0);
  }

  private static void round(Vertx vertx, ContextInternal ctx, int n, int maxMs, int allowanceMs, long seed, String prefix) {
    int[] delays = Probe.delaysMs(n, maxMs, seed);
    long[] late = new long[n];
    long[] due = new long[n];
    long start = System.nanoTime();
    long base = start + allowanceMs * 1_000_000L;
    long[] setupEnd = {0};
    CompletableFuture<Void> finished = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      int[] left = {n};
      for (int i = 0; i < n; i++) {
        int k = i;
        long when = base + delays[k] * 1_000_000L;
        due[k] = when;
        long ms = Math.max(1L, Math.ceilDiv(when - System.nanoTime(), 1_000_000L));
        Promise<Void> p = Promise.promise();
        vertx.setTimer(ms, id -> p.complete());
        p.future().onSuccess(x -> {
          late[k] = System.nanoTime() - when;
          if (--left[0] == 0) {
            finished.complete(null);
          }
        });
      }
      setupEnd[0] = System.nanoTime();
    });
    finished.join();
    int early = 0;
    for (long d : due) {
      if (d < setupEnd[0]) {
        early++;
      }
    }
    Probe.metric(prefix + "setup_s", Probe.seconds(start, setupEnd[0]));
    Probe.metric(prefix + "due_during_setup", early);
    Probe.lateness(prefix, late);
  }
}
