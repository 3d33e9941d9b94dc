package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.Frame;
import org.vertxasyncio.asyncio.impl.TimerCallback;
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

  /** The timer of one sleep: it finishes the sleep's future unless that was cancelled. */
  static final class SleepTimer<T> extends TimerCallback {
    private final AsyncFuture<T> future;
    private final T value;

    SleepTimer(long whenNanos, AsyncFuture<T> future, T value) {
      super(whenNanos, null);
      this.future = future;
      this.value = value;
    }

    @Override
    public void run() {
      if (!future.cancelled()) {
        future.setResult(value);
      }
    }

    @Override
    protected String describe() {
      return "sleep._set_result_unless_cancelled(" + future + ")";
    }
  }

  private static <T> TimerHandle startTimer(VertxEventLoop loop, double delay, AsyncFuture<T> f, T value) {
    return loop.scheduleTimer(new SleepTimer<>(loop.deadlineAfter(delay), f, value));
  }

  @Override
  Frame<T> newFrame(VertxEventLoop loop) {
    return new org.vertxasyncio.asyncio.impl.AbstractFrame<T>() {
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
          timer = startTimer(loop, delay, f, value);
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
    TimerHandle h = startTimer(loop, delay, f, value);
    try {
      return Awaits.awaitFuture(f);
    } finally {
      h.cancel();
    }
  }
}
