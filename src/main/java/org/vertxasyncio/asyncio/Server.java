package org.vertxasyncio.asyncio;

import io.vertx.core.Future;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.vertxasyncio.asyncio.impl.Bodies;
import org.vertxasyncio.asyncio.impl.Listener;
import org.vertxasyncio.asyncio.impl.Sneaky;
import org.vertxasyncio.asyncio.impl.StreamTransport;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * A TCP server made by {@link Asyncio#startServer}: it listens from the moment it is made, and each
 * connection gets a {@link StreamReader} and a {@link StreamWriter} and the server's callback, whose
 * coroutine runs as a task of the loop.
 *
 * <pre>{@code
 * Server server = await(startServer(Echo::handle, "127.0.0.1", 8888));
 * server.asyncWith(() -> await(server.serveForever()));   // async with server: await server.serve_forever()
 * }</pre>
 *
 * <p>Invariants, as in asyncio (3.12.1 and later): {@code sockets} is null exactly once the server is
 * closed; {@code clients} holds the connections not yet lost; {@link #waitClosed()} waiters are woken,
 * and {@code waiters} set to null, when the server is closed and has no client left, whichever comes last
 * (and Vert.x has closed the listening socket, so that the port is free again).
 *
 * <p>Not thread-safe, as in asyncio: use it from its loop's coroutines and callbacks.
 *
 * <p>Python: {@code asyncio.Server} (what {@code asyncio.start_server} returns)
 */
public final class Server {
  private final VertxEventLoop loop;
  private final BiFunction<StreamReader, StreamWriter, Coroutine<?>> clientConnected;
  private final int limit;
  private Listener listener;
  private List<TransportSocket> sockets = List.of();
  private final LinkedHashSet<StreamTransport> clients = new LinkedHashSet<>();
  private List<AsyncFuture<Void>> waiters = new ArrayList<>();
  /** Done once Vert.x has closed the listening socket (and seen the connections closed): null until close(). */
  private AsyncFuture<Void> unbound;
  private boolean serving;
  private AsyncFuture<Void> servingForeverFut;

  Server(VertxEventLoop loop, BiFunction<StreamReader, StreamWriter, Coroutine<?>> clientConnected, int limit) {
    this.loop = loop;
    this.clientConnected = clientConnected;
    this.limit = limit;
  }

  /** Binds and listens; the server serves from then on. */
  Future<Server> listen(String host, int port) {
    return Listener.listen(loop, host, port, this::accepted).map(l -> {
      listener = l;
      sockets = List.of(new TransportSocket(l.sockname()));
      serving = true;
      return this;
    });
  }

  /** A new connection, on the loop's event-loop thread: its transport now, its callback in a loop iteration. */
  private void accepted(NetSocket socket) {
    if (sockets == null) {
      socket.close(); // accepted while the listener was closing
      return;
    }
    StreamReader reader = new StreamReader(limit, loop);
    StreamTransport[] transport = new StreamTransport[1];
    transport[0] = new StreamTransport(loop, socket, reader, () -> detach(transport[0]));
    clients.add(transport[0]);
    try {
      loop.callSoon(() -> connectionMade(transport[0], reader));
    } catch (IllegalStateException closedLoop) {
      transport[0].close();
    }
  }

  /** Python: {@code StreamReaderProtocol.connection_made} of a server's connection. */
  private void connectionMade(StreamTransport transport, StreamReader reader) {
    StreamWriter writer = new StreamWriter(transport, reader, loop);
    Coroutine<?> res = clientConnected.apply(reader, writer);
    if (res == null) {
      return; // a plain callback
    }
    Task<?> task = loop.createTask(res);
    task.addDoneCallback(t -> {
      if (t.cancelled()) {
        transport.close();
        return;
      }
      Throwable exc = t.exception();
      if (exc != null) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("message", "Unhandled exception in client_connected_cb");
        context.put("exception", exc);
        context.put("transport", transport);
        loop.callExceptionHandler(context);
        transport.close();
      }
    });
  }

  private void detach(StreamTransport transport) {
    clients.remove(transport);
    if (clients.isEmpty() && sockets == null) {
      wakeup();
    }
  }

  /** Wakes the waiters once the server is closed and has no client left; waits for the listening socket first. */
  private void wakeup() {
    if (unbound != null && !unbound.done()) {
      // Vert.x closes the listening socket asynchronously: after waitClosed() the port can be bound again
      unbound.addDoneCallback(f -> wakeupNow());
      return;
    }
    wakeupNow();
  }

  private void wakeupNow() {
    List<AsyncFuture<Void>> w = waiters;
    waiters = null;
    if (w != null) {
      for (AsyncFuture<Void> waiter : w) {
        if (!waiter.done()) {
          waiter.setResult(null);
        }
      }
    }
  }

  /** The loop the server belongs to. Python: {@code server.get_loop()} */
  public EventLoop getLoop() {
    return loop;
  }

  /** Whether the server accepts connections. Python: {@code server.is_serving()} */
  public boolean isServing() {
    return serving;
  }

  /**
   * The listening sockets: one, with the bound address and port; none once the server is closed.
   *
   * <p>Python: {@code server.sockets}
   */
  public List<TransportSocket> sockets() {
    return sockets == null ? List.of() : sockets;
  }

  /**
   * Stops listening. The connections already accepted stay open; {@link #waitClosed()} waits for them.
   * Ends a {@link #serveForever()} in progress. Closing a closed server does nothing.
   *
   * <p>Python: {@code server.close()}
   */
  public void close() {
    if (sockets == null) {
      return;
    }
    sockets = null;
    if (listener != null) {
      unbound = loop.wrap(listener.close());
    }
    serving = false;
    if (servingForeverFut != null && !servingForeverFut.done()) {
      servingForeverFut.cancel();
      servingForeverFut = null;
    }
    if (clients.isEmpty()) {
      wakeup();
    }
  }

  /**
   * Closes every connection the server accepted (each sends what it has queued first).
   *
   * <p>Python: {@code server.close_clients()} (3.13)
   */
  public void closeClients() {
    for (StreamTransport t : new ArrayList<>(clients)) {
      t.close();
    }
  }

  /**
   * A coroutine that waits until the server is closed and every connection it accepted is closed, in
   * either order; at once if both have happened.
   *
   * <p>Python: {@code server.wait_closed()} (as 3.12.1 and later fixed it: 3.11 returned at once once the
   * server was closed, with connections still open)
   */
  public Coroutine<Void> waitClosed() {
    return Asyncio.async("Server.wait_closed", () -> {
      if (waiters == null) {
        return;
      }
      AsyncFuture<Void> waiter = loop.createFuture();
      waiters.add(waiter);
      Asyncio.await(waiter);
    });
  }

  /**
   * A coroutine that does nothing more than give up one iteration: the server already serves from the
   * moment {@link Asyncio#startServer} made it.
   *
   * <p>Python: {@code server.start_serving()}
   */
  public Coroutine<Void> startServing() {
    return Asyncio.sleep(0);
  }

  /**
   * A coroutine that serves until it is cancelled or the server is closed; cancelled, it closes the
   * server, waits for {@link #waitClosed()}, and raises {@link CancelledError}.
   *
   * <p>Failure path: {@link IllegalStateException} {@code "server <Server ...> is already being awaited on
   * serve_forever()"} or {@code "server <Server ...> is closed"}.
   *
   * <p>Python: {@code server.serve_forever()}
   */
  public Coroutine<Void> serveForever() {
    return Asyncio.async("Server.serve_forever", () -> {
      if (servingForeverFut != null) {
        throw new IllegalStateException("server " + this + " is already being awaited on serve_forever()");
      }
      if (sockets == null) {
        throw new IllegalStateException("server " + this + " is closed");
      }
      servingForeverFut = loop.createFuture();
      try {
        Asyncio.await(servingForeverFut);
      } catch (CancelledError e) {
        try {
          close();
          Asyncio.await(waitClosed());
        } catch (Throwable ignored) {
          // as Python's "finally: raise": the cancellation is what the caller gets
        }
        throw e;
      } finally {
        servingForeverFut = null;
      }
    });
  }

  /**
   * Runs {@code body} inside the current coroutine, then closes the server and waits for
   * {@link #waitClosed()}, whether the body returned or raised. Returns the body's result.
   *
   * <pre>{@code
   * server.asyncWith(() -> await(server.serveForever()));   // async with server: await server.serve_forever()
   * }</pre>
   *
   * <p>Python: {@code async with server: ...}
   */
  public <T> T asyncWith(CoroutineBody<T> body) {
    return with(body);
  }

  /** {@link #asyncWith(CoroutineBody)} of a body that returns nothing. */
  public void asyncWith(VoidCoroutineBody body) {
    with(body);
  }

  private <T> T with(Object body) {
    try {
      return Bodies.call(body);
    } catch (Exception e) {
      throw Sneaky.rethrow(e);
    } finally {
      close();
      Asyncio.await(waitClosed());
    }
  }

  /** Python's repr: {@code <Server sockets=(...)>}. */
  @Override
  public String toString() {
    return "<Server sockets=" + sockets() + ">";
  }
}
