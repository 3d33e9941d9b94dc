package org.vertxasyncio.asyncio;

/** A block run under a {@link Timeout}, which it may reschedule. */
@FunctionalInterface
public interface TimeoutBody<T> {
  T call(Timeout timeout) throws Exception;
}
