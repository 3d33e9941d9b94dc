package org.vertxasyncio.service.tasks;

/** The exception a task raises on request (its spec's {@code raise}): how a client exercises the error path. */
public final class RaisedError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RaisedError(String message) {
    super(message, null, false, false);
  }
}
