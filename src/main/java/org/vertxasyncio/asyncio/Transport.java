package org.vertxasyncio.asyncio;

/**
 * The two-way byte channel under a {@link StreamReader} and a {@link StreamWriter}: a Vert.x
 * {@code NetSocket} of the loop's own context. {@link StreamWriter#transport()} gives it.
 *
 * <p>Like the loop, it is not thread-safe: use it from the loop's coroutines and callbacks.
 *
 * <p>Python: {@code asyncio.Transport}
 */
public interface Transport {

  /**
   * Queues {@code data} to be sent (a copy: the array may be reused at once). Nothing waits: a writer
   * waits for the queue with {@link StreamWriter#drain()}. Data written after the transport closed is
   * dropped (with a warning after five such writes).
   *
   * <p>Python: {@code transport.write(data)}
   *
   * @throws IllegalStateException {@code "Cannot call write() after write_eof()"}
   */
  void write(byte[] data);

  /**
   * Closes the write side once the data already queued has been sent (a TCP FIN); the read side stays
   * open. Does nothing if the transport is closing or the end was already written.
   *
   * <p>Python: {@code transport.write_eof()}
   */
  void writeEof();

  /** Whether {@link #writeEof()} is supported: always, for TCP. Python: {@code transport.can_write_eof()} */
  boolean canWriteEof();

  /**
   * Closes the transport: the data already queued is sent first, then the connection is closed; no more
   * data is received. Closing a closing transport does nothing.
   *
   * <p>Python: {@code transport.close()}
   */
  void close();

  /** Whether the transport is closing or closed. Python: {@code transport.is_closing()} */
  boolean isClosing();

  /** Stops receiving until {@link #resumeReading()}. Python: {@code transport.pause_reading()} */
  void pauseReading();

  /** Receives again after {@link #pauseReading()}. Python: {@code transport.resume_reading()} */
  void resumeReading();

  /** Whether the transport is receiving. Python: {@code transport.is_reading()} */
  boolean isReading();

  /**
   * Information about the connection: {@code "peername"} and {@code "sockname"} give an {@link Address};
   * any other name gives {@code defaultValue}.
   *
   * <p>Python: {@code transport.get_extra_info(name, default)}
   */
  <T> T getExtraInfo(String name, T defaultValue);

  /** {@link #getExtraInfo(String, Object)} with null as the default. Python: {@code transport.get_extra_info(name)} */
  default <T> T getExtraInfo(String name) {
    return getExtraInfo(name, null);
  }
}
