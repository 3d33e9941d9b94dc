package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhooks delivered to a real local receiver: Standard Webhooks headers, the signature checked here
 * with the JDK's HMAC (not the service's code), retries with backoff against a receiver that fails
 * first, the attempts in the callback log and on the event stream.
 */
class WebhooksTest {
  static ServiceHarness svc;
  static Vertx receiverVertx;
  static HttpServer receiver;
  static final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  static final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

  record Received(String path, MultiMap headers, String body, Instant at) {
  }

  @BeforeAll
  static void start() throws Exception {
    receiverVertx = Vertx.vertx();
    receiver = receiverVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      String path = req.path();
      int n = hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
      received.add(new Received(path, MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), b.toString(), Instant.now()));
      if (path.startsWith("/flaky") && n <= 2) {
        req.response().setStatusCode(n == 1 ? 503 : 500).end();
      } else if (path.startsWith("/gone")) {
        req.response().setStatusCode(410).end();
      } else if (path.startsWith("/down")) {
        req.response().setStatusCode(500).end();
      } else if (path.startsWith("/silent")) {
        // never answers: the request timeout must end the attempt
      } else {
        req.response().setStatusCode(204).end();
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    svc = ServiceHarness.start(Map.of("webhook.retry.attempts", 3, "webhook.retry.backoff.initial", 0.1,
        "webhook.retry.backoff.multiplier", 2, "webhook.retry.backoff.max", 1, "webhook.retry.jitter", 0.5,
        "webhook.timeout.request", 0.5, "webhook.timeout.connect", 0.5, "webhooks.allow", "127.0.0.1"));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
    receiverVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String hook(String path) {
    return "http://127.0.0.1:" + receiver.actualPort() + path;
  }

  static JsonObject withHooks(JsonObject spec, JsonObject... hooks) {
    JsonArray a = new JsonArray();
    for (JsonObject h : hooks) {
      a.add(h);
    }
    return spec.put("callbacks", a);
  }

  /** The task once its webhooks are no longer pending. */
  static JsonObject settled(String id) {
    return eventually("the task is done and its webhooks are no longer pending", Duration.ofSeconds(15),
        () -> svc.get("/tasks/" + id).json(), t -> t.getBoolean("done") && t.getJsonArray("callbacks").stream()
            .map(o -> (JsonObject) o).noneMatch(c -> "pending".equals(c.getString("outcome"))));
  }

  static Received receive(String path) throws InterruptedException {
    while (true) {
      Received r = received.poll(10, TimeUnit.SECONDS);
      assertNotNull(r, "nothing received at " + path);
      if (r.path().equals(path)) {
        return r;
      }
    }
  }

  static String hmac(byte[] key, String id, String ts, String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void signedDeliveryVerifiesIndependently() throws Exception {
    String secret = "a plain secret";
    JsonObject t = svc.submit(withHooks(sleep(0.05).put("result", "done!"),
        new JsonObject().put("url", hook("/ok-plain")).put("secret", secret)));
    Received r = receive("/ok-plain");
    String id = r.headers().get("webhook-id");
    String ts = r.headers().get("webhook-timestamp");
    assertTrue(id.startsWith("msg_"), id);
    assertTrue(Math.abs(Long.parseLong(ts) - Instant.now().getEpochSecond()) < 60);
    assertEquals(hmac(secret.getBytes(StandardCharsets.UTF_8), id, ts, r.body()), r.headers().get("webhook-signature"));
    assertTrue(r.headers().get("content-type").startsWith("application/json"));
    JsonObject body = new JsonObject(r.body());
    assertEquals(t.getString("id"), body.getString("id"));
    assertEquals("finished", body.getString("state"));
    assertEquals("done!", body.getString("result"));

    JsonObject after = settled(t.getString("id"));
    JsonArray log = after.getJsonArray("callbacks");
    assertEquals("record", log.getJsonObject(0).getString("callback"), "the record callback fires first");
    JsonObject wh = log.getJsonObject(1);
    assertEquals("webhook", wh.getString("callback"));
    assertEquals("delivered", wh.getString("outcome"));
    assertEquals(id, wh.getString("deliveryId"));
    assertEquals(1, wh.getJsonArray("attempts").size());
    assertEquals(204, wh.getJsonArray("attempts").getJsonObject(0).getInteger("status"));
  }

  @Test
  void whsecSecretsAreBase64Keys() throws Exception {
    byte[] key = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
    svc.submit(withHooks(sleep(0), new JsonObject().put("url", hook("/ok-whsec")).put("secret", secret)));
    Received r = receive("/ok-whsec");
    assertEquals(hmac(key, r.headers().get("webhook-id"), r.headers().get("webhook-timestamp"), r.body()),
        r.headers().get("webhook-signature"));
  }

  @Test
  void unsignedWithoutASecret() throws Exception {
    svc.submit(withHooks(sleep(0), new JsonObject().put("url", hook("/ok-unsigned"))));
    Received r = receive("/ok-unsigned");
    assertNull(r.headers().get("webhook-signature"));
    assertNotNull(r.headers().get("webhook-id"));
  }

  @Test
  void retriesWithBackoffUntilTheReceiverAnswers() throws Exception {
    try (SseClient sse = new SseClient(svc.url("/events"), null)) {
      sse.status();
      String id = svc.submit(withHooks(sleep(0), new JsonObject().put("url", hook("/flaky")).put("secret", "s"))).getString("id");
      Received a1 = receive("/flaky");
      Received a2 = receive("/flaky");
      Received a3 = receive("/flaky");
      // the same delivery id on every attempt; a fresh timestamp and signature for each
      assertEquals(a1.headers().get("webhook-id"), a2.headers().get("webhook-id"));
      assertEquals(a1.headers().get("webhook-id"), a3.headers().get("webhook-id"));
      for (Received a : new Received[] {a1, a2, a3}) {
        assertEquals(hmac("s".getBytes(StandardCharsets.UTF_8), a.headers().get("webhook-id"),
            a.headers().get("webhook-timestamp"), a.body()), a.headers().get("webhook-signature"));
      }
      // backoff: about 0.1 s (jittered down to 0.05) then about 0.2 s (down to 0.1)
      assertTrue(Duration.between(a1.at(), a2.at()).toMillis() >= 40, "first retry waited");
      assertTrue(Duration.between(a2.at(), a3.at()).toMillis() >= 90, "second retry waited longer");

      JsonObject wh = settled(id).getJsonArray("callbacks").getJsonObject(1);
      assertEquals("delivered", wh.getString("outcome"));
      JsonArray attempts = wh.getJsonArray("attempts");
      assertEquals(3, attempts.size());
      assertEquals(503, attempts.getJsonObject(0).getInteger("status"));
      assertEquals(500, attempts.getJsonObject(1).getInteger("status"));
      assertEquals(204, attempts.getJsonObject(2).getInteger("status"));
      assertNotNull(attempts.getJsonObject(0).getDouble("retryIn"));
      assertNull(attempts.getJsonObject(2).getValue("retryIn"));

      for (int n = 1; n <= 3; n++) {
        SseClient.Event e = sse.next("webhook.attempt", Duration.ofSeconds(10));
        assertEquals(id, e.data().getString("taskId"));
        assertEquals(n, e.data().getInteger("attempt"));
      }
    }
  }

  @Test
  void givesUpAfterTheLastAttempt() throws Exception {
    String id = svc.submit(withHooks(sleep(0), new JsonObject().put("url", hook("/down")))).getString("id");
    JsonObject wh = settled(id).getJsonArray("callbacks").getJsonObject(1);
    assertEquals("failed", wh.getString("outcome"));
    assertEquals(3, wh.getJsonArray("attempts").size());
  }

  @Test
  void aClientErrorIsNotRetried() throws Exception {
    String id = svc.submit(withHooks(sleep(0), new JsonObject().put("url", hook("/gone")))).getString("id");
    JsonObject wh = settled(id).getJsonArray("callbacks").getJsonObject(1);
    assertEquals("failed", wh.getString("outcome"));
    assertEquals(1, wh.getJsonArray("attempts").size());
    assertEquals(410, wh.getJsonArray("attempts").getJsonObject(0).getInteger("status"));
  }

  @Test
  void timeoutsAndRefusedConnectionsAreRetriedAndLogged() throws Exception {
    String id = svc.submit(withHooks(sleep(0), new JsonObject().put("url", hook("/silent")),
        new JsonObject().put("url", "http://127.0.0.1:1/nobody-listens"))).getString("id");
    JsonObject t = settled(id);
    for (int i = 1; i <= 2; i++) {
      JsonObject wh = t.getJsonArray("callbacks").getJsonObject(i);
      assertEquals("failed", wh.getString("outcome"), wh.encode());
      JsonArray attempts = wh.getJsonArray("attempts");
      assertEquals(3, attempts.size(), wh.encode());
      for (Object o : attempts) {
        JsonObject a = (JsonObject) o;
        assertNull(a.getValue("status"));
        assertFalse(a.getString("error").isEmpty());
      }
    }
    JsonObject silent = t.getJsonArray("callbacks").getJsonObject(1).getJsonArray("attempts").getJsonObject(0);
    assertTrue(silent.getLong("durationMs") >= 400 && silent.getLong("durationMs") < 5000, silent.encode());
  }

  @Test
  void everyWebhookOfATaskIsItsOwnDoneCallback() throws Exception {
    String id = svc.submit(withHooks(sleep(0), new JsonObject().put("url", hook("/ok-a")), new JsonObject().put("url", hook("/ok-b"))))
        .getString("id");
    JsonArray log = settled(id).getJsonArray("callbacks");
    assertEquals(3, log.size());
    assertEquals(hook("/ok-a"), log.getJsonObject(1).getString("url"));
    assertEquals(hook("/ok-b"), log.getJsonObject(2).getString("url"));
    assertTrue(svc.get("/metrics").body().contains("asyncio_callbacks_fired_total{callback=\"webhook\",node=\""));
  }
}
