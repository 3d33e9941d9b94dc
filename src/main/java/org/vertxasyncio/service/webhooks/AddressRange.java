package org.vertxasyncio.service.webhooks;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A CIDR range of IPv4 or IPv6 addresses ({@code 10.0.0.0/8}, {@code fc00::/7}); a single address is a
 * range of one. An IPv4 range never contains an IPv6 address nor the reverse: mapped and embedded
 * IPv4 addresses are unwrapped by {@link WebhookGuard} before they are tested.
 */
public final class AddressRange {
  private final byte[] network;
  private final int prefix;
  private final String text;

  private AddressRange(byte[] network, int prefix, String text) {
    this.network = network;
    this.prefix = prefix;
    this.text = text;
  }

  /**
   * Parses {@code 192.168.0.0/16}, {@code 127.0.0.1}, {@code ::1}, {@code [::1]}, {@code fe80::/10}.
   * Only literal addresses are read: nothing is resolved. An IPv4-mapped IPv6 range stays IPv6.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static AddressRange parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String addr = slash < 0 ? t : t.substring(0, slash);
    if (addr.startsWith("[") && addr.endsWith("]")) {
      addr = addr.substring(1, addr.length() - 1);
    }
    byte[] bytes = literal(addr);
    if (bytes == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range");
    }
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String p = t.substring(slash + 1);
      if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > bits) {
        throw new IllegalArgumentException("'" + text + "': the prefix length must be 0 to " + bits);
      }
      prefix = Integer.parseInt(p);
    }
    return new AddressRange(mask(bytes, prefix), prefix, t);
  }

  /** True if {@code t} is an IPv4 dotted quad or an IPv6 address (not a host name). */
  public static boolean isLiteral(String t) {
    return literal(t) != null;
  }

  /**
   * The bytes of a literal address, or null. IPv4 must be a dotted quad of decimal numbers without
   * leading zeros (a resolver reads {@code 010} as octal: such forms are left to
   * {@link WebhookGuard#numericHost}); IPv6 may hold a zone ({@code fe80::1%eth0}, ignored) and an IPv4
   * tail.
   */
  static byte[] literal(String t) {
    if (t.isEmpty()) {
      return null;
    }
    if (t.matches("(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}")) {
      String[] parts = t.split("\\.");
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        int v = Integer.parseInt(parts[i]);
        if (v > 255) {
          return null;
        }
        b[i] = (byte) v;
      }
      return b;
    }
    if (t.indexOf(':') >= 0) {
      return ipv6(t.contains("%") ? t.substring(0, t.indexOf('%')) : t);
    }
    return null;
  }

  /**
   * The 16 bytes of an IPv6 literal, or null. Parsed here rather than by {@link InetAddress}, which turns
   * an IPv4-mapped address into 4 bytes and so hides what was written.
   */
  private static byte[] ipv6(String t) {
    if (!t.matches("[0-9A-Fa-f:.]{2,45}")) {
      return null;
    }
    int gap = t.indexOf("::");
    if (gap >= 0 && t.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    String head = gap >= 0 ? t.substring(0, gap) : t;
    String tail = gap >= 0 ? t.substring(gap + 2) : "";
    List<Integer> front = groups(head);
    List<Integer> back = groups(tail);
    if (front == null || back == null) {
      return null;
    }
    int n = front.size() + back.size();
    if (gap < 0 ? n != 8 : n > 7) {
      return null;
    }
    byte[] b = new byte[16];
    int i = 0;
    for (int g : front) {
      b[i++] = (byte) (g >>> 8);
      b[i++] = (byte) g;
    }
    i = 16 - back.size() * 2;
    for (int g : back) {
      b[i++] = (byte) (g >>> 8);
      b[i++] = (byte) g;
    }
    return b;
  }

  /** The 16-bit groups of part of an IPv6 literal, a dotted IPv4 tail counting as two; null if malformed. */
  private static List<Integer> groups(String part) {
    List<Integer> out = new ArrayList<>();
    if (part.isEmpty()) {
      return out;
    }
    String[] gs = part.split(":", -1);
    for (int i = 0; i < gs.length; i++) {
      String g = gs[i];
      if (i == gs.length - 1 && g.contains(".")) {
        byte[] v4 = literal(g);
        if (v4 == null) {
          return null;
        }
        out.add(((v4[0] & 0xff) << 8) | (v4[1] & 0xff));
        out.add(((v4[2] & 0xff) << 8) | (v4[3] & 0xff));
      } else if (g.matches("[0-9A-Fa-f]{1,4}")) {
        out.add(Integer.parseInt(g, 16));
      } else {
        return null;
      }
    }
    return out;
  }

  /** True if {@code address} (4 or 16 bytes) lies in this range. */
  public boolean contains(byte[] address) {
    if (address.length != network.length) {
      return false;
    }
    return Arrays.equals(mask(address, prefix), network);
  }

  public boolean contains(InetAddress a) {
    return contains(a.getAddress());
  }

  private static byte[] mask(byte[] b, int prefix) {
    byte[] out = b.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] = (byte) (out[i] & (0xff << (8 - keep)));
    }
    return out;
  }

  @Override
  public String toString() {
    return text;
  }
}
