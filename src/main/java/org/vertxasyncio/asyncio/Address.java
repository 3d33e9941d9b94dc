package org.vertxasyncio.asyncio;

import java.net.InetSocketAddress;

/**
 * A socket's address as asyncio gives it ({@code get_extra_info("peername")}, {@code "sockname"},
 * {@link TransportSocket#getsockname()}): the host as a numeric address and the port. It prints as Python
 * prints the tuple: {@code ('127.0.0.1', 8888)}, and for IPv6 {@code ('::1', 8888, 0, 0)}.
 *
 * <p>Python: the {@code (host, port)} tuple of {@code AF_INET} (for {@code AF_INET6}:
 * {@code (host, port, flowinfo, scope_id)})
 *
 * @param host the numeric address, IPv6 in its compressed form ({@code ::1})
 * @param port the port
 */
public record Address(String host, int port) {

  /** The address as a {@link InetSocketAddress} (numeric: nothing is resolved). */
  public InetSocketAddress toInetSocketAddress() {
    return new InetSocketAddress(host, port);
  }

  /** Python's repr of the tuple. */
  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "('" + host + "', " + port + ", 0, 0)" : "('" + host + "', " + port + ")";
  }
}
