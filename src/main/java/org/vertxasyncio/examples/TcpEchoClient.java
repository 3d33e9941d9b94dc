package org.vertxasyncio.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.vertxasyncio.asyncio.Asyncio.*;
import static org.vertxasyncio.examples.Repr.repr;

import org.vertxasyncio.asyncio.Coroutine;

/**
 * The TCP echo client of the Python documentation's "Streams" page: connects to 127.0.0.1:8888 (or the
 * port given as the first argument), sends {@code Hello World!}, prints what comes back, and closes.
 * Run {@link TcpEchoServer} first.
 *
 * <p>Python (its original, runnable, is {@code src/test/resources/docs/TcpEchoClient.py}):
 * <pre>{@code
 * async def tcp_echo_client(message):
 *     reader, writer = await asyncio.open_connection(
 *         '127.0.0.1', 8888)
 *
 *     print(f'Send: {message!r}')
 *     writer.write(message.encode())
 *     await writer.drain()
 *
 *     data = await reader.read(100)
 *     print(f'Received: {data.decode()!r}')
 *
 *     print('Close the connection')
 *     writer.close()
 *     await writer.wait_closed()
 *
 * asyncio.run(tcp_echo_client('Hello World!'))
 * }</pre>
 */
public final class TcpEchoClient {
  private TcpEchoClient() {
  }

  static Coroutine<Void> tcpEchoClient(String message, int port) {
    return async(() -> {
      var pair = await(openConnection(
          "127.0.0.1", port));
      var reader = pair.reader();
      var writer = pair.writer();

      System.out.println("Send: " + repr(message));
      writer.write(message.getBytes(UTF_8));
      await(writer.drain());

      byte[] data = await(reader.read(100));
      System.out.println("Received: " + repr(new String(data, UTF_8)));

      System.out.println("Close the connection");
      writer.close();
      await(writer.waitClosed());
    });
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8888; // not in the docs: a port may be given
    run(tcpEchoClient("Hello World!", port));
  }
}
