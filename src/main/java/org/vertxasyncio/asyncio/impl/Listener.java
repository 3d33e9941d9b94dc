package org.vertxasyncio.asyncio.impl;

import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.NetServerInternal;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.vertxasyncio.asyncio.Address;

/**
 * A listening socket of an asyncio server: a Vert.x {@code NetServer} bound on the loop's context, so that
 * its connections' handlers run on the loop's event-loop thread.
 *
 * <p>Closing it stops accepting at once and leaves the connections it accepted open, as asyncio's
 * {@code Server.close()} does: it is Vert.x's graceful shutdown with a grace period longer than any
 * connection, whose shutdown notice the stream transports ignore. Vert.x ends the shutdown when the last
 * of those connections is closed.
 */
public final class Listener {
  /** The grace period of the shutdown that stops listening: in effect, until the connections end. */
  private static final long UNTIL_THE_CONNECTIONS_END_DAYS = 3650;

  private final NetServerInternal server;
  private final Address sockname;

  private Listener(NetServerInternal server, Address sockname) {
    this.server = server;
    this.sockname = sockname;
  }

  /**
   * Listens on {@code host} ({@code null} or empty: every IPv4 interface, {@code 0.0.0.0}; a name is
   * resolved first, and its first address is bound) and {@code port} (0: a free port), handing each new
   * connection to {@code onAccept} on the loop's event-loop thread.
   *
   * @return a future of the listener, failed with the resolver's or the bind's exception
   *     ({@code java.net.BindException: Address already in use}, for one)
   */
  public static Future<Listener> listen(VertxEventLoop loop, String host, int port, Handler<NetSocket> onAccept) {
    ContextInternal context = (ContextInternal) loop.context();
    VertxInternal vertx = context.owner();
    return resolve(vertx, context, host).compose(ip -> {
      NetServerInternal server = vertx.createNetServer(new NetServerOptions());
      server.connectHandler(onAccept);
      return server.listen(context, SocketAddress.inetSocketAddress(port, ip))
          .map(s -> new Listener(server, new Address(ip, server.actualPort())));
    });
  }

  private static Future<String> resolve(VertxInternal vertx, ContextInternal context, String host) {
    if (host == null || host.isEmpty()) {
      return Future.succeededFuture("0.0.0.0");
    }
    if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
      return Future.succeededFuture(NetUtil.toAddressString(NetUtil.createInetAddressFromIpAddressString(host)));
    }
    Promise<String> ip = Promise.promise();
    vertx.nameResolver().resolve(context.nettyEventLoop(), host).addListener(f -> {
      if (f.isSuccess()) {
        ip.complete(NetUtil.toAddressString(((InetSocketAddress) f.getNow()).getAddress()));
      } else {
        ip.fail(f.cause());
      }
    });
    return ip.future();
  }

  /** The address it listens on, with the actual port. */
  public Address sockname() {
    return sockname;
  }

  /**
   * Stops accepting connections; those already accepted stay open.
   *
   * @return a future completed once the listening socket is closed and so are the connections it accepted
   */
  public Future<Void> close() {
    return server.shutdown(UNTIL_THE_CONNECTIONS_END_DAYS, TimeUnit.DAYS);
  }
}
