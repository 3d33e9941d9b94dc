package org.vertxasyncio.asyncio;

/**
 * A meeting point for a fixed number of coroutines of one loop: each {@linkplain #await() waits} at the
 * barrier until {@link #parties()} of them are waiting, then all go on together, and the barrier can be
 * used again. Not thread-safe: for the coroutines of one loop.
 *
 * <pre>{@code
 * Barrier barrier = new Barrier(3);
 * int index = await(barrier.await());   // 0 .. parties-1, a different one for each coroutine
 * }</pre>
 *
 * <p>Invariants: states go FILLING → DRAINING (the last party arrived; the ones waiting leave) →
 * FILLING (the last of them left), or to RESETTING ({@link #reset()} with coroutines inside: they leave
 * with {@link BrokenBarrierError}) → FILLING, or to BROKEN ({@link #abort()}) until a reset.
 * {@code count} is the number of coroutines inside {@link #await()} past the entry check; newcomers
 * wait at the entry while the barrier drains or resets. Every state change notifies all waiters of
 * the internal {@link Condition}, under its lock.
 *
 * <p>Python: {@code asyncio.Barrier}
 */
public final class Barrier extends LoopBound {
  /** Python: {@code asyncio.locks._BarrierState}. */
  enum State {
    FILLING("filling"), DRAINING("draining"), RESETTING("resetting"), BROKEN("broken");

    final String value;

    State(String value) {
      this.value = value;
    }
  }

  private final Condition cond = new Condition();
  private final int parties;
  private State state = State.FILLING;
  private int count;

  /**
   * A barrier for {@code parties} coroutines.
   *
   * @throws IllegalArgumentException {@code "parties must be > 0"}
   */
  public Barrier(int parties) {
    if (parties < 1) {
      throw new IllegalArgumentException("parties must be > 0");
    }
    this.parties = parties;
  }

  /**
   * A coroutine that waits at the barrier until {@link #parties()} coroutines wait there, then gives
   * this coroutine's index among them, from 0 to {@code parties - 1} (the last to arrive gets
   * {@code parties - 1}).
   *
   * <p>Failure path: {@link BrokenBarrierError} {@code "Barrier aborted"} if the barrier is broken when
   * the coroutine arrives, {@code "Abort or reset of barrier"} if it is aborted or reset while the
   * coroutine waits. A coroutine cancelled while it waits leaves the barrier (no longer counted) with
   * {@link CancelledError}.
   *
   * <p>Python: {@code asyncio.Barrier.wait} (and {@code async with barrier as index})
   */
  public Coroutine<Integer> await() {
    return Asyncio.async("Barrier.wait", () -> cond.withLock(() -> {
      block(); // block while the barrier drains or resets
      try {
        int index = count;
        count++;
        if (index + 1 == parties) {
          release(); // the last party: release the barrier
        } else {
          waitReleased();
        }
        return index;
      } finally {
        count--;
        exit(); // wake any coroutine waiting for the barrier to drain
      }
    }));
  }

  /** Waits until the barrier is neither draining nor resetting; fails if it is broken. */
  private void block() {
    Asyncio.await(cond.waitFor(() -> state != State.DRAINING && state != State.RESETTING));
    if (state == State.BROKEN) {
      throw new BrokenBarrierError("Barrier aborted");
    }
  }

  /** Enters the draining state: the coroutines waiting go, newcomers wait until the drain ends. */
  private void release() {
    state = State.DRAINING;
    cond.notifyAllWaiters();
  }

  /** Waits in the barrier until it is released; fails if it is reset or broken meanwhile. */
  private void waitReleased() {
    Asyncio.await(cond.waitFor(() -> state != State.FILLING));
    if (state == State.BROKEN || state == State.RESETTING) {
      throw new BrokenBarrierError("Abort or reset of barrier");
    }
  }

  /** The last coroutine to leave ends a drain or a reset, and wakes those waiting for it. */
  private void exit() {
    if (count == 0) {
      if (state == State.RESETTING || state == State.DRAINING) {
        state = State.FILLING;
      }
      cond.notifyAllWaiters();
    }
  }

  /**
   * A coroutine that puts the barrier back into its initial state; the coroutines waiting at it get
   * {@link BrokenBarrierError}. A broken barrier becomes usable again.
   *
   * <p>Python: {@code asyncio.Barrier.reset}
   */
  public Coroutine<Void> reset() {
    return Asyncio.async("Barrier.reset", () -> cond.withLock(() -> {
      if (count > 0) {
        if (state != State.RESETTING) {
          state = State.RESETTING; // reset the barrier, waking up the waiters
        }
      } else {
        state = State.FILLING;
      }
      cond.notifyAllWaiters();
    }));
  }

  /**
   * A coroutine that puts the barrier into the broken state: the coroutines waiting at it, and those
   * that arrive later, get {@link BrokenBarrierError}, until a {@link #reset()}. Useful when one of the
   * parties fails.
   *
   * <p>Python: {@code asyncio.Barrier.abort}
   */
  public Coroutine<Void> abort() {
    return Asyncio.async("Barrier.abort", () -> cond.withLock(() -> {
      state = State.BROKEN;
      cond.notifyAllWaiters();
    }));
  }

  /** The number of coroutines needed to pass the barrier. Python: {@code barrier.parties} */
  public int parties() {
    return parties;
  }

  /** The number of coroutines waiting at the barrier while it fills (else 0). Python: {@code barrier.n_waiting} */
  public int nWaiting() {
    return state == State.FILLING ? count : 0;
  }

  /** Whether the barrier is broken. Python: {@code barrier.broken} */
  public boolean broken() {
    return state == State.BROKEN;
  }

  /** Python's repr: {@code <Barrier [filling, waiters:2/5]>}, {@code <Barrier [broken]>}. */
  @Override
  public String toString() {
    String extra = state.value;
    if (!broken()) {
      extra += ", waiters:" + nWaiting() + "/" + parties;
    }
    return "<Barrier [" + extra + "]>";
  }
}
