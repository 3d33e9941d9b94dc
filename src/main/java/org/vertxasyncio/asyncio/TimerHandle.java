package org.vertxasyncio.asyncio;

/**
 * A callback scheduled for a point in the loop's time, returned by {@link EventLoop#callLater} and
 * {@link EventLoop#callAt}. Underneath it is a Vert.x timer on the loop's context.
 *
 * <p>Python: {@code asyncio.TimerHandle}
 */
public interface TimerHandle extends Handle {

  /** The loop time (see {@link EventLoop#time()}) the callback is due at, in seconds. */
  double when();
}
