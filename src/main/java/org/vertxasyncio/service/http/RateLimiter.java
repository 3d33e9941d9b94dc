package org.vertxasyncio.service.http;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Requests per client address, as token buckets: each address may make {@code burst} requests at once,
 * and earns {@code rate} more per second. A request that finds its bucket empty is refused, with the
 * seconds until a token is there ({@code Retry-After}).
 *
 * <p>Memory stays bounded: at most {@code maxClients} buckets are kept; when that many are held, the
 * full ones (clients idle long enough to have earned their whole burst back) are dropped, and if none
 * is, every bucket is, which forgives some clients rather than letting the map grow.
 *
 * <p>Not thread-safe: used on the HTTP server's context only.
 */
final class RateLimiter {
  private final double rate;
  private final double burst;
  private final int maxClients;
  private final LongSupplier nanos;
  private final Map<String, Bucket> buckets = new HashMap<>();

  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  RateLimiter(double rate, int burst, int maxClients, LongSupplier nanos) {
    this.rate = rate;
    this.burst = burst;
    this.maxClients = maxClients;
    this.nanos = nanos;
  }

  /**
   * Takes a token for {@code client}.
   *
   * @return 0 if the request may go on, else the whole seconds (at least 1) until it may
   */
  int acquire(String client) {
    long now = nanos.getAsLong();
    Bucket b = buckets.get(client);
    if (b == null) {
      if (buckets.size() >= maxClients) {
        evict(now);
      }
      b = new Bucket(burst, now);
      buckets.put(client, b);
    } else {
      refill(b, now);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (int) Math.max(1, Math.ceil((1 - b.tokens) / rate));
  }

  private void refill(Bucket b, long now) {
    b.tokens = Math.min(burst, b.tokens + (now - b.at) / 1e9 * rate);
    b.at = now;
  }

  private void evict(long now) {
    Iterator<Bucket> it = buckets.values().iterator();
    while (it.hasNext()) {
      Bucket b = it.next();
      refill(b, now);
      if (b.tokens >= burst) {
        it.remove();
      }
    }
    if (buckets.size() >= maxClients) {
      buckets.clear();
    }
  }

  /** Buckets held now. */
  int clients() {
    return buckets.size();
  }
}
