package org.vertxasyncio.service.webhooks;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.metrics.ServiceMetrics;
import org.vertxasyncio.service.tasks.CallbackEntry;
import org.vertxasyncio.service.tasks.TaskRecord;

/**
 * Delivers webhooks: POSTs the task as JSON, signed the Standard Webhooks way ({@code webhook-id},
 * {@code webhook-timestamp}, {@code webhook-signature}), with a connect timeout and a timeout for the
 * whole request (Vert.x has neither by default), and retries as its {@link RetryPolicy} says.
 *
 * <p>Where a webhook may go is the {@link WebhookGuard}'s call, and {@link WebhookClient} makes each POST
 * (to the checked address, no redirects, the answer's body capped); a target the guard refuses ends the
 * delivery as {@code refused}. A delivery that failed or was refused can be tried again with
 * {@link #redeliver}: the same webhook id, new attempts numbered on from the last. Every attempt goes
 * into the task's callback log and out as a {@code webhook.attempt} event. The webhook id stays the same
 * across the attempts of one delivery (so a receiver can drop duplicates); the timestamp and signature
 * are new for each.
 *
 * <p>Volume: each attempt waits for a slot in its endpoint's queue ({@link DeliveryQueues}: at most
 * {@code webhook.concurrency.endpoint} attempts in progress per webhook URL, {@code webhook.concurrency.host}
 * per host) and holds it until it ends; a delivery waiting for its retry holds none. The attempt starts,
 * and its time and timeouts with it, when it gets its slot: waiting is never an attempt, so a burst of
 * deliveries to one receiver queues instead of failing, and a slow or dead endpoint holds back only its
 * own deliveries.
 *
 * <p>Threads: {@link #deliver} is called by a done callback on the task's loop thread; a queued attempt
 * starts on that loop's Vert.x context, the web client then answers there and the retry timers fire
 * there, so the record is only touched on its loop's thread.
 */
