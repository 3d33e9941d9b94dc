package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** {@code /health}, {@code /ready}, {@code /metrics}, {@code /openapi.yaml}. */
class OpsApiTest {
  static final String NODE = "ops-node_1.a";
  static ServiceHarness svc;

  @BeforeAll
  static void start() throws Exception {
    svc = ServiceHarness.start(Map.of("metrics.lag.interval", 0.1, "node.id", NODE));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void healthAndReady() {
    JsonObject h = svc.get("/health").expect(200).json();
    assertEquals("UP", h.getString("status"));
    JsonObject r = svc.get("/ready").expect(200).json();
    assertEquals("UP", r.getString("status"));
  }

  @Test
  void healthNamesTheNode() {
    JsonArray checks = svc.get("/health").expect(200).json().getJsonArray("checks");
    assertEquals(2, checks.size(), checks.encode());
    JsonObject node = checks.stream().map(JsonObject.class::cast).filter(c -> "node".equals(c.getString("id")))
        .findFirst().orElseThrow();
    assertEquals("UP", node.getString("status"));
    assertEquals(new JsonObject().put("id", NODE), node.getJsonObject("data"));
  }

  @Test
  void everyServiceMeterCarriesTheNodeTag() {
    String id = svc.submit(sleep(0)).getString("id");
    svc.awaitDone(id);
    List<String> series = svc.get("/metrics").expect(200).body().lines()
        .filter(l -> l.startsWith("asyncio_")).toList();
    assertTrue(series.size() >= 8, "the service's meters are there: " + series);
    for (String line : series) {
      assertTrue(line.contains("node=\"" + NODE + "\""), "tagged with the node: " + line);
    }
    assertTrue(series.stream().anyMatch(l -> l.startsWith("asyncio_tasks_submitted_total{")), "submissions are counted");
  }

  @Test
  void metricsArePrometheusText() throws Exception {
    String id = svc.submit(sleep(0)).getString("id");
    svc.awaitDone(id);
    Pattern lagGauge = Pattern.compile("asyncio_loop_lag_seconds\\{loop=\"default\",node=\"" + NODE + "\"} (\\S+)");
    eventually("a lag probe has measured the default loop", Duration.ofSeconds(10), () -> {
      Matcher g = lagGauge.matcher(svc.get("/metrics").body());
      return g.find() && Double.parseDouble(g.group(1)) > 0;
    });
    var r = svc.get("/metrics").expect(200);
    assertTrue(r.header("Content-Type").startsWith("text/plain"), r.header("Content-Type"));
    String m = r.body();
    assertTrue(m.contains("asyncio_tasks{node=\"" + NODE + "\",state=\"finished\"}"), "tasks by state");
    assertTrue(m.contains("asyncio_tasks{node=\"" + NODE + "\",state=\"pending\"}"));
    assertTrue(m.contains("asyncio_tasks_submitted_total{kind=\"sleep\",loop=\"default\",node=\"" + NODE + "\"}"));
    assertTrue(m.contains("asyncio_callbacks_fired_total{callback=\"record\",node=\"" + NODE + "\"}"));
    Matcher commits = Pattern.compile("asyncio_store_commits_seconds_count\\{node=\"" + NODE + "\",outcome=\"ok\"} (\\S+)").matcher(m);
    assertTrue(commits.find() && Double.parseDouble(commits.group(1)) >= 1, "the task store's commits (the harness uses SQLite)");
    assertTrue(m.contains("asyncio_store_writes_total"), "the writes committed");
    assertTrue(m.contains("asyncio_store_queued{node=\"" + NODE + "\",store=\"tasks\"}"), "the writes queued");
    assertTrue(m.contains("vertx_http_server_requests_total"), "HTTP requests from vertx-micrometer-metrics");
    Matcher lag = Pattern.compile("asyncio_loop_lag_seconds\\{loop=\"default\",node=\"" + NODE + "\"} (\\S+)").matcher(m);
    assertTrue(lag.find(), "loop lag gauge");
    double seconds = Double.parseDouble(lag.group(1));
    // small, not a time of day nor milliseconds; generous, as a loaded machine delays every loop
    assertTrue(seconds > 0 && seconds < 10, "an idle loop's lag is small and was measured: " + seconds);
  }

  @Test
  void theOpenApiDocumentIsServedAsWritten() {
    var r = svc.get("/openapi.yaml").expect(200);
    assertTrue(r.header("Content-Type").startsWith("application/yaml"));
    Map<String, Object> doc = new Yaml().load(r.body());
    assertEquals("3.1.0", doc.get("openapi"));
    @SuppressWarnings("unchecked")
    Map<String, Object> paths = (Map<String, Object>) doc.get("paths");
    for (String p : new String[] {"/tasks", "/tasks/{id}", "/tasks/{id}/cancel", "/wait", "/events", "/loops", "/loops/{name}",
        "/loops/{name}/start", "/loops/{name}/stop", "/loops/{name}/close", "/health", "/ready", "/metrics", "/openapi.yaml"}) {
      assertTrue(paths.containsKey(p), p);
    }
  }
}
