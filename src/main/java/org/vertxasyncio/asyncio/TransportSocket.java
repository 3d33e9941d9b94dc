package org.vertxasyncio.asyncio;

/**
 * A listening socket of a {@link Server}, as {@link Server#sockets()} lists them.
 *
 * <p>Python: {@code asyncio.trsock.TransportSocket}
 */
public final class TransportSocket {
  private final Address sockname;

  TransportSocket(Address sockname) {
    this.sockname = sockname;
  }

  /**
   * The address the socket listens on: the bound address and the port (the actual one when the server
   * was started on port 0).
   *
   * <p>Python: {@code sock.getsockname()}
   */
  public Address getsockname() {
    return sockname;
  }

  @Override
  public String toString() {
    return "<TransportSocket laddr=" + sockname + ">";
  }
}