public final class WebhookSender {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);

  /** What the sender tells the rest of the service about each attempt. */
  public interface Listener {
    void attempted(TaskRecord rec, CallbackEntry entry, CallbackEntry.Attempt attempt);
  }

  private final Vertx vertx;
  private final WebhookClient client;
  private final RetryPolicy retry;
  private final ServiceMetrics metrics;
  private final Clock clock;
  private final Listener listener;
  private final DeliveryQueues queues;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile Promise<Void> idle;

  /**
   * @param client makes each POST (the sender closes it in {@link #close}); its connection pool must hold
   *     {@code perHost} connections to one host
   * @param perEndpoint attempts in progress at once to one webhook URL, at most
   * @param perHost attempts in progress at once to one host (scheme, name, port), at most
   */
  public WebhookSender(Vertx vertx, WebhookClient client, RetryPolicy retry, int perEndpoint, int perHost,
      ServiceMetrics metrics, Clock clock, Listener listener) {
    this.queues = new DeliveryQueues(perEndpoint, perHost);
    this.vertx = vertx;
    this.client = client;
    this.retry = retry;
    this.metrics = metrics;
    this.clock = clock;
    this.listener = listener;
  }

  /** Starts delivering {@code rec}'s current snapshot to {@code hook}; log entry {@code index} is its own. */
  public void deliver(TaskRecord rec, int index, Webhook hook, String deliveryId) {
    inFlight.incrementAndGet();
    attempt(rec, index, hook, deliveryId, Buffer.buffer(rec.view().json()), 1, retry.attempts());
  }

  /**
   * Goes on, after a restart, with the delivery of log entry {@code index} that was under way (its outcome
   * {@code pending}): the same delivery id, attempts numbered on from the kept ones, and the attempts the
   * delivery had left. A delivery, and each redelivery, may make {@link RetryPolicy#attempts()} attempts
   * counted from its own first one ({@link #firstAttemptOfDelivery}); a restart takes none of them away,
   * and a delivery that had used them all (the count was lowered meanwhile) still gets one.
   */
  public void resume(TaskRecord rec, int index, Webhook hook) {
    CallbackEntry e = rec.callbackAt(index);
    int next = e.attempts().size() + 1;
    int last = Math.max(next, firstAttemptOfDelivery(e.attempts()) - 1 + retry.attempts());
    LOG.info("task {} webhook {} delivery {} resumed at attempt {} (up to attempt {})", rec.id(), hook.url(),
        e.deliveryId(), next, last);
    inFlight.incrementAndGet();
    attempt(rec, index, hook, e.deliveryId(), Buffer.buffer(rec.view().json()), next, last);
  }

  /**
   * The number of the first attempt of the delivery under way: the one after the last attempt that ended
   * a delivery (no retry planned: delivered, failed or refused), or 1. A delivery's attempts before its
   * last all planned a retry.
   */
  static int firstAttemptOfDelivery(java.util.List<CallbackEntry.Attempt> attempts) {
    for (int i = attempts.size() - 1; i >= 0; i--) {
      if (attempts.get(i).retryIn() == null) {
        return attempts.get(i).attempt() + 1;
      }
    }
    return 1;
  }

  /**
   * Delivers entry {@code index} of {@code rec}'s callback log again, with up to
   * {@link RetryPolicy#attempts()} more attempts (a restart in between takes none of them away, see
   * {@link #resume}); on the record's loop thread.
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
    attempt(rec, index, hook, e.deliveryId(), Buffer.buffer(rec.view().json()), first, first - 1 + retry.attempts());
    return true;
  }

  /** Queues attempt {@code n}; it starts, on the calling thread's context, when the endpoint has a free slot. */
  private void attempt(TaskRecord rec, int index, Webhook hook, String deliveryId, Buffer body, int n, int last) {
    Context ctx = Vertx.currentContext() != null ? Vertx.currentContext() : vertx.getOrCreateContext();
    queues.submit(hook.url(), r -> ctx.runOnContext(v -> r.run()), () -> send(rec, index, hook, deliveryId, body, n, last));
  }

  /** Makes attempt {@code n}, in the endpoint slot it holds (released when the attempt has ended). */
  private void send(TaskRecord rec, int index, Webhook hook, String deliveryId, Buffer body, int n, int last) {
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
      queues.release(hook.url());
      WebhookClient.Outcome o = ar.succeeded() ? ar.result() : new WebhookClient.Outcome(null, null, describe(ar.cause()), false);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      Integer status = o.status();
      String error = o.error();
      boolean ok = status != null && status >= 200 && status < 300;
      boolean again = !ok && !o.refused() && retry.retries(status) && n < last;
      Double delay = again ? retry.delay(n, o.retryAfter()) : null;
      CallbackEntry.Outcome outcome = ok ? CallbackEntry.Outcome.DELIVERED : again ? CallbackEntry.Outcome.PENDING
          : o.refused() ? CallbackEntry.Outcome.REFUSED : CallbackEntry.Outcome.FAILED;
      CallbackEntry.Attempt a = new CallbackEntry.Attempt(n, at, status, error, ms, delay);
      CallbackEntry e = rec.callbackAt(index).withAttempt(a, outcome);
      rec.updateCallbackAt(index, e);
      metrics.webhookAttempt(o.refused() ? "refused" : status == null ? "error" : (status / 100) + "xx", Duration.ofMillis(ms));
      listener.attempted(rec, e, a);
      LOG.info("task {} webhook {} attempt {}: {} in {} ms{}", rec.id(), hook.url(), n,
          status != null ? "HTTP " + status : error, ms,
          again ? ", retry in " + String.format("%.3f", delay) + " s" : ", " + outcome.label());
      if (again) {
        vertx.setTimer(Math.max(1, Math.round(delay * 1000)), t -> attempt(rec, index, hook, deliveryId, body, n + 1, last));
      } else {
        done();
      }
    });
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

  /** Attempts waiting for a slot in their endpoint's queue. */
  public int queued() {
    return queues.waiting();
  }

  /** Deliveries not finished (attempts in progress, queued or waiting to retry). */
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

  /** Closes the client; queued attempts are dropped (their deliveries stay pending, to be resumed). */
  public void close() {
    queues.close();
    client.close();
  }
}
