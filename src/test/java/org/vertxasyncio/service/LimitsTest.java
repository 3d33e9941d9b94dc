package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Limits and back-pressure against the real service: overload gets 429 with {@code Retry-After} and the
 * service recovers once the load is gone; per-request limits are 400s naming the field; done tasks are
 * forgotten beyond the retained count, so memory stays bounded however many are submitted.
 */
class LimitsTest {
  @Test
  void overloadOfPendingTasksGets429ThenTheServiceRecovers() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("limits.pending.max", 20))) {
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<ServiceHarness.Resp>> fs = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        fs.add(pool.submit(() -> svc.post("/tasks", sleep(0.5))));
      }
      Map<Integer, Integer> statuses = new TreeMap<>();
      for (Future<ServiceHarness.Resp> f : fs) {
        ServiceHarness.Resp r = f.get(60, TimeUnit.SECONDS);
        statuses.merge(r.status(), 1, Integer::sum);
        if (r.status() == 429) {
          r.expectError(429, "too_many_requests", null);
          assertEquals("1", r.header("Retry-After"));
          assertTrue(r.json().getJsonObject("error").getString("message").contains("limits.pending.max"));
        }
      }
      pool.shutdown();
      assertEquals(Map.of(201, statuses.getOrDefault(201, 0), 429, statuses.getOrDefault(429, 0)), statuses, "only 201 and 429");
      assertTrue(statuses.getOrDefault(429, 0) > 0, "the limit was hit: " + statuses);
      assertTrue(svc.get("/loops/default").json().getInteger("pending") <= 20);
      assertEquals(200, svc.get("/ready").status(), "ready under overload");
      // the load is gone: the sleeps end, and the service takes tasks again
      eventually("pending tasks drained", Duration.ofSeconds(10), () -> svc.get("/loops/default").json().getInteger("pending") == 0);
      for (int i = 0; i < 20; i++) {
        svc.post("/tasks", sleep(0)).expect(201);
      }
    }
  }

  @Test
  void eventStreamsBeyondTheLimitGet429UntilOneCloses() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("limits.events.subscribers.max", 3))) {
      List<InputStream> open = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        HttpResponse<InputStream> r = stream(svc);
        assertEquals(200, r.statusCode());
        open.add(r.body());
      }
      HttpResponse<InputStream> refused = stream(svc);
      assertEquals(429, refused.statusCode());
      assertEquals("5", refused.headers().firstValue("Retry-After").orElse(null));
      assertTrue(new String(refused.body().readAllBytes()).contains("limits.events.subscribers.max"));
      open.remove(0).close();
      HttpResponse<InputStream> again = eventually("a place is free once a stream closes", Duration.ofSeconds(10), () -> {
        HttpResponse<InputStream> r = stream(svc);
        if (r.statusCode() == 429) {
          r.body().close();
        }
        return r;
      }, r -> r.statusCode() != 429);
      assertEquals(200, again.statusCode());
      again.body().close();
      for (InputStream in : open) {
        in.close();
      }
    }
  }

  @Test
  void eventStreamsOpenedAllAtOnceNeverExceedTheLimit() throws Exception {
    // the cluster's stream: each reads the event log before it subscribes, the window a check must not race
    String schema = org.vertxasyncio.testing.Postgres.newSchema();
    try (ServiceHarness svc = ServiceHarness.start(Map.of("limits.events.subscribers.max", 3, "store.type", "postgres",
        "store.postgres.url", org.vertxasyncio.testing.Postgres.URL, "store.postgres.schema", schema))) {
      List<java.util.concurrent.CompletableFuture<HttpResponse<InputStream>>> all = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(svc.client().sendAsync(HttpRequest.newBuilder(URI.create(svc.url("/events"))).build(),
            HttpResponse.BodyHandlers.ofInputStream()));
      }
      Map<Integer, Integer> statuses = new TreeMap<>();
      for (var f : all) {
        HttpResponse<InputStream> r = f.get(30, TimeUnit.SECONDS);
        statuses.merge(r.statusCode(), 1, Integer::sum);
        if (r.statusCode() != 200) {
          r.body().close();
        }
      }
      assertEquals(Map.of(200, 3, 429, 17), statuses, "three streams, the others refused");
      for (var f : all) {
        f.get().body().close();
      }
    } finally {
      org.vertxasyncio.testing.Postgres.drop(schema);
    }
  }

  static HttpResponse<InputStream> stream(ServiceHarness svc) throws Exception {
    return svc.client().send(HttpRequest.newBuilder(URI.create(svc.url("/events"))).build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  @Test
  void requestsPerClientAddressAreRateLimitedButNotTheProbes() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("limits.rate.requests", 1, "limits.rate.burst", 5))) {
      for (int i = 0; i < 5; i++) {
        svc.get("/tasks").expect(200);
      }
      ServiceHarness.Resp limited = svc.get("/tasks");
      limited.expectError(429, "too_many_requests", null);
      int retryAfter = Integer.parseInt(limited.header("Retry-After"));
      assertTrue(retryAfter >= 1 && retryAfter <= 2, "Retry-After " + retryAfter);
      svc.post("/tasks", sleep(0)).expectError(429, "too_many_requests", null);
      for (int i = 0; i < 20; i++) {
        assertEquals(200, svc.get("/health").status());
        assertEquals(200, svc.get("/ready").status());
      }
      Thread.sleep(retryAfter * 1000L + 100); // the wait Retry-After asked for: real time is the point
      svc.get("/tasks").expect(200);
    }
  }

  @Test
  void perRequestLimitsAre400sNamingTheField() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("limits.webhooks.max", 2, "limits.gather.children.max", 3,
        "webhooks.allow", "127.0.0.1"))) {
      JsonArray three = new JsonArray();
      for (int i = 0; i < 3; i++) {
        three.add(new JsonObject().put("url", "http://127.0.0.1:9/" + i));
      }
      JsonObject e = svc.post("/tasks", sleep(0).put("callbacks", three)).expectError(400, "invalid_request", "callbacks");
      assertTrue(e.getString("message").contains("limits.webhooks.max"), e.encode());
      svc.post("/tasks", sleep(0).put("callbacks", new JsonArray().add(three.getValue(0)).add(three.getValue(1)))).expect(201);

      JsonArray ids = new JsonArray();
      for (int i = 0; i < 4; i++) {
        ids.add("01ARZ3NDEKTSV4RRFFQ69G5FAV");
      }
      e = svc.post("/tasks", new JsonObject().put("kind", "gather").put("tasks", ids)).expectError(400, "invalid_request", "tasks");
      assertTrue(e.getString("message").contains("limits.gather.children.max"), e.encode());
    }
  }

  @Test
  void loopsAreCapped() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("limits.loops.max", 2, "loops", "default"))) {
      svc.post("/loops", new JsonObject().put("name", "second")).expect(201);
      JsonObject e = svc.post("/loops", new JsonObject().put("name", "third")).expectError(409, "loop_limit", null);
      assertTrue(e.getString("message").contains("limits.loops.max"), e.encode());
      svc.post("/loops", new JsonObject().put("name", "second")).expectError(409, "loop_exists", null);
    }
  }

  @Test
  void unknownQueryParametersAreRefusedByName() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of())) {
      JsonObject e = svc.get("/tasks?colour=red").expectError(400, "invalid_request", "colour");
      assertTrue(e.getString("message").contains("limit"), "it says which it takes: " + e.encode());
      svc.post("/tasks?priority=1", sleep(0)).expectError(400, "invalid_request", "priority");
      svc.get("/loops?x=1").expectError(400, "invalid_request", "x");
      svc.get("/tasks?limit=1e999").expectError(400, "invalid_request", "limit");
      svc.get("/tasks?wait=NaN").expectError(400, "invalid_request", "wait");
    }
  }

  @Test
  void doneTasksBeyondTheRetainedCountAreForgottenSoMemoryStaysBounded() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("retention.tasks.max", 50, "limits.pending.max", 100_000))) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        fs.add(pool.submit(() -> svc.post("/tasks", sleep(0)).expect(201)));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      eventually("50 tasks held at most (retention.tasks.max)", Duration.ofSeconds(10), () -> heldTasks(svc), n -> n <= 50);
      // the store forgets them too: at once on one node, at the leader's next upkeep on the postgres store
      eventually("50 tasks listed at most", Duration.ofSeconds(20),
          () -> svc.get("/tasks?limit=1000").json().getJsonArray("tasks").size(), n -> n <= 50);
      assertEquals(0, svc.get("/loops/default").json().getInteger("pending"));
    }
  }

  /** The tasks the service holds, by its own gauge. */
  static int heldTasks(ServiceHarness svc) {
    String m = svc.get("/metrics").body();
    int n = 0;
    Matcher g = Pattern.compile("asyncio_tasks\\{node=\"[^\"]+\",state=\"(\\w+)\"} (\\S+)").matcher(m);
    while (g.find()) {
      n += (int) Double.parseDouble(g.group(2));
    }
    return n;
  }
}
