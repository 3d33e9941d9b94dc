package org.vertxasyncio.service.webhooks;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.vertxasyncio.service.config.ServiceConfig;

/**
 * When a webhook delivery is tried again, and after how long ({@code webhook.retry.*}).
 *
 * <ul>
 *   <li>Attempts: at most {@link #attempts()} per delivery, the first included; a redelivery gets as many
 *       again.</li>
 *   <li>Which answers are retried ({@link #retries}): none at all (a connection error, a timeout), 408,
 *       425, 429 and 5xx. Any other answer outside 2xx fails the delivery at once: the receiver said no,
 *       and asking again would get the same answer.</li>
 *   <li>The delay before attempt n+1 ({@link #delay}): {@code min(max, initial * multiplier^(n-1))}, less up
 *       to {@code jitter} of it at random (so that receivers that failed together are not retried
 *       together), and at least what a {@code Retry-After} header in seconds asks for, capped at
 *       {@code max}. An HTTP-date {@code Retry-After} is ignored.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe (the random source is {@link ThreadLocalRandom} unless a test gives one).
 */
public final class RetryPolicy {
  private final int attempts;
  private final double initial;
  private final double multiplier;
  private final double max;
  private final double jitter;
  private final DoubleSupplier random;

  /**
   * @param random uniform in [0, 1): how much of {@code jitter} each delay loses
   */
  public RetryPolicy(int attempts, double initial, double multiplier, double max, double jitter, DoubleSupplier random) {
    this.attempts = attempts;
    this.initial = initial;
    this.multiplier = multiplier;
    this.max = max;
    this.jitter = jitter;
    this.random = random;
  }

  /** The policy that {@code webhook.retry.*} configures. */
  public static RetryPolicy of(ServiceConfig c) {
    return new RetryPolicy(c.webhookMaxAttempts, c.backoffInitial, c.backoffMultiplier, c.backoffMax, c.backoffJitter,
        () -> ThreadLocalRandom.current().nextDouble());
  }

  /** Attempts per delivery, the first included ({@code webhook.retry.attempts}). */
  public int attempts() {
    return attempts;
  }

  /**
   * Whether an attempt that ended so is worth another.
   *
   * @param status the HTTP status of the answer, or null when there was none (connection error, timeout)
   */
  public boolean retries(Integer status) {
    return status == null || status == 408 || status == 425 || status == 429 || status >= 500;
  }

  /**
   * The delay before attempt {@code n + 1}, in seconds.
   *
   * @param retryAfter the {@code Retry-After} header of attempt {@code n}'s answer, or null
   */
  public double delay(int n, String retryAfter) {
    double base = Math.min(max, initial * Math.pow(multiplier, n - 1));
    double d = base * (1 - jitter * random.getAsDouble());
    if (retryAfter != null) {
      try {
        double ra = Double.parseDouble(retryAfter.trim());
        if (ra > 0) {
          d = Math.max(d, Math.min(ra, max));
        }
      } catch (NumberFormatException ignored) {
        // an HTTP-date Retry-After: keep the computed backoff
      }
    }
    return d;
  }
}
