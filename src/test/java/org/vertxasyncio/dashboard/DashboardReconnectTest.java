package org.vertxasyncio.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.ServiceHarness;
import org.vertxasyncio.testing.TcpProxy;

/**
 * The page when the stream drops: the network goes away under a live server (a proxy between browser and
 * server is cut, then restored: the page resumes with {@code Last-Event-ID} and gets what it missed from
 * the stream), and the server itself restarts on the same port (the page sees another run of the server
 * and reloads its state).
 */
class DashboardReconnectTest {
  @BeforeAll
  static void chromium() {
    Browser.assumeInstalled();
  }

  private static JsonObject named(String name, double seconds) {
    return new JsonObject().put("kind", "sleep").put("seconds", seconds).put("name", name);
  }

  private static String view(Browser b, String id) {
    return (String) b.js("const t = dashboard.task(arguments[0]); return t ? t.view : null", id);
  }

  private static Map<String, Object> banner(Browser b) {
    return b.jsMap("return dashboard.banner()");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> lastConnection(Browser b) {
    List<Map<String, Object>> h = (List<Map<String, Object>>) b.jsMap("return dashboard.streamInfo()").get("history");
    return h.get(h.size() - 1);
  }

  @Test
  void aDroppedStreamIsReportedThenResumedWithLastEventId() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of());
        TcpProxy proxy = new TcpProxy(svc.port);
        Browser browser = Browser.start()) {
      browser.open("http://127.0.0.1:" + proxy.port() + "/");
      String before = svc.submitAndWait(named("before-the-cut", 0.1), 5).getString("id");
      browser.waitUntil("the page saw it finish", () -> "finished".equals(view(browser, before)));
      long seen = ((Number) browser.js("return dashboard.stream.lastEventId")).longValue();

      proxy.cut();
      browser.waitUntil("the page says the stream dropped and that it reconnects", () -> {
        Map<String, Object> b = banner(browser);
        return "error".equals(b.get("kind")) && String.valueOf(b.get("text")).contains("Reconnecting");
      });
      assertEquals("down", browser.attr("#stream-pill", "data-state"));
      browser.screenshot("stream-dropped");

      // what happens while the page is cut off reaches it through the resumed stream
      String during = svc.submitAndWait(named("while-cut-off", 0), 5).getString("id");
      assertNull(view(browser, during));
      proxy.restore();
      browser.waitUntil("the page reconnected and says it resumed", Duration.ofSeconds(20), () -> {
        Map<String, Object> b = banner(browser);
        return "ok".equals(b.get("kind")) && String.valueOf(b.get("text")).contains("resumed after event #" + seen);
      });
      browser.waitUntil("the task done while cut off is on the page, finished", () -> "finished".equals(view(browser, during)));
      Map<String, Object> conn = lastConnection(browser);
      assertEquals(seen, ((Number) conn.get("sentLastEventId")).longValue(), "it sent Last-Event-ID: " + conn);
      assertNull(conn.get("resync"), "the stream filled the gap, no reload was needed: " + conn);
      assertTrue(((Number) conn.get("replayed")).intValue() >= 4, "created, started, callback, done replayed: " + conn);
      assertEquals(1L, ((Number) browser.jsMap("return dashboard.streamInfo()").get("reloads")).longValue(),
          "only the first load listed the tasks");
      assertEquals("open", browser.attr("#stream-pill", "data-state"));
      browser.screenshot("stream-resumed");

      // and the stream is live again
      String after = svc.submit(named("after-the-cut", 0)).getString("id");
      browser.waitUntil("a task submitted after the reconnect shows", () -> "finished".equals(view(browser, after)));
      assertEquals(List.of(), browser.consoleErrors());
    }
  }

  @Test
  void aServerRestartedOnItsPortIsNoticedAndThePageReloads() throws Exception {
    ServiceHarness first = ServiceHarness.start(Map.of());
    int port = first.port;
    try (Browser browser = Browser.start()) {
      browser.open(first.url("/"));
      String old = first.submitAndWait(named("on-the-first-run", 0), 5).getString("id");
      browser.waitUntil("the page saw it", () -> "finished".equals(view(browser, old)));

      first.close();
      browser.waitUntil("the page says the stream dropped", () -> "error".equals(banner(browser).get("kind")));
      browser.screenshot("server-down");

      try (ServiceHarness second = startOn(port)) {
        String fresh = second.submitAndWait(named("on-the-second-run", 0), 5).getString("id");
        browser.waitUntil("the page reconnected to the new server and reloaded", Duration.ofSeconds(30), () -> {
          Map<String, Object> b = banner(browser);
          return "ok".equals(b.get("kind")) && String.valueOf(b.get("text")).contains("the server restarted");
        });
        browser.waitUntil("it holds the new run's task, not the old one's",
            () -> "finished".equals(view(browser, fresh)) && view(browser, old) == null);
        assertEquals("restarted", lastConnection(browser).get("resync"));
        browser.screenshot("server-restarted");
        String live = second.submit(named("live-again", 0)).getString("id");
        browser.waitUntil("the new stream is live", () -> "finished".equals(view(browser, live)));
        assertEquals(List.of(), browser.consoleErrors());
      }
    }
  }

  /** The service on {@code port}, retrying while the old server's socket lets go of it. */
  private static ServiceHarness startOn(int port) {
    return eventually("the service starts on port " + port, Duration.ofSeconds(15),
        () -> ServiceHarness.start(Map.of("http.port", port)), started -> true);
  }
}
