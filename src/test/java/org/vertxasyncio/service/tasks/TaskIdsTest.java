package org.vertxasyncio.service.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TaskIdsTest {
  @Test
  void idsAreUlidsThatSortByTime() {
    assertEquals("00000000000000000000000000", TaskIds.encode(0, 0, 0));
    assertEquals("7ZZZZZZZZZZZZZZZZZZZZZZZZZ", TaskIds.encode((1L << 48) - 1, 0xFFFF, -1L));
    String a = new TaskIds(Clock.fixed(Instant.ofEpochMilli(1000), ZoneOffset.UTC)).next();
    String b = new TaskIds(Clock.fixed(Instant.ofEpochMilli(1001), ZoneOffset.UTC)).next();
    assertTrue(a.compareTo(b) < 0);
    assertTrue(a.matches("[0-9A-HJKMNP-TV-Z]{26}"), a);
  }

  @Test
  void idsOfOneMillisecondStillIncrease() {
    TaskIds ids = new TaskIds(Clock.fixed(Instant.ofEpochMilli(123456), ZoneOffset.UTC));
    String prev = ids.next();
    for (int i = 0; i < 1000; i++) {
      String next = ids.next();
      assertTrue(next.compareTo(prev) > 0, next + " after " + prev);
      prev = next;
    }
  }
}
