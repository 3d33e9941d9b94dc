package org.vertxasyncio.bench.suites;

import static org.vertxasyncio.bench.suites.ServicePeers.NODE;
import static org.vertxasyncio.bench.suites.ServicePeers.OURS_MEMORY;
import static org.vertxasyncio.bench.suites.ServicePeers.OURS_MEMORY_G1;
import static org.vertxasyncio.bench.suites.ServicePeers.OURS_SQLITE;
import static org.vertxasyncio.bench.suites.ServicePeers.VERTX;
import static org.vertxasyncio.bench.suites.ServicePeers.VERTX_G1;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * The service over HTTP against its peers, on loopback: {@code POST /tasks} (a 1 s sleep) at saturation
 * (wrk) and at 70 % of it (open-loop, {@code PacedLoad}), and {@code GET /tasks/{id}} (wrk). Peers: ours
 * with the memory store and with the default SQLite store, the bare Vert.x endpoint, the Node.js peer.
 *
 * <p>Every peer is started once and warmed up (wrk POST), then the repetitions run with the peers
 * interleaved (repetition 1 of every peer, then 2, ...), each repetition: POST at saturation; GET; POST
 * paced at 70 % of the requests/s that this peer reached in this repetition's saturation run. The GET
 * runs read 100 tasks made for them (1 h sleeps, so that no retention policy forgets them), in turn.
 *
 * <p>Then latency like for like: every peer gets the same open-loop load ({@code PacedLoad}), half of the
 * Node.js peer's POST requests/s at saturation (the median of its repetitions above), again interleaved,
 * with the Java peers' GC pauses in each measured window (from their {@code -Xlog:gc} logs), and the
 * generator's own.
 *
 * <p>{@link #latency()} is the same without the GET runs and the SQLite store, and with ours (memory store)
 * and the bare Vert.x endpoint once more on G1 ({@code asyncio-memory-g1}, {@code vertx-g1}), beside the
 * same peers on the service's collector: the figures the latency targets are judged on, and what the
 * collector changes in them, in one run ({@code bench/run.sh latency}).
 */
public final class HttpSuite implements Suite {
  static final List<String> PEERS = List.of(OURS_MEMORY, OURS_SQLITE, VERTX, NODE);
  static final List<String> LATENCY_PEERS = List.of(OURS_MEMORY, OURS_MEMORY_G1, VERTX, VERTX_G1, NODE);

  private final String name;
  private final List<String> peers;
  private final boolean get;

  /** The whole suite, {@code http}. */
  public HttpSuite() {
    this("http", PEERS, true);
  }

  private HttpSuite(String name, List<String> peers, boolean get) {
    this.name = name;
    this.peers = peers;
    this.get = get;
  }

  /**
   * {@code latency}: POST at saturation, at 70 % of it and like for like, of ours (memory store), bare Vert.x
   * (each on ZGC and on G1) and Node.js.
   */
  public static HttpSuite latency() {
    return new HttpSuite("latency", LATENCY_PEERS, false);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String about() {
    if (!get) {
      return "the http suite's POST runs alone: at saturation, at 70 % of it, and at one rate for all (half the Node.js "
          + "peer's saturation) with GC pauses: ours (memory) vs bare Vert.x and Node.js, the Java peers on ZGC and on G1";
    }
    return "POST /tasks (sleep 1 s) at saturation and at 70 % of it, GET /tasks/{id}, POST at one rate for all (half the "
        + "Node.js peer's saturation) with GC pauses: ours (memory, SQLite) vs bare Vert.x and Node.js";
  }

  @Override
  public void run(Bench bench) throws Exception {
    boolean quick = bench.quick();
    int reps = quick ? 1 : 3;
    double saturation = quick ? 3 : 5;
    double getSeconds = quick ? 2 : 4;
    double pacedWarmup = 1;
    double paced = quick ? 3 : 5;
    // 1 s sleeps at up to some 10^4 requests/s: the pending-task budget must not be what stops the load
    Map<String, String> limits = Map.of("LIMITS_PENDING_MAX", "1000000");

    Map<String, Bench.Server> servers = new LinkedHashMap<>();
    Map<String, Map<String, List<Map<String, Double>>>> runs = new LinkedHashMap<>();
    try {
      for (String peer : peers) {
        Bench.Server s = ServicePeers.start(bench, peer, "server-" + peer, limits);
        servers.put(peer, s);
        ServicePeers.warmUp(bench, peer, s, quick);
        ServicePeers.settle();
        if (get) {
          Path ids = bench.out().resolve(name).resolve("ids-" + peer + ".txt");
          bench.java("seed-" + peer, List.of(), ServicePeers.PROGRAMS + "TaskClient",
              List.of("seed", s.url(""), "100", "3600", ids.toString()), Duration.ofSeconds(60));
        }
        Map<String, List<Map<String, Double>>> r = new LinkedHashMap<>();
        for (String kind : List.of("post", "get", "post70")) {
          r.put(kind, new ArrayList<>());
        }
        runs.put(peer, r);
      }
      for (int rep = 1; rep <= reps; rep++) {
        for (String peer : peers) {
          Bench.Server s = servers.get(peer);
          Map<String, List<Map<String, Double>>> r = runs.get(peer);
          Map<String, Double> post = ServicePeers.wrk(bench, "post-" + peer + "-" + rep, s, "/tasks", "post.lua", saturation);
          r.get("post").add(post);
          ServicePeers.settle();
          if (get) {
            Path ids = bench.out().resolve(name).resolve("ids-" + peer + ".txt");
            r.get("get").add(ServicePeers.wrk(bench, "get-" + peer + "-" + rep, s, "", "get.lua", getSeconds, ids.toString()));
          }
          double rate = Math.floor(0.7 * post.get("requests_per_s"));
          Map<String, Double> p70 = ServicePeers.paced(bench, "post70-" + peer + "-" + rep, s, rate, pacedWarmup, paced);
          double achieved = p70.get("rate_answered") / rate;
          if (achieved < 0.98 || achieved > 1.02) {
            bench.note(peer + " repetition " + rep + ": the paced POST run asked for " + rate + " requests/s and got "
                + Math.round(p70.get("rate_answered")) + " answers/s (" + Math.round(achieved * 100) + " %)");
          }
          r.get("post70").add(p70);
          ServicePeers.settle();
        }
      }
      double nodeSaturation = median(Bench.samples(runs.get(NODE).get("post"), "requests_per_s"));
      double common = Math.floor(0.5 * nodeSaturation);
      bench.note("like-for-like latency: every peer paced at " + Math.round(common) + " POST/s, half the Node.js peer's "
          + Math.round(nodeSaturation) + " requests/s at saturation");
      for (String peer : peers) {
        runs.get(peer).put("node50", new ArrayList<>());
      }
      for (int rep = 1; rep <= reps; rep++) {
        for (String peer : peers) {
          Bench.Server s = servers.get(peer);
          Map<String, Double> m = new LinkedHashMap<>(
              ServicePeers.paced(bench, "node50-" + peer + "-" + rep, s, common, pacedWarmup, paced));
          if (!peer.equals(NODE)) {
            m.putAll(ServicePeers.gcPauses(bench, s, m.get("window_start_ms"), m.get("window_end_ms")));
          }
          runs.get(peer).get("node50").add(m);
          ServicePeers.settle();
        }
      }
    } finally {
      for (Bench.Server s : servers.values()) {
        s.close();
      }
    }

    for (String peer : peers) {
      Map<String, List<Map<String, Double>>> r = runs.get(peer);
      bench.record("post.requests_per_s", peer, "req/s", r.get("post"), "requests_per_s", 1);
      bench.record("post.p50", peer, "ms", r.get("post"), "p50_ms", 1);
      bench.record("post.p99", peer, "ms", r.get("post"), "p99_ms", 1);
      bench.record("post.cpu_per_request", peer, "us", r.get("post"), "server_cpu_us_per_request", 1);
      bench.record("post70.rate", peer, "req/s", r.get("post70"), "rate_answered", 1);
      bench.record("post70.p50", peer, "ms", r.get("post70"), "p50_ms", 1);
      bench.record("post70.p99", peer, "ms", r.get("post70"), "p99_ms", 1);
      bench.record("post70.generator_cpu", peer, "s", r.get("post70"), "cpu_s", 1);
      if (get) {
        bench.record("get.requests_per_s", peer, "req/s", r.get("get"), "requests_per_s", 1);
        bench.record("get.p99", peer, "ms", r.get("get"), "p99_ms", 1);
        bench.record("get.cpu_per_request", peer, "us", r.get("get"), "server_cpu_us_per_request", 1);
      }
      bench.record("node50.rate", peer, "req/s", r.get("node50"), "rate_answered", 1);
      bench.record("node50.p50", peer, "ms", r.get("node50"), "p50_ms", 1);
      bench.record("node50.p99", peer, "ms", r.get("node50"), "p99_ms", 1);
      bench.record("node50.max", peer, "ms", r.get("node50"), "max_ms", 1);
      bench.record("node50.cpu_per_request", peer, "us", r.get("node50"), "server_cpu_us_per_request", 1);
      if (!peer.equals(NODE)) {
        bench.record("node50.gc_pauses", peer, "pauses", r.get("node50"), "gc_pauses", 1);
        bench.record("node50.gc_pause_total", peer, "ms", r.get("node50"), "gc_pause_total_ms", 1);
        bench.record("node50.gc_pause_max", peer, "ms", r.get("node50"), "gc_pause_max_ms", 1);
      }
      bench.record("node50.generator_gc_pause_max", peer, "ms", r.get("node50"), "generator_gc_pause_max_ms", 1);
    }
    if (peers.contains(OURS_MEMORY_G1)) {
      for (String fig : List.of("post.requests_per_s", "post.cpu_per_request", "post70.p99", "node50.p99", "node50.max",
          "node50.cpu_per_request")) {
        bench.compare(fig, OURS_MEMORY, OURS_MEMORY_G1);
        bench.compare(fig, VERTX, VERTX_G1);
      }
    }
    for (String ours : peers.stream().filter(p -> p.equals(OURS_MEMORY) || p.equals(OURS_SQLITE)).toList()) {
      for (String fig : List.of("post.requests_per_s", "post.p50", "post.p99", "post.cpu_per_request", "post70.p50",
          "post70.p99", "get.requests_per_s", "get.p99", "get.cpu_per_request", "node50.p50", "node50.p99", "node50.max",
          "node50.cpu_per_request")) {
        if (get || !fig.startsWith("get.")) {
          bench.compare(fig, ours, VERTX, NODE);
        }
      }
    }
    if (peers.contains(OURS_SQLITE)) {
      bench.compare("post.requests_per_s", OURS_SQLITE, OURS_MEMORY);
    }
  }
}
