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

/**
 * Delivers webhooks: POSTs the task as JSON, signed the Standard Webhooks way ({@code webhook-id},
 * {@code webhook-timestamp}, {@code webhook-signature}), with a connect timeout and a timeout for the
 * whole request (Vert.x has neither by default), and retries as its {@link RetryPolicy} says.
 *
 * <p>Where a webhook may go is the {@link WebhookGuard}'s call, and {@link WebhookClient} makes each POST
 * (to the checked address, no redirects, the answer's body capped); a target the guard refuses ends the
 * delivery as {@code refused}. A delivery that failed or was refused can be tried again with
 * a redelivery: the same webhook id, new attempts numbered on from the last. Each attempt is handed to
 * the delivery's {@link Recorder} (the outbox, which writes it to the store and the task's callback log)
 * before the next is planned; a recorder that says the delivery is not this node's any more ends it. The
 * webhook id stays the same across the attempts of one delivery (so a receiver can drop duplicates); the
 * timestamp and signature are new for each.
 *
 * <p>Volume: each attempt waits for a slot in its endpoint's queue ({@link DeliveryQueues}: at most
 * {@code webhook.concurrency.endpoint} attempts in progress per webhook URL, {@code webhook.concurrency.host}
 * per host) and holds it until it ends; a delivery waiting for its retry holds none. The attempt starts,
 * and its time and timeouts with it, when it gets its slot: waiting is never an attempt, so a burst of
 * deliveries to one receiver queues instead of failing, and a slow or dead endpoint holds back only its
 * own deliveries.
 *
 * <p>Threads: a delivery runs on the Vert.x context {@link #deliver} was called on: its attempts start
 * there, and its recorder is called there.
 */
public final class WebhookSender {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);

  /** One delivery: its webhook id (the same on every attempt), the task and log entry it reports, where to, what. */
  public record Delivery(String id, String taskId, int entry, Webhook hook, Buffer body) {
  }

  /** Where the attempts of a delivery are recorded. */
  public interface Recorder {
    /**
     * Records attempt {@code a} of {@code d} and the outcome after it ({@code pending}: a retry follows in
     * {@code a.retryIn()} s); called on the context the delivery started on.
     *
     * @return true to go on; false (or failed) when the delivery is not this node's any more: no attempt follows
     */
    Future<Boolean> attempted(Delivery d, CallbackEntry.Attempt a, CallbackEntry.Outcome outcome);
  }

  private final Vertx vertx;
  private final WebhookClient client;
  private final RetryPolicy retry;
  private final ServiceMetrics metrics;
  private final Clock clock;
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
      ServiceMetrics metrics, Clock clock) {
    this.queues = new DeliveryQueues(perEndpoint, perHost);
    this.vertx = vertx;
    this.client = client;
    this.retry = retry;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * The number of the last attempt a delivery may make when its next is {@code next} and the delivery (or
   * redelivery) under way began at attempt {@code first}: {@link RetryPolicy#attempts()} counted from
   * {@code first}, so a restart or a takeover by another node takes none away; and at least {@code next}, so
   * a delivery that had used them all (the count was lowered meanwhile) still gets one.
   */
  public int lastAttempt(int next, int first) {
    return Math.max(next, first - 1 + retry.attempts());
  }

  /**
   * Makes attempts {@code next} to {@code last} of {@code d}, the first after {@code delayMillis}, each recorded
   * with {@code recorder} before the next is planned; on the calling thread's Vert.x context.
   */
  public void deliver(Delivery d, int next, int last, long delayMillis, Recorder recorder) {
    inFlight.incrementAndGet();
    Context ctx = Vertx.currentContext() != null ? Vertx.currentContext() : vertx.getOrCreateContext();
    if (delayMillis > 0) {
      vertx.setTimer(delayMillis, t -> ctx.runOnContext(v -> attempt(ctx, d, next, last, recorder)));
    } else {
      attempt(ctx, d, next, last, recorder);
    }
  }

  /** Queues attempt {@code n}; it starts, on {@code ctx}, when the endpoint has a free slot. */
  private void attempt(Context ctx, Delivery d, int n, int last, Recorder recorder) {
    queues.submit(d.hook().url(), r -> ctx.runOnContext(v -> r.run()), () -> send(ctx, d, n, last, recorder));
  }

  /** Makes attempt {@code n}, in the endpoint slot it holds (released when the attempt has ended). */
  private void send(Context ctx, Delivery d, int n, int last, Recorder recorder) {
    Webhook hook = d.hook();
    Buffer body = d.body();
    Instant at = clock.instant();
    long t0 = System.nanoTime();
    long timestamp = at.getEpochSecond();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("content-type", "application/json")
        .add("user-agent", "vertx-asyncio-webhooks/1")
        .add("webhook-id", d.id())
        .add("webhook-timestamp", Long.toString(timestamp));
    if (hook.signed()) {
      headers.add("webhook-signature", WebhookSignature.sign(hook.key(), d.id(), timestamp, body.getBytes()));
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
      metrics.webhookAttempt(o.refused() ? "refused" : status == null ? "error" : (status / 100) + "xx", Duration.ofMillis(ms));
      LOG.info("task {} webhook {} attempt {}: {} in {} ms{}", d.taskId(), hook.url(), n,
          status != null ? "HTTP " + status : error, ms,
          again ? ", retry in " + String.format("%.3f", delay) + " s" : ", " + outcome.label());
      recorder.attempted(d, a, outcome).onComplete(rec -> ctx.runOnContext(v -> {
        if (rec.failed() || !rec.result()) {
          LOG.warn("task {} webhook {} delivery {}: no further attempt here ({})", d.taskId(), hook.url(), d.id(),
              rec.failed() ? "its attempt could not be recorded: " + rec.cause().getMessage() : "another node holds it now");
          done();
        } else if (again) {
          vertx.setTimer(Math.max(1, Math.round(delay * 1000)), t -> ctx.runOnContext(x -> attempt(ctx, d, n + 1, last, recorder)));
        } else {
          done();
        }
      }));
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
