package org.vertxasyncio.service.webhooks;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The webhook targets a deployment trusts although they are internal ({@code webhooks.allow}): host names
 * (matched as written, case and a final dot aside) and address ranges (a bare address is a range of one).
 * Read once, with the configuration; the {@link WebhookGuard} consults it. Immutable.
 *
 * @param entries the entries as written, trimmed, empty ones left out
 */
public record AllowList(List<String> entries, Set<String> hosts, List<AddressRange> ranges) {
  /** Trusts nothing beyond the public internet. */
  public static final AllowList NONE = new AllowList(List.of(), Set.of(), List.of());

  public AllowList {
    entries = List.copyOf(entries);
    hosts = Set.copyOf(hosts);
    ranges = List.copyOf(ranges);
  }

  /**
   * Reads host names, IP addresses ({@code 127.0.0.1}, {@code [::1]}) and CIDR ranges ({@code 10.0.0.0/8}).
   *
   * @throws IllegalArgumentException for an entry that is none of these, naming it
   */
  public static AllowList parse(List<String> allow) {
    List<String> entries = new ArrayList<>();
    Set<String> hosts = new TreeSet<>();
    List<AddressRange> ranges = new ArrayList<>();
    for (String entry : allow) {
      String e = entry.trim();
      if (e.isEmpty()) {
        continue;
      }
      String bare = e.startsWith("[") ? e.substring(1, e.indexOf(']') < 0 ? e.length() : e.indexOf(']')) : e;
      if (e.contains("/") || AddressRange.isLiteral(bare)) {
        ranges.add(AddressRange.parse(e));
      } else if (e.matches("[A-Za-z0-9_.-]+")) {
        hosts.add(WebhookGuard.normalHost(e));
      } else {
        throw new IllegalArgumentException("'" + e + "' is not a host name, an IP address or a CIDR range");
      }
      entries.add(e);
    }
    return new AllowList(entries, hosts, ranges);
  }

  /** True if {@code host} (normalised: lower case, no final dot) is trusted by name. */
  boolean allowsHost(String host) {
    return hosts.contains(host);
  }

  /** True if the address ({@code 4} or {@code 16} bytes) lies in a trusted range. */
  boolean allowsAddress(byte[] address) {
    for (AddressRange r : ranges) {
      if (r.contains(address)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return String.join(",", entries);
  }
}
