package org.vertxasyncio.asyncio;

/**
 * What {@link Asyncio#openConnection} gives: the reading and the writing side of one connection.
 *
 * <pre>{@code
 * var pair = await(openConnection("127.0.0.1", 8888));   // reader, writer = await asyncio.open_connection(...)
 * StreamReader reader = pair.reader();
 * StreamWriter writer = pair.writer();
 * }</pre>
 *
 * <p>Python: the {@code (reader, writer)} tuple of {@code asyncio.open_connection}
 *
 * @param reader the reading side
 * @param writer the writing side
 */
public record StreamPair(StreamReader reader, StreamWriter writer) {
}
