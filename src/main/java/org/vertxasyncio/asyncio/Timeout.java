package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.Sneaky;

/**
 * A deadline over a block of a coroutine: when it passes, the current task is cancelled, and the
 * {@link CancelledError} that ends the block becomes a {@link TimeoutError}. The deadline can be moved
 * while the block runs, and read (with {@link #expired()}) after it.
 *
 * <p>An object, as in asyncio: made first ({@link Asyncio#timeout(Double)}, {@link Asyncio#timeoutAt(Double)}
 * or this constructor), entered later, once:
 *
 * <pre>{@code
 * Timeout t = timeout(5.0);                 // t = asyncio.timeout(5)
 * t.asyncWith(tm -> await(fetch()));        // async with t: await fetch()
 * boolean late = t.expired();
 * // or, as the block itself:
 * t.aenter();
 * try { ... } catch (Throwable e) { t.aexit(e); } // aexit throws what leaves the block
 * t.aexit(null);
 * }</pre>
 *
 * <p>Invariant: states go CREATED → ENTERED → (EXPIRING → EXPIRED | EXITED); only an ENTERED timeout can
 * be rescheduled, and only a CREATED one entered.
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

  /**
   * A timeout due at loop time {@code when} (null: never), not entered yet; in the past, it expires in
   * the first iteration after it is entered.
   *
   * <p>Python: {@code asyncio.Timeout(when)}
   */
  public Timeout(Double when) {
    this.when = when;
  }

  /** The deadline in loop time, or null for none. Python: {@code Timeout.when()} */
  public Double when() {
    return when;
  }

  /**
   * Moves the deadline to loop time {@code when} (null: no deadline; in the past: at once).
   *
   * <p>Python: {@code Timeout.reschedule(when)}
   *
   * @throws IllegalStateException {@code "Timeout has not been entered"}, or
   *     {@code "Cannot change state of expiring Timeout"} ({@code expired}, {@code finished}) once it has
   *     expired or its block has ended
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

  /**
   * Enters the block: the deadline starts to apply to the current task.
   *
   * <p>Python: {@code Timeout.__aenter__}
   *
   * @return this timeout (what {@code async with ... as t} binds)
   * @throws IllegalStateException {@code "Timeout has already been entered"}, {@code "Timeout should be
   *     used inside a task"} (in a callback), {@code "no running event loop"}
   */
  public Timeout aenter() {
    if (state != State.CREATED) {
      throw new IllegalStateException("Timeout has already been entered");
    }
    Task<?> t = Asyncio.currentTask();
    if (t == null) {
      throw new IllegalStateException("Timeout should be used inside a task");
    }
    state = State.ENTERED;
    task = t;
    cancelling = t.cancelling();
    reschedule(when);
    return this;
  }

  /**
   * Leaves the block, which ended with {@code error} (null: normally), and throws what leaves it: a
   * {@link TimeoutError} (its cause the {@link CancelledError}) when this deadline cancelled the task and
   * no other cancellation is pending, else {@code error} itself; returns only when {@code error} is null.
   *
   * <p>Python: {@code Timeout.__aexit__}
   *
   * @throws IllegalStateException {@code "Timeout has not been entered"}, or {@code "Timeout has already
   *     been exited"} (asyncio asserts)
   */
  public void aexit(Throwable error) {
    if (state != State.ENTERED && state != State.EXPIRING) {
      throw new IllegalStateException(state == State.CREATED ? "Timeout has not been entered" : "Timeout has already been exited");
    }
    if (handler != null) {
      handler.cancel();
      handler = null;
    }
    if (state == State.EXPIRING) {
      state = State.EXPIRED;
      if (task.uncancel() <= cancelling && error instanceof CancelledError) {
        throw new TimeoutError(null, error); // raise TimeoutError from exc_val
      }
    } else {
      state = State.EXITED;
    }
    if (error != null) {
      throw Sneaky.rethrow(error);
    }
  }

  /**
   * Runs {@code body} inside this timeout, in the current coroutine: {@link #aenter()}, the body,
   * {@link #aexit}. Returns the body's result.
   *
   * <p>Python: {@code async with timeout as t: ...}
   */
  public <T> T asyncWith(TimeoutBody<T> body) {
    aenter();
    T result;
    try {
      result = body.call(this);
    } catch (Throwable e) {
      aexit(e);
      throw Sneaky.rethrow(e); // aexit threw; for the compiler
    }
    aexit(null);
    return result;
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
