package org.vertxasyncio.asyncio;

import io.vertx.core.Future;
import java.util.Objects;
import java.util.function.BiFunction;
import org.vertxasyncio.asyncio.impl.StreamTransport;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/** asyncio's {@code streams.py} module functions, which {@link Asyncio} offers. */
final class Streams {
  private Streams() {
  }

  static Coroutine<StreamPair> openConnection(String host, int port, int limit) {
    return Asyncio.async("open_connection", () -> {
      checkAddress(host, port);
      VertxEventLoop loop = (VertxEventLoop) Asyncio.getRunningLoop();
      StreamReader reader = new StreamReader(limit, loop);
      Future<StreamTransport> connecting = StreamTransport.connect(loop, host, port, reader);
      StreamTransport transport;
      try {
        transport = Asyncio.await(connecting);
      } catch (CancelledError e) {
        connecting.onSuccess(StreamTransport::close); // nobody will use it
        throw e;
      }
      return new StreamPair(reader, new StreamWriter(transport, reader, loop));
    });
  }

  static Coroutine<Server> startServer(BiFunction<StreamReader, StreamWriter, Coroutine<?>> clientConnected,
      String host, int port, int limit) {
    Objects.requireNonNull(clientConnected, "clientConnected");
    return Asyncio.async("start_server", () -> {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0-65535, not " + port);
      }
      if (limit <= 0) {
        throw new IllegalArgumentException("Limit cannot be <= 0");
      }
      Server server = new Server((VertxEventLoop) Asyncio.getRunningLoop(), clientConnected, limit);
      return Asyncio.await(server.listen(host, port));
    });
  }

  private static void checkAddress(String host, int port) {
    if (host == null) {
      throw new IllegalArgumentException("host and port was not specified and no sock specified");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535, not " + port);
    }
  }
}
