package org.vertxasyncio.bench.suites;

import static org.vertxasyncio.bench.suites.ServicePeers.OURS_MEMORY;
import static org.vertxasyncio.bench.suites.ServicePeers.OURS_POSTGRES;
import static org.vertxasyncio.bench.suites.ServicePeers.OURS_SQLITE;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * The service on PostgreSQL, one node and two, beside the SQLite and memory stores, and what one PostgreSQL
 * primary can carry:
 * <ul>
 *   <li>{@code POST /tasks} (a 1 s sleep) at saturation, 64 connections in all (two nodes on one schema: 32 to
 *       each, at once): requests/s and the service's CPU per request (both nodes' CPU over both nodes'
 *       requests), each postgres figure as a ratio to SQLite's and memory's; the peers started once, warmed up,
 *       then run interleaved;</li>
 *   <li>the same run with one node pinned to one CPU together with its wrk ({@code taskset -c 0}), on SQLite and on
 *       PostgreSQL, whose server the scheduler then runs on the other CPUs: each node with a CPU of its own and its
 *       database server apart from it, as deployed, where on a small machine PostgreSQL's processes otherwise take
 *       part of the CPUs the node's figure is judged on (skipped without {@code taskset} or a second CPU);</li>
 *   <li>for the postgres peers, per task over the measured run and the settling after it: the statements the
 *       nodes sent ({@code asyncio_store_statements_total} + {@code asyncio_cluster_statements_total}),
 *       PostgreSQL's transactions ({@code pg_stat_database}) and its server processes' CPU time;</li>
 *   <li>rescue: two nodes (the default {@code cluster.lease} and {@code cluster.heartbeat}; a {@code store.horizon}
 *       of an hour, so that the sleeps are held in memory under a lease rather than parked), pending sleeps on
 *       one, which is killed with SIGKILL: the seconds until the last of them runs on the other;</li>
 *   <li>what this PostgreSQL sustains, with {@code pgbench} in a database of its own: statements/s of the
 *       select-only script and of the TPC-B-like one (7 statements a transaction).</li>
 * </ul>
 * PostgreSQL is the server {@code BENCH_POSTGRES_URL} names (default: the local one); the suite's schemas and
 * database are dropped at the end.
 */
public final class ClusterSuite implements Suite {
  static final String TWO_NODES = "asyncio-postgres-2nodes";
  static final String POSTGRESQL = "postgresql";
  /** Ours on SQLite, pinned to one CPU with its load generator ({@link ServicePeers#startPinned}). */
  static final String PINNED_SQLITE = OURS_SQLITE + "-1cpu";
  /** Ours on PostgreSQL, one node, pinned to one CPU with its load generator; PostgreSQL on the other CPUs. */
  static final String PINNED_POSTGRES = OURS_POSTGRES + "-1cpu";
  static final List<String> PEERS = List.of(OURS_MEMORY, OURS_SQLITE, OURS_POSTGRES, TWO_NODES);
  static final List<String> PINNED_PEERS = List.of(PINNED_SQLITE, PINNED_POSTGRES);
  /** The statements of one transaction of pgbench's TPC-B-like script: BEGIN, 3 UPDATE, SELECT, INSERT, END. */
  static final int TPCB_STATEMENTS = 7;

  @Override
  public String name() {
    return "cluster";
  }

  @Override
  public String about() {
    return "POST /tasks on PostgreSQL, one node and two, beside SQLite and memory; statements per task; "
        + "rescue after kill -9; what PostgreSQL sustains (pgbench)";
  }

