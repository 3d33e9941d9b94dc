package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhooks at volume, to real receivers on a real port: {@code /slow/...} answers after 1 s,
 * {@code /fast/...} at once, {@code /dead/...} never. Each endpoint has its own queue: a burst to one slow
 * receiver is delivered, none failed; a slow or dead endpoint does not hold back another on the same
 * host; waiting for a slot is not an attempt.
 */
class WebhookVolumeTest {
  static Vertx receiverVertx;
  static HttpServer receiver;

  /** Per endpoint (path): requests in progress now, the most at once, requests answered, webhook ids seen. */
  static final Map<String, AtomicInteger> inProgress = new ConcurrentHashMap<>();
  static final Map<String, AtomicInteger> mostAtOnce = new ConcurrentHashMap<>();
  static final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
  static final Map<String, Set<String>> ids = new ConcurrentHashMap<>();

  static AtomicInteger of(Map<String, AtomicInteger> m, String path) {
    return m.computeIfAbsent(path, k -> new AtomicInteger());
  }

  @BeforeAll
  static void start() throws Exception {
    receiverVertx = Vertx.vertx();
    receiver = receiverVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      String path = req.path();
      int now = of(inProgress, path).incrementAndGet();
      of(mostAtOnce, path).accumulateAndGet(now, Math::max);
      ids.computeIfAbsent(path, k -> ConcurrentHashMap.newKeySet()).add(req.getHeader("webhook-id"));
      Runnable answer = () -> {
        of(inProgress, path).decrementAndGet();
        of(answered, path).incrementAndGet();
        req.response().setStatusCode(204).end();
      };
      if (path.startsWith("/slow")) {
        receiverVertx.setTimer(1000, t -> answer.run());
      } else if (!path.startsWith("/dead")) {
        answer.run();
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    receiverVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String hook(String path) {
    return "http://127.0.0.1:" + receiver.actualPort() + path;
  }

  static JsonObject sleepWithHook(double seconds, String path) {
    return sleep(seconds).put("callbacks", new JsonArray().add(new JsonObject().put("url", hook(path))));
  }

  /** The webhook log entry of task {@code id}, once no longer pending. */
  static JsonObject settledWebhook(ServiceHarness svc, String id, Duration timeout) {
    JsonObject t = eventually("task " + id + "'s webhook is no longer pending", timeout, () -> svc.get("/tasks/" + id).json(),
        x -> x.getBoolean("done") && !"pending".equals(webhookOf(x).getString("outcome")));
    return webhookOf(t);
  }

  static JsonObject webhookOf(JsonObject task) {
    for (Object o : task.getJsonArray("callbacks")) {
      JsonObject c = (JsonObject) o;
      if ("webhook".equals(c.getString("callback"))) {
        return c;
      }
    }
    throw new AssertionError("no webhook in " + task);
  }

  static void assertDeliveredAtFirstAttempt(JsonObject webhook) {
    assertEquals("delivered", webhook.getString("outcome"), webhook.encode());
    JsonArray attempts = webhook.getJsonArray("attempts");
    assertEquals(1, attempts.size(), "one attempt, no failed one: " + webhook.encode());
    assertEquals(204, attempts.getJsonObject(0).getInteger("status"));
    assertNull(attempts.getJsonObject(0).getString("error"));
  }

  @Test
  void aBurstOf200ToOneSlowReceiverIsAllDeliveredNoneFailed() throws Exception {
    // the shipped concurrency and timeouts; 200 tasks that finish together, each with a webhook to one
    // receiver that takes 1 s to answer
    try (ServiceHarness svc = ServiceHarness.start(Map.of("webhooks.allow", "127.0.0.1"))) {
      List<String> tasks = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        tasks.add(svc.submit(sleepWithHook(3, "/slow/burst")).getString("id"));
      }
      for (String id : tasks) {
        assertDeliveredAtFirstAttempt(settledWebhook(svc, id, Duration.ofSeconds(120)));
      }
      assertEquals(200, ids.get("/slow/burst").size(), "the receiver got each delivery, by its webhook-id");
      assertEquals(200, of(answered, "/slow/burst").get(), "and no attempt more than those");
      assertTrue(of(mostAtOnce, "/slow/burst").get() <= 64, "at most webhook.concurrency.endpoint at once");
    }
  }

  @Test
  void aSlowOrDeadEndpointDoesNotHoldBackAnotherOnTheSameHost() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("webhooks.allow", "127.0.0.1",
        "webhook.concurrency.endpoint", 2, "webhook.retry.attempts", 1, "webhook.timeout.request", 20))) {
      // the dead endpoint takes its 2 slots for 20 s; the slow one has 10 deliveries, 2 at a time, 1 s each
      List<String> dead = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        dead.add(svc.submit(sleepWithHook(0.1, "/dead/mixed")).getString("id"));
      }
      eventually("the dead endpoint holds its slots", Duration.ofSeconds(10), () -> of(inProgress, "/dead/mixed").get(),
          n -> n == 2);
      Map<String, String> endpointOf = new HashMap<>();
      for (int i = 0; i < 10; i++) {
        endpointOf.put(svc.submit(sleepWithHook(0.5, "/slow/mixed")).getString("id"), "/slow/mixed");
        endpointOf.put(svc.submit(sleepWithHook(0.5, "/fast/mixed")).getString("id"), "/fast/mixed");
      }
      eventually("every fast delivery arrived", Duration.ofSeconds(30), () -> of(answered, "/fast/mixed").get(), n -> n == 10);
      assertTrue(of(answered, "/slow/mixed").get() < 10,
          "the fast endpoint's deliveries did not wait for the slow endpoint's queue to drain");
      assertEquals(0, of(answered, "/dead/mixed").get());
      for (String id : dead) {
        assertEquals("pending", webhookOf(svc.get("/tasks/" + id).json()).getString("outcome"),
            "the dead endpoint's attempts are still in progress");
      }
      for (Map.Entry<String, String> e : endpointOf.entrySet()) {
        assertDeliveredAtFirstAttempt(settledWebhook(svc, e.getKey(), Duration.ofSeconds(60)));
      }
      assertEquals(2, of(mostAtOnce, "/slow/mixed").get(), "the slow endpoint had its 2 slots");
    }
  }

  @Test
  void waitingForASlotIsNotAnAttempt() throws Exception {
    // one at a time, 6 deliveries of 1 s each: the last waits about 5 s, twice the attempt's 2.5 s timeout
    try (ServiceHarness svc = ServiceHarness.start(Map.of("webhooks.allow", "127.0.0.1",
        "webhook.concurrency.endpoint", 1, "webhook.timeout.request", 2.5, "webhook.timeout.connect", 2.5))) {
      List<String> tasks = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        tasks.add(svc.submit(sleepWithHook(0.2, "/slow/one-at-a-time")).getString("id"));
      }
      List<JsonObject> attempts = new ArrayList<>();
      for (String id : tasks) {
        JsonObject w = settledWebhook(svc, id, Duration.ofSeconds(60));
        assertDeliveredAtFirstAttempt(w);
        attempts.add(w.getJsonArray("attempts").getJsonObject(0));
      }
      assertEquals(1, of(mostAtOnce, "/slow/one-at-a-time").get(), "one at a time");
      assertEquals(6, of(answered, "/slow/one-at-a-time").get());
      for (JsonObject a : attempts) {
        assertTrue(a.getLong("durationMs") >= 900 && a.getLong("durationMs") < 2500,
            "an attempt's time is its own exchange (the receiver's 1 s), not its wait: " + a.encode());
      }
    }
  }
}
