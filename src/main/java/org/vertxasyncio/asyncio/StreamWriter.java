package org.vertxasyncio.asyncio;

import io.vertx.core.buffer.Buffer;
import org.vertxasyncio.asyncio.impl.Sneaky;
import org.vertxasyncio.asyncio.impl.StreamTransport;

/**
 * The writing side of a connection: {@link #write} queues bytes and returns at once; {@link #drain()}
 * waits while Vert.x's write queue for the socket is full, which is how a writer keeps pace with a slow
 * peer. {@link Asyncio#openConnection} and the callback of {@link Asyncio#startServer} give one.
 *
 * <pre>{@code
 * writer.write(data);
 * await(writer.drain());
 * writer.close();
 * await(writer.waitClosed());
 * }</pre>
 *
 * <p>Not thread-safe, as in asyncio: use it from its loop's coroutines and callbacks.
 *
 * <p>Python: {@code asyncio.StreamWriter}
 */
public final class StreamWriter {
  private final StreamTransport transport;
  private final StreamReader reader;
  private final EventLoop loop;

  StreamWriter(StreamTransport transport, StreamReader reader, EventLoop loop) {
    this.transport = transport;
    this.reader = reader;
    this.loop = loop;
  }

  /** The transport underneath. Python: {@code writer.transport} */
  public Transport transport() {
    return transport;
  }

  /** The loop the writer belongs to. */
  public EventLoop getLoop() {
    return loop;
  }

  /**
   * Queues {@code data} to be sent (a copy); follow it with {@link #drain()}. Data written after the
   * connection closed is dropped (asyncio logs a warning after five such writes; so does this).
   *
   * <p>Python: {@code writer.write(data)}
   *
   * @throws IllegalStateException {@code "Cannot call write() after write_eof()"}
   */
  public void write(byte[] data) {
    transport.write(data);
  }

  /** Like {@link #write(byte[])}, for a Vert.x buffer (copied). */
  public void write(Buffer data) {
    transport.write(data);
  }

  /** Queues each of {@code data} in turn. Python: {@code writer.writelines(data)} */
  public void writelines(Iterable<byte[]> data) {
    for (byte[] d : data) {
      transport.write(d);
    }
  }

  /**
   * Ends the data this side sends (a TCP FIN after what is queued); the peer reads the end of the stream
   * and this side can still read.
   *
   * <p>Python: {@code writer.write_eof()}
   */
  public void writeEof() {
    transport.writeEof();
  }

  /** Python: {@code writer.can_write_eof()} */
  public boolean canWriteEof() {
    return transport.canWriteEof();
  }

  /**
   * Closes the connection once what is queued has been sent; wait for it with {@link #waitClosed()}.
   *
   * <p>Python: {@code writer.close()}
   */
  public void close() {
    transport.close();
  }

  /** Whether the connection is closing or closed. Python: {@code writer.is_closing()} */
  public boolean isClosing() {
    return transport.isClosing();
  }

  /**
   * A coroutine that waits until the connection is closed.
   *
   * <p>Failure path: the error the connection was lost with, if any ({@link ConnectionResetError} when the
   * peer reset it).
   *
   * <p>Python: {@code writer.wait_closed()}
   */
  public Coroutine<Void> waitClosed() {
    return Asyncio.async("StreamWriter.wait_closed", () -> {
      Asyncio.await(transport.closeWaiter());
    });
  }

  /**
   * Information about the connection: {@code "peername"} (the peer's {@link Address}) and
   * {@code "sockname"} (this side's); null for any other name.
   *
   * <p>Python: {@code writer.get_extra_info(name)}
   */
  public <T> T getExtraInfo(String name) {
    return transport.getExtraInfo(name, null);
  }

  /** Python: {@code writer.get_extra_info(name, default)} */
  public <T> T getExtraInfo(String name, T defaultValue) {
    return transport.getExtraInfo(name, defaultValue);
  }

  /**
   * A coroutine that waits while the socket's write queue is full (Vert.x's {@code writeQueueFull()}),
   * until it drains; at once when it is not full.
   *
   * <p>Failure path: the exception the reader holds (the connection was lost with an error);
   * {@link ConnectionResetError} {@code "Connection lost"} once the connection is closed. Cancelled while
   * it waits, it raises {@link CancelledError} and the data stays queued.
   *
   * <p>Python: {@code writer.drain()}
   */
  public Coroutine<Void> drain() {
    return Asyncio.async("StreamWriter.drain", () -> {
      if (reader != null) {
        Throwable exc = reader.exception();
        if (exc != null) {
          throw Sneaky.rethrow(exc);
        }
      }
      if (transport.isClosing()) {
        // let the loss of the connection be seen: without this, write() + drain() in a loop would never notice
        Asyncio.await(Asyncio.sleep(0));
      }
      transport.drainHelper();
    });
  }

  @Override
  public String toString() {
    return "<StreamWriter transport=" + transport + (reader != null ? " reader=" + reader : "") + ">";
  }
}
