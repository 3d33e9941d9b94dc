package org.vertxasyncio.service.loops;

/**
 * A change of an event loop that the {@link LoopRegistry} reports: its name on the event stream
 * ({@code loop.created}) and the state the loop is in after it.
 */
public enum LoopEvent {
  CREATED("loop.created", LoopState.RUNNING),
  STARTED("loop.started", LoopState.RUNNING),
  STOPPED("loop.stopped", LoopState.STOPPED),
  CLOSED("loop.closed", LoopState.CLOSED);

  private final String eventName;
  private final LoopState state;

  LoopEvent(String eventName, LoopState state) {
    this.eventName = eventName;
    this.state = state;
  }

  /** The SSE event type: {@code loop.created}, {@code loop.started}, {@code loop.stopped}, {@code loop.closed}. */
  public String eventName() {
    return eventName;
  }

  /** The state the loop is in once this happened. */
  public LoopState state() {
    return state;
  }
}
