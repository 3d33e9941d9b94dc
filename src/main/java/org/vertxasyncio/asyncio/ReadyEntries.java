package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.ReadyHandle;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * The ready-queue entries of this package that are their own callback, so that a sleep and the task that
 * awaits it cost no callback object: a sleep's future that came due (it sets its result), a pending task
 * (its next step, or its wakeup on the future it waits on, which is done), a done future (it runs its one
 * done callback). Debug mode queues handles instead for the last two, whose log lines name them.
 */
final class ReadyEntries implements VertxEventLoop.Entries {

  @Override
  public void run(VertxEventLoop loop, Object entry) {
    AsyncFuture<?> f = (AsyncFuture<?>) entry;
    if (f.done()) {
      f.runOwnCallback();
    } else if (f instanceof Task<?> t) {
      t.runQueued();
    } else {
      ((SleepCoroutine.SleepFuture<?>) f).fire();
    }
  }

  @Override
  public ReadyHandle describe(Object entry) {
    AsyncFuture<?> f = (AsyncFuture<?>) entry;
    if (f.done()) {
      return f.ownCallbackHandle();
    }
    if (f instanceof Task<?> t) {
      return t.queuedHandle();
    }
    return ((SleepCoroutine.SleepFuture<?>) f).dueHandle();
  }
}
