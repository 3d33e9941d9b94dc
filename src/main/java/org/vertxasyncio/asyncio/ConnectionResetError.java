package org.vertxasyncio.asyncio;

/**
 * The connection is gone: the peer reset it (reads then raise this), or it was lost before a
 * {@link StreamWriter#drain()} ({@code "Connection lost"}).
 *
 * <p>Python: {@code ConnectionResetError}
 */
public class ConnectionResetError extends ConnectionError {
  private static final long serialVersionUID = 1L;

  public ConnectionResetError(String message) {
    super(message);
  }

  public ConnectionResetError(String message, Throwable cause) {
    super(message, cause);
  }
}
