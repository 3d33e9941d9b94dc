package org.vertxasyncio.bench.programs;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A burst of webhook deliveries to one endpoint: {@code n} payloads due at one instant, posted to a
 * receiver in this process that answers {@code 204} at once ({@code fast}) or after 1 s ({@code slow}).
 *
 * <p>{@code service}: one gather of {@code n} sleeps of 1 s is submitted to the service at {@code host:port},
 * each sleep with one webhook to the receiver: they start together and finish together, and the service
 * delivers their webhooks. {@code vertx}: the baseline, a plain Vert.x {@code HttpClient}
 * with a pool of {@code concurrency} connections posting {@code n} payloads of the same shape (a task as the
 * API shows it) at one instant: what the HTTP exchange alone costs, at the service's concurrency per
 * endpoint ({@code webhook.concurrency.endpoint}).
 *
 * <p>A warm-up burst of a tenth of the size goes first, and is waited for. Figures, of the measured burst:
 * {@code deliveries_per_s} (n over the time from the first payload's {@code doneAt} to the
 * last receipt), the delivery lag (receipt minus the payload's {@code doneAt}: the task's finish, or the
 * instant the baseline released it) at p50, p99 and max, {@code missing} (payloads never received within
 * the time limit) and {@code repeats} (received more than once).
 *
 * <p>{@code java ... WebhookBurst service|vertx <host> <port> fast|slow <n> <concurrency> <limit seconds>}
 */
public final class WebhookBurst {
  private static final long SLOW_MS = 1000;
  /** How long the burst's tasks sleep: they start together, so they finish together. */
  private static final double SLEEP_SECONDS = 1.0;

  /** What the receiver got of one burst. */
  private static final class Received {
    final Map<String, Long> micros = new ConcurrentHashMap<>();
    final Map<String, Long> doneAtMillis = new ConcurrentHashMap<>();
    final AtomicLong repeats = new AtomicLong();
    final CountDownLatch all;

    Received(int n) {
      all = new CountDownLatch(n);
    }
  }

  /** The burst under way: the warm-up's, then the measured one's. */
  private volatile Received current;
  /** The client in use (held here: Vert.x closes a client nothing refers to any more). */
  private HttpClient client;
  private int bursts;
  /** Requests the receiver has taken and not answered yet. */
  private final AtomicLong unanswered = new AtomicLong();

  private WebhookBurst() {
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String host = args[1];
    int port = Probe.intArg(args[2]);
    boolean slow = switch (args[3]) {
      case "fast" -> false;
      case "slow" -> true;
      default -> throw new IllegalArgumentException("receiver: fast or slow, got " + args[3]);
    };
    int n = Probe.intArg(args[4]);
    int concurrency = Probe.intArg(args[5]);
    double limit = Double.parseDouble(args[6]);
    new WebhookBurst().run(mode, host, port, slow, n, concurrency, limit);
  }

