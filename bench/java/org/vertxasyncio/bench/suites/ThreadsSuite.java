package org.vertxasyncio.bench.suites;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * The portable coroutine runner ({@code -Dasyncio.coroutines=threads}: virtual threads, no JDK-internal
 * export) on the sleeps workload, once, next to the fast runner (continuations) measured in the same
 * suite, so the fallback's cost is on record. Full run: 1M with a 100k warm-up and a time limit of
 * 300 s; if the limit is hit, it is said so and 100k is measured instead.
 */
public final class ThreadsSuite implements Suite {
  @Override
  public String name() {
    return "threads";
  }

  @Override
  public String about() {
    return "the await-style sleeps workload on the portable runner (virtual threads), once, vs the fast runner";
  }

  @Override
  public void run(Bench bench) throws Exception {
    SleepsSuite.Size size = bench.quick()
        ? new SleepsSuite.Size("10k", 10_000, 1_000, 1)
        : new SleepsSuite.Size("1m", 1_000_000, 100_000, 1);
    Map<String, Double> threads;
    try {
      threads = runThreads(bench, size, Duration.ofSeconds(300));
    } catch (Bench.TimedOut e) {
      bench.note("the threads runner at " + size.label() + ": " + e.getMessage() + "; measuring 100k instead");
      size = new SleepsSuite.Size("100k", 100_000, 10_000, 1);
      threads = runThreads(bench, size, Duration.ofSeconds(300));
    }
    Map<String, Double> fast = SleepsSuite.runPeer(bench, "asyncio-await", size, 1);
    for (String peer : List.of("asyncio-threads", "asyncio-await")) {
      List<Map<String, Double>> run = List.of(peer.equals("asyncio-threads") ? threads : fast);
      bench.record(size.label() + ".overhead", peer, "s", run, "overhead_s", 1);
      bench.record(size.label() + ".peak_rss", peer, "MB", run, "peak_rss_mb", 1);
      bench.record(size.label() + ".cpu", peer, "s", run, "cpu_s", 1);
    }
    for (String fig : List.of(".overhead", ".peak_rss", ".cpu")) {
      bench.compare(size.label() + fig, "asyncio-threads", "asyncio-await");
    }
  }

  private static Map<String, Double> runThreads(Bench bench, SleepsSuite.Size size, Duration limit) throws Exception {
    Map<String, Double> m = bench.java(size.label() + "-asyncio-threads", List.of("-Dasyncio.coroutines=threads"),
        SleepsSuite.PROGRAMS + "AsyncioSleeps", List.of("await", String.valueOf(size.n()), String.valueOf(size.warmup())),
        limit);
    if (m.getOrDefault("coroutine_runner_is_continuations", -1.0) != 0.0) {
      throw new IllegalStateException("the threads run did not run on the threads runner");
    }
    return m;
  }
}
