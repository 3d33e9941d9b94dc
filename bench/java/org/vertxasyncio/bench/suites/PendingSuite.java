package org.vertxasyncio.bench.suites;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * Memory of the service holding 1,000,000 pending sleep tasks (100,000 with {@code --quick}): the
 * service (memory store) is started afresh, and {@code TaskClient fill} makes the tasks as quickly as it
 * takes them: gathers of 1,000 new sleep children each ({@code {"kind":"sleep","seconds":600}}), 4
 * requests in flight, so 1,000 gathers are pending too. Then: the service's peak RSS ({@code VmHWM}),
 * its RSS now, and its live heap after a full collection ({@code jcmd GC.class_histogram}), per task.
 * Once, not repeated: the figure is memory, which others' load barely moves.
 */
public final class PendingSuite implements Suite {
  @Override
  public String name() {
    return "pending";
  }

  @Override
  public String about() {
    return "peak RSS of the service holding 1,000,000 pending sleep tasks (memory store; made by gathers of 1,000)";
  }

  @Override
  public void run(Bench bench) throws Exception {
    int sleeps = bench.quick() ? 100_000 : 1_000_000;
    String size = bench.quick() ? "100k" : "1m";
    int perGather = 1000;
    Map<String, String> limits = Map.of(
        "LIMITS_PENDING_MAX", String.valueOf(sleeps + sleeps / perGather + 1000),
        "LIMITS_GATHER_CHILDREN_MAX", String.valueOf(perGather));
    String peer = ServicePeers.OURS_MEMORY;
    try (Bench.Server s = ServicePeers.start(bench, peer, "server-" + size, limits)) {
      double rss0 = s.statusMb("VmRSS");
      Map<String, Double> fill = bench.java("fill-" + size, List.of(), ServicePeers.PROGRAMS + "TaskClient",
          List.of("fill", s.url(""), String.valueOf(sleeps), String.valueOf(perGather), "4", "600"), Duration.ofSeconds(400));
      double pending = fill.get("pending");
      if (pending < sleeps) {
        throw new IllegalStateException("the service counts " + pending + " pending tasks, not " + sleeps + " or more");
      }
      double hwm = s.statusMb("VmHWM");
      double rss = s.statusMb("VmRSS");
      double live = ServicePeers.liveHeapMb(bench, s, "pending");
      bench.record(size + ".peak_rss", peer, "MB", hwm);
      bench.record(size + ".rss", peer, "MB", rss);
      bench.record(size + ".live_heap", peer, "MB", live);
      bench.record(size + ".live_bytes_per_task", peer, "B", live * 1024 * 1024 / pending);
      bench.record(size + ".submit_rate", peer, "tasks/s", pending / fill.get("submit_s"));
      Bench.progress(String.format("  %s: %d pending tasks; RSS before %.0f MB, peak %.0f MB, now %.0f MB; live heap %.0f MB",
          peer, (long) pending, rss0, hwm, rss, live));
    }
  }
}