  @Override
  public void run(Bench bench) throws Exception {
    boolean quick = bench.quick();
    int reps = quick ? 1 : 3;
    double saturation = quick ? 3 : 5;
    Map<String, String> limits = Map.of("LIMITS_PENDING_MAX", "1000000");
    String oneSchema = ServicePeers.postgresSchema("cluster-" + OURS_POSTGRES);
    String twoSchema = ServicePeers.postgresSchema("cluster-" + TWO_NODES);
    String pinnedSchema = ServicePeers.postgresSchema("cluster-" + PINNED_POSTGRES);
    List<String> schemas = List.of(oneSchema, twoSchema, pinnedSchema);
    List<String> peers = new ArrayList<>(PEERS);
    if (ServicePeers.canPin()) {
      peers.addAll(PINNED_PEERS);
    } else {
      Bench.progress("  no taskset, or a single CPU: the peers pinned to one CPU (" + PINNED_PEERS + ") do not run");
    }
    for (String s : schemas) {
      ServicePeers.psql("DROP SCHEMA IF EXISTS " + s + " CASCADE");
    }
    Map<String, List<Bench.Server>> servers = new LinkedHashMap<>();
    Map<String, List<Map<String, Double>>> runs = new LinkedHashMap<>();
    try {
      for (String peer : peers) {
        List<Bench.Server> nodes = new ArrayList<>();
        if (peer.equals(PINNED_SQLITE)) {
          nodes.add(ServicePeers.startPinned(bench, OURS_SQLITE, "cluster-" + peer, limits));
        } else if (peer.equals(PINNED_POSTGRES)) {
          nodes.add(ServicePeers.startPinned(bench, OURS_POSTGRES, "cluster-" + peer, limits));
        } else if (peer.equals(TWO_NODES)) {
          for (String n : List.of("a", "b")) {
            Map<String, String> env = new LinkedHashMap<>(limits);
            env.put("NODE_ID", "bench-" + n);
            env.put("STORE_POSTGRES_SCHEMA", twoSchema);
            nodes.add(ServicePeers.start(bench, OURS_POSTGRES, "cluster-two-" + n, env));
          }
        } else {
          nodes.add(ServicePeers.start(bench, peer, "cluster-" + peer, limits));
        }
        servers.put(peer, nodes);
        ServicePeers.warmUp(bench, peer, quick, (label, seconds) -> post(bench, label, nodes, seconds));
        ServicePeers.settle();
        runs.put(peer, new ArrayList<>());
      }
      for (int rep = 1; rep <= reps; rep++) {
        for (String peer : peers) {
          List<Bench.Server> nodes = servers.get(peer);
          boolean pg = peer.equals(OURS_POSTGRES) || peer.equals(TWO_NODES);
          long xacts = pg ? transactions() : 0;
          double statements = pg ? statements(nodes) : 0;
          double pgCpu = pg ? postgresCpuSeconds() : 0;
          Map<String, Double> m = post(bench, "post-" + peer + "-" + rep, nodes, saturation);
          if (pg) {
            ServicePeers.settle(); // the sleeps of the run end (1 s) and their finishes are committed
            double tasks = m.get("requests");
            m.put("pg_statements_per_task", (statements(nodes) - statements) / tasks);
            m.put("pg_transactions_per_task", (transactions() - xacts) / tasks);
            m.put("pg_cpu_us_per_task", (postgresCpuSeconds() - pgCpu) * 1e6 / tasks);
          }
          runs.get(peer).add(m);
          ServicePeers.settle();
        }
      }
    } finally {
      for (List<Bench.Server> nodes : servers.values()) {
        for (Bench.Server s : nodes) {
          s.close();
        }
      }
      for (String s : schemas) {
        ServicePeers.psql("DROP SCHEMA IF EXISTS " + s + " CASCADE");
      }
    }
    for (String peer : peers) {
      bench.record("post.requests_per_s", peer, "req/s", runs.get(peer), "requests_per_s", 1);
      bench.record("post.cpu_per_request", peer, "us", runs.get(peer), "server_cpu_us_per_request", 1);
    }
    for (String peer : List.of(OURS_POSTGRES, TWO_NODES)) {
      bench.record("postgres.statements_per_task", peer, "", runs.get(peer), "pg_statements_per_task", 1);
      bench.record("postgres.transactions_per_task", peer, "", runs.get(peer), "pg_transactions_per_task", 1);
      bench.record("postgres.cpu_per_task", peer, "us", runs.get(peer), "pg_cpu_us_per_task", 1);
    }
    for (String fig : List.of("post.requests_per_s", "post.cpu_per_request")) {
      bench.compare(fig, OURS_POSTGRES, OURS_SQLITE, OURS_MEMORY);
      bench.compare(fig, TWO_NODES, OURS_POSTGRES, OURS_SQLITE);
      if (peers.contains(PINNED_POSTGRES)) {
        bench.compare(fig, PINNED_POSTGRES, PINNED_SQLITE);
      }
    }
    rescue(bench, quick ? 100 : 500, limits);
    pgbench(bench, quick ? 5 : 15);
  }

