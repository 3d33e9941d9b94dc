package org.vertxasyncio.bench.suites;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;
import org.vertxasyncio.bench.jmh.OpsBench;

/**
 * Per-operation costs: JMH ({@link OpsBench}, one fork with {@link Bench#JVM_FLAGS}) against the same
 * drivers in {@code bench/python/ops.py}, measured the same way (warm-up iterations, then measured
 * iterations of a fixed time, the median of the measured ones); and {@code gather} of N coroutines that
 * finish at once, as processes of their own (as the sleeps suite runs them).
 */
public final class OpsSuite implements Suite {
  /** JMH benchmark, CPython twin, figure name, our peer name. */
  private record Op(String jmh, String python, String figure, String peer) {
  }

  private static final List<Op> OPS = List.of(
      new Op("runEmpty", "run_empty", "run_until_complete", "asyncio"),
      new Op("futureCreateCompleteCallback", "future_callback", "future_callback", "asyncio"),
      new Op("taskCreateCompleteCallback", "task_callback", "task_callback", "asyncio-await"),
      new Op("futureTaskCreateCompleteCallback", "task_callback", "task_callback", "asyncio-future"),
      new Op("awaitDoneFuture", "await_done", "await_done", "asyncio-await"),
      new Op("awaitSuspendResume", "await_yield", "await_suspend_resume", "asyncio-await"),
      new Op("callSoon", "call_soon", "call_soon", "asyncio"),
      new Op("vertxPromiseCreateCompleteCallback", null, "future_callback", "vertx"));

  @Override
  public String name() {
    return "ops";
  }

  @Override
  public String about() {
    return "per-operation costs (JMH vs the same drivers in CPython) and gather of N coroutines that finish at once";
  }

  @Override
  public void run(Bench bench) throws Exception {
    int warmups = bench.quick() ? 1 : 3;
    int iterations = bench.quick() ? 2 : 5;
    double seconds = bench.quick() ? 0.5 : 1.0;

    Map<String, double[]> jmh = runJmh(bench, warmups, iterations, seconds);
    List<String> pyArgs = new ArrayList<>(List.of(String.valueOf(warmups), String.valueOf(iterations), String.valueOf(seconds)));
    Map<String, Double> py = bench.python("cpython-ops", "ops.py", pyArgs, Duration.ofSeconds(600));

    List<String> recordedPython = new ArrayList<>();
    for (Op op : OPS) {
      double[] jmhScores = jmh.get(op.jmh());
      if (jmhScores == null) {
        throw new IllegalStateException("JMH gave no result for " + op.jmh());
      }
      boolean throughput = op.figure().equals("call_soon");
      recordPeer(bench, op.figure(), op.peer(), jmhScores, throughput);
      if (op.python() != null) {
        if (!recordedPython.contains(op.python())) {
          recordedPython.add(op.python());
          double[] scores = new double[iterations];
          for (int k = 1; k <= iterations; k++) {
            scores[k - 1] = py.get(op.python() + ".iter" + k);
          }
          recordPeer(bench, op.figure(), "cpython", scores, throughput);
        }
        bench.compare(op.figure(), op.peer(), op.figure().equals("future_callback") ? new String[] {"cpython", "vertx"}
            : new String[] {"cpython"});
      }
    }
    gatherNow(bench);
  }

  /** Per-op nanoseconds, or operations per second for a throughput figure. */
  private static void recordPeer(Bench bench, String figure, String peer, double[] nsPerOp, boolean throughput) {
    if (throughput) {
      double[] opsPerS = new double[nsPerOp.length];
      for (int i = 0; i < nsPerOp.length; i++) {
        opsPerS[i] = 1e9 / nsPerOp[i];
      }
      bench.record(figure, peer, "ops/s", opsPerS);
    } else {
      bench.record(figure, peer, "ns/op", nsPerOp);
    }
  }

