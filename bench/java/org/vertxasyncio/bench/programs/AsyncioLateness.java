package org.vertxasyncio.bench.programs;

import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.getEventLoop;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.ArrayList;
import java.util.List;
import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.EventLoop;

/**
 * Ours, timer lateness: N await-style coroutines each sleeping until an instant due 1..maxMs ms (random,
 * the same for every peer) after a set-up allowance, gathered; each records (resume - due) right after
 * its {@code await(sleep(...))} returns.
 *
 * <p>{@code java ... AsyncioLateness <n> <max ms> <allowance ms> <seed> <warm-up n>}. The allowance keeps
 * set-up (making and starting N coroutines, which takes each peer a different time) out of the figure:
 * every timer is due after set-up has ended, which the program checks and reports
 * ({@code due_during_setup}, 0 when the allowance was enough). The warm-up round has n/10 timers within
 * maxMs/10 and an allowance of a quarter. Prints p50/p99/max of the lateness in ms.
 */
public final class AsyncioLateness {
  private AsyncioLateness() {
  }

  public static void main(String[] args) {
    int n = Probe.intArg(args[0]);
    int maxMs = Probe.intArg(args[1]);
    int allowanceMs = Probe.intArg(args[2]);
    long seed = Long.parseLong(args[3]);
    int warmup = Probe.intArg(args[4]);
    EventLoop loop = getEventLoop();
    if (warmup > 0) {
      round(loop, warmup, Math.max(1, maxMs / 10), allowanceMs / 4, seed + 1, "warmup.");
      System.gc();
    }
    round(loop, n, maxMs, allowanceMs, seed, "");
    Probe.metric("peak_rss_mb", Probe.peakRssMb());
    System.exit(0);
  }

  private static void round(EventLoop loop, int n, int maxMs, int allowanceMs, long seed, String prefix) {
    int[] delays = Probe.delaysMs(n, maxMs, seed);
    long[] late = new long[n];
    long[] due = new long[n];
    int[] started = {0};
    long[] setupEnd = {0};
    long start = System.nanoTime();
    long base = start + allowanceMs * 1_000_000L;
    List<Coroutine<Void>> coros = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int k = i;
      due[k] = base + delays[k] * 1_000_000L;
      coros.add(async(() -> {
        long when = due[k];
        if (++started[0] == n) {
          setupEnd[0] = System.nanoTime();
        }
        await(sleep((when - System.nanoTime()) / 1e9));
        late[k] = System.nanoTime() - when;
      }));
    }
    loop.runUntilComplete(gather(coros));
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
