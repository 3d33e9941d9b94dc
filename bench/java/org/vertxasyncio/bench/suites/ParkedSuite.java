package org.vertxasyncio.bench.suites;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * Memory of the service keeping 1,000,000 scheduled sleeps due in an hour on one node with the SQLite store
 * (100,000 with {@code --quick}): each {@code {"kind":"sleep","seconds":3600}} is later than {@code store.horizon}
 * (60 s), so it is parked, its row only, with no coroutine or timer in memory. The service (SQLite, as shipped:
 * {@code store.sync full}) is started afresh, and {@code TaskClient park} posts the sleeps one a request, 16 in
 * flight. Then: its RSS before, its peak RSS ({@code VmHWM}) and its RSS after, the submit rate, and how many tasks
 * it counts parked and pending in memory. Once, not repeated: the figure is memory, which others' load barely moves.
 * The {@code pending} suite measures the same number of sleeps held in memory (the memory store), for comparison.
 */
public final class ParkedSuite implements Suite {
  @Override
  public String name() {
    return "parked";
  }

  @Override
  public String about() {
    return "peak RSS of the service keeping 1,000,000 sleeps due in an hour (sqlite store, one node: parked in the store)";
  }

  @Override
  public void run(Bench bench) throws Exception {
    int sleeps = bench.quick() ? 100_000 : 1_000_000;
    String size = bench.quick() ? "100k" : "1m";
    Map<String, String> limits = Map.of("LIMITS_PARKED_MAX", String.valueOf(sleeps), "LIMITS_SLEEP_MAX", "3600");
    String peer = ServicePeers.OURS_SQLITE;
    try (Bench.Server s = ServicePeers.start(bench, peer, "parked-" + size, limits)) {
      double rss0 = s.statusMb("VmRSS");
      Map<String, Double> made = bench.java("park-" + size, List.of(), ServicePeers.PROGRAMS + "TaskClient",
          List.of("park", s.url(""), String.valueOf(sleeps), "16", "3600"), Duration.ofSeconds(1800));
      double parked = made.get("parked");
      if (parked < sleeps) {
        throw new IllegalStateException("the service counts " + parked + " parked tasks, not " + sleeps);
      }
      double hwm = s.statusMb("VmHWM");
      double rss = s.statusMb("VmRSS");
      bench.record(size + ".rss_before", peer, "MB", rss0);
      bench.record(size + ".peak_rss", peer, "MB", hwm);
      bench.record(size + ".rss", peer, "MB", rss);
      bench.record(size + ".submit_rate", peer, "tasks/s", sleeps / made.get("submit_s"));
      bench.record(size + ".in_memory", peer, "tasks", made.get("pending"));
      Bench.progress(String.format("  %s: %d sleeps parked (%d pending in memory) at %.0f/s; RSS before %.0f MB, peak %.0f MB, "
          + "now %.0f MB", peer, (long) parked, (long) (double) made.get("pending"), sleeps / made.get("submit_s"), rss0, hwm, rss));
    }
  }
}
