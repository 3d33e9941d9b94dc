package org.vertxasyncio.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.ServiceHarness;

/**
 * The dashboard with {@code auth.tokens} on: the page loads without a token, asks for one when the API
 * answers 401, keeps it in the tab's session storage, and sends it as {@code Authorization: Bearer} on
 * every call, the event stream included (read with fetch, so the token never goes into a URL).
 */
class DashboardAuthTest {
  static final String TOKEN = "dashboard-test-token-0123456789abcdef";

  @Test
  void theTokenIsAskedForOnceKeptForTheTabAndSentWithEveryCallAndTheStream() throws Exception {
    Browser.assumeInstalled();
    try (ServiceHarness svc = ServiceHarness.start(Map.of("auth.tokens", TOKEN));
        Browser browser = Browser.start()) {
      // the page is public, the API is not
      svc.get("/").expect(200);
      svc.get("/dashboard/app.js").expect(200);
      svc.get("/tasks").expectError(401, "unauthorized", null);

      browser.driver.get(svc.url("/"));
      browser.waitUntil("the page asks for a token", () -> {
        Map<String, Object> b = browser.jsMap("return dashboard.banner()");
        return "error".equals(b.get("kind")) && String.valueOf(b.get("text")).contains("access token");
      });
      assertTrue(String.valueOf(browser.attr("#token-form", "class")).contains("needed"));
      assertEquals("down", browser.attr("#stream-pill", "data-state"), "the stream was refused too");
      browser.screenshot("auth-token-asked");

      browser.type("#token-input", TOKEN);
      browser.el("#token-save").click();
      browser.waitUntil("the page loaded with the token and its stream is open", () -> Boolean.TRUE.equals(
          browser.js("return dashboard.loaded && dashboard.stream.state === 'open'")));
      assertEquals(TOKEN, browser.js("return sessionStorage.getItem('vertx-asyncio.dashboard.token')"));
      assertEquals("", browser.js("return document.getElementById('token-input').value"), "the field does not keep it");

      // the stream is live with the token: a task submitted through the form shows up and finishes
      browser.type("#submit-form input[name=seconds]", "0.3");
      browser.type("#submit-form input[name=name]", "with-a-token");
      browser.js("delete document.getElementById('submit-result').dataset.taskId");
      browser.el("#submit-button").click();
      browser.waitUntil("the task was accepted", () -> browser.attr("#submit-result", "data-task-id") != null);
      String id = browser.attr("#submit-result", "data-task-id");
      browser.waitUntil("it finished on the page (events came through the authorised stream)",
          () -> "finished".equals(browser.js("const t = dashboard.task(arguments[0]); return t && t.view", id)));

      // entered once: a reload of the tab keeps it and asks nothing
      browser.driver.navigate().refresh();
      browser.waitUntil("the reloaded page loaded without asking", () -> Boolean.TRUE.equals(
          browser.js("return !!window.dashboard && dashboard.loaded && dashboard.stream.state === 'open'")));
      assertFalse(String.valueOf(browser.attr("#token-form", "class")).contains("needed"));
      browser.waitUntil("it shows the task", () -> browser.js("return dashboard.task(arguments[0])", id) != null);

      // the token travelled in headers only: no URL the page fetched carries it
      @SuppressWarnings("unchecked")
      List<String> urls = (List<String>) browser.js("return performance.getEntriesByType('resource').map(e => e.name)");
      assertEquals("events", browser.js("return dashboard.stream.url"), "the stream's URL is bare (it is still open, so not in the list)");
      assertTrue(urls.stream().noneMatch(u -> u.contains(TOKEN) || u.contains("access_token")), urls.toString());
      browser.screenshot("auth-token-used");
      assertEquals(List.of(), browser.consoleErrors().stream().filter(m -> !m.contains("401")).toList());
    }
  }
}
