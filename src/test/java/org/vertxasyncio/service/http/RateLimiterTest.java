package org.vertxasyncio.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Token buckets per client, on a clock the test moves. */
class RateLimiterTest {
  final AtomicLong now = new AtomicLong(1_000_000_000L);

  void advance(double seconds) {
    now.addAndGet((long) (seconds * 1e9));
  }

  @Test
  void aBurstThenOneRequestPerEarnedToken() {
    RateLimiter l = new RateLimiter(2, 3, 100, now::get);
    for (int i = 0; i < 3; i++) {
      assertEquals(0, l.acquire("a"));
    }
    assertEquals(1, l.acquire("a"), "half a second to the next token: Retry-After rounds up to 1");
    advance(0.5);
    assertEquals(0, l.acquire("a"));
    assertEquals(1, l.acquire("a"));
    assertEquals(0, l.acquire("b"), "another address has its own bucket");
  }

  @Test
  void retryAfterSaysWhenTheNextTokenIsEarned() {
    RateLimiter l = new RateLimiter(0.1, 1, 100, now::get);
    assertEquals(0, l.acquire("a"));
    assertEquals(10, l.acquire("a"));
    advance(9.5);
    assertEquals(1, l.acquire("a"));
    advance(0.5);
    assertEquals(0, l.acquire("a"));
  }

  @Test
  void bucketsStayBoundedByForgettingIdleClients() {
    RateLimiter l = new RateLimiter(10, 5, 1000, now::get);
    for (int i = 0; i < 100_000; i++) {
      l.acquire("client-" + i);
      if (i % 1000 == 0) {
        advance(1); // the earlier ones have earned their burst back: idle
      }
    }
    assertTrue(l.clients() <= 1000, l.clients() + " buckets");
  }
}
