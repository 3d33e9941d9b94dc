package org.vertxasyncio.service.webhooks;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Where webhooks may go: the guard against server-side request forgery. By default a webhook may not
 * target an address that is loopback, private (RFC 1918, RFC 4193), link-local (the cloud metadata
 * service 169.254.169.254 among them), shared (CGNAT 100.64.0.0/10), multicast, unspecified, broadcast,
 * reserved or for documentation, nor an IPv6 address that embeds such an IPv4 address (IPv4-mapped,
 * IPv4-compatible, NAT64, 6to4). {@code webhooks.allow} lists the host names, addresses and CIDR ranges a
 * deployment trusts all the same (its own receivers on a private network, or a test's on loopback).
 *
 * <p>The check happens twice. At submission ({@link #checkUrl}): the scheme must be http or https, the URL
 * may not carry credentials, and a host that is a literal address (in any of the forms a resolver takes:
 * {@code 127.0.0.1}, {@code [::1]}, {@code 2130706433}, {@code 0x7f.1}) must be allowed. At delivery
 * ({@link #check}): the host is resolved once, every address it resolves to must be allowed, and the
 * caller connects to the address that was checked (never resolving the name again), so a name that
 * answers differently the second time (DNS rebinding) gains nothing.
 *
 * <p>Thread-safe and immutable: the service builds one, at start-up, and hands it to what checks URLs
 * (the task specs) and what connects (the {@link WebhookClient}).
 */
public final class WebhookGuard {
  /** Resolves a host name to all its addresses (the JDK's resolver by default). */
  public interface Resolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /** A target that may not be reached, and why. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    public Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** A target that passed: the host as written, and the checked address to connect to. */
  public record Target(String host, InetAddress address) {
  }

  private record Blocked(AddressRange range, String what) {
  }

  private static final List<Blocked> BLOCKED_V4 = List.of(
      new Blocked(AddressRange.parse("0.0.0.0/8"), "unspecified"),
      new Blocked(AddressRange.parse("10.0.0.0/8"), "private"),
      new Blocked(AddressRange.parse("100.64.0.0/10"), "shared (carrier-grade NAT)"),
      new Blocked(AddressRange.parse("127.0.0.0/8"), "loopback"),
      new Blocked(AddressRange.parse("169.254.0.0/16"), "link-local"),
      new Blocked(AddressRange.parse("172.16.0.0/12"), "private"),
      new Blocked(AddressRange.parse("192.0.0.0/24"), "reserved (IETF protocol assignments)"),
      new Blocked(AddressRange.parse("192.0.2.0/24"), "reserved (documentation)"),
      new Blocked(AddressRange.parse("192.88.99.0/24"), "reserved (6to4 relay)"),
      new Blocked(AddressRange.parse("192.168.0.0/16"), "private"),
      new Blocked(AddressRange.parse("198.18.0.0/15"), "reserved (benchmarking)"),
      new Blocked(AddressRange.parse("198.51.100.0/24"), "reserved (documentation)"),
      new Blocked(AddressRange.parse("203.0.113.0/24"), "reserved (documentation)"),
      new Blocked(AddressRange.parse("224.0.0.0/4"), "multicast"),
      new Blocked(AddressRange.parse("255.255.255.255/32"), "broadcast"),
      new Blocked(AddressRange.parse("240.0.0.0/4"), "reserved"));

  private static final List<Blocked> BLOCKED_V6 = List.of(
      new Blocked(AddressRange.parse("::/128"), "unspecified"),
      new Blocked(AddressRange.parse("::1/128"), "loopback"),
      new Blocked(AddressRange.parse("100::/64"), "reserved (discard-only)"),
      new Blocked(AddressRange.parse("2001::/32"), "reserved (Teredo)"),
      new Blocked(AddressRange.parse("2001:db8::/32"), "reserved (documentation)"),
      new Blocked(AddressRange.parse("fc00::/7"), "private (unique local)"),
      new Blocked(AddressRange.parse("fe80::/10"), "link-local"),
      new Blocked(AddressRange.parse("fec0::/10"), "site-local"),
      new Blocked(AddressRange.parse("ff00::/8"), "multicast"));

  /** The JDK's resolver ({@link InetAddress#getAllByName}). */
  public static final Resolver SYSTEM_RESOLVER = host -> List.of(InetAddress.getAllByName(host));

  private final AllowList allow;
  private final Resolver resolver;

  /**
   * @param allow    the targets trusted although internal ({@code webhooks.allow})
   * @param resolver how host names are resolved at delivery
   */
  public WebhookGuard(AllowList allow, Resolver resolver) {
    this.allow = allow;
    this.resolver = resolver;
  }

  /**
   * @param allow host names, addresses and CIDR ranges that are trusted
   * @throws IllegalArgumentException for an entry that is neither a host name nor an address or range
   */
  public WebhookGuard(List<String> allow, Resolver resolver) {
    this(AllowList.parse(allow), resolver);
  }

  /** A guard that resolves with the JDK ({@link #SYSTEM_RESOLVER}). */
  public static WebhookGuard withSystemResolver(AllowList allow) {
    return new WebhookGuard(allow, SYSTEM_RESOLVER);
  }

  /** A guard that resolves with the JDK; {@code allow} as {@link AllowList#parse} reads it. */
  public static WebhookGuard withSystemResolver(List<String> allow) {
    return withSystemResolver(AllowList.parse(allow));
  }

  /**
   * The check at submission, resolving nothing.
   *
   * @return null if the URL may be submitted, else the reason it may not ("must be an absolute http or
   *     https URL", "targets a loopback address (127.0.0.1)")
   */
  public String checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "must be an absolute http or https URL";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https"))) {
      return "must be an absolute http or https URL";
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      // java.net.URI takes 0x7f.1 for no host (its last label is not a name); a resolver takes it for 127.0.0.1
      String numeric = numericAuthority(uri.getRawAuthority());
      if (numeric != null) {
        byte[] b;
        try {
          b = numericHost(numeric);
        } catch (IllegalArgumentException e) {
          return "must be an absolute http or https URL (" + e.getMessage() + ")";
        }
        String why = b == null ? null : refusalOfBytes(b);
        if (why != null) {
          return "targets " + why + ", which webhooks may not reach (webhooks.allow lists the trusted ones)";
        }
      }
      return "must be an absolute http or https URL";
    }
    if (uri.getRawUserInfo() != null) {
      return "must not carry credentials (user:password@); sign deliveries with a secret instead";
    }
    if (uri.getFragment() != null) {
      return "must not have a fragment (#...)";
    }
    String host = normalHost(uri.getHost());
    if (allow.allowsHost(host)) {
      return null;
    }
    byte[] literal;
    try {
      literal = numericHost(host);
    } catch (IllegalArgumentException e) {
      return "must be an absolute http or https URL (" + e.getMessage() + ")";
    }
    if (literal != null) {
      try {
        InetAddress a = InetAddress.getByAddress(literal);
        String why = refusal(a);
        return why == null ? null : "targets " + why + ", which webhooks may not reach (webhooks.allow lists the trusted ones)";
      } catch (UnknownHostException e) {
        return "must be an absolute http or https URL";
      }
    }
    return null;
  }

  /**
   * The check at delivery: resolves {@code host} once and checks every address it resolves to.
   * Blocking (it may ask DNS): call it off the event loop.
   *
   * @return the address to connect to
   * @throws Refused when the host or one of its addresses may not be reached
   * @throws UnknownHostException when the host does not resolve
   */
  public Target check(String host) throws Refused, UnknownHostException {
    String h = normalHost(host);
    byte[] literal;
    try {
      literal = numericHost(h);
    } catch (IllegalArgumentException e) {
      throw new UnknownHostException(host + ": " + e.getMessage());
    }
    List<InetAddress> addresses = literal != null ? List.of(InetAddress.getByAddress(literal)) : resolver.resolve(h);
    if (addresses.isEmpty()) {
      throw new UnknownHostException(host + ": no addresses");
    }
    if (!allow.allowsHost(h)) {
      for (InetAddress a : addresses) {
        String why = refusal(a);
        if (why != null) {
          throw new Refused("refused: " + (literal != null ? host + " is " : host + " resolves to ") + why
              + ", which webhooks may not reach (webhooks.allow)");
        }
      }
    }
    return new Target(host, addresses.get(0));
  }

  /** The host of an authority ({@code user@host:port}) if it is numeric, else null. */
  private static String numericAuthority(String authority) {
    if (authority == null) {
      return null;
    }
    String a = authority.substring(authority.lastIndexOf('@') + 1);
    int colon = a.lastIndexOf(':');
    String host = colon >= 0 && !a.startsWith("[") ? a.substring(0, colon) : a;
    return host.matches("[0-9A-Fa-fxX.]+") ? host : null;
  }

  private String refusalOfBytes(byte[] b) {
    try {
      return refusal(InetAddress.getByAddress(b));
    } catch (UnknownHostException e) {
      return "an invalid address";
    }
  }

  /**
   * Why {@code a} may not be reached ("a loopback address (127.0.0.1)"), or null if it may: allowed by
   * a range of {@code webhooks.allow}, or public.
   */
  public String refusal(InetAddress a) {
    byte[] b = a.getAddress();
    if (allow.allowsAddress(b)) {
      return null;
    }
    String what = blocked(b);
    return what == null ? null : (what.matches("[aeiou].*") ? "an " : "a ") + what + " address (" + a.getHostAddress() + ")";
  }

  /** The kind of blocked address {@code b} is (4 or 16 bytes), or null for a public one. */
  static String blocked(byte[] b) {
    if (b.length == 4) {
      for (Blocked x : BLOCKED_V4) {
        if (x.range().contains(b)) {
          return x.what();
        }
      }
      return null;
    }
    byte[] v4 = embeddedV4(b);
    if (v4 != null) {
      String inner = blocked(v4);
      return inner == null ? null : inner + " IPv4 inside IPv6";
    }
    for (Blocked x : BLOCKED_V6) {
      if (x.range().contains(b)) {
        return x.what();
      }
    }
    return null;
  }

  private static final AddressRange MAPPED = AddressRange.parse("::ffff:0:0/96");
  private static final AddressRange COMPATIBLE = AddressRange.parse("::/96");
  private static final AddressRange NAT64 = AddressRange.parse("64:ff9b::/96");
  private static final AddressRange NAT64_LOCAL = AddressRange.parse("64:ff9b:1::/48");
  private static final AddressRange SIX_TO_FOUR = AddressRange.parse("2002::/16");

  /** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), or null. */
  private static byte[] embeddedV4(byte[] b) {
    if (MAPPED.contains(b) || NAT64.contains(b) || NAT64_LOCAL.contains(b)
        || (COMPATIBLE.contains(b) && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] == 0 || b[15] == 1)))) {
      return new byte[] {b[12], b[13], b[14], b[15]};
    }
    if (SIX_TO_FOUR.contains(b)) {
      return new byte[] {b[2], b[3], b[4], b[5]};
    }
    return null;
  }

  /** Lower case, without the brackets of an IPv6 literal nor a trailing dot. */
  static String normalHost(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    while (h.endsWith(".") && h.length() > 1) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }

  /**
   * The address a numeric host stands for, in every form a C resolver reads as an address: a dotted
   * quad, an IPv6 literal, and the legacy inet_aton forms (one to four parts, each decimal, octal with a
   * leading 0, or hex with 0x: {@code 2130706433}, {@code 0x7f.1}, {@code 0177.0.0.1}, {@code 127.1}).
   * Null for a host name.
   *
   * @throws IllegalArgumentException for a numeric host that is no address ({@code 999.1.1.1})
   */
  static byte[] numericHost(String host) {
    byte[] b = AddressRange.literal(host);
    if (b != null) {
      return b;
    }
    if (!host.matches("(0[xX][0-9A-Fa-f]*|\\d+)(\\.(0[xX][0-9A-Fa-f]*|\\d+)){0,3}\\.?")) {
      return null;
    }
    String[] parts = host.endsWith(".") ? host.substring(0, host.length() - 1).split("\\.") : host.split("\\.");
    long[] v = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      try {
        if (p.startsWith("0x") || p.startsWith("0X")) {
          v[i] = p.length() == 2 ? 0 : Long.parseLong(p.substring(2), 16);
        } else if (p.length() > 1 && p.startsWith("0")) {
          v[i] = Long.parseLong(p, 8);
        } else {
          v[i] = Long.parseLong(p);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("the numeric host " + host + " is not an address");
      }
    }
    long value = 0;
    int n = v.length;
    for (int i = 0; i < n - 1; i++) {
      if (v[i] > 255) {
        throw new IllegalArgumentException("the numeric host " + host + " is not an address");
      }
      value = (value << 8) | v[i];
    }
    long last = v[n - 1];
    int lastBits = 8 * (5 - n);
    if (last >= (1L << lastBits)) {
      throw new IllegalArgumentException("the numeric host " + host + " is not an address");
    }
    value = (value << lastBits) | last;
    return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
  }
}