  /** Runs OpsBench in one JMH fork; the measured iterations' scores (ns/op) by benchmark method. */
  private static Map<String, double[]> runJmh(Bench bench, int warmups, int iterations, double seconds) throws Exception {
    java.nio.file.Path dir = bench.out().resolve("ops");
    java.nio.file.Files.createDirectories(dir);
    List<String> jvmArgs = new ArrayList<>(Bench.JVM_FLAGS);
    jvmArgs.add("-Dasyncio.coroutines=continuations");
    TimeValue t = TimeValue.milliseconds(Math.round(seconds * 1000));
    Options opt = new OptionsBuilder()
        .include(OpsBench.class.getName() + "\\.")
        .jvm(bench.java())
        .jvmArgs(jvmArgs.toArray(String[]::new))
        .forks(1)
        .warmupIterations(warmups).warmupTime(t)
        .measurementIterations(iterations).measurementTime(t)
        .output(dir.resolve("jmh.log").toString())
        .result(dir.resolve("jmh.json").toString()).resultFormat(ResultFormatType.JSON)
        .build();
    Bench.progress("  JMH OpsBench: " + warmups + " warm-up + " + iterations + " measured iterations of " + seconds
        + " s per benchmark, 1 fork (log: " + dir.resolve("jmh.log") + ")");
    Collection<RunResult> results = new org.openjdk.jmh.runner.Runner(opt).run();
    Map<String, double[]> out = new LinkedHashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      List<Double> scores = new ArrayList<>();
      for (BenchmarkResult br : r.getBenchmarkResults()) {
        for (IterationResult ir : br.getIterationResults()) {
          scores.add(ir.getPrimaryResult().getScore());
        }
      }
      out.put(name, scores.stream().mapToDouble(Double::doubleValue).toArray());
      Bench.progress(String.format("  %-34s %10.1f ns/op (median of %d)", name, median(out.get(name)), scores.size()));
    }
    return out;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** gather of N immediately-finishing coroutines: ours (both styles) and CPython's, as processes. */
  private static void gatherNow(Bench bench) throws Exception {
    int n = bench.quick() ? 100_000 : 1_000_000;
    int reps = bench.quick() ? 1 : 3;
    String size = bench.quick() ? "100k" : "1m";
    List<String> args = List.of(String.valueOf(n), String.valueOf(n / 10));
    Map<String, List<Map<String, Double>>> runs = new LinkedHashMap<>();
    for (String peer : List.of("asyncio-await", "asyncio-future", "cpython")) {
      runs.put(peer, new ArrayList<>());
    }
    for (int rep = 1; rep <= reps; rep++) {
      for (Map.Entry<String, List<Map<String, Double>>> e : runs.entrySet()) {
        String label = "gather-now-" + size + "-" + e.getKey() + "-" + rep;
        if (e.getKey().equals("cpython")) {
          e.getValue().add(bench.python(label, "gather_now.py", args, Duration.ofSeconds(300)));
        } else {
          List<String> a = new ArrayList<>();
          a.add(e.getKey().substring("asyncio-".length()));
          a.addAll(args);
          e.getValue().add(bench.java(label, List.of("-Dasyncio.coroutines=continuations"),
              SleepsSuite.PROGRAMS + "AsyncioGatherNow", a, Duration.ofSeconds(180)));
        }
      }
    }
    String fig = "gather_now." + size;
    for (Map.Entry<String, List<Map<String, Double>>> e : runs.entrySet()) {
      bench.record(fig + ".per_coroutine", e.getKey(), "ns", e.getValue(), "per_coroutine_ns", 1);
      bench.record(fig + ".elapsed", e.getKey(), "s", e.getValue(), "elapsed_s", 1);
      bench.record(fig + ".peak_rss", e.getKey(), "MB", e.getValue(), "peak_rss_mb", 1);
    }
    for (String ours : List.of("asyncio-await", "asyncio-future")) {
      for (String f : List.of(".per_coroutine", ".elapsed", ".peak_rss")) {
        bench.compare(fig + f, ours, "cpython");
      }
    }
  }
}
