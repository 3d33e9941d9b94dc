package org.vertxasyncio.service;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook receiver on a real port of 127.0.0.1 that checks every request as a Standard Webhooks receiver
 * does, with code of its own (not the service's): the {@code webhook-signature} header must hold a
 * {@code v1,<base64 HMAC-SHA256>} of {@code webhook-id.webhook-timestamp.body} under the secret's key (a
 * {@code whsec_} secret: base64 of the key after the prefix), and the timestamp must be within five minutes
 * of now. A request that fails the check is answered 400 and recorded in {@link #refused}; the others are
 * recorded in {@link #got}. Under {@code /flaky} the first request of each {@code webhook-id} is answered 503
 * (a retry must follow, with the same id); everything else 204.
 */
final class SignedWebhookReceiver implements AutoCloseable {
  /** A request whose signature held: the task in its body, its webhook-id, path, and the status answered. */
  record Delivery(String taskId, String webhookId, String path, int status, JsonObject task) {
  }

  final List<Delivery> got = new CopyOnWriteArrayList<>();
  /** Why each refused request was refused. */
  final List<String> refused = new CopyOnWriteArrayList<>();
  private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();
  private final byte[] key;
  private final HttpServer server;

  /** Listens on a free port of 127.0.0.1; {@code secret} is {@code whsec_} and base64 of the key. */
  SignedWebhookReceiver(Vertx vertx, String secret) throws Exception {
    this.key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    this.server = vertx.createHttpServer().requestHandler(this::handle);
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** {@code http://127.0.0.1:PORT} */
  String base() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      String id = req.getHeader("webhook-id");
      String problem = check(id, req.getHeader("webhook-timestamp"), req.getHeader("webhook-signature"), body.getBytes());
      if (problem != null) {
        refused.add(req.path() + " " + id + ": " + problem);
        req.response().setStatusCode(400).end();
        return;
      }
      JsonObject task = body.toJsonObject();
      int status = req.path().startsWith("/flaky") && failedOnce.add(id) ? 503 : 204;
      got.add(new Delivery(task.getString("id"), id, req.path(), status, task));
      req.response().setStatusCode(status).end();
    });
  }

  /** Null if the request is signed as Standard Webhooks says, else what is wrong. */
  private String check(String id, String timestamp, String signatures, byte[] body) {
    if (id == null || timestamp == null || signatures == null) {
      return "missing webhook-id, webhook-timestamp or webhook-signature";
    }
    long ts;
    try {
      ts = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return "webhook-timestamp is not a number: " + timestamp;
    }
    if (Math.abs(System.currentTimeMillis() / 1000 - ts) > 300) {
      return "webhook-timestamp is more than five minutes away: " + timestamp;
    }
    byte[] expected;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      expected = mac.doFinal(body);
    } catch (Exception e) {
      return "cannot compute the HMAC: " + e;
    }
    for (String s : signatures.split(" ")) {
      if (s.startsWith("v1,")) {
        byte[] given;
        try {
          given = Base64.getDecoder().decode(s.substring(3));
        } catch (IllegalArgumentException e) {
          continue;
        }
        if (MessageDigest.isEqual(expected, given)) {
          return null;
        }
      }
    }
    return "no signature matches: " + signatures;
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
