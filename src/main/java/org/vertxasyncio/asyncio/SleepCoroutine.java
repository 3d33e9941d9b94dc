package org.vertxasyncio.asyncio;

import org.vertxasyncio.asyncio.impl.AbstractFrame;
import org.vertxasyncio.asyncio.impl.Frame;
import org.vertxasyncio.asyncio.impl.ReadyHandle;
import org.vertxasyncio.asyncio.impl.Timed;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * {@code asyncio.sleep}: a future, and a timer on the loop that finishes it unless it was cancelled; the
 * timer is cancelled when the sleep ends either way. A delay of zero or less gives up one loop iteration
 * instead. The timer starts when the coroutine runs, not when it is made.
 *
 * <p>The future is its own timer entry ({@link SleepFuture}): one object per sleeping coroutine where
 * Python has a future and a {@code TimerHandle}; the behaviour is the same.
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

  /**
   * The future of one sleep, and its timer: due at {@code whenNanos}, it sets the result unless cancelled.
   * A final class of one shape: code compiled around a coroutine's await never meets a second one later,
   * which would send every coroutine suspended in that code through deoptimization as it resumes.
   */
  static final class SleepFuture<T> extends AsyncFuture<T> implements Timed {
    private final long whenNanos;
    private final T value;
    private Object bucket;
    private boolean timerCancelled;

    SleepFuture(VertxEventLoop loop, long whenNanos, T value) {
      super(loop);
      this.whenNanos = whenNanos;
      this.value = value;
    }

    /** A sleep's future with the result it sets. */
    static <T> SleepFuture<T> of(VertxEventLoop loop, long whenNanos, T value) {
      return new SleepFuture<>(loop, whenNanos, value);
    }

    /**
     * Starts the timer of a sleep awaited inside a coroutine body, which {@link #awaitInline} leaves to the
     * task: it runs in the same step, right after the coroutine has suspended, so that the timer queue's
     * code is no part of the coroutine's saved stack.
     */
    @Override
    void suspendedOn() {
      if (bucket == UNSCHEDULED) {
        bucket = null;
        if (!timerCancelled) {
          loop.scheduleTimer(this);
        }
      }
    }

    /** Python: {@code h.cancel()} in sleep's {@code finally}. */
    void cancelTimer() {
      if (!timerCancelled) {
        timerCancelled = true;
        Timed.cancelled(this);
      }
    }

    @Override
    public long whenNanos() {
      return whenNanos;
    }

    @Override
    public boolean timerCancelled() {
      return timerCancelled;
    }

    /** The future itself: the loop runs {@link #fire()} when it is due (see {@link ReadyEntries}). */
    @Override
    public Object dueEntry() {
      return this;
    }

    /** The timer's callback: {@code futures._set_result_unless_cancelled}. */
    void fire() {
      if (!timerCancelled && !cancelled()) {
        setResult(value);
      }
    }

    ReadyHandle dueHandle() {
      return new ReadyHandle() {
        @Override
        public void run() {
          fire();
        }

        @Override
        protected String describe() {
          return "sleep._set_result_unless_cancelled(" + SleepFuture.this + ")";
        }
      };
    }

    @Override
    public Object timerBucket() {
      return bucket;
    }

    @Override
    public void timerBucket(Object b) {
      bucket = b;
    }
  }

  /** The timer slot of a sleep whose timer its task starts once the coroutine is suspended ({@link SleepFuture#suspendedOn}). */
  private static final Object UNSCHEDULED = new Object();

  private static <T> SleepFuture<T> start(VertxEventLoop loop, double delay, T value) {
    return loop.scheduleTimer(SleepFuture.of(loop, loop.deadlineAfter(delay), value));
  }

  @Override
  Frame<T> newFrame(VertxEventLoop loop) {
    return new AbstractFrame<T>() {
      private boolean started;

      @Override
      public void resume(Throwable exc) {
        if (started) {
          if (waiter instanceof SleepFuture<?> f) {
            f.cancelTimer();
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
          waiter = start(loop, delay, value);
        }
      }
    };
  }

  @Override
  T awaitInline(Task<?> task) {
    if (delay <= 0) {
      Awaits.yieldOnce(task.fiber());
      return value;
    }
    VertxEventLoop loop = task.loop;
    SleepFuture<T> f = SleepFuture.of(loop, loop.deadlineAfter(delay), value);
    f.bucket = UNSCHEDULED;
    try {
      return Awaits.suspendOn(task.fiber(), f);
    } finally {
      f.cancelTimer();
    }
  }
}
