package org.vertxasyncio.service.store;

import java.util.concurrent.locks.LockSupport;

/**
 * Wakes a store's writer thread from an event loop's thread once that loop has read what is ready and run the handlers
 * of its turn (a task queued on its context runs after them): the writes of one turn are one batch and one wake-up of
 * the writer, where the first of them would wake it to commit that one alone while the loop queued the rest.
 */
final class TurnWake {
  /** The event-loop threads that will wake the writer after their loop's turn: true while that wake is pending. */
  private final ThreadLocal<boolean[]> pending = ThreadLocal.withInitial(() -> new boolean[1]);

  /**
   * Wakes {@code writer} after the current event loop's turn.
   *
   * @return false off an event loop's thread: the caller wakes the writer itself
   */
  boolean afterTurn(Thread writer) {
    if (!io.vertx.core.Context.isOnEventLoopThread()) {
      return false;
    }
    io.vertx.core.Context ctx = io.vertx.core.Vertx.currentContext();
    if (ctx == null || !ctx.isEventLoopContext()) {
      return false;
    }
    boolean[] waking = pending.get();
    if (!waking[0]) {
      waking[0] = true;
      ctx.runOnContext(v -> {
        waking[0] = false;
        LockSupport.unpark(writer);
      });
    }
    return true;
  }
}
