package org.vertxasyncio.bench.suites;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.bench.Bench;
import org.vertxasyncio.bench.Suite;

/**
 * asyncio's streams over TCP on loopback: an echo server and its client in one process, on one event
 * loop, for ours ({@code startServer}/{@code openConnection} on the continuations runner), plain Vert.x
 * ({@code NetServer} echoing with {@code pipeTo}, a {@code NetClient}, handlers) and CPython's asyncio
 * streams. Round trips: a 64-byte message written, drained and read back with {@code readexactly}, one
 * in flight; bulk: 64 KiB chunks written with a {@code drain} after each while the same loop reads the
 * echo back. Each repetition runs every peer once, in turn, each in a process of its own after a
 * warm-up of each workload; the figure is the median over repetitions.
 */
public final class StreamsSuite implements Suite {
  static final String PROGRAMS = "org.vertxasyncio.bench.programs.";
  private static final List<String> PEERS = List.of("asyncio", "vertx", "cpython");

  record Size(int roundTrips, long bulkBytes, int warmRoundTrips, long warmBulkBytes, int reps) {
  }

  @Override
  public String name() {
    return "streams";
  }

  @Override
  public String about() {
    return "TCP echo on loopback: round trips/s of 64-byte messages, bulk MB/s of 64 KiB chunks (streams vs Vert.x vs CPython)";
  }

  @Override
  public void run(Bench bench) throws Exception {
    Size size = bench.quick()
        ? new Size(5_000, 64L << 20, 1_000, 16L << 20, 1)
        // a long warm-up: with 5,000 round trips the JIT's compiler threads still spent a third of the
        // Java peers' CPU during the measured round trips
        : new Size(50_000, 512L << 20, 20_000, 64L << 20, 5);
    Map<String, List<Map<String, Double>>> runs = new LinkedHashMap<>();
    for (String peer : PEERS) {
      runs.put(peer, new ArrayList<>());
    }
    for (int rep = 1; rep <= size.reps(); rep++) {
      for (String peer : PEERS) {
        runs.get(peer).add(runPeer(bench, peer, size, rep));
      }
    }
    for (String peer : PEERS) {
      List<Map<String, Double>> r = runs.get(peer);
      bench.record("echo.round_trips", peer, "round_trips/s", r, "round_trips_per_s", 1);
      bench.record("echo.cpu_per_round_trip", peer, "us", r, "cpu_per_round_trip_us", 1);
      bench.record("bulk.throughput", peer, "MB/s", r, "bulk_mb_per_s", 1);
      bench.record("bulk.cpu_per_mb", peer, "ms", r, "cpu_per_mb_ms", 1);
    }
    for (String figure : List.of("echo.round_trips", "echo.cpu_per_round_trip", "bulk.throughput", "bulk.cpu_per_mb")) {
      bench.compare(figure, "asyncio", "vertx", "cpython");
    }
  }

  private static Map<String, Double> runPeer(Bench bench, String peer, Size size, int rep) throws Exception {
    String label = peer + "-" + rep;
    List<String> args = List.of(String.valueOf(size.roundTrips()), String.valueOf(size.bulkBytes()),
        String.valueOf(size.warmRoundTrips()), String.valueOf(size.warmBulkBytes()));
    Duration limit = Duration.ofSeconds(300);
    return switch (peer) {
      case "asyncio" -> bench.java(label, List.of("-Dasyncio.coroutines=continuations"), PROGRAMS + "AsyncioStreams", args, limit);
      case "vertx" -> bench.java(label, List.of(), PROGRAMS + "VertxStreams", args, limit);
      case "cpython" -> bench.python(label, "streams.py", args, limit);
      default -> throw new IllegalArgumentException(peer);
    };
  }
}
