package org.vertxasyncio.bench.suites;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;

/**
 * How the service suites start the HTTP peers and drive them: our service (the packaged jar, as
 * {@code java @conf/jvm.options -jar target/vertx-asyncio.jar conf/config.json}, the README's run command, with
 * {@link Bench#SERVICE_JVM_FLAGS}), the bare Vert.x endpoint ({@code bench/java/.../VertxTasks}, with the
 * same flags), the Node.js peer ({@code bench/node/tasks.js}), wrk and the open-loop generator
 * ({@code PacedLoad}, with the same flags too, so that its own pauses do not count against a peer).
 *
 * <p>Our service runs with {@code conf/config.json} as shipped (INFO logging of every task's lifecycle,
 * the store's {@code sync full}, both loops), and with these changes through environment variables only:
 * it listens on {@code 127.0.0.1} on a free port, its data directory is new in the run's output folder,
 * {@code STORE_TYPE} names the store, and the limits a benchmark would hit are raised (named by each suite).
 */
final class ServicePeers {
  static final String PROGRAMS = "org.vertxasyncio.bench.programs.";
  /** Ours with {@code STORE_TYPE=memory}: no durability, the peer-comparable one; the targets are judged on it. */
  static final String OURS_MEMORY = "asyncio-memory";
  /** Ours with the default store, SQLite ({@code store.sync full}: every 201 committed to disk first). */
  static final String OURS_SQLITE = "asyncio-sqlite";
  /**
   * Ours with {@code STORE_TYPE=postgres}: every 201 committed in PostgreSQL first, on the server
   * {@link #POSTGRES_URL} names, in a schema of its own per server ({@code bench_<label>}, made by the
   * store, dropped by the suite).
   */
  static final String OURS_POSTGRES = "asyncio-postgres";
  /** The PostgreSQL server of {@link #OURS_POSTGRES}: {@code BENCH_POSTGRES_URL}, by default the local one. */
  static final String POSTGRES_URL = System.getenv().getOrDefault("BENCH_POSTGRES_URL",
      "postgresql://postgres@127.0.0.1:5432/postgres");
  static final String VERTX = "vertx";
  static final String NODE = "node";
  /** {@link #OURS_MEMORY} on G1 ({@link Bench#JVM_FLAGS}), the collector it had before ZGC: what the collector changes. */
  static final String OURS_MEMORY_G1 = "asyncio-memory-g1";
  /** {@link #VERTX} on G1 ({@link Bench#JVM_FLAGS}). */
  static final String VERTX_G1 = "vertx-g1";
  /** Connections of every wrk and PacedLoad run. */
  static final int CONNECTIONS = 64;
  static final String SLEEP_BODY = "{\"kind\":\"sleep\",\"seconds\":1}";

  private ServicePeers() {
  }

