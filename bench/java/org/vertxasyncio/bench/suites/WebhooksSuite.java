package org.vertxasyncio.bench.suites;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * Webhooks at volume ({@code WebhookBurst}): a burst of tasks that finish at one instant (one gather of
 * sleeps of 1 s, submitted in one request), each with one webhook to one endpoint, delivered by the service (the shipped configuration: SQLite store,
 * {@code webhook.concurrency.endpoint} {@value #CONCURRENCY}) to a receiver that answers at once
 * ({@code fast}, {@value #FAST} deliveries) and to one that takes 1 s ({@code slow}, {@value #SLOW}). The
 * baseline is a plain Vert.x {@code HttpClient} posting payloads of the same shape to the same receiver with
 * the same concurrency ({@value #CONCURRENCY} connections), all released at one instant. Figures: deliveries
 * per second and the delivery lag (finish, or release, to receipt) at p50 and p99, and what was missing or
 * received twice. {@value #REPEATS} repetitions, ours and the baseline interleaved (one with {@code --quick},
 * a fifth of the sizes).
 */
public final class WebhooksSuite implements Suite {
  /** The service's default {@code webhook.concurrency.endpoint}, and the baseline's pool. */
  static final int CONCURRENCY = 64;
  static final int FAST = 2000;
  static final int SLOW = 640;
  static final int REPEATS = 3;
  static final String BASELINE = "vertx-client";

  @Override
  public String name() {
    return "webhooks";
  }

  @Override
  public String about() {
    return "webhook bursts to one endpoint (answers at once / after 1 s): deliveries/s and lag p99, against a plain Vert.x HttpClient";
  }

  @Override
  public void run(Bench bench) throws Exception {
    int repeats = bench.quick() ? 1 : REPEATS;
    String peer = ServicePeers.OURS_SQLITE;
    for (String receiver : List.of("fast", "slow")) {
      int n = (receiver.equals("fast") ? FAST : SLOW) / (bench.quick() ? 5 : 1);
      double limit = 30 + (receiver.equals("slow") ? n / (double) CONCURRENCY * 3 : n / 100.0);
      List<Map<String, Double>> ours = new ArrayList<>();
      List<Map<String, Double>> base = new ArrayList<>();
      for (int r = 1; r <= repeats; r++) {
        Map<String, String> env = Map.of("LIMITS_PENDING_MAX", "100000", "WEBHOOKS_ALLOW", "127.0.0.1",
            "LIMITS_GATHER_CHILDREN_MAX", "100000", "LIMITS_BODY_MAX", "16777216", "NODE_ID", "bench");
        try (Bench.Server s = ServicePeers.start(bench, peer, "server-" + receiver + "-" + r, env)) {
          ours.add(burst(bench, receiver + "-" + peer + "-" + r, "service", s.port(), receiver, n, limit));
        }
        base.add(burst(bench, receiver + "-" + BASELINE + "-" + r, "vertx", 0, receiver, n, limit));
      }
      for (var runs : List.of(Map.entry(peer, ours), Map.entry(BASELINE, base))) {
        String who = runs.getKey();
        bench.record(receiver + "_deliveries_per_s", who, "deliveries/s", runs.getValue(), "deliveries_per_s", 1);
        bench.record(receiver + "_lag_p50", who, "ms", runs.getValue(), "lag_p50_ms", 1);
        bench.record(receiver + "_lag_p99", who, "ms", runs.getValue(), "lag_p99_ms", 1);
        bench.record(receiver + "_missing", who, "deliveries", runs.getValue(), "missing", 1);
        bench.record(receiver + "_repeats", who, "deliveries", runs.getValue(), "repeats", 1);
      }
      for (String f : List.of("_deliveries_per_s", "_lag_p50", "_lag_p99")) {
        bench.compare(receiver + f, peer, BASELINE);
      }
    }
  }

  private static Map<String, Double> burst(Bench bench, String label, String mode, int port, String receiver, int n,
      double limit) throws Exception {
    Map<String, Double> m = bench.java(label, List.of(), ServicePeers.PROGRAMS + "WebhookBurst",
        List.of(mode, "127.0.0.1", String.valueOf(port), receiver, String.valueOf(n), String.valueOf(CONCURRENCY),
            String.valueOf(limit)),
        Duration.ofSeconds((long) limit + 120));
    if (m.get("missing") > 0) {
      bench.note(label + ": " + m.get("missing").longValue() + " of " + n + " deliveries did not arrive within " + limit + " s");
    }
    return m;
  }
}
