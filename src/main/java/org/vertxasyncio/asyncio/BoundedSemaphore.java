package org.vertxasyncio.asyncio;

/**
 * A {@link Semaphore} that refuses to be released more times than it was acquired: its count never
 * goes above the initial value. Catches a release too many, which a plain semaphore silently accepts.
 *
 * <p>Python: {@code asyncio.BoundedSemaphore}
 */
public class BoundedSemaphore extends Semaphore {
  private final int boundValue;

  /** A bounded semaphore with one permit. */
  public BoundedSemaphore() {
    this(1);
  }

  /**
   * A bounded semaphore with {@code value} permits, and never more.
   *
   * @throws IllegalArgumentException {@code "Semaphore initial value must be >= 0"}
   */
  public BoundedSemaphore(int value) {
    super(value);
    this.boundValue = value;
  }

  /**
   * Gives a permit back, as {@link Semaphore#release()}.
   *
   * <p>Python: {@code asyncio.BoundedSemaphore.release}
   *
   * @throws IllegalArgumentException {@code "BoundedSemaphore released too many times"} if that would
   *     raise the count above the initial value
   */
  @Override
  public void release() {
    if (value() >= boundValue) {
      throw new IllegalArgumentException("BoundedSemaphore released too many times");
    }
    super.release();
  }
}
