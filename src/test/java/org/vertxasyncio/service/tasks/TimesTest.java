package org.vertxasyncio.service.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every instant is written as {@code Instant.truncatedTo(MILLIS).toString()} writes it. */
class TimesTest {
  private static void sameAsInstant(Instant t) {
    assertEquals(t.truncatedTo(ChronoUnit.MILLIS).toString(), Times.format(t), () -> t.getEpochSecond() + "s " + t.getNano() + "ns");
  }

  @Test
  void instantsAreWrittenAsInstantWritesThem() {
    assertNull(Times.format(null));
    assertEquals("2026-12-07T01:02:03.456Z", Times.format(Instant.parse("2026-12-07T01:02:03.456789Z")));
    assertEquals("2026-12-07T01:02:03Z", Times.format(Instant.parse("2026-12-07T01:02:03.000999Z")));
    for (String edge : List.of("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.001Z", "1969-12-31T23:59:59.999Z", "2000-02-29T12:00:00.5Z",
        "2100-02-28T23:59:59.999999999Z", "2100-03-01T00:00:00Z", "2400-02-29T00:00:00.010Z", "9999-12-31T23:59:59.999Z",
        "+10000-01-01T00:00:00Z", "-0001-06-15T10:00:00.100Z", "1600-03-01T00:00:00Z")) {
      sameAsInstant(Instant.parse(edge));
    }
    Random r = new Random(7);
    for (int i = 0; i < 200_000; i++) {
      long seconds = i % 2 == 0 ? 1_700_000_000L + r.nextInt(400_000_000) : (long) (r.nextDouble() * 253_402_300_800L);
      int nanos = switch (i % 4) {
        case 0 -> 0;
        case 1 -> r.nextInt(1000) * 1_000_000;
        default -> r.nextInt(1_000_000_000);
      };
      sameAsInstant(Instant.ofEpochSecond(seconds, nanos));
    }
    for (int day = 0; day < 3_000_000; day += 7) { // every 7th day to 10183: each month, leap year and century
      sameAsInstant(Instant.ofEpochSecond(day * 86_400L + day % 86_400, 0));
    }
  }
}
