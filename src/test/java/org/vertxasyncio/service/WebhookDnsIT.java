package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSRF through DNS names, against the packaged service: its resolver reads a hosts file written here
 * ({@code -Djdk.net.hosts.file}), in which names point at loopback, the cloud metadata address, private,
 * shared and IPv6 internal addresses, and one name at a public and a loopback address both. Each webhook
 * is accepted at submission (a name says nothing yet), then refused at delivery without a connection
 * and without retries; the one name {@code webhooks.allow} trusts is delivered, to the address it
 * resolved to, with its name in the {@code Host} header.
 */
class WebhookDnsIT {
  @TempDir
  Path dir;

  static final Map<String, String> REFUSED = Map.of(
      "loop.test", "loopback address (127.0.0.1)",
      "metadata.test", "link-local address (169.254.169.254)",
      "intranet.test", "private address (10.1.2.3)",
      "home.test", "private address (192.168.1.20)",
      "cgnat.test", "shared (carrier-grade NAT) address (100.64.0.7)",
      "loop6.test", "loopback address (0:0:0:0:0:0:0:1)",
      "ula.test", "private (unique local) address (fd00:0:0:0:0:0:0:5)",
      "mapped.test", "loopback address (127.0.0.1)",
      "mixed.test", "loopback address (127.0.0.1)");

  @Test
  void namesThatResolveToInternalAddressesAreRefusedAtDelivery() throws Exception {
    Map<String, String> hostHeaders = new ConcurrentHashMap<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", ex -> {
      hostHeaders.put(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Host"));
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    receiver.start();
    Path hosts = dir.resolve("hosts");
    Files.writeString(hosts, String.join("\n",
        "127.0.0.1 loop.test receiver.test",
        "169.254.169.254 metadata.test",
        "10.1.2.3 intranet.test",
        "192.168.1.20 home.test",
        "100.64.0.7 cgnat.test",
        "::1 loop6.test",
        "fd00::5 ula.test",
        "::ffff:127.0.0.1 mapped.test",
        "93.184.216.34 mixed.test",
        "127.0.0.1 mixed.test", ""));
    Path config = dir.resolve("config.json");
    Files.writeString(config, new JsonObject().put("http.host", "127.0.0.1").put("http.port", 0).put("store.path", dir.resolve("data").toString())
        .put("webhooks.allow", "receiver.test").put("webhook.retry.attempts", 3).put("webhook.retry.backoff.initial", 0.05)
        .put("shutdown.timeout", 2).encodePrettily());
    ShutdownUnderLoadIT.Jar jar = ShutdownUnderLoadIT.Jar.start(config, dir.resolve("service.log"), "-Djdk.net.hosts.file=" + hosts);
    try {
      int port = jar.port();
      int hookPort = receiver.getAddress().getPort();
      Map<String, String> ids = new ConcurrentHashMap<>();
      for (String name : List.of("receiver.test", "loop.test", "metadata.test", "intranet.test", "home.test", "cgnat.test", "loop6.test",
          "ula.test", "mapped.test", "mixed.test")) {
        String spec = new JsonObject().put("kind", "sleep").put("seconds", 0).put("callbacks", new JsonArray()
            .add(new JsonObject().put("url", "http://" + name + ":" + hookPort + "/" + name))).encode();
        String[] r = ShutdownUnderLoadIT.exchange(port, "POST", "/tasks", spec);
        assertEquals("201", r[0], name + ": a name is accepted at submission: " + r[1]);
        ids.put(name, new JsonObject(r[1]).getString("id"));
      }
      int refused = 0;
      for (Map.Entry<String, String> e : ids.entrySet()) {
        JsonObject entry = settled(port, e.getValue());
        JsonArray attempts = entry.getJsonArray("attempts");
        if (e.getKey().equals("receiver.test")) {
          assertEquals("delivered", entry.getString("outcome"), entry.encode());
          continue;
        }
        assertEquals("refused", entry.getString("outcome"), e.getKey() + ": " + entry.encode());
        assertEquals(1, attempts.size(), "not retried: " + entry.encode());
        String error = attempts.getJsonObject(0).getString("error");
        assertTrue(error.startsWith("refused: " + e.getKey() + " resolves to a " + REFUSED.get(e.getKey())), error);
        refused++;
      }
      System.out.println("SSRF attempts through DNS names refused at delivery: " + refused);
      assertEquals(Map.of("/receiver.test", "receiver.test:" + hookPort), hostHeaders,
          "only the trusted name reached the receiver, with its name in Host");
    } finally {
      jar.process().destroy();
      jar.process().waitFor(20, TimeUnit.SECONDS);
      jar.kill();
      receiver.stop(0);
    }
  }

  /** The task's webhook entry once it is no longer pending. */
  static JsonObject settled(int port, String id) {
    JsonArray log = eventually("the webhook is no longer pending", Duration.ofSeconds(20),
        () -> new JsonObject(ShutdownUnderLoadIT.exchange(port, "GET", "/tasks/" + id, null)[1]).getJsonArray("callbacks"),
        l -> l.size() > 1 && !"pending".equals(l.getJsonObject(1).getString("outcome")));
    return log.getJsonObject(1);
  }
}
