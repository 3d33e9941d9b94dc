package org.vertxasyncio.service.tasks;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a task's callback log: a done callback that fired ({@code callback} is {@code record}, the
 * service's own, or {@code webhook}), when it fired, and for a webhook its delivery: the delivery id,
 * the outcome so far ({@code pending}, {@code delivered}, {@code failed}) and every attempt. Immutable:
 * a change makes a new entry.
 */
public record CallbackEntry(String callback, Instant firedAt, String url, String deliveryId, String outcome,
    List<Attempt> attempts) {

  /** One delivery attempt: its number from 1, when it started, the HTTP status or the error, how long it took,
   *  and the delay before the next attempt (null when there is none). */
  public record Attempt(int attempt, Instant at, Integer status, String error, long durationMs, Double retryIn) {
    public JsonObject toJson() {
      return new JsonObject().put("attempt", attempt).put("at", Times.format(at)).put("status", status)
          .put("error", error).put("durationMs", durationMs).put("retryIn", retryIn);
    }

    static Attempt fromJson(JsonObject j) {
      Number retryIn = j.getNumber("retryIn");
      return new Attempt(j.getInteger("attempt"), Instant.parse(j.getString("at")), j.getInteger("status"),
          j.getString("error"), j.getLong("durationMs", 0L), retryIn == null ? null : retryIn.doubleValue());
    }
  }

  /** An entry as {@link #toJson()} wrote it (the store keeps the log so). */
  static CallbackEntry fromJson(JsonObject j) {
    List<Attempt> attempts = new ArrayList<>();
    for (Object a : j.getJsonArray("attempts", new JsonArray())) {
      attempts.add(Attempt.fromJson((JsonObject) a));
    }
    return new CallbackEntry(j.getString("callback"), Instant.parse(j.getString("firedAt")), j.getString("url"),
        j.getString("deliveryId"), j.getString("outcome"), List.copyOf(attempts));
  }

  public static CallbackEntry record(Instant firedAt) {
    return new CallbackEntry("record", firedAt, null, null, null, List.of());
  }

  public static CallbackEntry webhook(Instant firedAt, String url, String deliveryId) {
    return new CallbackEntry("webhook", firedAt, url, deliveryId, "pending", List.of());
  }

  public CallbackEntry withAttempt(Attempt a, String newOutcome) {
    List<Attempt> l = new ArrayList<>(attempts);
    l.add(a);
    return new CallbackEntry(callback, firedAt, url, deliveryId, newOutcome, List.copyOf(l));
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("callback", callback).put("firedAt", Times.format(firedAt));
    if (url != null) {
      JsonArray a = new JsonArray();
      attempts.forEach(x -> a.add(x.toJson()));
      j.put("url", url).put("deliveryId", deliveryId).put("outcome", outcome).put("attempts", a);
    }
    return j;
  }
}
