package org.vertxasyncio.asyncio;

/**
 * A connection failed: the base of {@link ConnectionResetError} and {@link ConnectionRefusedError}, and
 * what other I/O failures of an open stream arrive as (a broken pipe, for one), with Vert.x's or the JDK's
 * exception as the cause. Unchecked, so that a coroutine can catch it around an {@code await}.
 *
 * <p>Python: {@code ConnectionError} (an {@code OSError})
 */
public class ConnectionError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConnectionError(String message) {
    super(message);
  }

  public ConnectionError(String message, Throwable cause) {
    super(message, cause);
  }
}
