package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * A deadline over a block of a coroutine, entered by {@link Asyncio#timeout(Double, TimeoutBody)}: when
 * it passes, the current task is cancelled, and the {@link CancelledError} that ends the block becomes a
 * {@link TimeoutError}. The deadline can be moved while the block runs.
 *
 * <p>Invariant: states go CREATED → ENTERED → (EXPIRING → EXPIRED | EXITED); only an ENTERED timeout can
 * be rescheduled.
 *
 * <p>Python: {@code asyncio.Timeout}
 */
public final class Timeout {
  enum State {
    CREATED("created"), ENTERED("active"), EXPIRING("expiring"), EXPIRED("expired"), EXITED("finished");

    final String value;

    State(String value) {
      this.value = value;
    }
  }

  private State state = State.CREATED;
  private Handle handler;
  private Task<?> task;
  private int cancelling;
  private Double when;

  Timeout(Double when) {
    this.when = when;
  }

  /** The deadline in loop time, or null for none. Python: {@code Timeout.when()} */
  public Double when() {
    return when;
  }

  /**
   * Moves the deadline to loop time {@code when} (null: no deadline; in the past: at once).
   *
   * @throws IllegalStateException {@code "Timeout has not been entered"}, or when it has already ended
   *     <p>Python: {@code Timeout.reschedule(when)}
   */
  public void reschedule(Double when) {
    if (state != State.ENTERED) {
      if (state == State.CREATED) {
        throw new IllegalStateException("Timeout has not been entered");
      }
      throw new IllegalStateException("Cannot change state of " + state.value + " Timeout");
    }
    this.when = when;
    if (handler != null) {
      handler.cancel();
    }
    if (when == null) {
      handler = null;
    } else {
      EventLoop loop = Asyncio.getRunningLoop();
      handler = when <= loop.time() ? loop.callSoon(this::onTimeout) : loop.callAt(when, this::onTimeout);
    }
  }

  /** Whether the deadline passed while the block ran. Python: {@code Timeout.expired()} */
  public boolean expired() {
    return state == State.EXPIRING || state == State.EXPIRED;
  }

  void enter() {
    if (state != State.CREATED) {
      throw new IllegalStateException("Timeout has already been entered");
    }
    VertxEventLoop loop = Awaits.runningLoop("timeout");
    Task<?> t = loop.currentTask();
    if (t == null) {
      throw new IllegalStateException("Timeout should be used inside a task");
    }
    state = State.ENTERED;
    task = t;
    cancelling = t.cancelling();
    reschedule(when);
  }

  /** Leaves the block; returns the error to throw instead of {@code error} (which may be null). */
  Throwable exit(Throwable error) {
    if (handler != null) {
      handler.cancel();
      handler = null;
    }
    if (state == State.EXPIRING) {
      state = State.EXPIRED;
      if (task.uncancel() <= cancelling && error instanceof CancelledError) {
        return new TimeoutError(null, error);
      }
    } else if (state == State.ENTERED) {
      state = State.EXITED;
    }
    return error;
  }

  private void onTimeout() {
    task.cancel();
    state = State.EXPIRING;
    handler = null;
  }

  @Override
  public String toString() {
    String info = "";
    if (state == State.ENTERED) {
      info = " when=" + (when == null ? "None" : String.valueOf(Math.round(when * 1000) / 1000.0));
    }
    return "<Timeout [" + state.value + "]" + info + ">";
  }
}
