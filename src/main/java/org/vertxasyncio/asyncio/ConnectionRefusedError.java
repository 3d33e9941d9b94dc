package org.vertxasyncio.asyncio;

/**
 * Nobody listens where {@link Asyncio#openConnection} tried to connect:
 * {@code "Connect call failed ('127.0.0.1', 9)"}, with Vert.x's exception as the cause.
 *
 * <p>Python: {@code ConnectionRefusedError}
 */
public class ConnectionRefusedError extends ConnectionError {
  private static final long serialVersionUID = 1L;

  public ConnectionRefusedError(String message, Throwable cause) {
    super(message, cause);
  }
}
