package org.vertxasyncio.asyncio;

/**
 * A future was asked for something its state does not allow: the result of a pending future
 * ({@code "Result is not set."}), or a second result.
 *
 * <p>Python: {@code asyncio.InvalidStateError}
 */
public class InvalidStateError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidStateError(String message) {
    super(message);
  }
}
