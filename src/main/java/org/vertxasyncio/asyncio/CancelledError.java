package org.vertxasyncio.asyncio;

/**
 * The operation was cancelled: thrown at the {@code await} a cancelled task was suspended in, and by
 * {@link AsyncFuture#result()} of a cancelled future.
 *
 * <p>Like Python's (a {@code BaseException} since 3.8), this is not an {@link Exception}: a
 * {@code catch (Exception e)} in a coroutine does not swallow a cancellation by accident. Catch it by
 * name to clean up, and rethrow it unless the coroutine means to refuse the cancellation.
 *
 * <p>Python: {@code asyncio.CancelledError}
 */
public class CancelledError extends Error {
  private static final long serialVersionUID = 1L;

  public CancelledError() {
    super();
  }

  public CancelledError(String message) {
    super(message);
  }

  public CancelledError(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String toString() {
    String m = getMessage();
    return m == null ? "CancelledError()" : "CancelledError('" + m + "')";
  }
}
