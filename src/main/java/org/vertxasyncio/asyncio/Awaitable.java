package org.vertxasyncio.asyncio;

/**
 * Something a coroutine can {@code await}: a {@link Coroutine} or an {@link AsyncFuture} (and so a
 * {@link Task}). A Vert.x {@code io.vertx.core.Future} is awaitable too, through
 * {@link Asyncio#await(io.vertx.core.Future)} and {@link Asyncio#ensureFuture(io.vertx.core.Future)}.
 *
 * <p>Python: an awaitable object (one with {@code __await__})
 *
 * @param <T> the type of the value the await produces
 */
public sealed interface Awaitable<T> permits Coroutine, AsyncFuture {
}
