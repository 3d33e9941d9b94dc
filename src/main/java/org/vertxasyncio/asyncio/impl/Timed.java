package org.vertxasyncio.asyncio.impl;

/**
 * An entry of a loop's {@link TimerQueue}: something due at a point in time. A {@link TimerCallback} is
 * one; so is the future of a sleep, which saves an object per sleeping coroutine.
 *
 * <p>The bucket slot belongs to the timer queue (read and written on the loop's thread only).
 */
public interface Timed {

  /** When it is due, on the {@link System#nanoTime()} scale. */
  long whenNanos();

  /** Whether the timer was cancelled: then it never becomes due. */
  boolean timerCancelled();

  /** What the loop queues when the entry is due: a {@link ReadyHandle}, or an entry {@link VertxEventLoop.Entries} runs. */
  Object dueEntry();

  /** The queue's bookkeeping slot. */
  Object timerBucket();

  void timerBucket(Object bucket);

  /** To call after marking a timer cancelled: the queue drops it (bookkeeping on the loop's thread only). */
  static void cancelled(Timed t) {
    if (t.timerBucket() instanceof TimerQueue.Bucket b) {
      b.cancelled(t);
    }
  }
}
