package org.vertxasyncio.asyncio;

import java.util.Set;

/**
 * What {@link Asyncio#wait} gives back: the futures that are done and those still pending, each set in
 * the order the futures were passed.
 *
 * <p>Python: the {@code (done, pending)} pair of {@code asyncio.wait}
 */
public record WaitResult<T>(Set<AsyncFuture<T>> done, Set<AsyncFuture<T>> pending) {
}
