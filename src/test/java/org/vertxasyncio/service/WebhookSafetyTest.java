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
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.webhooks.WebhookGuardTest;

/**
 * Webhook safety against the real service: an SSRF attempt at every blocked range is a 400 at
 * submission, a name that resolves to loopback is refused at delivery (logged, not retried), trusted
 * targets of {@code webhooks.allow} are delivered, redirects are not followed, a receiver that is down,
 * then slow, then up gets the delivery in the end with every attempt logged, and a failed delivery can
 * be redelivered.
 */
class WebhookSafetyTest {
  static Vertx receiverVertx;
  static HttpServer receiver;
  static final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  static final List<String[]> seen = new CopyOnWriteArrayList<>(); // path, Host header, webhook-id

  @BeforeAll
  static void start() throws Exception {
    receiverVertx = Vertx.vertx();
    receiver = receiverVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      int n = hits.computeIfAbsent(req.path(), k -> new AtomicInteger()).incrementAndGet();
      seen.add(new String[] {req.path(), req.getHeader("Host"), req.getHeader("webhook-id")});
      if (req.path().equals("/redirect")) {
        req.response().setStatusCode(307).putHeader("Location", "http://127.0.0.1:" + receiver.actualPort() + "/redirected").end();
      } else if (req.path().equals("/fails-twice") && n <= 2) {
        req.response().setStatusCode(500).end();
      } else {
        req.response().setStatusCode(204).end();
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    receiverVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static JsonObject hooked(String url) {
    return sleep(0).put("callbacks", new JsonArray().add(new JsonObject().put("url", url)));
  }

  /** The task once the outcome of its first webhook is one that {@code done} accepts. */
  static JsonObject webhookOutcome(ServiceHarness svc, String id, Predicate<String> done) {
    return eventually("the webhook's outcome is reached", Duration.ofSeconds(20), () -> svc.get("/tasks/" + id).expect(200).json(),
        t -> t.getJsonArray("callbacks").size() > 1 && done.test(t.getJsonArray("callbacks").getJsonObject(1).getString("outcome")));
  }

  @Test
  void everyBlockedRangeIsRefusedAtSubmission() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of())) {
      int refused = 0;
      for (Map.Entry<String, String> e : WebhookGuardTest.BLOCKED.entrySet()) {
        String url = "http://" + e.getKey() + ":" + receiver.actualPort() + "/ssrf";
        JsonObject err = svc.post("/tasks", hooked(url)).expectError(400, "invalid_request", "callbacks[0].url");
        assertTrue(err.getString("message").contains(e.getValue()), url + " -> " + err);
        // and inside a gather, named by its place
        JsonObject gather = new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(hooked(url)));
        svc.post("/tasks", gather).expectError(400, "invalid_request", "tasks[0].callbacks[0].url");
        refused += 2;
      }
      for (String url : List.of("file:///etc/passwd", "gopher://127.0.0.1:25/", "ftp://example.com/x", "http://user:pw@example.com/",
          "javascript:alert(1)", "http://0x7f.1:" + receiver.actualPort() + "/")) {
        svc.post("/tasks", hooked(url)).expectError(400, "invalid_request", "callbacks[0].url");
        refused++;
      }
      System.out.println("SSRF attempts refused at submission: " + refused);
      assertEquals(null, hits.get("/ssrf"), "none reached the receiver");
      assertEquals(0, svc.get("/tasks").json().getJsonArray("tasks").size(), "and no task was made");
    }
  }

  @Test
  void aNameThatResolvesToLoopbackIsRefusedAtDeliveryOnceAndNotRetried() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("webhook.retry.attempts", 5, "webhook.retry.backoff.initial", 0.05,
        "webhook.retry.jitter", 0))) {
      String id = svc.submit(hooked("http://localhost:" + receiver.actualPort() + "/by-name")).getString("id");
      JsonObject t = webhookOutcome(svc, id, o -> !o.equals("pending"));
      Thread.sleep(300); // time for retries, were there any
      JsonObject entry = svc.get("/tasks/" + id).json().getJsonArray("callbacks").getJsonObject(1);
      assertEquals("refused", entry.getString("outcome"), t.encode());
      JsonArray attempts = entry.getJsonArray("attempts");
      assertEquals(1, attempts.size(), "a refused target is not retried: " + entry);
      assertNull(attempts.getJsonObject(0).getValue("status"));
      assertTrue(attempts.getJsonObject(0).getString("error").startsWith("refused: localhost resolves to a loopback address (127.0.0.1)"),
          entry.encode());
      assertNull(hits.get("/by-name"), "nothing reached the receiver");
      Matcher m = Pattern.compile("asyncio_webhook_attempts_seconds_count\\{node=\"[^\"]+\",outcome=\"refused\"[^}]*} (\\S+)").matcher(svc.get("/metrics").body());
      assertTrue(m.find() && Double.parseDouble(m.group(1)) >= 1, "refusals are counted in the metrics");
    }
  }

  @Test
  void targetsTheAllowListTrustsAreDeliveredWithTheirNameInTheHostHeader() throws Exception {
    for (String allow : List.of("localhost", "127.0.0.0/8")) {
      try (ServiceHarness svc = ServiceHarness.start(Map.of("webhooks.allow", allow))) {
        String path = "/allowed-" + allow.replace('/', '_');
        String id = svc.submit(hooked("http://localhost:" + receiver.actualPort() + path)).getString("id");
        JsonObject t = webhookOutcome(svc, id, o -> !o.equals("pending"));
        assertEquals("delivered", t.getJsonArray("callbacks").getJsonObject(1).getString("outcome"), allow + ": " + t.encode());
        String host = seen.stream().filter(s -> s[0].equals(path)).findFirst().orElseThrow()[1];
        assertEquals("localhost:" + receiver.actualPort(), host, "the name stays in Host; the connection went to the checked address");
      }
    }
  }

  @Test
  void redirectsAreNotFollowed() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("webhooks.allow", "127.0.0.1"))) {
      String id = svc.submit(hooked("http://127.0.0.1:" + receiver.actualPort() + "/redirect")).getString("id");
      JsonObject entry = webhookOutcome(svc, id, o -> !o.equals("pending")).getJsonArray("callbacks").getJsonObject(1);
      assertEquals("failed", entry.getString("outcome"));
      assertEquals(307, entry.getJsonArray("attempts").getJsonObject(0).getInteger("status"));
      assertNull(hits.get("/redirected"), "the Location was not visited");
    }
  }

  @Test
  void aReceiverDownThenSlowThenUpGetsTheDeliveryWithEveryAttemptLogged() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort(); // free, and nobody listens on it: the receiver is down
    }
    Vertx later = Vertx.vertx();
    try (ServiceHarness svc = ServiceHarness.start(Map.of("webhooks.allow", "127.0.0.1", "webhook.retry.attempts", 10,
        "webhook.retry.backoff.initial", 0.4, "webhook.retry.backoff.multiplier", 1, "webhook.retry.jitter", 0,
        "webhook.timeout.connect", 0.5, "webhook.timeout.request", 0.5))) {
      String id = svc.submit(hooked("http://127.0.0.1:" + port + "/late")).getString("id");
      // the first attempt finds nobody
      eventually("the first attempt is logged", Duration.ofSeconds(10), () -> {
        JsonArray log = svc.get("/tasks/" + id).json().getJsonArray("callbacks");
        return log.size() >= 2 && !log.getJsonObject(1).getJsonArray("attempts").isEmpty();
      });
      // then it comes up, slow at first: its first request is answered after the request timeout
      AtomicInteger n = new AtomicInteger();
      later.createHttpServer().requestHandler(req -> {
        if (n.incrementAndGet() == 1) {
          later.setTimer(2000, t -> req.response().setStatusCode(204).end());
        } else {
          req.response().setStatusCode(204).end();
        }
      }).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

      JsonObject entry = webhookOutcome(svc, id, o -> !o.equals("pending")).getJsonArray("callbacks").getJsonObject(1);
      assertEquals("delivered", entry.getString("outcome"), entry.encode());
      JsonArray attempts = entry.getJsonArray("attempts");
      int k = 0;
      while (k < attempts.size() && attempts.getJsonObject(k).getValue("status") == null
          && !attempts.getJsonObject(k).getString("error").contains("timed out")) {
        assertTrue(attempts.getJsonObject(k).getString("error").contains("refused"), "down: " + attempts.getJsonObject(k));
        k++;
      }
      assertTrue(k >= 1, "at least one attempt found the receiver down: " + attempts);
      assertTrue(attempts.getJsonObject(k).getString("error").contains("timed out"), "then slow: " + attempts.getJsonObject(k));
      assertEquals(204, attempts.getJsonObject(k + 1).getInteger("status"), "then up: " + attempts);
      assertEquals(k + 2, attempts.size(), "every attempt is in the log, the last one delivered: " + attempts);
      for (int i = 0; i < attempts.size(); i++) {
        assertEquals(i + 1, attempts.getJsonObject(i).getInteger("attempt"));
      }
    } finally {
      later.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aFailedDeliveryIsRedeliveredWithTheSameWebhookId() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("webhooks.allow", "127.0.0.1", "webhook.retry.attempts", 2,
        "webhook.retry.backoff.initial", 0.05, "webhook.retry.jitter", 0))) {
      String id = svc.submit(hooked("http://127.0.0.1:" + receiver.actualPort() + "/fails-twice")).getString("id");
      JsonObject failed = webhookOutcome(svc, id, o -> !o.equals("pending")).getJsonArray("callbacks").getJsonObject(1);
      assertEquals("failed", failed.getString("outcome"), "after the last retry: " + failed);
      assertEquals(2, failed.getJsonArray("attempts").size());

      var r = svc.post("/tasks/" + id + "/callbacks/1/redeliver").expect(202).json();
      assertEquals(failed.getString("deliveryId"), r.getString("deliveryId"));
      JsonObject entry = webhookOutcome(svc, id, o -> !o.equals("pending")).getJsonArray("callbacks").getJsonObject(1);
      assertEquals("delivered", entry.getString("outcome"), entry.encode());
      assertEquals(3, entry.getJsonArray("attempts").size());
      assertEquals(3, entry.getJsonArray("attempts").getJsonObject(2).getInteger("attempt"), "attempts are numbered on");
      List<String> ids = seen.stream().filter(s -> s[0].equals("/fails-twice")).map(s -> s[2]).distinct().toList();
      assertEquals(List.of(failed.getString("deliveryId")), ids, "one webhook-id for every attempt, redelivery included");

      svc.post("/tasks/" + id + "/callbacks/0/redeliver").expectError(400, "invalid_request", "n");
      svc.post("/tasks/" + id + "/callbacks/7/redeliver").expectError(404, "not_found", "n");
      svc.post("/tasks/" + id + "/callbacks/-1/redeliver").expectError(400, "invalid_request", "n");
      svc.post("/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/callbacks/1/redeliver").expectError(404, "not_found", null);
    }
  }

  @Test
  void aDeliveryUnderWayCannotBeRedelivered() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    try (ServiceHarness svc = ServiceHarness.start(Map.of("webhooks.allow", "127.0.0.1", "webhook.retry.attempts", 5,
        "webhook.retry.backoff.initial", 30, "shutdown.timeout", 1))) {
      String id = svc.submit(hooked("http://127.0.0.1:" + port + "/nobody")).getString("id");
      webhookOutcome(svc, id, o -> o.equals("pending"));
      svc.post("/tasks/" + id + "/callbacks/1/redeliver").expectError(409, "delivery_pending", null);
    }
  }
}
