package org.vertxasyncio.service.loops;

import java.util.Locale;

/**
 * What an event loop is doing, as {@code /health} shows it and the store keeps it: running, stopped
 * (it keeps its tasks and runs them when started again) or closed (it runs nothing again).
 */
public enum LoopState {
  RUNNING, STOPPED, CLOSED;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The name in JSON and in the store: {@code running}, {@code stopped}, {@code closed}. */
  public String label() {
    return label;
  }

  /**
   * The state named {@code label}.
   *
   * @throws IllegalArgumentException for a name that is none of them
   */
  public static LoopState fromLabel(String label) {
    for (LoopState s : values()) {
      if (s.label.equals(label)) {
        return s;
      }
    }
    throw new IllegalArgumentException("Unknown loop state '" + label + "'");
  }
}
