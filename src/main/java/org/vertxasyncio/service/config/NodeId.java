package org.vertxasyncio.service.config;

import java.net.InetAddress;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * This node's name ({@code node.id}): what the start log line, each task's {@code node}, {@code /health}
 * and the {@code node} tag of the service's metrics say. Set, it is taken as it is; empty, it is the host
 * name, {@code http.port} (when not 0) and a random 4-hex suffix: {@code web1-8080-3fa2}, a new one at
 * each start.
 *
 * <p>A name is 1 to {@value #MAX_LENGTH} of {@code A-Z a-z 0-9 . _ -}. The host name is looked up once per
 * process (the first call, which {@code Main} makes before any event loop runs).
 */
public final class NodeId {
  /** The longest node id. */
  public static final int MAX_LENGTH = 64;
  /** What a node id is made of. */
  public static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_LENGTH + "}");

  private static volatile String hostName;

  private NodeId() {
  }

  /** The node id of a service with {@code config}: {@code node.id}, or a default made now. */
  public static String of(ServiceConfig config) {
    String set = config.get(ConfigKeys.NODE_ID);
    return set.isEmpty() ? defaultFor(config.httpPort) : set;
  }

  /** A default node id: the host name, {@code port} (unless 0) and a random 4-hex suffix, within {@link #MAX_LENGTH}. */
  public static String defaultFor(int port) {
    return defaultFor(hostName(), port);
  }

  /** A default node id on a host named {@code host} (as {@link #clean} leaves it). */
  static String defaultFor(String host, int port) {
    String tail = (port == 0 ? "" : "-" + port) + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    return host.substring(0, Math.min(host.length(), MAX_LENGTH - tail.length())) + tail;
  }

  /**
   * The short host name (up to its first dot), its characters outside a node id's replaced by {@code -};
   * {@code node} when it cannot be found. From {@code HOSTNAME} when set (containers set it), else the system.
   */
  public static String hostName() {
    String h = hostName;
    if (h == null) {
      h = System.getenv("HOSTNAME");
      if (h == null || h.isBlank()) {
        try {
          h = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException | RuntimeException e) {
          h = "";
        }
      }
      h = clean(h);
      hostName = h;
    }
    return h;
  }

  /** {@code name} as the start of a node id: up to its first dot, outside characters as {@code -}. */
  static String clean(String name) {
    String s = name.trim();
    int dot = s.indexOf('.');
    if (dot > 0) {
      s = s.substring(0, dot);
    }
    s = s.replaceAll("[^A-Za-z0-9_-]", "-");
    return s.isEmpty() ? "node" : s;
  }
}
