package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault test: the packaged service on a data directory gets 1,000 tasks of every kind
 * (sleeps of many lengths, work, gathers, timeouts, raises; a quarter with webhooks to a receiver run
 * here, some of which fail their first attempt), is killed with SIGKILL while tasks run and submissions
 * are still arriving, and is started again on the same directory. Then: every task that got a
 * {@code 201} is there and finishes exactly once (its final state and result as its spec says, one
 * record callback in its log, and at most one "finished" log line for it over both runs), every webhook
 * is delivered at least once under one stable delivery id, and duplicate deliveries tell the same finish.
 * The submissions the kill cut off are sent again to the new process.
 */
class CrashRecoveryIT {
  static final int TASKS = 1000;
  static final int KILL_AFTER_ACCEPTED = 800;

  @TempDir
  Path dir;

  /** One planned task: its spec, what it must end with, the webhook paths it names. */
  record Planned(int index, JsonObject spec, JsonObject expect, List<String> hooks) {
  }

  /** One delivery the receiver got. */
  record Delivery(String deliveryId, String path, JsonObject task, int status) {
  }

  final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  final Set<String> refusedOnce = ConcurrentHashMap.newKeySet();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void everyAcceptedTaskFinishesExactlyOnceAfterSigkill() throws Exception {
    long t0 = System.nanoTime();
    HttpServer receiver = receiver();
    try {
      String hookBase = "http://127.0.0.1:" + receiver.getAddress().getPort();
      List<Planned> plan = plan(hookBase);
      Path config = dir.resolve("config.json");
      Path data = dir.resolve("data"); // does not exist yet: the service makes it
      Files.writeString(config, new JsonObject().put("http.host", "127.0.0.1").put("http.port", 0).put("loops", "default,batch")
          .put("limits.pending.max", 5000).put("worker.pool.size", 2).put("store.path", data.toString())
          .put("webhook.retry.attempts", 20).put("webhook.retry.backoff.initial", 0.2).put("webhook.retry.backoff.max", 1)
          .put("webhook.timeout.connect", 2).put("webhook.timeout.request", 5)
          .put("webhooks.allow", "127.0.0.1").encodePrettily()); // the receiver is on loopback

      // ---- run 1: submit, and SIGKILL once KILL_AFTER_ACCEPTED have their 201
      Map<Integer, String> accepted = new ConcurrentHashMap<>();
      List<Integer> cutOff = new CopyOnWriteArrayList<>();
      long killedAtMs;
      int acceptedBeforeKill;
      ServiceProcess run1 = ServiceProcess.start(config, Map.of(), dir.resolve("run1.log"));
      try {
        String base = run1.awaitReady(http);
        CountDownLatch enough = new CountDownLatch(1);
        AtomicLong submitStart = new AtomicLong();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        AtomicInteger next = new AtomicInteger();
        submitStart.set(System.nanoTime());
        for (int w = 0; w < 16; w++) {
          clients.execute(() -> {
            int i;
            while ((i = next.getAndIncrement()) < TASKS) {
              String id = submit(base, plan.get(i).spec());
              if (id != null) {
                accepted.put(i, id);
                if (accepted.size() >= KILL_AFTER_ACCEPTED) {
                  enough.countDown();
                }
              } else {
                cutOff.add(i);
              }
            }
          });
        }
        assertTrue(enough.await(120, TimeUnit.SECONDS), "accepted " + accepted.size() + ":\n" + tail(run1.output()));
        run1.kill(); // SIGKILL, with submissions in flight and most tasks running
        killedAtMs = (System.nanoTime() - submitStart.get()) / 1_000_000;
        acceptedBeforeKill = accepted.size();
        clients.shutdown();
        assertTrue(clients.awaitTermination(120, TimeUnit.SECONDS));
      } finally {
        run1.close();
      }
      int acceptedInRun1 = accepted.size();
      String log1 = run1.output();
      int deliveriesBeforeRestart = deliveries.size();
      Set<String> doneInRun1 = doneLines(log1).keySet();

      // ---- run 2: the same directory; what was cut off is sent again
      ServiceProcess run2 = ServiceProcess.start(config, Map.of(), dir.resolve("run2.log"));
      Map<String, JsonObject> all;
      try {
        String base = run2.awaitReady(http);
        for (int i : List.copyOf(cutOff)) {
          String id = submit(base, plan.get(i).spec());
          assertTrue(id != null, "resubmitting task " + i + " after the restart:\n" + tail(run2.output()));
          accepted.put(i, id);
        }
        awaitNothingPending(base);
        awaitWebhooksSettled(base, plan, accepted);
        all = listAll(base);
        assertEquals(0, run2.stop(), "SIGTERM after the test:\n" + tail(run2.output()));
      } finally {
        run2.close();
      }
      String log2 = run2.output();

      // ---- checks
      List<String> problems = new ArrayList<>();
      Map<String, Integer> finishedLines = doneLines(log1);
      doneLines(log2).forEach((id, n) -> finishedLines.merge(id, n, Integer::sum));
      Map<String, List<Delivery>> byDelivery = new HashMap<>();
      deliveries.forEach(d -> byDelivery.computeIfAbsent(d.deliveryId(), k -> new ArrayList<>()).add(d));
      int recovered = 0;
      int late = 0;
      int hooks = 0;
      int duplicates = 0;
      int exactlyOnce = 0;
      for (Planned p : plan) {
        String id = accepted.get(p.index());
        if (id == null) {
          problems.add("task " + p.index() + " was never accepted");
          continue;
        }
        JsonObject t = all.get(id);
        if (t == null) {
          problems.add("task " + p.index() + " (" + id + ") got a 201 and is missing");
          continue;
        }
        int before = problems.size();
        check(problems, p.index() + " " + id, t, p.expect(), finishedLines);
        if (problems.size() == before) {
          exactlyOnce++;
        }
        if (t.getInteger("recoveries", 0) > 0) {
          recovered++;
          if (doneInRun1.contains(id)) {
            problems.add(id + " finished in run 1 and was recovered as pending: " + t.encode());
          }
        }
        if (t.getValue("lateSeconds") != null) {
          late++;
        }
        for (Object c : t.getJsonArray("children")) {
          JsonObject child = all.get((String) c);
          if (child == null) {
            problems.add(id + ": child " + c + " missing");
          } else {
            check(problems, id + " child " + c, child, null, finishedLines);
          }
        }
        // webhooks: one entry per hook, delivered, one stable id; every delivery of it tells the same finish
        List<JsonObject> entries = new ArrayList<>();
        t.getJsonArray("callbacks").forEach(o -> {
          if ("webhook".equals(((JsonObject) o).getString("callback"))) {
            entries.add((JsonObject) o);
          }
        });
        if (entries.size() != p.hooks().size()) {
          problems.add(id + ": " + entries.size() + " webhook entries for " + p.hooks().size() + " webhooks: " + t.encode());
        }
        for (JsonObject e : entries) {
          hooks++;
          List<Delivery> got = byDelivery.getOrDefault(e.getString("deliveryId"), List.of());
          long acknowledged = got.stream().filter(d -> d.status() == 204).count();
          if (!"delivered".equals(e.getString("outcome")) || acknowledged == 0) {
            problems.add(id + ": webhook " + e.encode() + " acknowledged " + acknowledged + " time(s)");
          }
          duplicates += (int) Math.max(0, acknowledged - 1);
          for (Delivery d : got) {
            JsonObject seen = d.task();
            if (!id.equals(seen.getString("id")) || !Objects.equals(t.getString("doneAt"), seen.getString("doneAt"))
                || !Objects.equals(t.getString("state"), seen.getString("state"))
                || !Objects.equals(String.valueOf(t.getValue("result")), String.valueOf(seen.getValue("result")))) {
              problems.add(id + ": delivery " + d.deliveryId() + " tells another finish: " + seen.encode() + " vs " + t.encode());
            }
          }
        }
      }
      long unknown = all.values().stream().filter(t -> t.getString("parent") == null && !accepted.containsValue(t.getString("id"))).count();
      double wall = (System.nanoTime() - t0) / 1e9;
      System.out.printf("CrashRecoveryIT: %d tasks submitted; %d accepted before the SIGKILL at %d ms into the submissions "
              + "(%d finished by then per the log, %d cut off and resent after the restart); %d accepted in all, %d finished "
              + "exactly once; %d resumed after the restart (%d past their deadline); %d webhooks delivered (%d deliveries, "
              + "%d before the restart, %d acknowledged more than once under one id); %d task(s) committed "
              + "without their 201 reaching the client; %d problem(s); wall time %.1f s%n",
          TASKS, acceptedBeforeKill, killedAtMs, doneInRun1.size(), cutOff.size(), accepted.size(),
          exactlyOnce, recovered, late, hooks,
          deliveries.size(), deliveriesBeforeRestart, duplicates, unknown, problems.size(), wall);
      assertTrue(acceptedInRun1 >= KILL_AFTER_ACCEPTED);
      assertTrue(recovered > 0, "the kill came while tasks were pending");
      assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems.subList(0, Math.min(30, problems.size()))));
    } finally {
      receiver.stop(0);
    }
  }

  /** State, result, one record callback in the log, at most one "finished" line in the logs of both runs. */
  static void check(List<String> problems, String what, JsonObject t, JsonObject expect, Map<String, Integer> finishedLines) {
    String id = t.getString("id");
    if (!t.getBoolean("done")) {
      problems.add(what + " not done: " + t.encode());
      return;
    }
    long records = t.getJsonArray("callbacks").stream().filter(o -> "record".equals(((JsonObject) o).getString("callback"))).count();
    if (records != 1) {
      problems.add(what + ": " + records + " record callbacks: " + t.encode());
    }
    int lines = finishedLines.getOrDefault(id, 0);
    if (lines > 1) {
      problems.add(what + ": finished " + lines + " times according to the logs");
    }
    if (expect == null) {
      return;
    }
    if (!expect.getString("state").equals(t.getString("state"))) {
      problems.add(what + ": state " + t.getString("state") + ", expected " + expect.encode() + ": " + t.encode());
    } else if (expect.containsKey("exceptionType")) {
      JsonObject ex = t.getJsonObject("exception");
      if (ex == null || !expect.getString("exceptionType").equals(ex.getString("type"))
          || (expect.containsKey("message") && !expect.getString("message").equals(ex.getString("message")))) {
        problems.add(what + ": exception " + ex + ", expected " + expect.encode());
      }
    } else if (!String.valueOf(io.vertx.core.json.Json.encode(expect.getValue("result")))
        .equals(io.vertx.core.json.Json.encode(t.getValue("result"))) || t.getValue("exception") != null) {
      problems.add(what + ": result " + t.getValue("result") + " / " + t.getValue("exception") + ", expected " + expect.encode());
    }
  }

  /** Per task id, the number of lines saying it finished (with a result, an exception, or cancelled). */
  static Map<String, Integer> doneLines(String log) {
    Map<String, Integer> n = new HashMap<>();
    Matcher m = Pattern.compile("task ([0-9A-Z]{26}) (finished with a result|finished: |cancelled: )").matcher(log);
    while (m.find()) {
      n.merge(m.group(1), 1, Integer::sum);
    }
    return n;
  }

  /** 1,000 specs of every kind, the same on every run (seeded), with what each must end with. */
  static List<Planned> plan(String hookBase) throws Exception {
    Random rnd = new Random(6);
    double[] sleeps = {0, 0.05, 0.3, 0.8, 1.5, 2.5, 3.5};
    List<Planned> out = new ArrayList<>();
    for (int i = 0; i < TASKS; i++) {
      JsonObject spec;
      JsonObject expect;
      switch (i % 10) {
        case 0, 1 -> {
          spec = sleep(sleeps[rnd.nextInt(sleeps.length)]).put("result", i % 3 == 0 ? (Object) i : "r-" + i);
          expect = result(spec.getValue("result"));
        }
        case 2 -> {
          spec = sleep(new double[] {0.1, 1, 2}[rnd.nextInt(3)]).put("raise", "boom-" + i);
          expect = raised("RaisedError", "boom-" + i);
        }
        case 3, 4 -> {
          int it = new int[] {1000, 5000, 20000}[rnd.nextInt(3)];
          spec = new JsonObject().put("kind", "work").put("iterations", it).put("input", "in-" + i);
          expect = result(sha("in-" + i, it));
        }
        case 5 -> {
          double s = 0.2 + rnd.nextInt(4) * 0.6;
          spec = new JsonObject().put("kind", "gather").put("returnExceptions", true).put("tasks", new JsonArray()
              .add(sleep(s).put("result", "g-" + i))
              .add(new JsonObject().put("kind", "work").put("iterations", 2000).put("input", "g" + i))
              .add(sleep(0.5).put("raise", "gboom-" + i)));
          expect = result(new JsonArray().add("g-" + i).add(sha("g" + i, 2000))
              .add(new JsonObject().put("exception", new JsonObject().put("type", "RaisedError").put("message", "gboom-" + i))));
        }
        case 6 -> {
          spec = new JsonObject().put("kind", "gather").put("tasks", new JsonArray()
              .add(sleep(sleeps[rnd.nextInt(sleeps.length)]).put("result", 1))
              .add(sleep(sleeps[rnd.nextInt(sleeps.length)]).put("result", 2)));
          expect = result(new JsonArray().add(1).add(2));
        }
        case 7 -> {
          spec = sleep(10).put("timeout", new double[] {0.2, 1, 2}[rnd.nextInt(3)]);
          expect = raised("TimeoutError", null);
        }
        case 8 -> {
          double s = new double[] {0.1, 1.5}[rnd.nextInt(2)];
          spec = sleep(s).put("timeout", s + 3).put("result", "t-" + i);
          expect = result("t-" + i);
        }
        default -> {
          spec = sleep(new double[] {0.5, 2}[rnd.nextInt(2)]).put("loop", "batch").put("name", "n-" + i).put("result", i);
          expect = result(i);
        }
      }
      List<String> hooks = new ArrayList<>();
      if (i % 4 == 0) {
        hooks.add("/ok");
        if (i % 20 == 0) {
          hooks.add("/flaky");
        }
        JsonArray cbs = new JsonArray();
        for (String h : hooks) {
          cbs.add(new JsonObject().put("url", hookBase + h).put("secret", "s-" + i));
        }
        spec.put("callbacks", cbs);
      }
      out.add(new Planned(i, spec, expect, hooks));
    }
    return out;
  }

  static JsonObject sleep(double s) {
    return new JsonObject().put("kind", "sleep").put("seconds", s);
  }

  static JsonObject result(Object v) {
    return new JsonObject().put("state", "finished").put("result", v);
  }

  static JsonObject raised(String type, String message) {
    JsonObject e = new JsonObject().put("state", "finished").put("exceptionType", type);
    return message == null ? e : e.put("message", message);
  }

  static String sha(String input, int rounds) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] d = input.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < rounds; i++) {
      d = md.digest(d);
    }
    return HexFormat.of().formatHex(d);
  }

  /** The task id of a 201, or null when the request got anything else (the process was killed). */
  String submit(String base, JsonObject spec) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/tasks")).timeout(Duration.ofSeconds(20))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(spec.encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 201 ? new JsonObject(r.body()).getString("id") : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** The receiver: 204, but {@code /flaky} refuses the first attempt of each delivery with 503. */
  HttpServer receiver() throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
    s.setExecutor(Executors.newFixedThreadPool(4));
    s.createContext("/", ex -> {
      String id = ex.getRequestHeaders().getFirst("webhook-id");
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = ex.getRequestURI().getPath();
      int status = path.equals("/flaky") && refusedOnce.add(id) ? 503 : 204;
      deliveries.add(new Delivery(id, path, new JsonObject(body), status));
      ex.sendResponseHeaders(status, -1);
      ex.close();
    });
    s.start();
    return s;
  }

  void awaitNothingPending(String base) {
    eventually("no task is pending", Duration.ofSeconds(120),
        () -> new JsonObject(get(base + "/tasks?state=pending&limit=5")), page -> page.getJsonArray("tasks").isEmpty());
  }

  /** Until every webhook entry of the accepted tasks is delivered or failed (deliveries go on after "done"). */
  void awaitWebhooksSettled(String base, List<Planned> plan, Map<Integer, String> accepted) {
    try {
      eventually("every webhook of the accepted tasks is delivered or failed", Duration.ofSeconds(60), () -> {
        Map<String, JsonObject> all = listAll(base);
        for (Planned p : plan) {
          JsonObject t = all.get(accepted.get(p.index()));
          if (t == null || p.hooks().isEmpty()) {
            continue;
          }
          long open = t.getJsonArray("callbacks").stream().map(o -> (JsonObject) o)
              .filter(o -> "webhook".equals(o.getString("callback")) && "pending".equals(o.getString("outcome"))).count();
          long entries = t.getJsonArray("callbacks").stream().filter(o -> "webhook".equals(((JsonObject) o).getString("callback"))).count();
          if (open > 0 || entries < p.hooks().size()) {
            return false;
          }
        }
        return true;
      });
    } catch (AssertionError stillPending) {
      // the checks that follow count what is still pending and say which
    }
  }

  Map<String, JsonObject> listAll(String base) throws Exception {
    Map<String, JsonObject> out = new LinkedHashMap<>();
    String cursor = null;
    do {
      JsonObject page = new JsonObject(get(base + "/tasks?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor)));
      page.getJsonArray("tasks").forEach(o -> out.put(((JsonObject) o).getString("id"), (JsonObject) o));
      cursor = page.getString("nextCursor");
    } while (cursor != null);
    return out;
  }

  String get(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    return r.body();
  }

  static String tail(String log) {
    return log.length() <= 4000 ? log : log.substring(log.length() - 4000);
  }
}
