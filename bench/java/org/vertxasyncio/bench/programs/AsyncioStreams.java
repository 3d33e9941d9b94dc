package org.vertxasyncio.bench.programs;

import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.createTask;
import static org.vertxasyncio.asyncio.Asyncio.openConnection;
import static org.vertxasyncio.asyncio.Asyncio.startServer;

import java.util.Arrays;
import org.vertxasyncio.asyncio.Asyncio;
import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.EventLoop;
import org.vertxasyncio.asyncio.Server;
import org.vertxasyncio.asyncio.StreamPair;
import org.vertxasyncio.asyncio.StreamReader;
import org.vertxasyncio.asyncio.StreamWriter;
import org.vertxasyncio.asyncio.Task;

/**
 * Ours: an echo server ({@code startServer}) and its client ({@code openConnection}) on one asyncio loop,
 * over TCP on loopback, written as {@code bench/python/streams.py} writes them for CPython.
 *
 * <p>{@code java ... AsyncioStreams <round trips> <bulk bytes> <warm-up round trips> <warm-up bulk bytes>}:
 * a warm-up of each workload, then
 * <ul>
 *   <li>round trips: {@code write} of a 64-byte message, {@code drain}, {@code readexactly(64)} of the
 *       echo, one at a time: {@code round_trips_per_s}, {@code cpu_per_round_trip_us};</li>
 *   <li>bulk: the client writes 64 KiB chunks with a {@code drain} after each while a task of the same
 *       loop reads the echo back with {@code read(65536)}: {@code bulk_mb_per_s} (10^6 bytes),
 *       {@code cpu_per_mb_ms}.</li>
 * </ul>
 * The server echoes with {@code read(65536)}, {@code write}, {@code drain}.
 */
public final class AsyncioStreams {
  static final int MESSAGE = 64;
  static final int CHUNK = 64 * 1024;

  private AsyncioStreams() {
  }

  public static void main(String[] args) {
    int roundTrips = Probe.intArg(args[0]);
    long bulk = Long.parseLong(args[1].replace("_", ""));
    int warmRoundTrips = Probe.intArg(args[2]);
    long warmBulk = Long.parseLong(args[3].replace("_", ""));
    EventLoop loop = Asyncio.newEventLoop();
    loop.runUntilComplete(async(() -> {
      Server server = await(startServer(AsyncioStreams::echo, "127.0.0.1", 0));
      StreamPair c = await(openConnection("127.0.0.1", server.sockets().get(0).getsockname().port()));
      roundTrips(c, warmRoundTrips, "warmup.");
      bulk(c, warmBulk, "warmup.");
      System.gc();
      roundTrips(c, roundTrips, "");
      bulk(c, bulk, "");
      c.writer().close();
      await(c.writer().waitClosed());
      server.close();
      await(server.waitClosed());
    }));
    loop.close();
    Probe.metric("peak_rss_mb", Probe.peakRssMb());
    System.exit(0);
  }

  static Coroutine<Void> echo(StreamReader reader, StreamWriter writer) {
    return async(() -> {
      while (true) {
        byte[] data = await(reader.read(CHUNK));
        if (data.length == 0) {
          break;
        }
        writer.write(data);
        await(writer.drain());
      }
      writer.close();
    });
  }

  private static void roundTrips(StreamPair c, int n, String prefix) {
    byte[] message = new byte[MESSAGE];
    Arrays.fill(message, (byte) 'x');
    double cpu0 = Probe.cpuSeconds();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      c.writer().write(message);
      await(c.writer().drain());
      byte[] back = await(c.reader().readexactly(MESSAGE));
      if (back[MESSAGE - 1] != 'x') {
        throw new IllegalStateException("the echo changed the message");
      }
    }
    double elapsed = Probe.seconds(t0, System.nanoTime());
    double cpu = Probe.cpuSeconds() - cpu0;
    Probe.metric(prefix + "round_trips_per_s", n / elapsed);
    Probe.metric(prefix + "cpu_per_round_trip_us", cpu / n * 1e6);
  }

  private static void bulk(StreamPair c, long total, String prefix) {
    byte[] chunk = new byte[CHUNK];
    Arrays.fill(chunk, (byte) 'y');
    double cpu0 = Probe.cpuSeconds();
    long t0 = System.nanoTime();
    Task<Long> reading = createTask(async(() -> {
      long got = 0;
      while (got < total) {
        byte[] data = await(c.reader().read(CHUNK));
        if (data.length == 0) {
          throw new IllegalStateException("the echo ended after " + got + " of " + total + " bytes");
        }
        got += data.length;
      }
      return got;
    }));
    for (long sent = 0; sent < total; sent += CHUNK) {
      c.writer().write(chunk);
      await(c.writer().drain());
    }
    long got = await(reading);
    double elapsed = Probe.seconds(t0, System.nanoTime());
    double cpu = Probe.cpuSeconds() - cpu0;
    if (got != total) {
      throw new IllegalStateException("read " + got + " bytes, not " + total);
    }
    Probe.metric(prefix + "bulk_mb_per_s", total / 1e6 / elapsed);
    Probe.metric(prefix + "cpu_per_mb_ms", cpu / (total / 1e6) * 1e3);
  }
}
