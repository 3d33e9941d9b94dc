package org.vertxasyncio.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a suite measures with: runs peers as processes of their own (logged to the run's output folder,
 * under a time limit, with a minimal environment), reads the {@code METRIC key=value} lines they print,
 * and collects the figures and which peer each of ours is compared with.
 */
public final class Bench {
  /**
   * The JVM flags of every Java peer, ours and plain Vert.x alike, and of the JMH forks: a heap large
   * enough for 1M coroutines with room to spare, G1 (the default collector on this machine, named so
   * that it stays so), and the export the fast coroutine runner needs (inert for plain Vert.x).
   */
  public static final List<String> JVM_FLAGS = List.of(
      "-Xmx8g", "-XX:+UseG1GC",
      "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED");

  /** Thrown when a peer exceeds its time limit (it has been killed). */
  public static final class TimedOut extends Exception {
    private static final long serialVersionUID = 1L;

    TimedOut(String what, Duration limit) {
      super(what + " exceeded its time limit of " + limit.toSeconds() + " s and was killed");
    }
  }

  /** A comparison: {@code peer}'s {@code figure} against {@code baseline}'s same figure. */
  public record Comparison(String suite, String figure, String peer, String baseline) {
  }

  private final boolean quick;
  private final Path root;
  private final Path out;
  private final String java;
  private final String python;
  private final String classpath;
  private final List<Figure> figures = new ArrayList<>();
  private final List<Comparison> comparisons = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private String suite = "";

  Bench(boolean quick, Path root, Path out, String java, String python, String classpath) {
    this.quick = quick;
    this.root = root;
    this.out = out;
    this.java = java;
    this.python = python;
    this.classpath = classpath;
  }

  /** Whether this is a {@code --quick} run (smaller sizes, fewer repetitions). */
  public boolean quick() {
    return quick;
  }

  /** The repository's top folder. */
  public Path root() {
    return root;
  }

  /** The java binary every Java peer runs on. */
  public String java() {
    return java;
  }

  /** The class path of the benchmark programs (the library's classes, bench/java, their dependencies). */
  public String classpath() {
    return classpath;
  }

  /** This run's output folder (logs of every process, the summary). */
  public Path out() {
    return out;
  }

  void enter(String suiteName) {
    this.suite = suiteName;
  }

  // ---------------------------------------------------------------- running peers

  /** Runs a Java peer: {@code java JVM_FLAGS extraFlags -cp <bench class path> mainClass args}. */
  public Map<String, Double> java(String label, List<String> extraFlags, String mainClass, List<String> args,
      Duration limit) throws IOException, InterruptedException, TimedOut {
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(JVM_FLAGS);
    cmd.addAll(extraFlags);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    return command(label, cmd, limit);
  }

  /**
   * Runs a CPython peer, {@code bench/python/<script>}: {@code python3 -E -s -B}, so no PYTHON* variable,
   * user site or bytecode file has a say.
   */
  public Map<String, Double> python(String label, String script, List<String> args, Duration limit)
      throws IOException, InterruptedException, TimedOut {
    List<String> cmd = new ArrayList<>(List.of(python, "-E", "-s", "-B",
        root.resolve("bench/python").resolve(script).toString()));
    cmd.addAll(args);
    return command(label, cmd, limit);
  }

  /**
   * Runs any program with a minimal environment (PATH, HOME, LANG), its stdout and stderr in
   * {@code <out>/<suite>/<label>.out|.err}, and returns the {@code METRIC key=value} lines it printed.
   *
   * @throws TimedOut if it ran longer than {@code limit}
   * @throws IOException if it ended with a non-zero status (the message names its log)
   */
  public Map<String, Double> command(String label, List<String> cmd, Duration limit)
      throws IOException, InterruptedException, TimedOut {
    Path dir = out.resolve(suite);
    Files.createDirectories(dir);
    Path stdout = dir.resolve(label + ".out");
    Path stderr = dir.resolve(label + ".err");
    Files.writeString(dir.resolve(label + ".cmd"), String.join(" ", cmd) + "\n");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile())
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", Path.of(java).getParent() + ":/usr/local/bin:/usr/bin:/bin");
    env.put("HOME", System.getProperty("user.home"));
    env.put("LANG", "C.UTF-8");
    long t0 = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor();
      throw new TimedOut(label, limit);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    if (p.exitValue() != 0) {
      throw new IOException(label + " failed with status " + p.exitValue() + "; see " + stderr + ":\n"
          + tail(stderr, 15));
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (String line : Files.readAllLines(stdout)) {
      if (line.startsWith("METRIC ")) {
        int eq = line.indexOf('=');
        metrics.put(line.substring(7, eq).trim(), Double.parseDouble(line.substring(eq + 1).trim()));
      }
    }
    metrics.put("process_wall_s", wall);
    progress(String.format("  %-34s %6.1f s  %s", label, wall, brief(metrics)));
    return metrics;
  }

  private static String brief(Map<String, Double> m) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Double> e : m.entrySet()) {
      if (!e.getKey().startsWith("warmup.") && !e.getKey().equals("process_wall_s") && sb.length() < 160) {
        sb.append(e.getKey()).append('=').append(String.format("%.4g", e.getValue())).append(' ');
      }
    }
    return sb.toString().trim();
  }

  private static String tail(Path f, int lines) throws IOException {
    List<String> all = Files.readAllLines(f);
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** A line on stderr about the run's progress (stdout has only the summary). */
  public static void progress(String line) {
    System.err.println(line);
    System.err.flush();
  }

  // ---------------------------------------------------------------- figures

  /** Samples of one metric over repetitions, in order. */
  public static double[] samples(List<Map<String, Double>> runs, String key) {
    double[] v = new double[runs.size()];
    for (int i = 0; i < v.length; i++) {
      Double d = runs.get(i).get(key);
      if (d == null) {
        throw new IllegalStateException("a run printed no METRIC " + key + " (it printed " + runs.get(i).keySet() + ")");
      }
      v[i] = d;
    }
    return v;
  }

  /** Records the median of {@code samples} as {@code peer}'s {@code figure}. */
  public Figure record(String figure, String peer, String unit, double... samples) {
    double[] s = samples.clone();
    Arrays.sort(s);
    int n = s.length;
    double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    Figure f = new Figure(suite, figure, peer, median, unit, s[0], s[n - 1], n);
    figures.add(f);
    return f;
  }

  /** Records the median of metric {@code key} over {@code runs} (times {@code scale}). */
  public Figure record(String figure, String peer, String unit, List<Map<String, Double>> runs, String key, double scale) {
    double[] s = samples(runs, key);
    for (int i = 0; i < s.length; i++) {
      s[i] *= scale;
    }
    return record(figure, peer, unit, s);
  }

  /** Compares {@code peer}'s {@code figure} with {@code baseline}'s (one RESULT line per comparison). */
  public void compare(String figure, String peer, String... baselines) {
    for (String b : baselines) {
      comparisons.add(new Comparison(suite, figure, peer, b));
    }
  }

  /** A remark for the summary (a limit that was hit, a size that was reduced). */
  public void note(String text) {
    notes.add("[" + suite + "] " + text);
    progress("  note: " + text);
  }

  List<Figure> figures() {
    return figures;
  }

  List<Comparison> comparisons() {
    return comparisons;
  }

  List<String> notes() {
    return notes;
  }

  /** The figure, or null if it was not measured. */
  public Figure find(String suiteName, String figure, String peer) {
    for (Figure f : figures) {
      if (f.suite().equals(suiteName) && f.figure().equals(figure) && f.peer().equals(peer)) {
        return f;
      }
    }
    return null;
  }
}
