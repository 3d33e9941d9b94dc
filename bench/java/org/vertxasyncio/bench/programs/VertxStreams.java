package org.vertxasyncio.bench.programs;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.CompletableFuture;

/**
 * The floor: plain Vert.x, a {@code NetServer} that echoes with {@code pipeTo} (which pauses the socket
 * while the write queue is full) and a {@code NetClient}, on one event-loop context, over TCP on
 * loopback; the same workloads and figures as {@link AsyncioStreams}, written with handlers: the next
 * message goes out from the handler that received the last echo, and the bulk writer fills the write
 * queue until {@code writeQueueFull()} and goes on from its {@code drainHandler}.
 *
 * <p>{@code java ... VertxStreams <round trips> <bulk bytes> <warm-up round trips> <warm-up bulk bytes>}
 */
public final class VertxStreams {
  private VertxStreams() {
  }

  public static void main(String[] args) {
    int roundTrips = Probe.intArg(args[0]);
    long bulk = Long.parseLong(args[1].replace("_", ""));
    int warmRoundTrips = Probe.intArg(args[2]);
    long warmBulk = Long.parseLong(args[3].replace("_", ""));
    // the same options as the library's own Vert.x instance (Asyncio.vertx())
    Vertx vertx = Vertx.vertx(new VertxOptions().setUseDaemonThread(true));
    ContextInternal ctx = ((VertxInternal) vertx).createEventLoopContext();
    CompletableFuture<NetSocket> connected = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      NetServer server = vertx.createNetServer();
      server.connectHandler(so -> so.pipeTo(so));
      server.listen(0, "127.0.0.1")
          .compose(s -> vertx.createNetClient().connect(s.actualPort(), "127.0.0.1"))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              connected.complete(ar.result());
            } else {
              connected.completeExceptionally(ar.cause());
            }
          });
    });
    NetSocket so = connected.join();
    roundTrips(ctx, so, warmRoundTrips, "warmup.");
    bulk(ctx, so, warmBulk, "warmup.");
    System.gc();
    roundTrips(ctx, so, roundTrips, "");
    bulk(ctx, so, bulk, "");
    Probe.metric("peak_rss_mb", Probe.peakRssMb());
    System.exit(0);
  }

  private static void roundTrips(ContextInternal ctx, NetSocket so, int n, String prefix) {
    Buffer message = Buffer.buffer("x".repeat(AsyncioStreams.MESSAGE));
    double cpu0 = Probe.cpuSeconds();
    long t0 = System.nanoTime();
    runOn(ctx, done -> {
      int[] left = {n};
      int[] got = {0};
      so.handler(buf -> {
        got[0] += buf.length();
        if (got[0] >= AsyncioStreams.MESSAGE) {
          got[0] -= AsyncioStreams.MESSAGE;
          if (--left[0] == 0) {
            done.complete();
          } else {
            so.write(message);
          }
        }
      });
      so.write(message);
    });
    double elapsed = Probe.seconds(t0, System.nanoTime());
    double cpu = Probe.cpuSeconds() - cpu0;
    Probe.metric(prefix + "round_trips_per_s", n / elapsed);
    Probe.metric(prefix + "cpu_per_round_trip_us", cpu / n * 1e6);
  }

  private static void bulk(ContextInternal ctx, NetSocket so, long total, String prefix) {
    Buffer chunk = Buffer.buffer("y".repeat(AsyncioStreams.CHUNK));
    double cpu0 = Probe.cpuSeconds();
    long t0 = System.nanoTime();
    runOn(ctx, done -> {
      long[] got = {0};
      long[] sent = {0};
      so.handler(buf -> {
        got[0] += buf.length();
        if (got[0] >= total) {
          done.complete();
        }
      });
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (sent[0] < total && !so.writeQueueFull()) {
          so.write(chunk);
          sent[0] += AsyncioStreams.CHUNK;
        }
        if (sent[0] < total) {
          so.drainHandler(v -> pump[0].run());
        }
      };
      pump[0].run();
    });
    double elapsed = Probe.seconds(t0, System.nanoTime());
    double cpu = Probe.cpuSeconds() - cpu0;
    Probe.metric(prefix + "bulk_mb_per_s", total / 1e6 / elapsed);
    Probe.metric(prefix + "cpu_per_mb_ms", cpu / (total / 1e6) * 1e3);
  }

  /** Runs {@code body} on the context and waits until it completes the promise it gets. */
  private static void runOn(ContextInternal ctx, java.util.function.Consumer<Promise<Void>> body) {
    CompletableFuture<Void> finished = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      Promise<Void> done = Promise.promise();
      done.future().onComplete(ar -> finished.complete(null));
      body.accept(done);
    });
    finished.join();
  }
}
