package org.vertxasyncio.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The summary of a run: the table, the RESULT lines and the targets ({@link #TARGETS}), met or not.
 */
final class Report {
  private Report() {
  }

  /**
   * A target: {@code peer}'s {@code figure} against {@code baseline}'s {@code baselineFigure} (or an absolute
   * limit): met when the value (or ratio) is at most {@code limit} (below it if {@code strict}), or, for a
   * target where more is better ({@code higher}), at least {@code limit} (above it if {@code strict}).
   */
  private record Target(String id, String text, String suite, String figure, String peer, String baselineSuite,
      String baselineFigure, String baseline, double limit, boolean strict, boolean higher) {
    Target(String id, String text, String suite, String figure, String peer, String baselineSuite,
        String baselineFigure, String baseline, double limit, boolean strict) {
      this(id, text, suite, figure, peer, baselineSuite, baselineFigure, baseline, limit, strict, false);
    }
  }

  /** 1.5 GB, read strictly (10^9 bytes, not 2^30), in the MiB that every MB figure here is. */
  private static final double GB_1_5_IN_MIB = 1.5e9 / 1024 / 1024;

  private static final List<Target> TARGETS = List.of(
      new Target("sleeps_1m_overhead_vs_vertx", "1M sleeping coroutines (await-style): overhead <= 2x plain Vert.x",
          "sleeps", "1m.overhead", "asyncio-await", "sleeps", "1m.overhead", "vertx", 2.0, false),
      new Target("sleeps_1m_overhead_vs_cpython", "1M sleeping coroutines (await-style): overhead <= 1/10 of CPython's",
          "sleeps", "1m.overhead", "asyncio-await", "sleeps", "1m.overhead", "cpython", 0.1, false),
      new Target("sleeps_1m_rss_vs_vertx", "1M sleeping coroutines (await-style): peak RSS <= 1.5x plain Vert.x",
          "sleeps", "1m.peak_rss", "asyncio-await", "sleeps", "1m.peak_rss", "vertx", 1.5, false),
      new Target("sleeps_1m_rss_vs_cpython", "1M sleeping coroutines (await-style): peak RSS below CPython's",
          "sleeps", "1m.peak_rss", "asyncio-await", "sleeps", "1m.peak_rss", "cpython", 1.0, true),
      new Target("sleeps_1m_future_overhead_vs_vertx", "1M sleeping coroutines (future-style): overhead <= 2x plain Vert.x",
          "sleeps", "1m.overhead", "asyncio-future", "sleeps", "1m.overhead", "vertx", 2.0, false),
      new Target("sleeps_1m_future_overhead_vs_cpython", "1M sleeping coroutines (future-style): overhead <= 1/10 of CPython's",
          "sleeps", "1m.overhead", "asyncio-future", "sleeps", "1m.overhead", "cpython", 0.1, false),
      new Target("sleeps_1m_future_rss_vs_vertx", "1M sleeping coroutines (future-style): peak RSS <= 1.5x plain Vert.x",
          "sleeps", "1m.peak_rss", "asyncio-future", "sleeps", "1m.peak_rss", "vertx", 1.5, false),
      new Target("sleeps_1m_future_rss_vs_cpython", "1M sleeping coroutines (future-style): peak RSS below CPython's",
          "sleeps", "1m.peak_rss", "asyncio-future", "sleeps", "1m.peak_rss", "cpython", 1.0, true),
      new Target("lateness_p99", "timer lateness p99 <= 3 ms (ours, await-style)",
          "lateness", "p99", "asyncio-await", null, null, null, 3.0, false),
      new Target("task_callback_vs_cpython_future", "task create + complete + callback (ours, await-style) >= 20x cheaper than "
          + "CPython's future + done callback (a task against a bare future: not like for like)",
          "ops", "task_callback", "asyncio-await", "ops", "future_callback", "cpython", 0.05, false),
      new Target("future_callback_vs_cpython_future", "like for like: future create + complete + callback >= 20x cheaper "
          + "than CPython's future + done callback",
          "ops", "future_callback", "asyncio", "ops", "future_callback", "cpython", 0.05, false),
      new Target("task_callback_vs_cpython_task", "like for like: task create + complete + callback (await-style) >= 20x "
          + "cheaper than CPython's task + done callback",
          "ops", "task_callback", "asyncio-await", "ops", "task_callback", "cpython", 0.05, false),
      // the service's: judged on ours with the memory store (no durability, like its peers); the SQLite
      // store's lines after them are for information
      new Target("post_vs_vertx", "POST /tasks requests/s (ours, memory store) >= 50 % of the bare Vert.x endpoint's",
          "http", "post.requests_per_s", "asyncio-memory", "http", "post.requests_per_s", "vertx", 0.5, false, true),
      new Target("post_vs_node", "POST /tasks requests/s (ours, memory store) ahead of the Node.js peer's",
          "http", "post.requests_per_s", "asyncio-memory", "http", "post.requests_per_s", "node", 1.0, true, true),
      new Target("post70_p99", "POST /tasks p99 <= 10 ms at 70 % of saturation (ours, memory store; open-loop)",
          "http", "post70.p99", "asyncio-memory", null, null, null, 10.0, false),
      new Target("get_vs_node", "GET /tasks/{id} requests/s (ours, memory store) ahead of the Node.js peer's",
          "http", "get.requests_per_s", "asyncio-memory", "http", "get.requests_per_s", "node", 1.0, true, true),
      new Target("post_cpu_vs_vertx", "CPU per POST /tasks (ours, memory store) <= 2x the bare Vert.x endpoint's",
          "http", "post.cpu_per_request", "asyncio-memory", "http", "post.cpu_per_request", "vertx", 2.0, false),
      new Target("get_cpu_vs_vertx", "CPU per GET /tasks/{id} (ours, memory store) <= 1.5x the bare Vert.x endpoint's",
          "http", "get.cpu_per_request", "asyncio-memory", "http", "get.cpu_per_request", "vertx", 1.5, false),
      new Target("node50_p99_vs_node", "like for like, one open-loop rate for all (half the Node.js peer's saturation): "
          + "POST /tasks p99 (ours, memory store) <= the Node.js peer's",
          "http", "node50.p99", "asyncio-memory", "http", "node50.p99", "node", 1.0, false),
      new Target("node50_p99_vs_vertx", "like for like, one open-loop rate for all (half the Node.js peer's saturation): "
          + "POST /tasks p99 (ours, memory store) <= the bare Vert.x endpoint's",
          "http", "node50.p99", "asyncio-memory", "http", "node50.p99", "vertx", 1.0, false),
      new Target("sqlite_vs_memory", "POST /tasks requests/s with the SQLite store >= 80 % of the memory store's",
          "http", "post.requests_per_s", "asyncio-sqlite", "http", "post.requests_per_s", "asyncio-memory", 0.8, false, true),
      new Target("postgres_vs_sqlite", "POST /tasks requests/s with the postgres store (one node) >= 70 % of the SQLite store's",
          "cluster", "post.requests_per_s", "asyncio-postgres", "cluster", "post.requests_per_s", "asyncio-sqlite", 0.7, false, true),
      new Target("postgres_vs_sqlite_1cpu", "POST /tasks requests/s with the postgres store (one node) >= 70 % of the SQLite "
          + "store's, each node pinned to one CPU with its load generator, PostgreSQL's server on the other CPUs",
          "cluster", "post.requests_per_s", "asyncio-postgres-1cpu", "cluster", "post.requests_per_s", "asyncio-sqlite-1cpu",
          0.7, false, true),
      new Target("parked_1m_rss", "1,000,000 sleeps due in an hour on one node (SQLite store, parked) in <= 500 MB RSS (peak)",
          "parked", "1m.peak_rss", "asyncio-sqlite", null, null, null, 500.0, false),
      new Target("rescue_within_lease", "cluster: the last task of a node killed with kill -9 running again on the other "
          + "within cluster.lease + cluster.heartbeat + 1 s (13 s with the defaults)",
          "cluster", "rescue.last_running", "asyncio-postgres-2nodes", null, null, null, 13.0, false),
      new Target("pending_1m_rss", "1,000,000 pending tasks in <= 1.5 GB RSS (peak; 1.5e9 bytes = 1430.5 MiB)",
          "pending", "1m.peak_rss", "asyncio-memory", null, null, null, GB_1_5_IN_MIB, false),
      new Target("post_vs_vertx_sqlite", "for information, the SQLite store: POST /tasks requests/s >= 50 % of the bare Vert.x endpoint's",
          "http", "post.requests_per_s", "asyncio-sqlite", "http", "post.requests_per_s", "vertx", 0.5, false, true),
      new Target("post_vs_node_sqlite", "for information, the SQLite store: POST /tasks requests/s ahead of the Node.js peer's",
          "http", "post.requests_per_s", "asyncio-sqlite", "http", "post.requests_per_s", "node", 1.0, true, true),
      new Target("post70_p99_sqlite", "for information, the SQLite store: POST /tasks p99 <= 10 ms at 70 % of its saturation",
          "http", "post70.p99", "asyncio-sqlite", null, null, null, 10.0, false));

  static String render(Bench bench, List<String> failures) {
    StringBuilder sb = new StringBuilder();
    sb.append("## Figures\n\n");
    sb.append("Medians of the repetitions (n; min-max beside), each repetition a process of its own (JMH and ops.py: "
        + "the median of the measured iterations). Ratio = ours / the peer's; for ops/s higher is better, "
        + "for everything else lower is.\n\n");
    sb.append("| suite | figure | peer | median | unit | min-max (n) | ratios |\n");
    sb.append("|---|---|---|---:|---|---|---|\n");
    for (Figure f : bench.figures()) {
      List<String> ratios = new ArrayList<>();
      for (Bench.Comparison c : comparisonsOf(bench, f)) {
        Figure b = bench.find(c.suite(), c.figure(), c.baseline());
        ratios.add((b == null ? "NA" : Runner.num(f.value() / b.value()) + "x") + " " + c.baseline());
      }
      sb.append("| ").append(f.suite()).append(" | ").append(f.figure()).append(" | ").append(f.peer()).append(" | ")
          .append(Runner.num(f.value())).append(" | ").append(f.unit()).append(" | ")
          .append(Runner.num(f.min())).append("-").append(Runner.num(f.max())).append(" (").append(f.samples()).append(") | ")
          .append(String.join(", ", ratios)).append(" |\n");
    }
    sb.append("\n## RESULT lines\n\n```\n");
    for (Figure f : bench.figures()) {
      List<Bench.Comparison> cs = comparisonsOf(bench, f);
      if (cs.isEmpty()) {
        sb.append(result(f, "self", "1"));
      }
      for (Bench.Comparison c : cs) {
        Figure b = bench.find(c.suite(), c.figure(), c.baseline());
        sb.append(result(f, c.baseline(), b == null ? "NA" : Runner.num(f.value() / b.value())));
      }
    }
    sb.append("```\n\n## Targets\n\n```\n");
    for (Target t : TARGETS) {
      sb.append(evaluate(bench, t)).append('\n');
    }
    sb.append("```\n");
    if (!bench.notes().isEmpty()) {
      sb.append("\n## Notes\n\n");
      for (String n : bench.notes()) {
        sb.append("- ").append(n).append('\n');
      }
    }
    if (!failures.isEmpty()) {
      sb.append("\n## Failed suites\n\n");
      for (String f : failures) {
        sb.append("- ").append(f).append('\n');
      }
    }
    return sb.toString();
  }

  private static List<Bench.Comparison> comparisonsOf(Bench bench, Figure f) {
    List<Bench.Comparison> out = new ArrayList<>();
    for (Bench.Comparison c : bench.comparisons()) {
      if (c.suite().equals(f.suite()) && c.figure().equals(f.figure()) && c.peer().equals(f.peer())) {
        out.add(c);
      }
    }
    return out;
  }

  private static String result(Figure f, String baseline, String ratio) {
    return "RESULT suite=" + f.suite() + " name=" + f.name() + " value=" + Runner.num(f.value()) + " unit=" + f.unit()
        + " baseline=" + baseline + " ratio=" + ratio + "\n";
  }

  /**
   * The figure, from {@code suite} or, for {@code http}, from {@code latency} (the same POST runs, alone) when
   * only that ran.
   */
  private static Figure find(Bench bench, String suite, String figure, String peer) {
    Figure f = bench.find(suite, figure, peer);
    return f == null && suite.equals("http") ? bench.find("latency", figure, peer) : f;
  }

  private static String evaluate(Bench bench, Target t) {
    Figure f = find(bench, t.suite(), t.figure(), t.peer());
    String head = "TARGET name=" + t.id() + " ";
    if (f == null) {
      return head + "met=n/a (not measured in this run) -- " + t.text();
    }
    double v;
    String what;
    if (t.baseline() == null) {
      v = f.value();
      what = "value=" + Runner.num(v) + " " + f.unit() + " limit=" + Runner.num(t.limit());
    } else {
      Figure b = find(bench, t.baselineSuite(), t.baselineFigure(), t.baseline());
      if (b == null) {
        return head + "met=n/a (baseline " + t.baseline() + " not measured) -- " + t.text();
      }
      v = f.value() / b.value();
      what = "ratio=" + Runner.num(v) + " limit=" + Runner.num(t.limit()) + " (" + Runner.num(f.value()) + " / "
          + Runner.num(b.value()) + " " + f.unit() + ")";
    }
    boolean met = t.higher() ? (t.strict() ? v > t.limit() : v >= t.limit())
        : (t.strict() ? v < t.limit() : v <= t.limit());
    return head + "met=" + (met ? "yes" : "NO") + " " + what + " -- " + t.text();
  }
}
