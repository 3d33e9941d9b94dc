package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.Frame;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * {@code asyncio.sleep}: a future, and a {@link EventLoop#callLater} timer that finishes it unless it was
 * cancelled; the timer is cancelled when the sleep ends either way. A delay of zero or less gives up
 * one loop iteration instead. The timer starts when the coroutine runs, not when it is made.
 */
final class SleepCoroutine<T> extends Coroutine<T> {
  private final double delay;
  private final T value;

  SleepCoroutine(double delay, T value) {
    super("sleep");
    if (Double.isNaN(delay)) {
      throw new IllegalArgumentException("Invalid delay: NaN (not a number)");
    }
    this.delay = delay;
    this.value = value;
  }

  static <T> void setResultUnlessCancelled(AsyncFuture<T> f, T value) {
    if (!f.cancelled()) {
      f.setResult(value);
    }
  }

  @Override
  Frame<T> newFrame(VertxEventLoop loop) {
    return new Frame<T>() {
      private boolean started;
      private TimerHandle timer;

      @Override
      public void resume(Throwable exc) {
        if (started) {
          if (timer != null) {
            timer.cancel();
          }
          waiter = null;
          done = true;
          if (exc != null) {
            error = exc;
          } else {
            result = value;
          }
          return;
        }
        started = true;
        if (exc != null) {
          error = exc;
          done = true;
        } else if (delay <= 0) {
          waiter = null; // a bare yield: one loop iteration
        } else {
          AsyncFuture<T> f = loop.createFuture();
          timer = loop.callLater(delay, () -> setResultUnlessCancelled(f, value));
          waiter = f;
        }
      }
    };
  }

  @Override
  T awaitInline() {
    if (delay <= 0) {
      Awaits.yieldOnce();
      return value;
    }
    VertxEventLoop loop = Awaits.runningLoop("sleep");
    AsyncFuture<T> f = loop.createFuture();
    TimerHandle h = loop.callLater(delay, () -> setResultUnlessCancelled(f, value));
    try {
      return Awaits.awaitFuture(f);
    } finally {
      h.cancel();
    }
  }
}
