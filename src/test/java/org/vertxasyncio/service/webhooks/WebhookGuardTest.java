package org.vertxasyncio.service.webhooks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which webhook targets the guard refuses, in every form an address can be written or resolved to. */
public class WebhookGuardTest {
  static final WebhookGuard DEFAULT = new WebhookGuard(List.of(), host -> {
    throw new UnknownHostException(host);
  });

  /** Every blocked range, by a literal in it, and the kind of address the refusal names. */
  public static final Map<String, String> BLOCKED = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>() {
    {
      put("127.0.0.1", "loopback");
      put("127.255.255.254", "loopback");
      put("10.0.0.1", "private");
      put("10.255.255.255", "private");
      put("172.16.0.1", "private");
      put("172.31.255.254", "private");
      put("192.168.0.1", "private");
      put("192.168.255.255", "private");
      put("169.254.169.254", "link-local");
      put("169.254.0.1", "link-local");
      put("100.64.0.1", "shared");
      put("100.127.255.254", "shared");
      put("0.0.0.0", "unspecified");
      put("0.1.2.3", "unspecified");
      put("255.255.255.255", "broadcast");
      put("224.0.0.1", "multicast");
      put("239.255.255.250", "multicast");
      put("240.0.0.1", "reserved");
      put("192.0.2.10", "documentation");
      put("198.51.100.7", "documentation");
      put("203.0.113.9", "documentation");
      put("198.18.0.1", "benchmarking");
      put("192.0.0.8", "IETF");
      put("[::1]", "loopback");
      put("[::]", "unspecified");
      put("[fc00::1]", "unique local");
      put("[fd12:3456:789a::1]", "unique local");
      put("[fe80::1]", "link-local");
      put("[febf:ffff::1]", "link-local");
      put("[fec0::1]", "site-local");
      put("[ff02::1]", "multicast");
      put("[2001:db8::1]", "documentation");
      put("[::ffff:127.0.0.1]", "loopback");
      put("[::ffff:169.254.169.254]", "link-local");
      put("[::ffff:10.1.2.3]", "private");
      put("[::ffff:7f00:1]", "loopback");
      put("[::127.0.0.1]", "loopback");
      put("[::10.0.0.1]", "private");
      put("[64:ff9b::a9fe:a9fe]", "link-local");
      put("[64:ff9b::7f00:1]", "loopback");
      put("[2002:a9fe:a9fe::1]", "link-local");
      put("[2002:c0a8:0101::1]", "private");
      put("2130706433", "loopback");
      put("0x7f000001", "loopback");
      put("0x7f.1", "loopback");
      put("0177.0.0.1", "loopback");
      put("127.1", "loopback");
      put("0xa9.0xfe.0xa9.0xfe", "link-local");
      put("2852039166", "link-local");
      put("0", "unspecified");
    }
  });

  @Test
  void everyBlockedRangeIsRefusedAtSubmissionWhateverTheFormOfTheAddress() {
    for (Map.Entry<String, String> e : BLOCKED.entrySet()) {
      String why = DEFAULT.checkUrl("http://" + e.getKey() + ":8080/hook");
      assertNotNull(why, e.getKey() + " must be refused");
      assertTrue(why.contains(e.getValue()), e.getKey() + ": " + why);
      assertTrue(why.contains("webhooks.allow"), why);
    }
  }

  @Test
  void publicAddressesAndHostNamesPassTheSubmissionCheck() {
    for (String ok : List.of("http://93.184.216.34/", "https://8.8.8.8:8443/x?y=1", "http://[2606:4700::1111]/",
        "http://[::ffff:93.184.216.34]/", "https://hooks.example.com/in", "http://172.32.0.1/", "http://100.128.0.1/",
        "http://169.255.0.1/", "http://192.169.0.1/", "http://11.0.0.1/", "http://[2001:4860::8888]/")) {
      assertNull(DEFAULT.checkUrl(ok), ok);
    }
  }

  @Test
  void onlyHttpAndHttpsWithoutCredentials() {
    for (String bad : List.of("ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "javascript:alert(1)",
        "http://", "http:///x", "//example.com/x", "example.com/x", "http://user:pw@example.com/", "http://user@example.com/",
        "http://example.com/#frag", "http://999.1.1.1/", "http://0x1ffffffff/", "http://08.1.1.1/")) {
      assertNotNull(DEFAULT.checkUrl(bad), bad);
    }
  }

  @Test
  void theAllowListTrustsHostNamesAddressesAndRanges() {
    WebhookGuard g = new WebhookGuard(List.of("127.0.0.1", "10.0.0.0/8", "Hooks.Internal", "[fd00::]/8"), host -> List.of());
    assertNull(g.checkUrl("http://127.0.0.1:9/"));
    assertNotNull(g.checkUrl("http://127.0.0.2:9/"), "one address, not its neighbours");
    assertNull(g.checkUrl("http://10.200.1.1/"));
    assertNull(g.checkUrl("http://[fd00::5]/"));
    assertNotNull(g.checkUrl("http://[fc00::5]/"), "fc00::/8 is not in fd00::/8");
    assertNull(g.checkUrl("http://hooks.internal/"), "host names compare without case");
    assertNotNull(g.checkUrl("http://169.254.169.254/"));
  }

  @Test
  void atDeliveryEveryAddressANameResolvesToIsChecked() throws Exception {
    InetAddress pub = InetAddress.getByName("93.184.216.34");
    InetAddress loop = InetAddress.getByName("127.0.0.1");
    Map<String, List<InetAddress>> dns = Map.of("public.test", List.of(pub), "mixed.test", List.of(pub, loop),
        "meta.test", List.of(InetAddress.getByName("169.254.169.254")), "v6.test", List.of(InetAddress.getByName("::1")));
    WebhookGuard g = new WebhookGuard(List.of(), host -> {
      List<InetAddress> a = dns.get(host);
      if (a == null) {
        throw new UnknownHostException(host);
      }
      return a;
    });
    assertEquals(pub, g.check("public.test").address());
    WebhookGuard.Refused mixed = assertThrows(WebhookGuard.Refused.class, () -> g.check("mixed.test"));
    assertTrue(mixed.getMessage().contains("mixed.test resolves to a loopback address (127.0.0.1)"), mixed.getMessage());
    assertThrows(WebhookGuard.Refused.class, () -> g.check("meta.test"));
    assertThrows(WebhookGuard.Refused.class, () -> g.check("v6.test"));
    assertThrows(WebhookGuard.Refused.class, () -> g.check("127.0.0.1"));
    assertThrows(WebhookGuard.Refused.class, () -> g.check("0x7f.1"), "a numeric host is not sent to the resolver");
    assertThrows(UnknownHostException.class, () -> g.check("nowhere.test"));
  }

  @Test
  void aNameItselfAllowedIsResolvedOnceAndItsAddressUsed() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    List<InetAddress> answers = new ArrayList<>(List.of(InetAddress.getByName("127.0.0.1")));
    WebhookGuard g = new WebhookGuard(List.of("receiver.test"), host -> {
      lookups.incrementAndGet();
      return answers;
    });
    WebhookGuard.Target t = g.check("RECEIVER.test.");
    assertEquals("RECEIVER.test.", t.host(), "the name as written, for the Host header");
    assertEquals(InetAddress.getByName("127.0.0.1"), t.address());
    assertEquals(1, lookups.get());
  }

  @Test
  void inetAtonFormsAreReadAsAResolverReadsThem() {
    assertArrayEquals(new byte[] {127, 0, 0, 1}, WebhookGuard.numericHost("2130706433"));
    assertArrayEquals(new byte[] {127, 0, 0, 1}, WebhookGuard.numericHost("127.1"));
    assertArrayEquals(new byte[] {127, 0, 0, 1}, WebhookGuard.numericHost("0x7f.0.1"));
    assertArrayEquals(new byte[] {127, 0, 0, 1}, WebhookGuard.numericHost("0177.0.0.01"));
    assertArrayEquals(new byte[] {10, 1, 0, 2}, WebhookGuard.numericHost("10.1.2"));
    assertNull(WebhookGuard.numericHost("example.com"));
    assertNull(WebhookGuard.numericHost("1.2.3.4.5"), "five parts: a name, left to the resolver");
    assertThrows(IllegalArgumentException.class, () -> WebhookGuard.numericHost("256.1.1.1"));
  }

  @Test
  void allowEntriesThatAreNeitherNamesNorRangesAreRefused() {
    for (String bad : List.of("10.0.0.0/33", "::1/129", "http://x", "a b", "10.0.0.0/x")) {
      assertThrows(IllegalArgumentException.class, () -> new WebhookGuard(List.of(bad), h -> List.of()), bad);
    }
  }
}
