package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * The base of the synchronisation primitives: each binds to the loop of the first coroutine that needs
 * it to wait, and refuses any other loop.
 *
 * <p>Python: {@code asyncio.mixins._LoopBoundMixin}
 */
abstract class LoopBound {
  private VertxEventLoop loop;

  final VertxEventLoop getLoop() {
    VertxEventLoop running = Awaits.runningLoop("await");
    synchronized (this) {
      if (loop == null) {
        loop = running;
      }
    }
    if (running != loop) {
      throw new IllegalStateException(this + " is bound to a different event loop");
    }
    return loop;
  }
}
