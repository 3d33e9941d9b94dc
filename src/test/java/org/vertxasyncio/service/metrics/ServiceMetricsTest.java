package org.vertxasyncio.service.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.ServiceHarness;

/**
 * The service's meters on a real service: every meter is registered once, whatever the traffic (many
 * connections, requests, webhook deliveries), so Micrometer has nothing to warn about; and the HTTP
 * server's open connections and requests in flight are still measured.
 */
class ServiceMetricsTest {

  @Test
  void noMeterIsRegisteredTwiceWhileTheServiceStartsServesAndDeliversWebhooks() throws Exception {
    // Micrometer warns once per JVM, then logs at DEBUG: listen at DEBUG, so earlier tests cannot hide it
    Logger micrometer = (Logger) LoggerFactory.getLogger(MeterRegistry.class);
    Level before = micrometer.getLevel();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    micrometer.addAppender(logs);
    micrometer.setLevel(Level.DEBUG);
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    receiver.start();
    try (ServiceHarness svc = ServiceHarness.start(Map.of("webhooks.allow", "127.0.0.1"))) {
      String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
      for (int i = 0; i < 3; i++) {
        // a new client each time: new connections to the service, new ones to the receiver
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (String path : List.of("/health", "/ready", "/tasks", "/loops", "/metrics")) {
          HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(svc.url(path))).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
          assertEquals(200, r.statusCode(), path);
        }
        JsonObject t = svc.submitAndWait(sleep(0).put("callbacks", new JsonArray().add(new JsonObject().put("url", hook))), 10);
        assertEquals("finished", t.getString("state"));
        client.close();
      }
      List<String> twice = logs.list.stream().map(ILoggingEvent::getFormattedMessage).filter(s -> s.contains("already registered")).toList();
      assertEquals(List.of(), twice, "meters registered more than once");
      String m = svc.get("/metrics").expect(200).body();
      assertTrue(m.contains("vertx_http_server_requests_total"), "the HTTP server's requests, from vertx-micrometer-metrics");
      assertTrue(gauge(m, "asyncio_http_connections") >= 1, "this scrape's connection is open");
      assertTrue(gauge(m, "asyncio_http_requests_active") >= 1, "this scrape is in flight");
      assertFalse(m.contains("vertx_http_server_active_connections"), "the gauge vertx-micrometer-metrics registers per connection");
      assertFalse(m.contains("vertx_pool_in_use_ratio{pool_name=\"127.0.0.1"), "no pool gauges per webhook target");
    } finally {
      receiver.stop(0);
      micrometer.detachAppender(logs);
      micrometer.setLevel(before);
    }
  }

  @Test
  void theRequestsInFlightGoBackToWhatIsOpenOnceAnswered() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("store.type", "memory"))) {
      for (int i = 0; i < 20; i++) {
        svc.get("/tasks/NOPE").expect(404);
        svc.post("/tasks", new JsonObject().put("kind", "nap")).expect(400);
        svc.get("/no/such/page").expect(404);
      }
      // the scrape itself is the only request being answered
      assertEquals(1, gauge(svc.get("/metrics").body(), "asyncio_http_requests_active"));
    }
  }

  @Test
  void eachTaskAndCommitCountsOnTheSeriesOfItsTags() {
    var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    ServiceMetrics metrics = new ServiceMetrics(registry, "n1");
    metrics.taskSubmitted("sleep", "default");
    metrics.taskSubmitted("sleep", "default");
    metrics.taskSubmitted("sleep", "batch");
    metrics.taskDone("sleep", "default", "result", Duration.ofMillis(5));
    metrics.taskDone("sleep", "default", "cancelled", Duration.ofMillis(7));
    metrics.taskDone("sleep", "default", "result", Duration.ofMillis(9));
    metrics.callbackFired("record");
    metrics.callbackFired("record");
    metrics.callbackFired("webhook");
    metrics.webhookAttempt("2xx", Duration.ofMillis(3));
    metrics.storeCommit(3, 1_000_000, false);
    metrics.storeCommit(2, 2_000_000, false);
    metrics.storeCommit(4, 3_000_000, true);
    assertEquals(2, registry.get("asyncio.tasks.submitted").tags("kind", "sleep", "loop", "default", "node", "n1").counter().count());
    assertEquals(1, registry.get("asyncio.tasks.submitted").tags("loop", "batch").counter().count());
    assertEquals(2, registry.get("asyncio.tasks.done").tags("outcome", "result", "node", "n1").timer().count());
    assertEquals(14, registry.get("asyncio.tasks.done").tags("outcome", "result").timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS));
    assertEquals(1, registry.get("asyncio.tasks.done").tags("outcome", "cancelled").timer().count());
    assertEquals(2, registry.get("asyncio.callbacks.fired").tags("callback", "record").counter().count());
    assertEquals(1, registry.get("asyncio.callbacks.fired").tags("callback", "webhook").counter().count());
    assertEquals(1, registry.get("asyncio.webhook.attempts").tags("outcome", "2xx").timer().count());
    assertEquals(2, registry.get("asyncio.store.commits").tags("outcome", "ok").timer().count());
    assertEquals(3, registry.get("asyncio.store.commits").tags("outcome", "ok").timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS));
    assertEquals(1, registry.get("asyncio.store.commits").tags("outcome", "failed").timer().count());
    assertEquals(9, registry.get("asyncio.store.writes").tags("node", "n1").counter().count());
  }

  static double gauge(String scrape, String name) {
    Matcher g = Pattern.compile("(?m)^" + name + "\\{node=\"[^\"]+\"} (\\S+)$").matcher(scrape);
    assertTrue(g.find(), name + " in the scrape");
    return Double.parseDouble(g.group(1));
  }
}
