package org.vertxasyncio.asyncio;

/**
 * {@link StreamReader#readuntil} found no separator within the reader's limit, or found one beyond it.
 * The data stays in the reader's buffer, so it can be read again; {@link #consumed()} is how many bytes a
 * caller would have to consume to get past it.
 *
 * <p>Python: {@code asyncio.LimitOverrunError}
 */
public class LimitOverrunError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int consumed;

  public LimitOverrunError(String message, int consumed) {
    super(message);
    this.consumed = consumed;
  }

  /** The number of bytes to be consumed. Python: {@code e.consumed} */
  public int consumed() {
    return consumed;
  }
}
