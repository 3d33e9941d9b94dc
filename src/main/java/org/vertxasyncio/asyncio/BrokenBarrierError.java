package org.vertxasyncio.asyncio;

/**
 * A {@link Barrier} was aborted, or reset while a coroutine waited at it. Like Python's, a kind of
 * {@code RuntimeError}, so an {@link IllegalStateException} here.
 *
 * <p>Python: {@code asyncio.BrokenBarrierError}
 */
public class BrokenBarrierError extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public BrokenBarrierError() {
    super();
  }

  public BrokenBarrierError(String message) {
    super(message);
  }
}