  /**
   * The CPU a pinned peer and its load generator share ({@code taskset -c}): the first. Everything else (PostgreSQL
   * above all) is left to the scheduler, which puts it on the other CPUs while that one is busy.
   */
  static final String PINNED_CPU = "0";
  /** The labels of the servers started pinned to {@link #PINNED_CPU}: wrk runs pinned beside them. */
  private static final java.util.Set<String> PINNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Whether peers can be pinned to one CPU here: {@code taskset} (util-linux) runs, and the machine has another CPU
   * for the rest.
   */
  static boolean canPin() {
    if (Runtime.getRuntime().availableProcessors() < 2) {
      return false;
    }
    try {
      Process p = new ProcessBuilder("taskset", "-c", PINNED_CPU, "true").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * {@link #start(Bench, String, String, Map)}, the server pinned to {@link #PINNED_CPU} with {@code taskset -c} (the
   * JVM's threads, the store's included, on that CPU only), and every {@link #wrk} run against it pinned there too.
   */
  static Bench.Server startPinned(Bench bench, String peer, String label, Map<String, String> limits) throws Exception {
    PINNED.add(label);
    return start(bench, peer, label, limits, List.of("taskset", "-c", PINNED_CPU));
  }

  /** Starts peer {@code peer}; {@code limits}: environment variables for our service (ignored by the other peers). */
  static Bench.Server start(Bench bench, String peer, String label, Map<String, String> limits) throws Exception {
    return start(bench, peer, label, limits, List.of());
  }

  private static Bench.Server start(Bench bench, String peer, String label, Map<String, String> limits, List<String> prefix)
      throws Exception {
    Duration limit = Duration.ofSeconds(90);
    boolean g1 = peer.equals(OURS_MEMORY_G1) || peer.equals(VERTX_G1);
    List<String> jvmFlags = g1 ? Bench.JVM_FLAGS : Bench.SERVICE_JVM_FLAGS;
    return switch (peer) {
      case OURS_MEMORY, OURS_MEMORY_G1, OURS_SQLITE, OURS_POSTGRES -> {
        Path data = bench.out().resolve("data-" + label);
        Files.createDirectories(data.getParent());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HTTP_HOST", "127.0.0.1");
        env.put("HTTP_PORT", "0");
        env.put("STORE_TYPE", switch (peer) {
          case OURS_MEMORY, OURS_MEMORY_G1 -> "memory";
          case OURS_POSTGRES -> "postgres";
          default -> "sqlite";
        });
        env.put("STORE_PATH", data.toString());
        if (peer.equals(OURS_POSTGRES)) {
          env.put("STORE_POSTGRES_URL", POSTGRES_URL);
          env.put("STORE_POSTGRES_SCHEMA", postgresSchema(label));
        }
        env.putAll(limits);
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(bench.java());
        cmd.addAll(jvmFlags);
        cmd.add(gcLogFlag(bench, label));
        cmd.addAll(List.of("-jar", bench.root().resolve("target/vertx-asyncio.jar").toString(), "conf/config.json"));
        yield bench.server(label, cmd, env, limit);
      }
      case VERTX, VERTX_G1 -> prefix.isEmpty() ? bench.server(label, bench.javaCommand(jvmFlags, List.of(gcLogFlag(bench, label)),
          PROGRAMS + "VertxTasks", List.of("0")), Map.of(), limit) : unpinnable(peer);
      case NODE -> !prefix.isEmpty() ? unpinnable(peer) : bench.server(label, List.of("node", bench.root().resolve("bench/node/tasks.js").toString(), "0"), Map.of(),
          limit);
      default -> throw new IllegalArgumentException(peer);
    };
  }

  private static Bench.Server unpinnable(String peer) {
    throw new IllegalArgumentException("only our service's peers start pinned, not " + peer);
  }

  /** The schema of the postgres peer started as {@code label}. */
  static String postgresSchema(String label) {
    return "bench_" + label.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  /** Runs {@code sql} with psql on {@link #POSTGRES_URL}; its output, unaligned, tuples only. */
  static String psql(String sql) throws Exception {
    Process p = new ProcessBuilder("psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", POSTGRES_URL, "-c", sql)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("psql: " + sql + ": " + out);
    }
    return out;
  }

  /**
   * The JVM flag that logs a Java peer's collections to {@link #gcLog} ({@code -Xlog:gc,gc+phases}: G1's
   * pauses are {@code gc} lines, ZGC's are {@code gc+phases} lines; each line stamped with Unix epoch
   * milliseconds, so that the pauses of a measured window can be picked out).
   */
  static String gcLogFlag(Bench bench, String label) {
    return "-Xlog:gc,gc+phases:file=" + gcLog(bench, label) + ":timemillis";
  }

  /** Where the Java peer {@code label} logs its collections. */
  static Path gcLog(Bench bench, String label) {
    return bench.out().resolve("gc-" + label + ".log");
  }

  /**
   * A pause in a {@link #gcLogFlag} log: a collection's ({@code [<epoch>ms] GC(3) Pause Young (...) ... 2.345ms};
   * ZGC's {@code GC(3) y: Pause Mark Start 0.012ms}) or a thread held up by ZGC for memory
   * ({@code Allocation Stall (<thread>) 1.234ms}).
   */
  private static final java.util.regex.Pattern GC_PAUSE =
      java.util.regex.Pattern.compile("^\\[(\\d+)ms].*(\\bPause\\b|\\bAllocation Stall\\b).*\\s([0-9.]+)ms\\s*$");

  /**
   * The GC pauses the Java peer {@code server} logged between the epoch milliseconds {@code fromMs} and
   * {@code toMs} (a line is stamped when its pause ends): {@code gc_pauses} (how many),
   * {@code gc_pause_total_ms}, {@code gc_pause_max_ms}.
   */
  static Map<String, Double> gcPauses(Bench bench, Bench.Server server, double fromMs, double toMs) throws java.io.IOException {
    return gcPauses(bench, server.label(), fromMs, toMs, "");
  }

  /** {@link #gcPauses(Bench, Bench.Server, double, double)} of the Java process {@code label}, the keys prefixed. */
  static Map<String, Double> gcPauses(Bench bench, String label, double fromMs, double toMs, String prefix)
      throws java.io.IOException {
    Path log = gcLog(bench, label);
    int n = 0;
    double total = 0;
    double max = 0;
    for (String line : Files.readAllLines(log)) {
      java.util.regex.Matcher m = GC_PAUSE.matcher(line);
      if (m.find()) {
        long at = Long.parseLong(m.group(1));
        if (at >= fromMs && at <= toMs) {
          double ms = Double.parseDouble(m.group(3));
          n++;
          total += ms;
          max = Math.max(max, ms);
        }
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put(prefix + "gc_pauses", (double) n);
    out.put(prefix + "gc_pause_total_ms", total);
    out.put(prefix + "gc_pause_max_ms", max);
    return out;
  }

  /**
   * wrk, one thread, {@link #CONNECTIONS} connections, for {@code seconds}, with {@code bench/wrk/<script>}
   * (which prints the METRIC lines); adds {@code server_cpu_us_per_request}, the server's CPU time (all its
   * threads) over the run divided by the requests.
   */
  static Map<String, Double> wrk(Bench bench, String label, Bench.Server server, String path, String script,
      double seconds, String... scriptArgs) throws Exception {
    return wrk(bench, label, server, CONNECTIONS, path, script, seconds, scriptArgs);
  }

  /** {@link #wrk(Bench, String, Bench.Server, String, String, double, String...)} with {@code connections} connections. */
  static Map<String, Double> wrk(Bench bench, String label, Bench.Server server, int connections, String path, String script,
      double seconds, String... scriptArgs) throws Exception {
    List<String> cmd = new ArrayList<>(PINNED.contains(server.label()) ? List.of("taskset", "-c", PINNED_CPU) : List.of());
    cmd.addAll(List.of("wrk", "-t1", "-c" + connections, "-d" + Math.round(seconds) + "s",
        "--timeout", "30s", "--latency", "-s", bench.root().resolve("bench/wrk/" + script).toString(), server.url(path)));
    if (scriptArgs.length > 0) {
      cmd.add("--");
      cmd.addAll(List.of(scriptArgs));
    }
    double cpu0 = server.cpuSeconds();
    Map<String, Double> m = new LinkedHashMap<>(bench.command(label, cmd, Duration.ofSeconds((long) seconds + 60)));
    double cpu = server.cpuSeconds() - cpu0;
    m.put("server_cpu_us_per_request", cpu * 1e6 / m.get("requests"));
    check(label, server, m.get("errors_status") + m.get("errors_socket"));
    return m;
  }

  /** {@code PacedLoad} of {@code POST /tasks} (sleep 1 s) at {@code rate}; adds {@code server_cpu_us_per_request}. */
  static Map<String, Double> paced(Bench bench, String label, Bench.Server server, double rate, double warmup,
      double seconds) throws Exception {
    return paced(bench, label, server, SLEEP_BODY, rate, warmup, seconds);
  }

  /** {@code PacedLoad} of {@code POST /tasks} with {@code body} at {@code rate}; adds {@code server_cpu_us_per_request}. */
  static Map<String, Double> paced(Bench bench, String label, Bench.Server server, String body, double rate,
      double warmup, double seconds) throws Exception {
    double cpu0 = server.cpuSeconds();
    Map<String, Double> m = new LinkedHashMap<>(bench.command(label, bench.javaCommand(Bench.SERVICE_JVM_FLAGS,
        List.of(gcLogFlag(bench, label)), PROGRAMS + "PacedLoad",
        List.of("127.0.0.1", String.valueOf(server.port()), "POST", "/tasks", body, String.valueOf(rate),
            String.valueOf(CONNECTIONS), String.valueOf(warmup), String.valueOf(seconds))),
        Duration.ofSeconds((long) (warmup + seconds) + 90)));
    m.putAll(gcPauses(bench, label, m.get("window_start_ms"), m.get("window_end_ms"), "generator_"));
    double cpu = server.cpuSeconds() - cpu0;
    m.put("server_cpu_us_per_request", cpu * 1e6 / m.get("requests"));
    check(label, server, m.get("errors"));
    return m;
  }

  private static void check(String label, Bench.Server server, double errors) {
    if (errors > 0) {
      throw new IllegalStateException(label + ": " + (long) errors + " requests failed or were refused (see its output)");
    }
    if (!server.alive()) {
      throw new IllegalStateException(label + ": the server " + server.label() + " is gone");
    }
  }

  /**
   * The server's live heap after a full collection, as {@code jcmd GC.class_histogram} totals it, in MiB;
   * the histogram is kept as {@code <suite dir>/histogram-<label>-<n>.txt}.
   */
  static double liveHeapMb(Bench bench, Bench.Server s, String suiteDir) throws Exception {
    String jcmd = Path.of(bench.java()).resolveSibling("jcmd").toString();
    Process p = new ProcessBuilder(jcmd, String.valueOf(s.pid()), "GC.class_histogram").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    Path dir = bench.out().resolve(suiteDir);
    Files.createDirectories(dir);
    int n = 1;
    while (Files.exists(dir.resolve("histogram-" + s.label() + "-" + n + ".txt"))) {
      n++;
    }
    Path file = dir.resolve("histogram-" + s.label() + "-" + n + ".txt");
    Files.writeString(file, out);
    for (String line : out.split("\n")) {
      String t = line.trim();
      if (t.startsWith("Total")) {
        String[] f = t.split("\\s+");
        return Long.parseLong(f[2]) / 1024.0 / 1024.0;
      }
    }
    throw new IllegalStateException("jcmd GC.class_histogram printed no Total line (see " + file + ")");
  }

  /** A window of a suite's load on a peer, {@code seconds} long: the requests it served and its requests/s. */
  interface Window {
    Map<String, Double> run(String label, double seconds) throws Exception;
  }

  /** Seconds of each warm-up window. */
  static final double WARMUP_WINDOW = 4;
  /** A warm-up ends once a window's requests/s is within this fraction of the window's before it... */
  static final double WARMUP_STEADY = 0.05;
  /** ...and the peer has served this many requests in its warm-up (a full run; a quick one: a tenth). */
  static final double WARMUP_REQUESTS = 400_000;

  /**
   * Warms a peer up to its steady state, not for a set time: windows of {@value #WARMUP_WINDOW} s of the suite's
   * load until the peer has served {@value #WARMUP_REQUESTS} requests and a window's requests/s is within
   * {@value #WARMUP_STEADY} of the one before, after {@code minSeconds} at least and {@code maxSeconds} at most. A JVM
   * peer runs its compiled code only after enough requests, and a peer that serves fewer per second (a store that
   * waits on a database, a peer on one CPU, where the JIT's threads take that CPU from it) gets there later: the same
   * few seconds for every peer would measure some of them still warming up, and two windows alike alone can be a
   * pause of the climb (with 150,000 requests the postgres node stopped at 8,000 to 10,000 requests/s, and served
   * 11,500 to 13,600 once it had served twice as many). Records the seconds it took as {@code warmup.seconds} of {@code peer}, and the last window's
   * requests/s as {@code warmup.requests_per_s}.
   */
  static double warmUp(Bench bench, String peer, double minSeconds, double maxSeconds, double minRequests, Window w)
      throws Exception {
    double elapsed = 0;
    double served = 0;
    double before = -1;
    double rate = 0;
    int i = 0;
    while (true) {
      Map<String, Double> m = w.run("warmup-" + peer + "-" + ++i, WARMUP_WINDOW);
      rate = m.get("requests_per_s");
      served += m.get("requests");
      elapsed += WARMUP_WINDOW;
      boolean steady = before > 0 && Math.abs(rate - before) <= WARMUP_STEADY * before;
      if ((steady && elapsed >= minSeconds && served >= minRequests) || elapsed >= maxSeconds) {
        break;
      }
      before = rate;
    }
    Bench.progress(String.format("  warm-up of %s: %.0f s, %.0f requests (last window %.0f req/s)", peer, elapsed,
        served, rate));
    bench.record("warmup.seconds", peer, "s", elapsed);
    bench.record("warmup.requests_per_s", peer, "req/s", rate);
    return elapsed;
  }

  /** {@link #warmUp} as a full run or a quick one does it: 8 to 90 s (quick: 3 to 8 s). */
  static double warmUp(Bench bench, String peer, boolean quick, Window w) throws Exception {
    return warmUp(bench, peer, quick ? 3 : 8, quick ? 8 : 90, quick ? WARMUP_REQUESTS / 40 : WARMUP_REQUESTS, w);
  }

  /** {@link #warmUp} with wrk's {@code POST /tasks} (a 1 s sleep) on one server, as the suites' saturation runs. */
  static double warmUp(Bench bench, String peer, Bench.Server server, boolean quick) throws Exception {
    return warmUp(bench, peer, quick, (label, seconds) -> wrk(bench, label, server, "/tasks", "post.lua", seconds));
  }

  /** Waits for the 1 s sleeps of a POST run to finish, so that the next run starts on a server at rest. */
  static void settle() throws InterruptedException {
    Thread.sleep(1500);
  }
}
