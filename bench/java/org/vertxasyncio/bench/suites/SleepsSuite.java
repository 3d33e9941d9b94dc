package org.vertxasyncio.bench.suites;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * N coroutines each awaiting a 1 s sleep, gathered: overhead beyond 1 s, peak RSS and CPU time, for
 * our await-style and future-style coroutines, plain Vert.x ({@code setTimer} + {@code Promise},
 * {@code Future.all}) and CPython's asyncio. Each repetition runs every peer once, in turn, each in a
 * process of its own with one warm-up round of N/10 first; the figure is the median over repetitions.
 */
public final class SleepsSuite implements Suite {
  static final String PROGRAMS = "org.vertxasyncio.bench.programs.";

  record Size(String label, int n, int warmup, int reps) {
  }

  @Override
  public String name() {
    return "sleeps";
  }

  @Override
  public String about() {
    return "N coroutines each awaiting sleep(1), gathered: overhead beyond 1 s and peak RSS (100k, 1M)";
  }

  @Override
  public void run(Bench bench) throws Exception {
    List<Size> sizes = bench.quick()
        ? List.of(new Size("100k", 100_000, 10_000, 1))
        : List.of(new Size("100k", 100_000, 10_000, 5), new Size("1m", 1_000_000, 100_000, 3));
    for (Size size : sizes) {
      Map<String, List<Map<String, Double>>> runs = new LinkedHashMap<>();
      for (String peer : List.of("asyncio-await", "asyncio-future", "vertx", "cpython")) {
        runs.put(peer, new ArrayList<>());
      }
      for (int rep = 1; rep <= size.reps(); rep++) {
        for (Map.Entry<String, List<Map<String, Double>>> e : runs.entrySet()) {
          e.getValue().add(runPeer(bench, e.getKey(), size, rep));
        }
      }
      for (Map.Entry<String, List<Map<String, Double>>> e : runs.entrySet()) {
        String peer = e.getKey();
        bench.record(size.label() + ".overhead", peer, "s", e.getValue(), "overhead_s", 1);
        bench.record(size.label() + ".peak_rss", peer, "MB", e.getValue(), "peak_rss_mb", 1);
        bench.record(size.label() + ".cpu", peer, "s", e.getValue(), "cpu_s", 1);
      }
      for (String ours : List.of("asyncio-await", "asyncio-future")) {
        for (String fig : List.of(".overhead", ".peak_rss", ".cpu")) {
          bench.compare(size.label() + fig, ours, "vertx", "cpython");
        }
      }
    }
  }

  static Map<String, Double> runPeer(Bench bench, String peer, Size size, int rep) throws Exception {
    String label = size.label() + "-" + peer + "-" + rep;
    List<String> args = List.of(String.valueOf(size.n()), String.valueOf(size.warmup()));
    Duration javaLimit = Duration.ofSeconds(180);
    return switch (peer) {
      case "asyncio-await", "asyncio-future" -> {
        List<String> a = new ArrayList<>();
        a.add(peer.substring("asyncio-".length()));
        a.addAll(args);
        yield bench.java(label, List.of("-Dasyncio.coroutines=continuations"), PROGRAMS + "AsyncioSleeps", a, javaLimit);
      }
      case "vertx" -> bench.java(label, List.of(), PROGRAMS + "VertxSleeps", args, javaLimit);
      case "cpython" -> bench.python(label, "sleeps.py", args, Duration.ofSeconds(400));
      default -> throw new IllegalArgumentException(peer);
    };
  }
}
