package org.vertxasyncio.service.tasks;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Instants as the API writes them: RFC 3339, UTC, millisecond precision; the text of
 * {@code t.truncatedTo(MILLIS).toString()} ({@code 2026-12-07T01:02:03.456Z}, the fraction left out when it is
 * zero). Instants of the years 1970 to 9999 are written here, digit by digit (a task's JSON carries three of
 * them, written at each change of its state); others by {@link Instant#toString}.
 */
public final class Times {
  /** 9999-12-31T23:59:59Z: the last second written here; years past it take a sign and more digits. */
  private static final long LAST_SECOND = 253_402_300_799L;

  private Times() {
  }

  public static String format(Instant t) {
    if (t == null) {
      return null;
    }
    long seconds = t.getEpochSecond();
    if (seconds < 0 || seconds > LAST_SECOND) {
      return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }
    int millis = t.getNano() / 1_000_000;
    long days = seconds / 86_400;
    int secondOfDay = (int) (seconds % 86_400);
    // the civil date of a day count (days since 1970-01-01), in eras of 400 years from 0000-03-01
    long z = days + 719_468;
    long era = z / 146_097;
    long dayOfEra = z - era * 146_097;
    long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long monthIndex = (5 * dayOfYear + 2) / 153; // 0 is March
    int day = (int) (dayOfYear - (153 * monthIndex + 2) / 5 + 1);
    int month = (int) (monthIndex < 10 ? monthIndex + 3 : monthIndex - 9);
    int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
    byte[] out = new byte[millis == 0 ? 20 : 24];
    digits(out, 0, year, 4);
    out[4] = '-';
    digits(out, 5, month, 2);
    out[7] = '-';
    digits(out, 8, day, 2);
    out[10] = 'T';
    digits(out, 11, secondOfDay / 3600, 2);
    out[13] = ':';
    digits(out, 14, secondOfDay / 60 % 60, 2);
    out[16] = ':';
    digits(out, 17, secondOfDay % 60, 2);
    if (millis != 0) {
      out[19] = '.';
      digits(out, 20, millis, 3);
    }
    out[out.length - 1] = 'Z';
    return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /** {@code value} in {@code width} decimal digits, zero-padded, at {@code at}. */
  private static void digits(byte[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }
}
