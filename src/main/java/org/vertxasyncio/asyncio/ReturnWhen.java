package org.vertxasyncio.asyncio;

/**
 * When {@link Asyncio#wait} returns.
 *
 * <p>Python: {@code asyncio.FIRST_COMPLETED}, {@code FIRST_EXCEPTION}, {@code ALL_COMPLETED}
 */
public enum ReturnWhen {
  /** As soon as any future finishes or is cancelled. */
  FIRST_COMPLETED,
  /** As soon as any future finishes with an exception; like {@link #ALL_COMPLETED} if none does. */
  FIRST_EXCEPTION,
  /** When all futures are done. */
  ALL_COMPLETED
}