  private void run(String mode, String host, int port, boolean slow, int n, int concurrency, double limit)
      throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      long now = micros();
      unanswered.incrementAndGet();
      Received r = current;
      JsonObject task = body.toJsonObject();
      String id = task.getString("id");
      if (r.micros.putIfAbsent(id, now) == null) {
        r.doneAtMillis.put(id, Instant.parse(task.getString("doneAt")).toEpochMilli());
        r.all.countDown();
      } else {
        r.repeats.incrementAndGet();
      }
      if (slow) {
        vertx.setTimer(SLOW_MS, t -> req.response().setStatusCode(204).end().onComplete(x -> unanswered.decrementAndGet()));
      } else {
        req.response().setStatusCode(204).end().onComplete(x -> unanswered.decrementAndGet());
      }
    })).listen(0, "127.0.0.1").await();
    String path = slow ? "/slow" : "/fast";
    String url = "http://127.0.0.1:" + receiver.actualPort() + path;

    // a warm-up burst (a tenth of the size), waited for, so that the measured one meets warm code on both sides
    int warm = Math.max(10, n / 10);
    burst(vertx, mode, host, port, receiver.actualPort(), path, url, warm, concurrency, limit);
    if (current.all.getCount() > 0) {
      throw new IllegalStateException("the warm-up burst was not delivered within " + limit + " s");
    }

    double cpu0 = Probe.cpuSeconds();
    long t0 = System.nanoTime();
    Received r = burst(vertx, mode, host, port, receiver.actualPort(), path, url, n, concurrency, limit);
    boolean complete = r.all.getCount() == 0;
    double took = Probe.seconds(t0, System.nanoTime());

    long[] lagMicros = new long[r.micros.size()];
    long firstDoneMs = Long.MAX_VALUE;
    long lastReceiptUs = Long.MIN_VALUE;
    int i = 0;
    for (Map.Entry<String, Long> e : r.micros.entrySet()) {
      long doneMs = r.doneAtMillis.get(e.getKey());
      lagMicros[i++] = Math.max(0, e.getValue() - doneMs * 1000);
      firstDoneMs = Math.min(firstDoneMs, doneMs);
      lastReceiptUs = Math.max(lastReceiptUs, e.getValue());
    }
    Arrays.sort(lagMicros);
    Probe.metric("received", r.micros.size());
    Probe.metric("missing", n - r.micros.size());
    Probe.metric("repeats", r.repeats.get());
    if (lagMicros.length > 0) {
      double span = (lastReceiptUs - firstDoneMs * 1000) / 1e6;
      Probe.metric("deliveries_per_s", r.micros.size() / Math.max(span, 1e-3));
      Probe.metric("lag_p50_ms", rank(lagMicros, 0.50) / 1e3);
      Probe.metric("lag_p99_ms", rank(lagMicros, 0.99) / 1e3);
      Probe.metric("lag_max_ms", lagMicros[lagMicros.length - 1] / 1e3);
    }
    Probe.metric("complete", complete ? 1 : 0);
    Probe.metric("elapsed_s", took);
    Probe.metric("cpu_s", Probe.cpuSeconds() - cpu0);
    System.exit(0);
  }

  /** One burst of {@code n}, waited for (up to {@code limit} seconds). */
  private Received burst(Vertx vertx, String mode, String host, int port, int receiverPort, String path, String url, int n,
      int concurrency, double limit) throws Exception {
    Received r = new Received(n);
    current = r;
    bursts++;
    switch (mode) {
      case "service" -> submitGather(vertx, host, port, url, n);
      case "vertx" -> postPayloads(vertx, receiverPort, path, n, concurrency);
      default -> throw new IllegalArgumentException("mode: service or vertx, got " + mode);
    }
    r.all.await((long) (limit * 1000), TimeUnit.MILLISECONDS);
    // every request answered before going on (the next burst, or the exit): no delivery is cut short
    long answeredBy = System.nanoTime() + (SLOW_MS + 10_000) * 1_000_000;
    while (unanswered.get() > 0 && System.nanoTime() < answeredBy) {
      Thread.sleep(10);
    }
    return r;
  }

  /**
   * Submits one gather of {@code n} sleeps of {@value #SLEEP_SECONDS} s, each with one webhook to {@code url}:
   * one request, and the {@code n} tasks start together and finish together.
   */
  private void submitGather(Vertx vertx, String host, int port, String url, int n) throws Exception {
    if (client == null) {
      client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port));
    }
    JsonArray children = new JsonArray();
    for (int k = 0; k < n; k++) {
      children.add(new JsonObject().put("kind", "sleep").put("seconds", SLEEP_SECONDS)
          .put("callbacks", new JsonArray().add(new JsonObject().put("url", url))));
    }
    String body = new JsonObject().put("kind", "gather").put("tasks", children).encode();
    String answer = client.request(HttpMethod.POST, "/tasks")
        .compose(req -> req.putHeader("Content-Type", "application/json").send(body)
            .compose(resp -> resp.body().map(b -> {
              if (resp.statusCode() != 201) {
                throw new IllegalStateException("POST /tasks answered " + resp.statusCode() + ": " + b);
              }
              return b.toString();
            })))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    int made = new JsonObject(answer).getJsonArray("children").size();
    if (made != n) {
      throw new IllegalStateException("the gather has " + made + " children, not " + n);
    }
  }

  /** Posts {@code n} task-shaped payloads, all released now, through a pool of {@code concurrency} connections. */
  private void postPayloads(Vertx vertx, int port, String path, int n, int concurrency) {
    if (client == null) {
      client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
          new PoolOptions().setHttp1MaxSize(concurrency));
    }
    int burst = bursts;
    String released = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    vertx.runOnContext(v -> {
      for (int k = 0; k < n; k++) {
        Buffer body = payload(burst, k, released, "http://127.0.0.1:" + port + path).toBuffer();
        client.request(HttpMethod.POST, path)
            .compose(req -> req.putHeader("Content-Type", "application/json").send(body))
            .compose(resp -> resp.body())
            .onFailure(e -> System.out.println("payload not delivered: " + e));
      }
    });
  }

  /** A finished task with one webhook, as the service's API shows it (the same size as a delivery's body). */
  private static JsonObject payload(int burst, int k, String doneAt, String url) {
    String id = String.format("01BASELINE%02d%014d", burst, k);
    return new JsonObject()
        .put("id", id).put("name", "Task-" + k).put("kind", "sleep").put("loop", "default").put("node", "baseline-0000")
        .put("state", "finished").put("done", true).put("result", null).put("exception", null)
        .put("createdAt", doneAt).put("startedAt", doneAt).put("doneAt", doneAt).put("parent", null)
        .put("children", new JsonArray())
        .put("callbacks", new JsonArray()
            .add(new JsonObject().put("callback", "record").put("firedAt", doneAt))
            .add(new JsonObject().put("callback", "webhook").put("firedAt", doneAt).put("url", url)
                .put("deliveryId", "msg_" + id + "_0").put("outcome", "pending").put("attempts", new JsonArray())))
        .put("spec", new JsonObject().put("kind", "sleep").put("seconds", 2.0).put("loop", "default")
            .put("callbacks", new JsonArray().add(new JsonObject().put("url", url))))
        .put("lateSeconds", null).put("recoveries", 0);
  }

  private static long micros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
  }

  private static long rank(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
