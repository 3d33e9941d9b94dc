package org.vertxasyncio.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.stream.Collectors.joining;
import static org.vertxasyncio.asyncio.Asyncio.*;
import static org.vertxasyncio.examples.Repr.repr;

import org.vertxasyncio.asyncio.Address;
import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.Server;
import org.vertxasyncio.asyncio.StreamReader;
import org.vertxasyncio.asyncio.StreamWriter;

/**
 * The TCP echo server of the Python documentation's "Streams" page: listens on 127.0.0.1:8888 (or the port
 * given as the first argument; 0 takes a free one, which the first line shows), and for each connection
 * reads up to 100 bytes, prints them and who sent them, sends them back and closes. It serves until it is
 * stopped (Ctrl-C).
 *
 * <p>Python (its original, runnable, is {@code src/test/resources/docs/TcpEchoServer.py}):
 * <pre>{@code
 * async def handle_echo(reader, writer):
 *     data = await reader.read(100)
 *     message = data.decode()
 *     addr = writer.get_extra_info('peername')
 *
 *     print(f"Received {message!r} from {addr!r}")
 *
 *     print(f"Send: {message!r}")
 *     writer.write(data)
 *     await writer.drain()
 *
 *     print("Close the connection")
 *     writer.close()
 *     await writer.wait_closed()
 *
 * async def main():
 *     server = await asyncio.start_server(
 *         handle_echo, '127.0.0.1', 8888)
 *
 *     addrs = ', '.join(str(sock.getsockname()) for sock in server.sockets)
 *     print(f'Serving on {addrs}')
 *
 *     async with server:
 *         await server.serve_forever()
 *
 * asyncio.run(main())
 * }</pre>
 */
public final class TcpEchoServer {
  private TcpEchoServer() {
  }

  static Coroutine<Void> handleEcho(StreamReader reader, StreamWriter writer) {
    return async(() -> {
      byte[] data = await(reader.read(100));
      String message = new String(data, UTF_8);
      Address addr = writer.getExtraInfo("peername");

      System.out.println("Received " + repr(message) + " from " + repr(addr));

      System.out.println("Send: " + repr(message));
      writer.write(data);
      await(writer.drain());

      System.out.println("Close the connection");
      writer.close();
      await(writer.waitClosed());
    });
  }

  static Coroutine<Void> main(int port) {
    return async(() -> {
      Server server = await(startServer(
          TcpEchoServer::handleEcho, "127.0.0.1", port));

      String addrs = server.sockets().stream().map(sock -> String.valueOf(sock.getsockname())).collect(joining(", "));
      System.out.println("Serving on " + addrs);

      server.asyncWith(() ->
          await(server.serveForever()));
    });
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8888; // not in the docs: a port may be given
    run(main(port));
  }
}
