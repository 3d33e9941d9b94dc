package org.vertxasyncio.service.callbacks;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
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
 * <p>What is retried: connection errors, timeouts, 408, 425, 429 and 5xx answers; any other answer
 * outside 2xx fails the delivery at once. The delay before attempt n+1 is
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
  private final WebClient client;
  private final ServiceConfig config;
  private final ServiceMetrics metrics;
  private final Clock clock;
  private final Listener listener;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile Promise<Void> idle;

  public WebhookSender(Vertx vertx, ServiceConfig config, ServiceMetrics metrics, Clock clock, Listener listener) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.listener = listener;
    this.client = WebClient.create(vertx, new WebClientOptions()
        .setConnectTimeout(millis(config.webhookConnectTimeout))
        .setIdleTimeout((int) Math.max(1, Math.ceil(config.webhookRequestTimeout)))
        .setFollowRedirects(false)
        .setUserAgent("vertx-asyncio-webhooks/1")
        .setKeepAlive(true));
  }

  private static int millis(double seconds) {
    return (int) Math.max(1, Math.round(seconds * 1000));
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
    attempt(rec, index, hook, deliveryId, body, firstAttempt);
  }

  private void attempt(TaskRecord rec, int index, Webhook hook, String deliveryId, Buffer body, int n) {
    Instant at = clock.instant();
    long t0 = System.nanoTime();
    long timestamp = at.getEpochSecond();
    var req = client.postAbs(hook.url())
        .connectTimeout(millis(config.webhookConnectTimeout))
        .idleTimeout(millis(config.webhookRequestTimeout))
        .putHeader("content-type", "application/json")
        .putHeader("webhook-id", deliveryId)
        .putHeader("webhook-timestamp", Long.toString(timestamp));
    if (hook.signed()) {
      req.putHeader("webhook-signature", WebhookSignature.sign(hook.key(), deliveryId, timestamp, body.getBytes()));
    }
    // the request timeout covers the whole exchange, not only silences between bytes
    Promise<HttpResponse<Buffer>> outcome = Promise.promise();
    long timer = vertx.setTimer(millis(config.webhookRequestTimeout), t ->
        outcome.tryFail("request timed out after " + config.webhookRequestTimeout + " s"));
    req.sendBuffer(body).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        outcome.tryComplete(ar.result());
      } else {
        outcome.tryFail(ar.cause());
      }
    });
    outcome.future().onComplete(ar -> {
      long ms = (System.nanoTime() - t0) / 1_000_000;
      Integer status = ar.succeeded() ? ar.result().statusCode() : null;
      String error = ar.succeeded() ? null : describe(ar.cause());
      boolean ok = status != null && status >= 200 && status < 300;
      boolean retryable = !ok && (status == null || status == 408 || status == 425 || status == 429 || status >= 500);
      boolean retry = retryable && n < config.webhookMaxAttempts;
      Double delay = retry ? backoff(n, ar.succeeded() ? ar.result().getHeader("retry-after") : null) : null;
      String outcomeText = ok ? "delivered" : retry ? "pending" : "failed";
      CallbackEntry.Attempt a = new CallbackEntry.Attempt(n, at, status, error, ms, delay);
      CallbackEntry e = rec.callbackAt(index).withAttempt(a, outcomeText);
      rec.updateCallbackAt(index, e);
      metrics.webhookAttempt(status == null ? "error" : (status / 100) + "xx", Duration.ofMillis(ms));
      listener.attempted(rec, e, a);
      LOG.info("task {} webhook {} attempt {}: {} in {} ms{}", rec.id(), hook.url(), n,
          status != null ? "HTTP " + status : error, ms,
          retry ? ", retry in " + String.format("%.3f", delay) + " s" : ", " + outcomeText);
      if (retry) {
        vertx.setTimer(Math.max(1, Math.round(delay * 1000)), t -> attempt(rec, index, hook, deliveryId, body, n + 1));
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
