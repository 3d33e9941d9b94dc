package org.vertxasyncio.asyncio;

/**
 * A deadline passed: raised by {@link Asyncio#waitFor}, {@link Asyncio#timeout} and
 * {@link Asyncio#asCompleted} after they cancelled the work that ran late.
 *
 * <p>Python: {@code TimeoutError} (which {@code asyncio.TimeoutError} is since 3.11)
 */
public class TimeoutError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TimeoutError() {
    super();
  }

  public TimeoutError(String message) {
    super(message);
  }

  public TimeoutError(String message, Throwable cause) {
    super(message, cause);
  }
}
