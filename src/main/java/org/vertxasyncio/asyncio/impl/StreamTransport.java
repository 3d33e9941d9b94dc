package org.vertxasyncio.asyncio.impl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetClientInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetClientBuilder;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.asyncio.Address;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.Asyncio;
import org.vertxasyncio.asyncio.ConnectionError;
import org.vertxasyncio.asyncio.ConnectionRefusedError;
import org.vertxasyncio.asyncio.ConnectionResetError;
import org.vertxasyncio.asyncio.StreamReader;
import org.vertxasyncio.asyncio.TimeoutError;
import org.vertxasyncio.asyncio.Transport;

/**
 * A stream's transport on a Vert.x {@code NetSocket} of the loop's context, with what asyncio's
 * {@code StreamReaderProtocol} does on top of it: received bytes go to the {@link StreamReader}, the end
 * of the peer's data is the reader's end of stream, the loss of the connection wakes the reader, the
 * drain waiters and the close waiter.
 *
 * <p>Threads: the socket's handlers run on the loop context's event-loop thread, whether the loop is
 * running or not (so data is buffered while it is stopped, as the kernel would buffer it); the
 * {@link Transport} methods run on that thread or, on the virtual-thread runner, on a coroutine's thread
 * while the event-loop thread waits for it. Vert.x's pause and resume must run on the event-loop thread:
 * they go through {@link #onNetty}.
 *
 * <p>Invariants:
 * <ul>
 *   <li>the socket is paused ({@code socketPaused}) exactly while the reader holds more than twice its
 *       limit, or the user paused it; Vert.x then keeps what arrives, in order, until it is resumed;</li>
 *   <li>the peer's end of data (a TCP FIN, kept half-open as asyncio keeps it) reaches the reader only
 *       after every byte before it: while the socket is paused it waits ({@code eofPending}) and follows
 *       the bytes Vert.x delivers when it is resumed;</li>
 *   <li>a resume is always a task of its own after the caller's, as asyncio's {@code resume_reading}
 *       takes effect in a later iteration: bytes never reach the reader in the middle of a read;</li>
 *   <li>once {@code lost}, the reader, the close waiter and every drain waiter have been told, once.</li>
 * </ul>
 */
