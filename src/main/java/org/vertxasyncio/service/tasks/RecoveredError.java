package org.vertxasyncio.service.tasks;

/**
 * The exception of a task that finished before a restart, brought back from the store: its type is the
 * original's simple name ({@code RaisedError}, {@code TimeoutError}...), so a gather that awaits the task
 * again after the restart reports it as it would have before.
 */
final class RecoveredError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String type;

  RecoveredError(String type, String message) {
    super(message, null, false, false);
    this.type = type;
  }

  String type() {
    return type;
  }
}