  /**
   * wrk's {@code POST /tasks} on every node at once, {@link ServicePeers#CONNECTIONS} connections in all:
   * requests and requests/s summed, the CPU per request over all nodes, the p99 the worst node's.
   */
  private static Map<String, Double> post(Bench bench, String label, List<Bench.Server> nodes, double seconds) throws Exception {
    if (nodes.size() == 1) {
      return new LinkedHashMap<>(ServicePeers.wrk(bench, label, nodes.get(0), "/tasks", "post.lua", seconds));
    }
    int each = ServicePeers.CONNECTIONS / nodes.size();
    List<CompletableFuture<Map<String, Double>>> all = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      Bench.Server s = nodes.get(i);
      String l = label + "-" + (char) ('a' + i);
      all.add(CompletableFuture.supplyAsync(() -> {
        try {
          return ServicePeers.wrk(bench, l, s, each, "/tasks", "post.lua", seconds);
        } catch (Exception e) {
          throw new IllegalStateException(l + ": " + e.getMessage(), e);
        }
      }));
    }
    Map<String, Double> sum = new LinkedHashMap<>();
    double requests = 0;
    double perSecond = 0;
    double cpuUs = 0;
    double p99 = 0;
    for (CompletableFuture<Map<String, Double>> f : all) {
      Map<String, Double> m = f.join();
      requests += m.get("requests");
      perSecond += m.get("requests_per_s");
      cpuUs += m.get("server_cpu_us_per_request") * m.get("requests");
      p99 = Math.max(p99, m.get("p99_ms"));
    }
    sum.put("requests", requests);
    sum.put("requests_per_s", perSecond);
    sum.put("server_cpu_us_per_request", cpuUs / requests);
    sum.put("p99_ms", p99);
    return sum;
  }

  /**
   * Two nodes with the default lease and heartbeat; {@code n} sleeps of 10 minutes accepted by the first,
   * which is then killed with SIGKILL: the seconds until the second runs all of them (its {@code default}
   * loop counts them pending: each is in its memory, its coroutine made).
   */
  private static void rescue(Bench bench, int n, Map<String, String> limits) throws Exception {
    String schema = ServicePeers.postgresSchema("cluster-rescue");
    ServicePeers.psql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<Bench.Server> nodes = new ArrayList<>();
    try {
      for (String id : List.of("a", "b")) {
        Map<String, String> env = new LinkedHashMap<>(limits);
        env.put("NODE_ID", "rescue-" + id);
        env.put("STORE_POSTGRES_SCHEMA", schema);
        // the 600 s sleeps are held in memory under the node's lease, not parked in the store (the default
        // horizon of 60 s would park them: a parked task has no lease, and nothing to rescue)
        env.put("STORE_HORIZON", "3600");
        nodes.add(ServicePeers.start(bench, OURS_POSTGRES, "rescue-" + id, env));
      }
      Bench.Server a = nodes.get(0);
      Bench.Server b = nodes.get(1);
      for (int i = 0; i < n; i++) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(a.url("/tasks")))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"sleep\",\"seconds\":600}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
          throw new IllegalStateException("rescue: POST /tasks answered " + r.statusCode() + ": " + r.body());
        }
      }
      long t0 = System.nanoTime();
      a.kill();
      double first = -1;
      Pattern pending = Pattern.compile("\"pending\"\\s*:\\s*(\\d+)");
      while (true) {
        double elapsed = (System.nanoTime() - t0) / 1e9;
        if (elapsed > 120) {
          throw new IllegalStateException("rescue: the second node ran not all of the " + n + " tasks within 120 s");
        }
        Matcher m = pending.matcher(http.send(HttpRequest.newBuilder(URI.create(b.url("/loops/default"))).build(),
            HttpResponse.BodyHandlers.ofString()).body());
        int running = m.find() ? Integer.parseInt(m.group(1)) : 0;
        if (running > 0 && first < 0) {
          first = elapsed;
        }
        if (running >= n) {
          bench.record("rescue.first_running", TWO_NODES, "s", first);
          bench.record("rescue.last_running", TWO_NODES, "s", elapsed);
          bench.note("rescue: " + n + " pending sleeps of a node killed with SIGKILL ran on its peer " + String.format("%.2f", first)
              + " s (first) to " + String.format("%.2f", elapsed) + " s (last) after the kill (cluster.lease 10 s, cluster.heartbeat 2 s)");
          break;
        }
        Thread.sleep(50);
      }
    } finally {
      for (Bench.Server s : nodes) {
        s.close();
      }
      ServicePeers.psql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  /** pgbench in a database of its own (scale 10, 8 clients, 2 threads, prepared statements), then dropped. */
  private static void pgbench(Bench bench, int seconds) throws Exception {
    String db = "bench_cluster_pgbench";
    String url = ServicePeers.POSTGRES_URL.replaceAll("/[^/?]*(\\?.*)?$", "/" + db);
    ServicePeers.psql("DROP DATABASE IF EXISTS " + db);
    ServicePeers.psql("CREATE DATABASE " + db);
    try {
      bench.command("pgbench-init", List.of("pgbench", "-i", "-q", "-s", "10", url), Duration.ofSeconds(300));
      double select = tps(bench, "pgbench-select", List.of("pgbench", "-n", "-S", "-M", "prepared", "-c", "8", "-j", "2",
          "-T", String.valueOf(seconds), url), seconds);
      double tpcb = tps(bench, "pgbench-tpcb", List.of("pgbench", "-n", "-M", "prepared", "-c", "8", "-j", "2",
          "-T", String.valueOf(seconds), url), seconds);
      bench.record("pgbench.select_statements_per_s", POSTGRESQL, "stmt/s", select);
      bench.record("pgbench.tpcb_transactions_per_s", POSTGRESQL, "xact/s", tpcb);
      bench.record("pgbench.tpcb_statements_per_s", POSTGRESQL, "stmt/s", tpcb * TPCB_STATEMENTS);
    } finally {
      ServicePeers.psql("DROP DATABASE IF EXISTS " + db);
    }
  }

  /** Runs pgbench and reads its {@code tps = ...} line. */
  private static double tps(Bench bench, String label, List<String> cmd, int seconds) throws Exception {
    bench.command(label, cmd, Duration.ofSeconds(seconds + 120L));
    String out = Files.readString(bench.out().resolve("cluster").resolve(label + ".out"));
    Matcher m = Pattern.compile("tps = ([0-9.]+)").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException(label + " printed no tps line: " + out);
    }
    return Double.parseDouble(m.group(1));
  }

  /** The statements the nodes have sent PostgreSQL: their store's and their cluster duties'. */
  private static double statements(List<Bench.Server> nodes) throws Exception {
    double sum = 0;
    HttpClient http = HttpClient.newHttpClient();
    for (Bench.Server s : nodes) {
      String body = http.send(HttpRequest.newBuilder(URI.create(s.url("/metrics"))).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      for (String metric : List.of("asyncio_store_statements_total", "asyncio_cluster_statements_total")) {
        Matcher m = Pattern.compile("(?m)^" + metric + "(\\{[^}]*})? (\\S+)").matcher(body);
        if (!m.find()) {
          throw new IllegalStateException("no " + metric + " in " + s.label() + "'s /metrics");
        }
        sum += Double.parseDouble(m.group(2));
      }
    }
    return sum;
  }

  /** The transactions committed in the database so far (every client's: run on a quiet server). */
  private static long transactions() throws Exception {
    String[] x = ServicePeers.psql("SELECT pg_stat_clear_snapshot(); SELECT xact_commit FROM pg_stat_database "
        + "WHERE datname = current_database()").split("\n");
    return Long.parseLong(x[x.length - 1].trim());
  }

  /** The CPU time (user + system) of every PostgreSQL server process on this machine so far, seconds. */
  static double postgresCpuSeconds() throws Exception {
    double sum = 0;
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (!comm.equals("postgres")) {
            continue;
          }
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (java.io.IOException | RuntimeException gone) {
          // the process ended while being read
        }
      }
    }
    return sum;
  }
}