public final class StreamTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger("asyncio");
  /** Writes dropped on a lost connection before each one is logged. Python: {@code LOG_THRESHOLD_FOR_CONNLOST_WRITES} */
  private static final int LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

  private final VertxEventLoop loop;
  private final NetSocketInternal socket;
  private final Channel channel;
  private final StreamReader reader;
  private final Address peername;
  private final Address sockname;
  private final AsyncFuture<Void> closed;
  private final ArrayDeque<AsyncFuture<Void>> drainWaiters = new ArrayDeque<>();
  private Runnable onLost;

  private boolean closing;
  private boolean eofWritten;
  private boolean lost;
  /** asyncio's {@code _paused}: what {@link #isReading()} says. */
  private boolean readingPaused;
  /** Whether the Vert.x socket is paused now; touched on the event-loop thread only. */
  private boolean socketPaused;
  private boolean eofPending;
  private Throwable error;
  private int connLostWrites;

  /**
   * Takes over {@code socket} (a connected socket of {@code loop}'s context); call it on the socket's
   * event-loop thread, in the callback that gave the socket, before any data can arrive.
   *
   * @param onLost run once when the connection is lost (a server forgets its client), or null
   */
  public StreamTransport(VertxEventLoop loop, NetSocket socket, StreamReader reader, Runnable onLost) {
    this.loop = loop;
    this.socket = (NetSocketInternal) socket;
    this.channel = this.socket.channelHandlerContext().channel();
    this.reader = reader;
    this.onLost = onLost;
    // asyncio keeps a connection open when the peer ends its data (StreamReaderProtocol.eof_received returns
    // True): the answer can still be written. Netty closes the channel on a FIN unless told otherwise.
    channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    this.peername = address(channel.remoteAddress());
    this.sockname = address(channel.localAddress());
    this.closed = loop.createFuture();
    reader.setTransport(this);
    this.socket.messageHandler(this::received);
    this.socket.eventHandler(this::event);
    this.socket.exceptionHandler(this::failed);
    this.socket.drainHandler(v -> writable());
    this.socket.closeHandler(v -> closedBySocket());
  }

  /**
   * Connects to {@code host}:{@code port} with a Vert.x {@code NetClient} on {@code loop}'s context; the
   * transport feeds {@code reader}. The client is the connection's own, closed with it.
   *
   * @return a future of the transport, failed with {@link ConnectionRefusedError} when nobody listens,
   *     {@link TimeoutError} when the connection attempt timed out, or Vert.x's exception otherwise
   */
  public static Future<StreamTransport> connect(VertxEventLoop loop, String host, int port, StreamReader reader) {
    ContextInternal context = (ContextInternal) loop.context();
    VertxInternal vertx = context.owner();
    NetClientOptions options = new NetClientOptions();
    // a client of this connection alone, closed with it: vertx.createNetClient() would also register it with
    // a close future that keeps it (and so one client per connection ever made) until Vert.x closes
    NetClientInternal client = new NetClientBuilder(vertx, options)
        .metrics(vertx.metrics() == null ? null : vertx.metrics().createNetClientMetrics(options))
        .build();
    // a promise bound to no context: its listener runs in the callback that completes it, so the socket's
    // handlers are in place before the event-loop thread can read a byte
    Promise<NetSocket> connected = Promise.promise();
    Promise<StreamTransport> out = Promise.promise();
    connected.future().onComplete(ar -> {
      if (ar.succeeded()) {
        try {
          out.complete(new StreamTransport(loop, ar.result(), reader, client::close));
        } catch (RuntimeException e) {
          ar.result().close();
          client.close();
          out.fail(e);
        }
      } else {
        client.close();
        out.fail(connectError(ar.cause(), host, port));
      }
    });
    client.connectInternal(new ConnectOptions().setHost(host).setPort(port), connected, context);
    return out.future();
  }

  private static Throwable connectError(Throwable t, String host, int port) {
    if (t instanceof io.netty.channel.ConnectTimeoutException) {
      return new TimeoutError("Connect call failed " + new Address(host, port) + ": " + t.getMessage(), t);
    }
    if (t instanceof ConnectException) {
      return new ConnectionRefusedError("Connect call failed " + new Address(host, port), t);
    }
    return t;
  }

  /** The error the reader and the waiters get for an I/O failure of the open connection. */
  private static Throwable connectionError(Throwable t) {
    if (t instanceof IOException) {
      String m = String.valueOf(t.getMessage());
      // the JDK and Netty report a reset as a plain IOException or SocketException; only the text tells
      return m.toLowerCase(Locale.ROOT).contains("reset") ? new ConnectionResetError(m, t) : new ConnectionError(m, t);
    }
    return t;
  }

  private static Address address(java.net.SocketAddress a) {
    if (a instanceof InetSocketAddress isa && isa.getAddress() != null) {
      return new Address(NetUtil.toAddressString(isa.getAddress()), isa.getPort());
    }
    return null;
  }

  // ---------------------------------------------------------------- the socket's handlers (event-loop thread)

  private void received(Object msg) {
    if (!(msg instanceof ByteBuf bytes)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      if (!closing) { // a closing transport receives nothing more, as asyncio's stops reading on close
        reader.feedData(BufferInternal.buffer(bytes.slice()));
      }
    } finally {
      bytes.release();
    }
  }

  private void event(Object event) {
    if (event == ChannelInputShutdownEvent.INSTANCE) {
      if (socketPaused) {
        eofPending = true; // Vert.x may still hold bytes that came before it
      } else {
        reader.feedEof();
      }
    }
    // Vert.x's ShutdownEvent (the server closing) is ignored on purpose: asyncio leaves the connections of a
    // closed server open; Vert.x closes them when it closes for good
    ReferenceCountUtil.release(event);
  }

  private void failed(Throwable t) {
    LOG.debug("asyncio: {}: {}", this, t.toString());
    if (error == null) {
      error = t;
    }
  }

  private void writable() {
    for (AsyncFuture<Void> w : drainWaiters) {
      if (!w.done()) {
        w.setResult(null);
      }
    }
  }

  private void closedBySocket() {
    if (lost) {
      return;
    }
    connectionLost(error == null ? null : connectionError(error));
  }

  /** Python: {@code StreamReaderProtocol.connection_lost(exc)} (with {@code FlowControlMixin}'s). */
  private void connectionLost(Throwable exc) {
    lost = true;
    closing = true;
    if (exc == null) {
      reader.feedEof();
    } else {
      reader.setException(exc);
    }
    if (!closed.done()) {
      if (exc == null) {
        closed.setResult(null);
      } else {
        closed.setException(exc);
      }
    }
    for (AsyncFuture<Void> w : drainWaiters) {
      if (!w.done()) {
        if (exc == null) {
          w.setResult(null);
        } else {
          w.setException(exc);
        }
      }
    }
    Runnable r = onLost;
    onLost = null;
    if (r != null) {
      r.run();
    }
  }

  private void onNetty(Runnable r) {
    if (channel.eventLoop().inEventLoop()) {
      r.run();
    } else {
      channel.eventLoop().execute(r);
    }
  }

  // ---------------------------------------------------------------- for StreamWriter

  /**
   * Waits, inside a coroutine, while Vert.x's write queue is full.
   *
   * <p>Python: {@code FlowControlMixin._drain_helper()}
   *
   * @throws ConnectionResetError {@code "Connection lost"} if the connection is gone
   */
  public void drainHelper() {
    if (lost) {
      throw new ConnectionResetError("Connection lost");
    }
    if (!socket.writeQueueFull()) {
      return;
    }
    AsyncFuture<Void> w = loop.createFuture();
    drainWaiters.add(w);
    try {
      Asyncio.await(w);
    } finally {
      drainWaiters.remove(w);
    }
  }

  /** Done when the connection is lost: with null, or with the error it was lost with. */
  public AsyncFuture<Void> closeWaiter() {
    return closed;
  }

  /** Like {@link #write(byte[])}, for a Vert.x buffer (copied). */
  public void write(Buffer data) {
    if (checkWrite(data.length())) {
      socket.writeMessage(Unpooled.copiedBuffer(((BufferInternal) data).getByteBuf()));
    }
  }

  // ---------------------------------------------------------------- Transport

  @Override
  public void write(byte[] data) {
    if (checkWrite(data.length)) {
      socket.writeMessage(Unpooled.copiedBuffer(data));
    }
  }

  private boolean checkWrite(int length) {
    if (eofWritten) {
      throw new IllegalStateException("Cannot call write() after write_eof()");
    }
    if (length == 0) {
      return false;
    }
    if (closing) {
      if (connLostWrites >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) {
        LOG.warn("socket.send() raised exception.");
      }
      connLostWrites++;
      return false;
    }
    return true;
  }

  @Override
  public void writeEof() {
    if (closing || eofWritten) {
      return;
    }
    eofWritten = true;
    // after what is queued: an empty write completes once everything before it has gone out
    socket.writeMessage(Unpooled.EMPTY_BUFFER).onSuccess(v -> {
      if (channel instanceof DuplexChannel d && d.isActive() && !d.isOutputShutdown()) {
        d.shutdownOutput();
      }
    });
  }

  @Override
  public boolean canWriteEof() {
    return true;
  }

  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    socket.close(); // Vert.x sends what is queued, then closes
  }

  @Override
  public boolean isClosing() {
    return closing;
  }

  @Override
  public void pauseReading() {
    if (!isReading()) {
      return;
    }
    readingPaused = true;
    onNetty(() -> {
      if (!socketPaused) {
        socketPaused = true;
        socket.pause();
      }
    });
  }

  @Override
  public void resumeReading() {
    if (closing || !readingPaused) {
      return;
    }
    readingPaused = false;
    channel.eventLoop().execute(() -> {
      if (readingPaused || !socketPaused) {
        return; // paused again meanwhile, or never paused
      }
      socketPaused = false;
      socket.resume(); // Vert.x delivers what it kept, here, unless the reader pauses it again
      if (eofPending && !socketPaused) {
        eofPending = false;
        if (!lost) {
          reader.feedEof();
        }
      }
    });
  }

  @Override
  public boolean isReading() {
    return !readingPaused && !closing;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T getExtraInfo(String name, T defaultValue) {
    Object v = switch (name) {
      case "peername" -> peername;
      case "sockname" -> sockname;
      default -> null;
    };
    return v == null ? defaultValue : (T) v;
  }

  @Override
  public String toString() {
    String state = lost ? "closed" : closing ? "closing" : readingPaused ? "paused" : "reading";
    return "<StreamTransport peername=" + peername + " " + state + ">";
  }
}
