package org.vertxasyncio.asyncio;

/**
 * The body of an await-style coroutine: plain sequential code with {@link Asyncio#await} calls in it,
 * returning the coroutine's result. It may throw anything; the exception reaches whoever awaits the
 * coroutine as the same object.
 *
 * <p>Python: the body of an {@code async def}
 */
@FunctionalInterface
public interface CoroutineBody<T> {
  T call() throws Exception;
}
