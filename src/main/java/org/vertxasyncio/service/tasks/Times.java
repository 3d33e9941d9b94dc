package org.vertxasyncio.service.tasks;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Instants as the API writes them: RFC 3339, UTC, millisecond precision. */
public final class Times {
  private Times() {
  }

  public static String format(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).toString();
  }
}
