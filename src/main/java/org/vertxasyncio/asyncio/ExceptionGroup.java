package org.vertxasyncio.asyncio;

import java.util.List;

/**
 * Several exceptions raised together, as a {@link TaskGroup} raises the failures of its tasks. The
 * exceptions are also attached as suppressed exceptions, so a stack trace shows them all.
 *
 * <p>Python: {@code ExceptionGroup} / {@code BaseExceptionGroup}
 */
public class ExceptionGroup extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<Throwable> exceptions;

  public ExceptionGroup(String message, List<? extends Throwable> exceptions) {
    super(message + " (" + exceptions.size() + " sub-exception" + (exceptions.size() == 1 ? "" : "s") + ")");
    if (exceptions.isEmpty()) {
      throw new IllegalArgumentException("second argument (exceptions) must be a non-empty sequence");
    }
    this.exceptions = List.copyOf(exceptions);
    for (Throwable t : this.exceptions) {
      addSuppressed(t);
    }
  }

  /** The exceptions of the group, in the order they were raised. */
  public List<Throwable> exceptions() {
    return exceptions;
  }
}
