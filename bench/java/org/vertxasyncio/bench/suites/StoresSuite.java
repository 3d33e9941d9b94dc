package org.vertxasyncio.bench.suites;

import static org.vertxasyncio.bench.suites.ServicePeers.OURS_MEMORY;
import static org.vertxasyncio.bench.suites.ServicePeers.OURS_POSTGRES;
import static org.vertxasyncio.bench.suites.ServicePeers.OURS_SQLITE;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * What each task store costs: {@code POST /tasks} (a 1 s sleep) at saturation (wrk, 64 connections) with the
 * memory, SQLite ({@code sync full}) and PostgreSQL stores, the peers started once, warmed up, then run
 * interleaved (repetition 1 of each, then 2, ...): requests/s and the service's CPU per request, each as a
 * ratio to the SQLite store's. For the postgres store also what PostgreSQL did per task, from its own
 * counters over the measured run ({@code pg_stat_database} for the transactions, {@code pg_stat_user_tables}
 * of the store's schema for the rows): transactions and rows written per task, and the statements the store
 * sent per task (its {@code asyncio_store_statements_total}). PostgreSQL is
 * the server {@code BENCH_POSTGRES_URL} names (default: the local one, database {@code postgres}); the
 * suite drops its schemas at the end.
 */
public final class StoresSuite implements Suite {
  static final List<String> PEERS = List.of(OURS_MEMORY, OURS_SQLITE, OURS_POSTGRES);

  @Override
  public String name() {
    return "stores";
  }

  @Override
  public String about() {
    return "POST /tasks (sleep 1 s) at saturation with the memory, SQLite and PostgreSQL stores; PostgreSQL's work per task";
  }

  @Override
  public void run(Bench bench) throws Exception {
    boolean quick = bench.quick();
    int reps = quick ? 1 : 3;
    double saturation = quick ? 3 : 5;
    Map<String, String> limits = Map.of("LIMITS_PENDING_MAX", "1000000");
    String schema = ServicePeers.postgresSchema("server-" + OURS_POSTGRES);
    ServicePeers.psql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");

    Map<String, Bench.Server> servers = new LinkedHashMap<>();
    Map<String, List<Map<String, Double>>> runs = new LinkedHashMap<>();
    try {
      for (String peer : PEERS) {
        Bench.Server s = ServicePeers.start(bench, peer, "server-" + peer, limits);
        servers.put(peer, s);
        ServicePeers.warmUp(bench, peer, s, quick);
        ServicePeers.settle();
        runs.put(peer, new ArrayList<>());
      }
      for (int rep = 1; rep <= reps; rep++) {
        for (String peer : PEERS) {
          Bench.Server s = servers.get(peer);
          long[] before = peer.equals(OURS_POSTGRES) ? pgCounters(schema) : null;
          double statementsBefore = before != null ? statements(s) : 0;
          Map<String, Double> post = new LinkedHashMap<>(
              ServicePeers.wrk(bench, "post-" + peer + "-" + rep, s, "/tasks", "post.lua", saturation));
          if (before != null) {
            ServicePeers.settle(); // the sleeps of the run end (1 s) and their finishes are committed
            long[] after = pgCounters(schema);
            double tasks = post.get("requests");
            double xacts = after[0] - before[0];
            double rows = after[1] - before[1];
            post.put("pg_transactions_per_task", xacts / tasks);
            post.put("pg_rows_per_task", rows / tasks);
            post.put("pg_statements_per_task", (statements(s) - statementsBefore) / tasks);
          }
          runs.get(peer).add(post);
          ServicePeers.settle();
        }
      }
    } finally {
      for (Bench.Server s : servers.values()) {
        s.close();
      }
      ServicePeers.psql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
    for (String peer : PEERS) {
      bench.record("post.requests_per_s", peer, "req/s", runs.get(peer), "requests_per_s", 1);
      bench.record("post.p99", peer, "ms", runs.get(peer), "p99_ms", 1);
      bench.record("post.cpu_per_request", peer, "us", runs.get(peer), "server_cpu_us_per_request", 1);
    }
    bench.record("postgres.transactions_per_task", OURS_POSTGRES, "", runs.get(OURS_POSTGRES), "pg_transactions_per_task", 1);
    bench.record("postgres.rows_per_task", OURS_POSTGRES, "", runs.get(OURS_POSTGRES), "pg_rows_per_task", 1);
    bench.record("postgres.statements_per_task", OURS_POSTGRES, "", runs.get(OURS_POSTGRES), "pg_statements_per_task", 1);
    for (String fig : List.of("post.requests_per_s", "post.cpu_per_request")) {
      bench.compare(fig, OURS_POSTGRES, OURS_SQLITE, OURS_MEMORY);
      bench.compare(fig, OURS_SQLITE, OURS_MEMORY);
    }
  }

  /** The statements the service's store has sent, from its {@code asyncio_store_statements_total}. */
  private static double statements(Bench.Server s) throws Exception {
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url("/metrics"))).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^asyncio_store_statements_total(\\{[^}]*})? (\\S+)")
        .matcher(r.body());
    if (!m.find()) {
      throw new IllegalStateException("no asyncio_store_statements_total in " + s.label() + "'s /metrics");
    }
    return Double.parseDouble(m.group(2));
  }

  /**
   * PostgreSQL's counters now: the transactions committed in the database (every client's: the machine
   * should be quiet) and the rows inserted, updated and deleted in the store's tables.
   */
  private static long[] pgCounters(String schema) throws Exception {
    String xacts = ServicePeers.psql("SELECT pg_stat_clear_snapshot(); SELECT xact_commit FROM pg_stat_database "
        + "WHERE datname = current_database()");
    String rows = ServicePeers.psql("SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables "
        + "WHERE schemaname = '" + schema + "'");
    String[] x = xacts.split("\n");
    return new long[] {Long.parseLong(x[x.length - 1].trim()), Long.parseLong(rows.trim())};
  }
}
