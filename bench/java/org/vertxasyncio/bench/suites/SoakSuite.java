package org.vertxasyncio.bench.suites;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * A bounded soak: does the service's memory stay bounded under endless load? Our service as shipped (the
 * SQLite store, {@code conf/config.json}'s retention of 10,000 finished tasks), with the pending-task limit
 * raised so that the load, not the limit, sets the pace. Its maximum is measured first ({@code POST /tasks}
 * of a 0.1 s sleep, wrk at saturation after a warm-up); then {@code PacedLoad} sends half of that rate,
 * open-loop, for 300 s (30 s with {@code --quick}), while the service's RSS is sampled every 10 s.
 *
 * <p>Figures: the maximum and the soak's rate, its latency, errors (every answer must be a 2xx), RSS and
 * the live heap after a full collection ({@code jcmd GC.class_histogram}) before and after the soak, the
 * peak RSS of the soak, and the tasks the service still lists after it (retention: at most
 * {@code retention.tasks.max} done tasks). Once, not repeated; not part of a full run (it takes about 6
 * minutes): {@code bench/run.sh soak}.
 */
public final class SoakSuite implements Suite {
  static final String SLEEP_BODY = "{\"kind\":\"sleep\",\"seconds\":0.1}";

  @Override
  public String name() {
    return "soak";
  }

  @Override
  public String about() {
    return "memory before and after 300 s of POST /tasks at half the service's maximum (SQLite store, retention as shipped); "
        + "not in a full run";
  }

  @Override
  public void run(Bench bench) throws Exception {
    boolean quick = bench.quick();
    double seconds = quick ? 30 : 300;
    String peer = ServicePeers.OURS_SQLITE;
    Map<String, String> limits = Map.of("LIMITS_PENDING_MAX", "1000000");
    try (Bench.Server s = ServicePeers.start(bench, peer, "soak-server", limits)) {
      ServicePeers.wrk(bench, "soak-warmup", s, "/tasks", "post.lua", quick ? 3 : 10, "0.1");
      ServicePeers.settle();
      Map<String, Double> max = ServicePeers.wrk(bench, "soak-max", s, "/tasks", "post.lua", quick ? 3 : 10, "0.1");
      ServicePeers.settle();
      double rate = Math.floor(0.5 * max.get("requests_per_s"));
      double rss0 = s.statusMb("VmRSS");
      double live0 = ServicePeers.liveHeapMb(bench, s, "soak");
      Bench.progress(String.format("  soak: maximum %.0f requests/s; %.0f requests/s for %.0f s; before: RSS %.0f MB, live heap %.1f MB",
          max.get("requests_per_s"), rate, seconds, rss0, live0));

      List<double[]> rss = new ArrayList<>();
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      long t0 = System.nanoTime();
      sampler.scheduleAtFixedRate(() -> {
        try {
          double mb = s.statusMb("VmRSS");
          synchronized (rss) {
            rss.add(new double[] {(System.nanoTime() - t0) / 1e9, mb});
          }
        } catch (Exception e) {
          // the server is gone: ServicePeers.paced says so
        }
      }, 10, 10, TimeUnit.SECONDS);
      Map<String, Double> soak;
      try {
        soak = ServicePeers.paced(bench, "soak-paced", s, SLEEP_BODY, rate, 1, seconds);
      } finally {
        sampler.shutdownNow();
      }
      ServicePeers.settle();
      double rss1 = s.statusMb("VmRSS");
      double hwm = s.statusMb("VmHWM");
      double live1 = ServicePeers.liveHeapMb(bench, s, "soak");
      double listed = bench.java("soak-count", List.of(), ServicePeers.PROGRAMS + "TaskClient",
          List.of("count", s.url("")), Duration.ofSeconds(120)).get("tasks");
      StringBuilder trace = new StringBuilder();
      synchronized (rss) {
        for (double[] r : rss) {
          trace.append(String.format(" %.0fs:%.0f", r[0], r[1]));
        }
      }
      Bench.progress("  soak: RSS every 10 s (MB):" + trace);
      Bench.progress(String.format("  soak: after: RSS %.0f MB (peak %.0f MB), live heap %.1f MB, %d tasks listed",
          rss1, hwm, live1, (long) listed));

      bench.record("max.requests_per_s", peer, "req/s", max.get("requests_per_s"));
      bench.record("soak.rate", peer, "req/s", soak.get("rate_answered"));
      bench.record("soak.requests", peer, "requests", soak.get("requests"));
      bench.record("soak.seconds", peer, "s", seconds);
      bench.record("soak.p50", peer, "ms", soak.get("p50_ms"));
      bench.record("soak.p99", peer, "ms", soak.get("p99_ms"));
      bench.record("soak.errors", peer, "requests", soak.get("errors"));
      bench.record("rss.before", peer, "MB", rss0);
      bench.record("rss.after", peer, "MB", rss1);
      bench.record("rss.peak", peer, "MB", hwm);
      bench.record("live_heap.before", peer, "MB", live0);
      bench.record("live_heap.after", peer, "MB", live1);
      bench.record("tasks_listed.after", peer, "tasks", listed);
    }
  }
}
