package org.vertxasyncio.bench.programs;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sets up what the service suites measure, over HTTP/1.1 (the JDK's client):
 * <ul>
 *   <li>{@code seed <base url> <n> <seconds> <ids file>}: {@code n} tasks {@code {"kind":"sleep","seconds":S}}
 *       posted one by one; their ids (from the {@code Location} of each 201) written to the file, one a
 *       line, for {@code bench/wrk/get.lua}. Works against every peer.</li>
 *   <li>{@code fill <base url> <sleeps> <per gather> <concurrency> <seconds>}: {@code sleeps} pending sleep
 *       tasks made as quickly as the service takes them: gathers of {@code per gather} new
 *       {@code {"kind":"sleep","seconds":S}} children each, {@code concurrency} requests in flight (so
 *       {@code sleeps / per gather} gathers are pending too). Prints {@code submit_s}, {@code sleeps},
 *       {@code gathers}, and {@code pending} as {@code GET /loops/default} counts it afterwards.</li>
 *   <li>{@code park <base url> <sleeps> <concurrency> <seconds>}: {@code sleeps} tasks
 *       {@code {"kind":"sleep","seconds":S}} posted one a request, {@code concurrency} requests in flight; prints
 *       {@code submit_s}, {@code sleeps}, and {@code parked} and {@code pending} as {@code GET /metrics} counts them
 *       afterwards ({@code asyncio_tasks_parked}, {@code asyncio_tasks{state="pending"}}).</li>
 *   <li>{@code count <base url>}: the tasks the service holds, every state, as {@code GET /metrics}
 *       counts them ({@code asyncio_tasks}); prints {@code tasks}.</li>
 * </ul>
 */
public final class TaskClient {
  private static final Pattern PENDING = Pattern.compile("\"pending\"\\s*:\\s*(\\d+)");

  private TaskClient() {
  }

  public static void main(String[] args) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    switch (args[0]) {
      case "seed" -> seed(http, args[1], Integer.parseInt(args[2]), args[3], Path.of(args[4]));
      case "fill" -> fill(http, args[1], Probe.intArg(args[2]), Probe.intArg(args[3]), Integer.parseInt(args[4]), args[5]);
      case "park" -> park(http, args[1], Probe.intArg(args[2]), Integer.parseInt(args[3]), args[4]);
      case "count" -> count(http, args[1]);
      default -> throw new IllegalArgumentException("seed, fill, park or count, not " + args[0]);
    }
    System.exit(0);
  }

  private static HttpRequest post(String url, String body) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private static void seed(HttpClient http, String base, int n, String seconds, Path file) throws Exception {
    List<String> ids = new ArrayList<>();
    String body = "{\"kind\":\"sleep\",\"seconds\":" + seconds + "}";
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = http.send(post(base + "/tasks", body), HttpResponse.BodyHandlers.ofString());
      String location = r.headers().firstValue("Location").orElse(null);
      if (r.statusCode() != 201 || location == null || !location.startsWith("/tasks/")) {
        throw new IOException("POST /tasks answered " + r.statusCode() + " (Location " + location + "): " + r.body());
      }
      ids.add(location.substring("/tasks/".length()));
    }
    Files.write(file, ids);
    Probe.metric("seeded", ids.size());
  }

  private static void count(HttpClient http, String base) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(60))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET /metrics answered " + r.statusCode() + ": " + r.body());
    }
    double tasks = 0;
    int states = 0;
    for (String line : r.body().split("\n")) {
      if (line.startsWith("asyncio_tasks{")) {
        tasks += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        states++;
      }
    }
    if (states == 0) {
      throw new IOException("GET /metrics has no asyncio_tasks lines");
    }
    Probe.metric("tasks", (long) tasks);
  }

  private static void park(HttpClient http, String base, int sleeps, int concurrency, String seconds) throws Exception {
    String body = "{\"kind\":\"sleep\",\"seconds\":" + seconds + "}";
    AtomicInteger next = new AtomicInteger();
    AtomicInteger made = new AtomicInteger();
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    List<Future<?>> workers = new ArrayList<>();
    for (int c = 0; c < concurrency; c++) {
      workers.add(pool.submit(() -> {
        while (next.getAndIncrement() < sleeps) {
          HttpResponse<String> r = http.send(post(base + "/tasks", body), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() != 201) {
            throw new IOException("POST /tasks answered " + r.statusCode() + ": " + r.body());
          }
          int m = made.incrementAndGet();
          if (m % Math.max(1, sleeps / 10) == 0) {
            System.out.printf("  %d of %d sleeps made, %.1f s%n", m, sleeps, (System.nanoTime() - t0) / 1e9);
          }
        }
        return null;
      }));
    }
    for (Future<?> w : workers) {
      w.get();
    }
    pool.shutdown();
    double took = (System.nanoTime() - t0) / 1e9;
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(60))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    Matcher parked = Pattern.compile("(?m)^asyncio_tasks_parked\\{[^}]*} (\\S+)$").matcher(r.body());
    Matcher pending = Pattern.compile("(?m)^asyncio_tasks\\{[^}]*state=\"pending\"[^}]*} (\\S+)$").matcher(r.body());
    if (r.statusCode() != 200 || !parked.find() || !pending.find()) {
      throw new IOException("GET /metrics answered " + r.statusCode() + " without asyncio_tasks_parked and pending tasks");
    }
    Probe.metric("submit_s", took);
    Probe.metric("sleeps", sleeps);
    Probe.metric("parked", Double.parseDouble(parked.group(1)));
    Probe.metric("pending", Double.parseDouble(pending.group(1)));
  }

  private static void fill(HttpClient http, String base, int sleeps, int perGather, int concurrency, String seconds)
      throws Exception {
    StringBuilder sb = new StringBuilder("{\"kind\":\"gather\",\"tasks\":[");
    for (int i = 0; i < perGather; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"kind\":\"sleep\",\"seconds\":").append(seconds).append('}');
    }
    String body = sb.append("]}").toString();
    int gathers = (sleeps + perGather - 1) / perGather;
    AtomicInteger next = new AtomicInteger();
    AtomicInteger made = new AtomicInteger();
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    List<Future<?>> workers = new ArrayList<>();
    for (int c = 0; c < concurrency; c++) {
      workers.add(pool.submit(() -> {
        while (next.getAndIncrement() < gathers) {
          HttpResponse<String> r = http.send(post(base + "/tasks", body), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() != 201) {
            throw new IOException("POST /tasks (a gather of " + perGather + ") answered " + r.statusCode() + ": " + r.body());
          }
          int m = made.incrementAndGet();
          if (m % Math.max(1, gathers / 10) == 0) {
            System.out.printf("  %d of %d gathers made, %.1f s%n", m, gathers, (System.nanoTime() - t0) / 1e9);
          }
        }
        return null;
      }));
    }
    for (Future<?> w : workers) {
      w.get();
    }
    pool.shutdown();
    double took = (System.nanoTime() - t0) / 1e9;
    HttpResponse<String> loop = http.send(HttpRequest.newBuilder(URI.create(base + "/loops/default")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    Matcher m = PENDING.matcher(loop.body());
    if (loop.statusCode() != 200 || !m.find()) {
      throw new IOException("GET /loops/default answered " + loop.statusCode() + ": " + loop.body());
    }
    Probe.metric("submit_s", took);
    Probe.metric("sleeps", (double) gathers * perGather);
    Probe.metric("gathers", gathers);
    Probe.metric("pending", Long.parseLong(m.group(1)));
  }
}
