package org.vertxasyncio.service.callbacks;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.config.ServiceConfig;
import org.vertxasyncio.service.metrics.ServiceMetrics;
import org.vertxasyncio.service.tasks.CallbackEntry;
import org.vertxasyncio.service.tasks.TaskRecord;

/**
 * Delivers webhooks: POSTs the task as JSON, signed the Standard Webhooks way ({@code webhook-id},
 * {@code webhook-timestamp}, {@code webhook-signature}), with a connect timeout and a timeout for the
 * whole request (Vert.x has neither by default), and retries with exponential backoff and jitter.
 *
 * <p>Where a webhook may go is the {@link WebhookGuard}'s call, and {@link WebhookClient} makes each POST
 * (to the checked address, no redirects, the answer's body capped). What is retried: connection errors,
 * timeouts, 408, 425, 429 and 5xx answers; any other answer outside 2xx fails the delivery at once, and
 * a target the guard refuses ends it as {@code refused}. A delivery that failed or was refused can be
 * tried again with {@link #redeliver}: the same webhook id, new attempts numbered on from the last. The delay before attempt n+1 is
 * {@code min(max, initial * multiplier^(n-1))}, less up to {@code jitter} of it at random, and at least
 * what a {@code Retry-After} header in seconds asks for (capped at max). Every attempt goes into the
 * task's callback log and out as a {@code webhook.attempt} event. The webhook id stays the same across
 * the attempts of one delivery (so a receiver can drop duplicates); the timestamp and signature are new
 * for each.
 *
 * <p>Threads: {@link #deliver} is called by a done callback on the task's loop thread; the web client
 * then answers on that loop's Vert.x context and the retry timers fire there, so the record is only
 * touched on its loop's thread.
 */
