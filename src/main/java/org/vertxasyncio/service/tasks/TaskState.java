package org.vertxasyncio.service.tasks;

import java.util.Locale;

/**
 * A task's state, as the API shows it ({@code "state": "pending"}) and the store keeps it: pending until
 * its record's done callback has fired, then finished (a result or an exception) or cancelled.
 */
public enum TaskState {
  PENDING, FINISHED, CANCELLED;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The name in JSON and in the store: {@code pending}, {@code finished}, {@code cancelled}. */
  public String label() {
    return label;
  }

  /** True for {@code finished} and {@code cancelled}. */
  public boolean done() {
    return this != PENDING;
  }

  /**
   * The state named {@code label}.
   *
   * @throws IllegalArgumentException for a name that is none of them
   */
  public static TaskState fromLabel(String label) {
    for (TaskState s : values()) {
      if (s.label.equals(label)) {
        return s;
      }
    }
    throw new IllegalArgumentException("Unknown task state '" + label + "'");
  }
}
