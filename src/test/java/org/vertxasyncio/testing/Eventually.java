package org.vertxasyncio.testing;

import java.time.Duration;

/**
 * Waiting in tests for something the code under test will report: a condition is asked again, a little
 * less often each time (10 ms up to 200 ms), until it holds or the timeout has passed. The one place
 * where the tests poll; a test that waits for a state says which, and how long at most.
 *
 * <p>An exception or an assertion failure thrown by the condition counts as "not yet" (a service still
 * starting refuses connections; a page still drawing has no element yet); if the time runs out, the last
 * one is the cause of the failure.
 */
public final class Eventually {
  private static final long FIRST_PAUSE_MILLIS = 10;
  private static final long LONGEST_PAUSE_MILLIS = 200;

  private Eventually() {
  }

  /** A condition that may throw while it is not met yet. */
  @FunctionalInterface
  public interface Condition {
    boolean holds() throws Exception;
  }

  /** A reading of some state that may throw while it is not readable yet. */
  @FunctionalInterface
  public interface Probe<T> {
    T read() throws Exception;
  }

  /** A test of a reading. */
  @FunctionalInterface
  public interface Check<T> {
    boolean test(T value) throws Exception;
  }

  /**
   * Returns once {@code condition} holds.
   *
   * @param description what is awaited, for the failure message ("the task is done")
   * @throws AssertionError if it does not hold within {@code timeout}
   */
  public static void eventually(String description, Duration timeout, Condition condition) {
    eventually(description, timeout, () -> condition.holds() ? Boolean.TRUE : null, v -> v != null);
  }

  /**
   * Reads {@code probe} until {@code until} accepts what it read, and returns that.
   *
   * @param description what is awaited, for the failure message, which also shows the last reading
   * @throws AssertionError if no reading is accepted within {@code timeout}
   */
  public static <T> T eventually(String description, Duration timeout, Probe<T> probe, Check<? super T> until) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = FIRST_PAUSE_MILLIS;
    T last = null;
    Throwable lastFailure = null;
    while (true) {
      try {
        last = probe.read();
        lastFailure = null;
        if (until.test(last)) {
          return last;
        }
      } catch (Exception | AssertionError e) {
        lastFailure = e;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        String seen = lastFailure != null ? "; last attempt failed: " + lastFailure : last != null ? "; last seen: " + last : "";
        AssertionError e = new AssertionError("Not within " + seconds(timeout) + " s: " + description + seen);
        if (lastFailure != null) {
          e.initCause(lastFailure);
        }
        throw e;
      }
      try {
        Thread.sleep(Math.min(pause, Math.max(1, left / 1_000_000)));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new AssertionError("Interrupted while waiting for: " + description, ie);
      }
      pause = Math.min(LONGEST_PAUSE_MILLIS, pause * 2);
    }
  }

  private static String seconds(Duration d) {
    double s = d.toMillis() / 1000.0;
    return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
  }
}