public final class WebhookSender {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);

  /** What the sender tells the rest of the service about each attempt. */
  public interface Listener {
    void attempted(TaskRecord rec, CallbackEntry entry, CallbackEntry.Attempt attempt);
  }

  private final Vertx vertx;
  private final WebhookClient client;
  private final ServiceConfig config;
  private final ServiceMetrics metrics;
  private final Clock clock;
  private final Listener listener;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile Promise<Void> idle;

  public WebhookSender(Vertx vertx, ServiceConfig config, ServiceMetrics metrics, Clock clock, WebhookGuard guard,
      Listener listener) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.listener = listener;
    this.client = new WebhookClient(vertx, guard, config.webhookConnectTimeout, config.webhookRequestTimeout,
        config.webhookResponseMax);
  }

  /** Starts delivering {@code rec}'s current snapshot to {@code hook}; log entry {@code index} is its own. */
  public void deliver(TaskRecord rec, int index, Webhook hook, String deliveryId) {
    deliver(rec, index, hook, deliveryId, 1);
  }

  /**
   * Goes on with a delivery from attempt {@code firstAttempt} (a delivery not acknowledged before a
   * restart: same delivery id, the attempts numbered on).
   */
  public void deliver(TaskRecord rec, int index, Webhook hook, String deliveryId, int firstAttempt) {
    inFlight.incrementAndGet();
    Buffer body = Buffer.buffer(rec.view().toJson().encode());
    // a delivery resumed after a restart beyond the usual attempts (a redelivery's) still gets one
    attempt(rec, index, hook, deliveryId, body, firstAttempt, Math.max(config.webhookMaxAttempts, firstAttempt));
  }

  /**
   * Delivers entry {@code index} of {@code rec}'s callback log again, with up to
   * {@code webhook.retry.attempts} more attempts; on the record's loop thread.
   *
   * @return false if a delivery of that entry is still under way (nothing is started)
   */
  public boolean redeliver(TaskRecord rec, int index, Webhook hook) {
    CallbackEntry e = rec.callbackAt(index);
    if (e.outcome() == CallbackEntry.Outcome.PENDING) {
      return false;
    }
    int first = e.attempts().size() + 1;
    rec.updateCallbackAt(index, e.withOutcome(CallbackEntry.Outcome.PENDING));
    inFlight.incrementAndGet();
    LOG.info("task {} webhook {} redelivery requested ({})", rec.id(), hook.url(), e.deliveryId());
    attempt(rec, index, hook, e.deliveryId(), Buffer.buffer(rec.view().toJson().encode()), first, first - 1 + config.webhookMaxAttempts);
    return true;
  }

  private void attempt(TaskRecord rec, int index, Webhook hook, String deliveryId, Buffer body, int n, int last) {
    Instant at = clock.instant();
    long t0 = System.nanoTime();
    long timestamp = at.getEpochSecond();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("content-type", "application/json")
        .add("user-agent", "vertx-asyncio-webhooks/1")
        .add("webhook-id", deliveryId)
        .add("webhook-timestamp", Long.toString(timestamp));
    if (hook.signed()) {
      headers.add("webhook-signature", WebhookSignature.sign(hook.key(), deliveryId, timestamp, body.getBytes()));
    }
    client.post(hook.url(), headers, body).onComplete(ar -> {
      WebhookClient.Outcome o = ar.succeeded() ? ar.result() : new WebhookClient.Outcome(null, null, describe(ar.cause()), false);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      Integer status = o.status();
      String error = o.error();
      boolean ok = status != null && status >= 200 && status < 300;
      boolean retryable = !ok && !o.refused() && (status == null || status == 408 || status == 425 || status == 429 || status >= 500);
      boolean retry = retryable && n < last;
      Double delay = retry ? backoff(n, o.retryAfter()) : null;
      CallbackEntry.Outcome outcome = ok ? CallbackEntry.Outcome.DELIVERED : retry ? CallbackEntry.Outcome.PENDING
          : o.refused() ? CallbackEntry.Outcome.REFUSED : CallbackEntry.Outcome.FAILED;
      CallbackEntry.Attempt a = new CallbackEntry.Attempt(n, at, status, error, ms, delay);
      CallbackEntry e = rec.callbackAt(index).withAttempt(a, outcome);
      rec.updateCallbackAt(index, e);
      metrics.webhookAttempt(o.refused() ? "refused" : status == null ? "error" : (status / 100) + "xx", Duration.ofMillis(ms));
      listener.attempted(rec, e, a);
      LOG.info("task {} webhook {} attempt {}: {} in {} ms{}", rec.id(), hook.url(), n,
          status != null ? "HTTP " + status : error, ms,
          retry ? ", retry in " + String.format("%.3f", delay) + " s" : ", " + outcome.label());
      if (retry) {
        vertx.setTimer(Math.max(1, Math.round(delay * 1000)), t -> attempt(rec, index, hook, deliveryId, body, n + 1, last));
      } else {
        done();
      }
    });
  }

  /** The delay before attempt {@code n + 1}, in seconds. */
  double backoff(int n, String retryAfter) {
    double base = Math.min(config.backoffMax, config.backoffInitial * Math.pow(config.backoffMultiplier, n - 1));
    double d = base * (1 - config.backoffJitter * ThreadLocalRandom.current().nextDouble());
    if (retryAfter != null) {
      try {
        double ra = Double.parseDouble(retryAfter.trim());
        if (ra > 0) {
          d = Math.max(d, Math.min(ra, config.backoffMax));
        }
      } catch (NumberFormatException ignored) {
        // an HTTP-date Retry-After: keep the computed backoff
      }
    }
    return d;
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    String type = t.getClass().getSimpleName();
    if (type.equals("NoStackTraceThrowable")) {
      return m;
    }
    return m == null ? type : type + ": " + m;
  }

  private void done() {
    if (inFlight.decrementAndGet() == 0) {
      Promise<Void> p = idle;
      if (p != null) {
        p.tryComplete();
      }
    }
  }

  /** Deliveries not finished (attempts in progress or waiting to retry). */
  public int inFlight() {
    return inFlight.get();
  }

  /** Completes when no delivery is in flight, or after {@code seconds}. */
  public Future<Void> awaitIdle(double seconds) {
    Promise<Void> p = Promise.promise();
    idle = p;
    if (inFlight.get() == 0) {
      p.tryComplete();
    }
    long timer = vertx.setTimer(Math.max(1, (long) (seconds * 1000)), t -> {
      if (p.tryComplete()) {
        LOG.warn("{} webhook deliveries still in flight after {} s of shutdown", inFlight.get(), seconds);
      }
    });
    return p.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  public void close() {
    client.close();
  }
}
