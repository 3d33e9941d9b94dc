package org.vertxasyncio.bench.suites;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * SSE fan-out ({@code SseFanout}): 1,000 subscribers of {@code GET /events} and 10,000 task completions
 * spread evenly at {@value #RATE} per second (100 and 1,000 with {@code --quick}), on a fresh service
 * (memory store). Every subscriber must get every event (ids without a gap, each task's
 * {@code task.done}); the figures are how many did, and the delivery lag of {@code task.done} (arrival
 * minus the {@code doneAt} the service wrote). Once, not repeated.
 */
public final class SseSuite implements Suite {
  /** Task completions per second. */
  static final double RATE = 500;

  @Override
  public String name() {
    return "sse";
  }

  @Override
  public String about() {
    return "SSE fan-out: 1,000 subscribers, 10,000 task completions; every event to every subscriber, delivery lag";
  }

  @Override
  public void run(Bench bench) throws Exception {
    int subscribers = bench.quick() ? 100 : 1000;
    int tasks = bench.quick() ? 1000 : 10_000;
    double lead = 20;
    double limit = lead + tasks / RATE + 60;
    Map<String, String> limits = Map.of("LIMITS_PENDING_MAX", "100000",
        "LIMITS_EVENTS_SUBSCRIBERS_MAX", String.valueOf(subscribers));
    String peer = ServicePeers.OURS_MEMORY;
    try (Bench.Server s = ServicePeers.start(bench, peer, "server-sse", limits)) {
      double cpu0 = s.cpuSeconds();
      Map<String, Double> m = bench.java("fanout", List.of(), ServicePeers.PROGRAMS + "SseFanout",
          List.of("127.0.0.1", String.valueOf(s.port()), String.valueOf(subscribers), String.valueOf(tasks),
              String.valueOf(RATE), String.valueOf(lead), String.valueOf(limit)),
          Duration.ofSeconds((long) limit + 60));
      double cpu = s.cpuSeconds() - cpu0;
      bench.record("subscribers_with_every_event", peer, "subscribers", m.get("subscribers_complete"));
      bench.record("events_missing", peer, "events", m.get("done_missing") + m.get("id_gaps"));
      bench.record("lag_p50", peer, "ms", m.get("lag_p50_ms"));
      bench.record("lag_p99", peer, "ms", m.get("lag_p99_ms"));
      bench.record("lag_max", peer, "ms", m.get("lag_max_ms"));
      bench.record("completion_rate", peer, "tasks/s", m.get("completion_rate"));
      bench.record("service_cpu", peer, "s", cpu);
      if (m.get("subscribers_complete") < subscribers) {
        bench.note((long) (subscribers - m.get("subscribers_complete")) + " of " + subscribers
            + " subscribers did not get every event (" + m.get("subscribers_dropped").longValue() + " streams ended by the service)");
      }
    }
  }
}
