package org.vertxasyncio.bench.suites;

import static org.vertxasyncio.bench.suites.ServicePeers.OURS_MEMORY;
import static org.vertxasyncio.bench.suites.ServicePeers.VERTX;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * {@code like}: the latency target's comparison alone, short enough for a quiet slot (about two minutes): ours
 * (memory store) and the bare Vert.x endpoint, both with the service's JVM options, each started once and warmed
 * up (wrk POST, 8 s), then paced at one open-loop rate ({@code PacedLoad}, 1 s warm-up and a 5 s window), the two
 * interleaved, 5 repetitions (2 with {@code --quick}). The rate is {@code BENCH_LIKE_RATE} POST/s, by default
 * 11,067: half the Node.js peer's saturation in the {@code latency} suite's run G (see BENCHMARKS.md), so that
 * figures of the two suites compare. The server's CPU per request and the GC pauses of each window are kept
 * beside the latencies.
 */
public final class LikeSuite implements Suite {
  static final double DEFAULT_RATE = 11_067;

  @Override
  public String name() {
    return "like";
  }

  @Override
  public String about() {
    return "like for like alone: ours (memory) and bare Vert.x paced at one open-loop POST rate (BENCH_LIKE_RATE, default "
        + Math.round(DEFAULT_RATE) + "/s), interleaved repetitions, with CPU per request and GC pauses";
  }

  /** The rate: {@code BENCH_LIKE_RATE}, else {@link #DEFAULT_RATE}. */
  static double rate() {
    String r = System.getenv("BENCH_LIKE_RATE");
    if (r == null || r.isBlank()) {
      return DEFAULT_RATE;
    }
    try {
      double v = Double.parseDouble(r.strip());
      if (v > 0 && v < 1e6) {
        return v;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("BENCH_LIKE_RATE must be a number of requests/s above 0 and below 1000000, got '" + r + "'");
  }

  @Override
  public void run(Bench bench) throws Exception {
    double rate = rate();
    int reps = bench.quick() ? 2 : 5;
    List<String> peers = List.of(OURS_MEMORY, VERTX);
    Map<String, Bench.Server> servers = new LinkedHashMap<>();
    Map<String, List<Map<String, Double>>> runs = new LinkedHashMap<>();
    bench.note("like for like: every peer paced at " + Math.round(rate) + " POST/s, " + reps + " interleaved repetitions");
    try {
      for (String peer : peers) {
        Bench.Server s = ServicePeers.start(bench, peer, "server-" + peer, Map.of("LIMITS_PENDING_MAX", "1000000"));
        servers.put(peer, s);
        ServicePeers.wrk(bench, "warmup-" + peer, s, "/tasks", "post.lua", 8);
        ServicePeers.settle();
        runs.put(peer, new ArrayList<>());
      }
      for (int rep = 1; rep <= reps; rep++) {
        for (String peer : peers) {
          Bench.Server s = servers.get(peer);
          Map<String, Double> m = new LinkedHashMap<>(ServicePeers.paced(bench, "like-" + peer + "-" + rep, s, rate, 1, 5));
          m.putAll(ServicePeers.gcPauses(bench, s, m.get("window_start_ms"), m.get("window_end_ms")));
          runs.get(peer).add(m);
          ServicePeers.settle();
        }
      }
    } finally {
      for (Bench.Server s : servers.values()) {
        s.close();
      }
    }
    for (String peer : peers) {
      List<Map<String, Double>> r = runs.get(peer);
      bench.record("like.rate", peer, "req/s", r, "rate_answered", 1);
      bench.record("like.p50", peer, "ms", r, "p50_ms", 1);
      bench.record("like.p90", peer, "ms", r, "p90_ms", 1);
      bench.record("like.p99", peer, "ms", r, "p99_ms", 1);
      bench.record("like.max", peer, "ms", r, "max_ms", 1);
      bench.record("like.cpu_per_request", peer, "us", r, "server_cpu_us_per_request", 1);
      bench.record("like.gc_pauses", peer, "pauses", r, "gc_pauses", 1);
      bench.record("like.gc_pause_max", peer, "ms", r, "gc_pause_max_ms", 1);
      bench.record("like.generator_gc_pause_max", peer, "ms", r, "generator_gc_pause_max_ms", 1);
    }
    for (String fig : List.of("like.p50", "like.p90", "like.p99", "like.max", "like.cpu_per_request")) {
      bench.compare(fig, OURS_MEMORY, VERTX);
    }
  }
}
