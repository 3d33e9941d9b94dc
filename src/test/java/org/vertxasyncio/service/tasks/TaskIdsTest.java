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

  @Test
  void eachNewMillisecondDrawsRandomBitsNotUsedBefore() {
    // a clock one millisecond further at each call: every id is of a new millisecond, over many draws of random bytes
    long[] now = {1_700_000_000_000L};
    Clock ticking = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public long millis() {
        return now[0]++;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(millis());
      }
    };
    TaskIds ids = new TaskIds(ticking);
    java.util.Set<String> randomParts = new java.util.HashSet<>();
    String prev = "";
    for (int i = 0; i < 10_000; i++) {
      String id = ids.next();
      assertTrue(id.matches("[0-7][0-9A-HJKMNP-TV-Z]{25}"), id);
      assertTrue(id.compareTo(prev) > 0, id + " after " + prev);
      // 80 random bits: a repeat (a byte used twice) is the only way two of them could be equal
      assertTrue(randomParts.add(id.substring(10)), "random part of " + id + " seen before");
      prev = id;
    }
    // and the bits are spread: each of the 16 random characters takes many values over the ids
    for (int c = 10; c < 26; c++) {
      int col = c;
      long distinct = randomParts.stream().map(r -> r.charAt(col - 10)).distinct().count();
      assertEquals(32, distinct, "values taken by character " + col);
    }
  }
}
