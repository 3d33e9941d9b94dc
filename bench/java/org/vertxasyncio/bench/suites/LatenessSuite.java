package org.vertxasyncio.bench.suites;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * Timer lateness: N sleeps due at random instants 1..2000 ms (the same instants for every peer) after a
 * set-up allowance; p50/p99/max of (resume - due), ms, for our await-style coroutines, plain Vert.x
 * timers and CPython's asyncio. The allowance (5 s; 1 s in --quick) keeps each peer's set-up out of the
 * figure: every timer is due after all have been started, which each program checks
 * ({@code due_during_setup}); a run where that fails is reported in the notes.
 */
public final class LatenessSuite implements Suite {
  private static final String PROGRAMS = SleepsSuite.PROGRAMS;

  @Override
  public String name() {
    return "lateness";
  }

  @Override
  public String about() {
    return "100,000 sleeps due at random instants 1..2000 ms: p50/p99/max of (resume - due)";
  }

  @Override
  public void run(Bench bench) throws Exception {
    int n = bench.quick() ? 20_000 : 100_000;
    int allowanceMs = bench.quick() ? 1_000 : 5_000;
    int reps = bench.quick() ? 1 : 5;
    List<String> args = List.of(String.valueOf(n), "2000", String.valueOf(allowanceMs), "42", String.valueOf(n / 10));
    Map<String, List<Map<String, Double>>> runs = new LinkedHashMap<>();
    for (String peer : List.of("asyncio-await", "vertx", "cpython")) {
      runs.put(peer, new ArrayList<>());
    }
    Duration limit = Duration.ofSeconds(120);
    for (int rep = 1; rep <= reps; rep++) {
      for (Map.Entry<String, List<Map<String, Double>>> e : runs.entrySet()) {
        String label = e.getKey() + "-" + rep;
        Map<String, Double> m = switch (e.getKey()) {
          case "asyncio-await" -> bench.java(label, List.of("-Dasyncio.coroutines=continuations"),
              PROGRAMS + "AsyncioLateness", args, limit);
          case "vertx" -> bench.java(label, List.of(), PROGRAMS + "VertxLateness", args, limit);
          default -> bench.python(label, "lateness.py", args, limit);
        };
        if (m.get("due_during_setup") > 0) {
          bench.note(label + ": " + m.get("due_during_setup").intValue() + " timers came due during set-up ("
              + String.format("%.2f", m.get("setup_s")) + " s, allowance " + allowanceMs + " ms): its lateness includes set-up");
        }
        e.getValue().add(m);
      }
    }
    for (Map.Entry<String, List<Map<String, Double>>> e : runs.entrySet()) {
      for (String q : List.of("p50", "p99", "max")) {
        bench.record(q, e.getKey(), "ms", e.getValue(), q + "_ms", 1);
      }
      bench.record("setup", e.getKey(), "s", e.getValue(), "setup_s", 1);
    }
    for (String q : List.of("p50", "p99", "max", "setup")) {
      bench.compare(q, "asyncio-await", "vertx", "cpython");
    }
  }
}
