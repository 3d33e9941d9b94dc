package org.vertxasyncio.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

public class EventuallyTest {
  @Test
  void returnsAsSoonAsTheConditionHolds() {
    AtomicInteger asked = new AtomicInteger();
    eventually("the third time", Duration.ofSeconds(10), () -> asked.incrementAndGet() == 3);
    assertEquals(3, asked.get());
  }

  @Test
  void givesBackTheReadingThatWasAccepted() {
    AtomicInteger n = new AtomicInteger();
    assertEquals(4, eventually("a reading of 4", Duration.ofSeconds(10), n::incrementAndGet, v -> v == 4));
  }

  @Test
  void exceptionsAreNotYetAndTheLastIsTheCauseOnTimeout() {
    AtomicInteger asked = new AtomicInteger();
    eventually("connects on the second try", Duration.ofSeconds(10), () -> {
      if (asked.incrementAndGet() == 1) {
        throw new IOException("connection refused");
      }
      return true;
    });
    AssertionError e = assertThrows(AssertionError.class, () -> eventually("the port opens", Duration.ofMillis(50), () -> {
      throw new IOException("connection refused");
    }));
    assertTrue(e.getMessage().startsWith("Not within 0.05 s: the port opens; last attempt failed: java.io.IOException"),
        e.getMessage());
    assertInstanceOf(IOException.class, e.getCause());
  }

  @Test
  void theFailureNamesWhatWasAwaitedAndTheLastReading() {
    AssertionError e = assertThrows(AssertionError.class,
        () -> eventually("the count reaches 10", Duration.ofMillis(30), () -> 7, v -> v == 10));
    assertEquals("Not within 0.03 s: the count reaches 10; last seen: 7", e.getMessage());
  }
}
