package org.vertxasyncio.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of a server (the service, PostgreSQL), so a test can take the network away
 * from a client while the server lives on: {@link #cut()} closes every connection and stops listening (the
 * client sees its connections break and new ones refused), {@link #restore()} listens again on the same port.
 */
public final class TcpProxy implements AutoCloseable {
  private final int targetPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket server;
  private final int port;

  public TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = listen(0);
    this.port = server.getLocalPort();
    accept(server);
  }

  public int port() {
    return port;
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return s;
  }

  private void accept(ServerSocket s) {
    Thread t = new Thread(() -> {
      while (!s.isClosed()) {
        try {
          Socket client = s.accept();
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
          client.setTcpNoDelay(true);
          upstream.setTcpNoDelay(true);
          sockets.add(client);
          sockets.add(upstream);
          pump(client, upstream);
          pump(upstream, client);
        } catch (IOException e) {
          // closed by cut(), or the target refused: the client's socket is dropped
        }
      }
    }, "proxy-accept-" + port());
    t.setDaemon(true);
    t.start();
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16384];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed
      } finally {
        close(from);
        close(to);
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void close(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  /** Drops every connection and stops listening: to the browser, the server is gone. */
  public void cut() throws IOException {
    server.close();
    for (Socket s : Set.copyOf(sockets)) {
      close(s);
    }
  }

  /** Listens again on the same port. */
  public void restore() throws IOException {
    ServerSocket s = listen(port);
    server = s;
    accept(s);
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
