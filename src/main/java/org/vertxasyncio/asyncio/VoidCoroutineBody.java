package org.vertxasyncio.asyncio;

/**
 * The body of an await-style coroutine that returns nothing (its result is {@code null}).
 *
 * <p>Python: an {@code async def} without a {@code return}
 */
@FunctionalInterface
public interface VoidCoroutineBody {
  void run() throws Exception;
}
