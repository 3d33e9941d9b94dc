package org.vertxasyncio.service.tasks;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One entry of a task's callback log: a done callback that fired ({@code callback} is {@code record}, the
 * service's own, or {@code webhook}), when it fired, and for a webhook its delivery: the delivery id,
 * the outcome so far and every attempt. Immutable: a change makes a new entry.
 *
 * @param outcome null for the record's own callback
 */
public record CallbackEntry(Kind callback, Instant firedAt, String url, String deliveryId, Outcome outcome,
    List<Attempt> attempts) {

  /** Which done callback fired: the record's own (which publishes the final state) or a webhook. */
  public enum Kind {
    RECORD, WEBHOOK;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The name in JSON: {@code record}, {@code webhook}. */
    public String label() {
      return label;
    }

    static Kind fromLabel(String label) {
      for (Kind k : values()) {
        if (k.label.equals(label)) {
          return k;
        }
      }
      throw new IllegalArgumentException("Unknown callback kind '" + label + "'");
    }
  }

  /**
   * Where a webhook's delivery stands: {@code pending} (attempts under way or due), {@code delivered} (a
   * 2xx answer), {@code failed} (attempts spent, or an answer that is not retried) or {@code refused} (the
   * target is an address webhooks may not reach).
   */
  public enum Outcome {
    PENDING, DELIVERED, FAILED, REFUSED;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The name in JSON: {@code pending}, {@code delivered}, {@code failed}, {@code refused}. */
    public String label() {
      return label;
    }

    static Outcome fromLabel(String label) {
      for (Outcome o : values()) {
        if (o.label.equals(label)) {
          return o;
        }
      }
      throw new IllegalArgumentException("Unknown delivery outcome '" + label + "'");
    }
  }

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
    String outcome = j.getString("outcome");
    return new CallbackEntry(Kind.fromLabel(j.getString("callback")), Instant.parse(j.getString("firedAt")),
        j.getString("url"), j.getString("deliveryId"), outcome == null ? null : Outcome.fromLabel(outcome),
        List.copyOf(attempts));
  }

  public static CallbackEntry record(Instant firedAt) {
    return new CallbackEntry(Kind.RECORD, firedAt, null, null, null, List.of());
  }

  public static CallbackEntry webhook(Instant firedAt, String url, String deliveryId) {
    return new CallbackEntry(Kind.WEBHOOK, firedAt, url, deliveryId, Outcome.PENDING, List.of());
  }

  /** This entry with one more attempt, and the outcome after it. */
  public CallbackEntry withAttempt(Attempt a, Outcome newOutcome) {
    List<Attempt> l = new ArrayList<>(attempts);
    l.add(a);
    return new CallbackEntry(callback, firedAt, url, deliveryId, newOutcome, List.copyOf(l));
  }

  /** This entry with {@code newOutcome} and its attempts as they are (a redelivery begins). */
  public CallbackEntry withOutcome(Outcome newOutcome) {
    return new CallbackEntry(callback, firedAt, url, deliveryId, newOutcome, attempts);
  }

  public boolean isWebhook() {
    return callback == Kind.WEBHOOK;
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("callback", callback.label()).put("firedAt", Times.format(firedAt));
    if (url != null) {
      JsonArray a = new JsonArray();
      attempts.forEach(x -> a.add(x.toJson()));
      j.put("url", url).put("deliveryId", deliveryId).put("outcome", outcome.label()).put("attempts", a);
    }
    return j;
  }
}
