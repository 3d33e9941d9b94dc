package org.vertxasyncio.service.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.config.ServiceConfig;

public class RetryPolicyTest {
  private static RetryPolicy policy(double jitter, double random) {
    return new RetryPolicy(5, 0.5, 2, 30, jitter, () -> random);
  }

  @Test
  void theDelayGrowsByTheMultiplierUpToTheMaximum() {
    RetryPolicy p = policy(0, 0.99);
    assertEquals(0.5, p.delay(1, null));
    assertEquals(1.0, p.delay(2, null));
    assertEquals(2.0, p.delay(3, null));
    assertEquals(16.0, p.delay(6, null));
    assertEquals(30.0, p.delay(7, null), "min(max, initial * multiplier^(n-1))");
    assertEquals(30.0, p.delay(60, null));
  }

  @Test
  void jitterTakesUpToItsShareOffTheDelay() {
    assertEquals(1.0, policy(0.2, 0).delay(2, null), 1e-12, "a random 0 takes nothing off");
    assertEquals(0.9, policy(0.2, 0.5).delay(2, null), 1e-12);
    assertEquals(0.8, policy(0.2, 1).delay(2, null), 1e-12, "at most jitter of it");
  }

  @Test
  void retryAfterInSecondsIsAFloorCappedAtTheMaximum() {
    RetryPolicy p = policy(0, 0);
    assertEquals(7.0, p.delay(1, "7"));
    assertEquals(7.5, p.delay(1, " 7.5 "));
    assertEquals(1.0, p.delay(2, "0.25"), "a shorter Retry-After leaves the backoff");
    assertEquals(30.0, p.delay(1, "3600"), "capped at max");
    assertEquals(0.5, p.delay(1, "0"));
    assertEquals(0.5, p.delay(1, "-4"));
    assertEquals(0.5, p.delay(1, "Wed, 21 Oct 2015 07:28:00 GMT"), "an HTTP-date is ignored");
  }

  @Test
  void noAnswerTimeoutsThrottlingAndServerErrorsAreRetriedOtherAnswersAreNot() {
    RetryPolicy p = policy(0, 0);
    assertTrue(p.retries(null), "a connection error or a timeout");
    for (int s : new int[] {408, 425, 429, 500, 502, 503, 504, 599}) {
      assertTrue(p.retries(s), String.valueOf(s));
    }
    for (int s : new int[] {300, 301, 400, 401, 403, 404, 409, 410, 413, 422}) {
      assertFalse(p.retries(s), String.valueOf(s));
    }
  }

  @Test
  void theConfigurationSetsThePolicy() {
    RetryPolicy p = RetryPolicy.of(ServiceConfig.defaults().with("webhook.retry.attempts", 3)
        .with("webhook.retry.backoff.initial", 0.1).with("webhook.retry.backoff.multiplier", 3)
        .with("webhook.retry.backoff.max", 0.5).with("webhook.retry.jitter", 0));
    assertEquals(3, p.attempts());
    assertEquals(0.1, p.delay(1, null), 1e-12);
    assertEquals(0.3, p.delay(2, null), 1e-12);
    assertEquals(0.5, p.delay(3, null), 1e-12);
  }
}
