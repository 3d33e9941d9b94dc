package org.vertxasyncio.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a suite measures with: runs peers as processes of their own (logged to the run's output folder,
 * under a time limit, with a minimal environment), reads the {@code METRIC key=value} lines they print,
 * and collects the figures and which peer each of ours is compared with.
 */
public final class Bench {
  /**
   * The JVM flags of every Java peer of the library's suites, ours and plain Vert.x alike, and of the JMH
   * forks: a heap large enough for 1M coroutines with room to spare, G1 (the default collector on this
   * machine, named so that it stays so), and the export the fast coroutine runner needs (inert for plain
   * Vert.x). The service's suites start their HTTP peers with {@link #SERVICE_JVM_FLAGS}.
   */
  public static final List<String> JVM_FLAGS = List.of(
      "-Xmx8g", "-XX:+UseG1GC",
      "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED");

  /**
   * The service's own JVM options, as the README's run command and the Dockerfile's entrypoint give them:
   * the java argument file {@code conf/jvm.options} (ZGC, generational on JDK 23 and later, whose pauses
   * stay under a millisecond where G1's young collections copied every task still pending, its young
   * generation collected at least once a second). Every peer runs in the repository's root, so the path is
   * relative to it.
   */
  public static final String SERVICE_OPTIONS_FILE = "@conf/jvm.options";

  /**
   * The JVM flags of the service suites' HTTP peers, ours and the bare Vert.x endpoint alike, and of the
   * open-loop generator that measures their latency ({@code PacedLoad}): the library suites' heap, the
   * service's own options ({@link #SERVICE_OPTIONS_FILE}), and the library suites' export.
   */
  public static final List<String> SERVICE_JVM_FLAGS = List.of("-Xmx8g", SERVICE_OPTIONS_FILE,
      "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED");

  /** The options in the argument file {@code file}, as the java launcher reads them ({@code #} starts a comment). */
  public static List<String> argumentFile(Path file) {
    try {
      return Files.readAllLines(file).stream().map(l -> l.replaceFirst("#.*", "").strip()).filter(l -> !l.isEmpty())
          .flatMap(l -> Arrays.stream(l.split("\\s+"))).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

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
    return command(label, javaCommand(extraFlags, mainClass, args), limit);
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
    return command(label, cmd, Map.of(), limit);
  }

  /** {@link #command(String, List, Duration)} with {@code extraEnv} added to the minimal environment. */
  public Map<String, Double> command(String label, List<String> cmd, Map<String, String> extraEnv, Duration limit)
      throws IOException, InterruptedException, TimedOut {
    ProcessBuilder pb = processBuilder(label, cmd, extraEnv);
    Path stdout = pb.redirectOutput().file().toPath();
    Path stderr = pb.redirectError().file().toPath();
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

  /**
   * A process with the minimal environment (PATH, HOME, LANG, then {@code extraEnv}), run in the
   * repository's top folder, its output in {@code <out>/<suite>/<label>.out|.err} and its command line in
   * {@code .cmd}.
   */
  private ProcessBuilder processBuilder(String label, List<String> cmd, Map<String, String> extraEnv) throws IOException {
    Path dir = out.resolve(suite);
    Files.createDirectories(dir);
    Path stdout = dir.resolve(label + ".out");
    Path stderr = dir.resolve(label + ".err");
    StringBuilder line = new StringBuilder();
    extraEnv.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
    Files.writeString(dir.resolve(label + ".cmd"), line + String.join(" ", cmd) + "\n");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile())
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", Path.of(java).getParent() + ":/usr/local/bin:/usr/bin:/bin");
    env.put("HOME", System.getProperty("user.home"));
    env.put("LANG", "C.UTF-8");
    env.putAll(extraEnv);
    return pb;
  }

  /** The command line of a Java peer: {@code java JVM_FLAGS extraFlags -cp <bench class path> mainClass args}. */
  public List<String> javaCommand(List<String> extraFlags, String mainClass, List<String> args) {
    return javaCommand(JVM_FLAGS, extraFlags, mainClass, args);
  }

  /** The command line of a Java peer with {@code jvmFlags} instead of {@link #JVM_FLAGS}. */
  public List<String> javaCommand(List<String> jvmFlags, List<String> extraFlags, String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(jvmFlags);
    cmd.addAll(extraFlags);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }

  // ---------------------------------------------------------------- servers

  /**
   * A peer that serves HTTP in the background (the service, a peer endpoint) while clients measure it:
   * started by {@link #server}, stopped by {@link #close} (SIGTERM, then SIGKILL after 20 s).
   */
  public static final class Server implements AutoCloseable {
    private final String label;
    private final Process process;
    private final int port;

    Server(String label, Process process, int port) {
      this.label = label;
      this.process = process;
      this.port = port;
    }

    public String label() {
      return label;
    }

    public long pid() {
      return process.pid();
    }

    public int port() {
      return port;
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public String url(String path) {
      return "http://127.0.0.1:" + port + path;
    }

    public boolean alive() {
      return process.isAlive();
    }

    /** The server's CPU time so far (user + system, every thread), seconds. */
    public double cpuSeconds() throws IOException {
      String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ is 100 on Linux
    }

    /** A {@code kB} line of {@code /proc/<pid>/status} ({@code VmHWM}: peak RSS; {@code VmRSS}: RSS now), in MiB. */
    public double statusMb(String key) throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
        if (line.startsWith(key + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
      throw new IOException("no " + key + " in /proc/" + pid() + "/status");
    }

    /** Kills the peer with SIGKILL (no shutdown of its own) and waits for it to be gone. */
    public void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
          process.waitFor();
        }
      }
    }
  }

  /**
   * Starts a server in the background (as {@link #command} starts a program: minimal environment plus
   * {@code extraEnv}, output in the run's folder) and waits until it prints
   * {@code listening on http://<host>:<port>} on stdout.
   *
   * @throws TimedOut if it does not listen within {@code limit}
   * @throws IOException if it exits first (the message has the end of its output)
   */
  public Server server(String label, List<String> cmd, Map<String, String> extraEnv, Duration limit)
      throws IOException, InterruptedException, TimedOut {
    ProcessBuilder pb = processBuilder(label, cmd, extraEnv);
    Path stdout = pb.redirectOutput().file().toPath();
    Path stderr = pb.redirectError().file().toPath();
    Process p = pb.start();
    Pattern listening = Pattern.compile("listening on http://[^:/\\s]+:(\\d+)");
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException(label + " exited with status " + p.exitValue() + " before listening; see " + stderr + ":\n"
            + tail(stdout, 10) + "\n" + tail(stderr, 10));
      }
      try (var lines = Files.lines(stdout)) {
        var m = lines.map(listening::matcher).filter(Matcher::find).findFirst();
        if (m.isPresent()) {
          Server s = new Server(label, p, Integer.parseInt(m.get().group(1)));
          progress(String.format("  %-34s listening on port %d (pid %d)", label, s.port(), s.pid()));
          return s;
        }
      } catch (UncheckedIOException e) {
        // a line cut in the middle of a UTF-8 sequence: read again
      }
      Thread.sleep(100);
    }
    p.destroyForcibly();
    p.waitFor();
    throw new TimedOut(label + " (not listening)", limit);
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
