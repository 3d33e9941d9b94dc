package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.tasks.Work;

/**
 * A generative fuzz run against the real service: {@value #REQUESTS} hostile requests from
 * {@link HostileRequests} (fixed seed) over keep-alive connections, {@value #CONCURRENCY} at a time,
 * then {@value #RAW} malformed HTTP requests written as raw bytes, while a client submits ordinary
 * tasks alongside. Then: no answer was a 5xx, no body held a stack trace or a Java class name, the
 * server's own metrics count no 5xx either, {@code /ready} answers 200, and every ordinary task
 * finished with the right result.
 */
class FuzzTest {
  static final long SEED = 0x5EED_2025L;
  static final int REQUESTS = 10_000;
  static final int RAW = 400;
  static final int CONCURRENCY = 32;
  static final int ALONGSIDE = 150;

  /** What must never be in a body: stack frames, exception class names, Java package names. */
  static final Pattern LEAK = Pattern.compile("\\tat |\\.java:\\d|[A-Za-z]Exception\\b|Throwable|"
      + "\\b(java|javax|jdk|sun|io\\.vertx|io\\.netty|org\\.vertxasyncio|com\\.fasterxml)\\.[A-Za-z]");

  final Map<Integer, AtomicInteger> statuses = new TreeMap<>();
  final List<String> problems = Collections.synchronizedList(new ArrayList<>());
  final AtomicReferenceArray<String> ids = new AtomicReferenceArray<>(256);
  final AtomicInteger idCount = new AtomicInteger();

  @Test
  void hostileRequestsGetNoServerErrorNorStackTraceAndTheServiceKeepsWorking() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("limits.sleep.max", 1, "limits.wait.max", 1,
        "limits.work.iterations.max", 1000, "limits.pending.max", 5000, "retention.tasks.max", 100_000,
        "limits.loops.max", 6, "loops", "default", "events.heartbeat", 1))) {
      long t0 = System.nanoTime();
      Alongside alongside = new Alongside(svc);
      Thread submitter = new Thread(alongside, "alongside");
      submitter.start();

      fuzzOverHttp(svc.port);
      double httpSeconds = (System.nanoTime() - t0) / 1e9;
      int rawAnswered = fuzzRaw(svc.port);
      submitter.join(60_000);
      double seconds = (System.nanoTime() - t0) / 1e9;

      int total = statuses.values().stream().mapToInt(AtomicInteger::get).sum();
      System.out.printf("fuzz: %d requests over HTTP in %.1f s + %d raw (%d answered), %.1f s in all; statuses %s%n", total,
          httpSeconds, RAW, rawAnswered, seconds, statuses);
      assertTrue(problems.isEmpty(), problems.size() + " problems, the first ones:\n" + String.join("\n", problems.subList(0, Math.min(20, problems.size()))));
      assertEquals(REQUESTS, total, "every request got an answer");
      assertTrue(statuses.keySet().stream().noneMatch(s -> s >= 500), "no 5xx: " + statuses);

      // the server's own count of its answers, by status
      String metrics = svc.get("/metrics").expect(200).body();
      Matcher m = Pattern.compile("vertx_http_server_requests_total\\{[^}]*code=\"5\\d\\d\"[^}]*} (\\S+)").matcher(metrics);
      while (m.find()) {
        assertEquals(0.0, Double.parseDouble(m.group(1)), "the server counted a 5xx: " + m.group());
      }
      assertEquals(200, svc.get("/ready").status());
      assertEquals(200, svc.get("/health").status());
      alongside.check();
    }
  }

  // ------------------------------------------------------------------ over HTTP, keep-alive

  private void fuzzOverHttp(int port) throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxHeaderSize(64 * 1024),
        new PoolOptions().setHttp1MaxSize(CONCURRENCY));
    HostileRequests gen = new HostileRequests(SEED, this::knownIds);
    Semaphore inFlight = new Semaphore(CONCURRENCY);
    CountDownLatch done = new CountDownLatch(REQUESTS);
    try {
      for (int i = 0; i < REQUESTS; i++) {
        HostileRequests.Req q = gen.request(i);
        inFlight.acquire();
        send(client, port, q).onComplete(ar -> {
          if (ar.failed()) {
            problem(q, "no answer: " + ar.cause());
          } else {
            check(q, ar.result()[0], ar.result()[1]);
          }
          inFlight.release();
          done.countDown();
        });
      }
      assertTrue(done.await(120, TimeUnit.SECONDS), "every request answered");
    } finally {
      client.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** The status and the body (empty for an event stream, which is cut once its head is read). */
  private static Future<String[]> send(HttpClient client, int port, HostileRequests.Req q) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.valueOf(q.method())).setHost("127.0.0.1").setPort(port)
        .setURI(q.path()).setIdleTimeout(20_000);
    q.headers().forEach(o::putHeader);
    return client.request(o).compose(req -> (q.body() == null ? req.send() : req.send(Buffer.buffer(q.body()))).compose(resp -> {
      String ct = resp.getHeader("Content-Type");
      if (ct != null && ct.startsWith("text/event-stream")) {
        resp.exceptionHandler(e -> { });
        resp.request().reset();
        return Future.succeededFuture(new String[] {Integer.toString(resp.statusCode()), ""});
      }
      return resp.body().map(b -> new String[] {Integer.toString(resp.statusCode()), b.toString(StandardCharsets.UTF_8)});
    }));
  }

  private void check(HostileRequests.Req q, String statusText, String body) {
    int status = Integer.parseInt(statusText);
    synchronized (statuses) {
      statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
    }
    if (status >= 500) {
      problem(q, status + " " + body);
    }
    boolean document = q.path().startsWith("/metrics") || q.path().startsWith("/openapi.yaml");
    if (!document && LEAK.matcher(body).find()) {
      problem(q, "leak in the body: " + body.substring(0, Math.min(300, body.length())));
    }
    if (status == 201 && q.path().startsWith("/tasks")) {
      try {
        remember(new JsonObject(body).getString("id"));
      } catch (RuntimeException e) {
        problem(q, "201 without a task: " + body);
      }
    }
    if (status >= 400 && !body.isEmpty()) {
      try {
        new JsonObject(body).getJsonObject("error").getString("code").length();
      } catch (RuntimeException e) {
        problem(q, "an error that is not the API's JSON error: " + status + " " + body);
      }
    }
  }

  private void problem(HostileRequests.Req q, String what) {
    if (problems.size() < 200) {
      String body = q.body() == null ? "" : new String(q.body(), 0, Math.min(200, q.body().length), StandardCharsets.UTF_8);
      problems.add(q.kind() + " " + q.method() + " " + q.path().substring(0, Math.min(200, q.path().length())) + " " + q.headers()
          + " " + body + " -> " + what);
    }
  }

  private void remember(String id) {
    ids.set(idCount.getAndIncrement() % ids.length(), id);
  }

  private List<String> knownIds() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < Math.min(idCount.get(), ids.length()); i++) {
      String s = ids.get(i);
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ raw bytes

  /** Sends the malformed requests on fresh connections; returns how many got an answer. */
  private int fuzzRaw(int port) throws Exception {
    List<byte[]> raw = HostileRequests.rawRequests(SEED, RAW);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    AtomicInteger answered = new AtomicInteger();
    List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
    for (byte[] bytes : raw) {
      fs.add(pool.submit(() -> {
        String answer = rawExchange(port, bytes);
        if (answer.isEmpty()) {
          return null;
        }
        answered.incrementAndGet();
        if (new String(bytes, StandardCharsets.ISO_8859_1).startsWith("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")) {
          return null; // the HTTP/2 preface, unmutated: the answer is HTTP/2 frames (the server speaks h2c)
        }
        String shown = new String(bytes, 0, Math.min(120, bytes.length), StandardCharsets.ISO_8859_1);
        // the status line echoes the request's protocol token, whatever it was (HTTP/9.9)
        Matcher m = Pattern.compile("^\\S* (\\d{3}) ").matcher(answer);
        if (!m.find()) {
          problems.add("raw " + shown + " -> not an HTTP answer: " + answer.substring(0, Math.min(200, answer.length())));
        } else if (Integer.parseInt(m.group(1)) >= 500) {
          problems.add("raw " + shown + " -> " + answer);
        }
        if (LEAK.matcher(answer).find()) {
          problems.add("raw " + shown + " -> leak: " + answer);
        }
        return null;
      }));
    }
    for (var f : fs) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    return answered.get();
  }

  /** Writes the bytes, reads the first answer (or until the server closes, or 1 s of silence). */
  private static String rawExchange(int port, byte[] bytes) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(1000);
      try {
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
      } catch (java.io.IOException e) {
        // the server may close before taking it all (a line too long): what it said is read below
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) > 0) {
          got.write(buf, 0, n);
          if (complete(got.toString(StandardCharsets.ISO_8859_1))) {
            break;
          }
        }
      } catch (SocketTimeoutException | java.net.SocketException e) {
        // silence or a reset: take what came
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static boolean complete(String s) {
    int head = s.indexOf("\r\n\r\n");
    if (head < 0) {
      return false;
    }
    Matcher m = Pattern.compile("(?i)content-length: *(\\d+)").matcher(s.substring(0, head));
    return m.find() && s.length() - head - 4 >= Integer.parseInt(m.group(1));
  }

  // ------------------------------------------------------------------ ordinary tasks alongside

  /** Submits ordinary tasks while the fuzz runs, then checks each finished with the right result. */
  private static final class Alongside implements Runnable {
    private final ServiceHarness svc;
    private final Map<String, Object> expected = new ConcurrentHashMap<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    Alongside(ServiceHarness svc) {
      this.svc = svc;
    }

    @Override
    public void run() {
      for (int i = 0; i < ALONGSIDE; i++) {
        JsonObject spec;
        Object result;
        switch (i % 3) {
          case 0 -> {
            spec = new JsonObject().put("kind", "sleep").put("seconds", 0.05).put("result", "r-" + i);
            result = "r-" + i;
          }
          case 1 -> {
            spec = new JsonObject().put("kind", "work").put("iterations", 50).put("input", "in-" + i);
            result = Work.iteratedSha256("in-" + i, 50);
          }
          default -> {
            spec = new JsonObject().put("kind", "gather").put("tasks", new JsonArray()
                .add(new JsonObject().put("kind", "sleep").put("seconds", 0.02).put("result", i))
                .add(new JsonObject().put("kind", "sleep").put("seconds", 0.01).put("result", -i)));
            result = new JsonArray().add(i).add(-i);
          }
        }
        var r = svc.post("/tasks", spec);
        if (r.status() != 201) {
          failures.add("submit " + spec + " -> " + r.status() + " " + r.body());
        } else {
          expected.put(r.json().getString("id"), result);
        }
        try {
          Thread.sleep(20); // spread over the fuzzing, not one burst
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void check() throws InterruptedException {
      assertTrue(failures.isEmpty(), String.join("\n", failures));
      assertEquals(ALONGSIDE, expected.size());
      for (Map.Entry<String, Object> e : expected.entrySet()) {
        JsonObject t = eventually("task " + e.getKey() + " is done", Duration.ofSeconds(20),
            () -> svc.get("/tasks/" + e.getKey() + "?wait=1").expect(200).json(), x -> x.getBoolean("done"));
        assertEquals("finished", t.getString("state"), t.encode());
        assertEquals(e.getValue(), t.getValue("result"), t.encode());
      }
    }
  }
}
