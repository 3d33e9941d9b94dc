package org.vertxasyncio.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.vertxasyncio.service.ServiceHarness;

/**
 * The dashboard in headless Chromium against the real service on a random port: a task submitted through
 * the form gets a bar that finishes, asyncio's gather example shows its two sleeps overlapping, a cancelled task
 * changes state, loops stop, start and close from the page.
 */
class DashboardTest {
  static ServiceHarness svc;
  static Browser browser;

  /** A webhook receiver on loopback that fails the first delivery attempt of each task, then takes it. */
  static com.sun.net.httpserver.HttpServer receiver;

  @BeforeAll
  static void start() throws Exception {
    Browser.assumeInstalled();
    receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    receiver.createContext("/hook", ex -> {
      ex.getRequestBody().readAllBytes();
      boolean first = seen.add(ex.getRequestHeaders().getFirst("webhook-id"));
      ex.sendResponseHeaders(first ? 503 : 204, -1);
      ex.close();
    });
    receiver.start();
    svc = ServiceHarness.start(Map.of("webhooks.allow", "127.0.0.1", "webhook.retry.backoff.initial", 0.2,
        "webhook.retry.jitter", 0));
    browser = Browser.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (svc != null) {
      svc.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  @BeforeEach
  void open() {
    browser.open(svc.url("/"));
  }

  @AfterEach
  void noScriptErrors() {
    assertEquals(List.of(), browser.consoleErrors(), "errors in the page's console");
  }

  /** Submits the form of {@code kind} as it is filled, and returns the new task's id. */
  private String submitForm(String kind) {
    browser.el(".tab[data-tab=" + kind + "]").click();
    browser.js("delete document.getElementById('submit-result').dataset.taskId");
    browser.el("#submit-button").click();
    browser.waitUntil("the form's task was created",
        () -> browser.js("return document.getElementById('submit-result').dataset.taskId") != null);
    return (String) browser.js("return document.getElementById('submit-result').dataset.taskId");
  }

  private Map<String, Object> bar(String id) {
    return browser.jsMap("return dashboard.bar(arguments[0])", id);
  }

  /** The state of the bar of task {@code id}, or null while the timeline has not laid it out yet. */
  private String barState(String id) {
    Map<String, Object> b = bar(id);
    return b == null ? null : (String) b.get("state");
  }

  /** Whether the bar of task {@code id} is laid out and was drawn in the last frame. */
  private boolean barDrawn(String id) {
    Map<String, Object> b = bar(id);
    return b != null && Boolean.TRUE.equals(b.get("drawn"));
  }

  private String rowState(String id) {
    return browser.attr("#table-scroll .row[data-task-id='" + id + "']", "data-state");
  }

  private static double num(Object o) {
    return ((Number) o).doubleValue();
  }

  @Test
  void aSleepSubmittedThroughTheFormGetsABarThatRunsThenFinishes() {
    browser.type("#submit-form input[name=seconds]", "1.5");
    browser.type("#submit-form input[name=result]", "\"hello\"");
    browser.type("#submit-form input[name=name]", "form-sleep");
    String id = submitForm("sleep");

    browser.waitUntil("a running bar for " + id, () -> {
      Map<String, Object> b = bar(id);
      return b != null && Boolean.TRUE.equals(b.get("drawn")) && List.of("waiting", "pending").contains(b.get("state"));
    });
    browser.waitUntil("the table shows it pending", () -> List.of("waiting", "pending").contains(String.valueOf(rowState(id))));
    browser.screenshot("form-sleep-running");

    browser.waitUntil("the bar of " + id + " finished", () -> "finished".equals(barState(id)));
    Map<String, Object> b = bar(id);
    assertTrue(num(b.get("x1")) > num(b.get("x0")), "the bar spans submit to done: " + b);
    browser.waitUntil("the table row finished", () -> "finished".equals(rowState(id)));
    // the detail panel (the task is selected after submitting): its result and its callback log
    browser.waitUntil("the detail shows the result", () -> browser.els("#detail-result").size() == 1
        && browser.text("#detail-result").contains("\"hello\""));
    assertTrue(browser.text("#detail-callbacks").contains("record"), browser.text("#detail-callbacks"));
    // which node ran it
    assertEquals(svc.running.service().nodeId(), browser.text("#detail [data-field=node]"));
    assertTrue(browser.text("#detail dl").contains("ran on node"), browser.text("#detail dl"));
    Map<String, Object> t = browser.jsMap("return dashboard.task(arguments[0])", id);
    assertEquals("form-sleep", t.get("name"));
    double took = (num(t.get("doneAt")) - num(t.get("createdAt"))) / 1000;
    assertTrue(took >= 1.4, "a 1.5 s sleep took " + took + " s");
    browser.screenshot("form-sleep-finished");
  }

  @Test
  void asyncioGatherExampleShowsItsTwoSleepsOverlapping() {
    browser.el("#demo-gather").click();
    browser.waitUntil("the demo gather was submitted", () -> browser.js("return dashboard.demo()") != null);
    Map<String, Object> demo = browser.jsMap("return dashboard.demo()");
    String gather = (String) demo.get("id");
    @SuppressWarnings("unchecked")
    List<String> children = (List<String>) demo.get("children");
    assertEquals(2, children.size());
    String one = children.get(0);
    String three = children.get(1);

    browser.waitUntil("both children's bars are drawn while they run",
        () -> barDrawn(one) && barDrawn(three));
    browser.screenshot("gather-demo-running");
    browser.waitUntil("the gather is done and the page gives its verdict",
        () -> browser.js("return document.getElementById('demo-verdict').dataset.total") != null);

    Map<String, Object> a = browser.jsMap("return dashboard.task(arguments[0])", one);
    Map<String, Object> b = browser.jsMap("return dashboard.task(arguments[0])", three);
    Map<String, Object> g = browser.jsMap("return dashboard.task(arguments[0])", gather);
    assertEquals("do_some_work(1)", a.get("name"));
    assertEquals("do_some_work(3)", b.get("name"));
    assertEquals(gather, a.get("parent"));
    // in time (the page's own data): the 1 s sleep runs inside the 3 s one, so the gather is not their sum
    double aStart = num(a.get("startedAt"));
    double aEnd = num(a.get("doneAt"));
    double bStart = num(b.get("startedAt"));
    double bEnd = num(b.get("doneAt"));
    assertTrue(aStart >= bStart - 100 && aEnd <= bEnd, "do_some_work(1) " + aStart + ".." + aEnd
        + " lies inside do_some_work(3) " + bStart + ".." + bEnd);
    double overlap = (Math.min(aEnd, bEnd) - Math.max(aStart, bStart)) / 1000;
    assertTrue(overlap >= 0.9, "they overlap for the whole 1 s sleep: " + overlap);
    double total = (num(g.get("doneAt")) - num(g.get("createdAt"))) / 1000;
    double sum = (aEnd - aStart + bEnd - bStart) / 1000;
    assertTrue(total < sum - 0.5, "the gather took " + total + " s, less than the sum of its children " + sum + " s");

    // on screen: the 1 s bar's span lies inside the 3 s bar's, and the gather's around both
    Map<String, Object> ba = bar(one);
    Map<String, Object> bb = bar(three);
    Map<String, Object> bg = bar(gather);
    assertTrue(num(ba.get("x0")) >= num(bb.get("x0")) - 2 && num(ba.get("x1")) <= num(bb.get("x1")),
        "bar of do_some_work(1) " + ba + " inside the bar of do_some_work(3) " + bb);
    assertTrue(num(bg.get("x0")) <= num(bb.get("x0")) + 2 && num(bg.get("x1")) >= num(bb.get("x1")) - 2,
        "the gather's bar spans its children: " + bg);
    assertTrue(num(ba.get("y")) > num(bg.get("y")) && num(bb.get("y")) > num(bg.get("y")), "the children sit under the gather");
    String verdict = browser.text("#demo-verdict");
    assertTrue(verdict.contains("not 4 s"), verdict);
    browser.screenshot("gather-demo");
  }

  @Test
  void aCancelledTaskChangesState() {
    browser.type("#submit-form input[name=seconds]", "60");
    browser.type("#submit-form input[name=name]", "to-cancel");
    String id = submitForm("sleep");
    browser.waitUntil("its bar is running", () -> "pending".equals(barState(id)));
    browser.type("#cancel-id", id);
    browser.el("#cancel-button").click();
    browser.waitUntil("task.cancel() answered true", () -> String.valueOf(browser.text("#cancel-result")).contains("true"));
    browser.waitUntil("the bar is cancelled", () -> "cancelled".equals(barState(id)));
    browser.waitUntil("the table row is cancelled", () -> "cancelled".equals(rowState(id)));
    browser.waitUntil("the detail panel says so", () -> "cancelled".equals(browser.text("#detail-state"))
        && String.valueOf(browser.text("#detail-exception")).startsWith("CancelledError"));
    assertEquals("cancelled", svc.get("/tasks/" + id).expect(200).json().getString("state"), "and so does the server");
    browser.screenshot("cancelled");
    // a second cancel is asyncio's false
    browser.el("#cancel-button").click();
    browser.waitUntil("task.cancel() answered false", () -> String.valueOf(browser.text("#cancel-result")).contains("false"));
  }

  @Test
  void aWebhookCallbackAndItsAttemptsShowInTheLogAndAsMarkers() {
    browser.type("#submit-form input[name=seconds]", "0.2");
    browser.type("#submit-form input[name=name]", "with-a-webhook");
    browser.type("#submit-form input[name=webhook]", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
    String id = submitForm("sleep");
    browser.waitUntil("the delivery failed once, then succeeded", () -> {
      String log = browser.text("#detail-callbacks");
      return log != null && log.contains("(delivered)") && log.contains("attempt 1") && log.contains("HTTP 503")
          && log.contains("attempt 2") && log.contains("HTTP 204");
    });
    // the markers the timeline draws come from the task's callback log: two callbacks fired, two attempts
    Map<String, Object> t = browser.jsMap("return dashboard.task(arguments[0])", id);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> callbacks = (List<Map<String, Object>>) t.get("callbacks");
    assertEquals(List.of("record", "webhook"), callbacks.stream().map(c -> c.get("callback")).toList());
    assertEquals(2, ((List<?>) callbacks.get(1).get("attempts")).size());
    assertTrue(barDrawn(id), "the bar of " + id + " is drawn");
    browser.type("#submit-form input[name=webhook]", "");
    browser.screenshot("webhook-attempts");
  }

  @Test
  void theFiltersNarrowTheTableAndTheTimeline() {
    String keep = svc.submit(new JsonObject().put("kind", "sleep").put("seconds", 0).put("name", "filter-me")).getString("id");
    String other = svc.submit(new JsonObject().put("kind", "work").put("iterations", 10).put("name", "not-me")).getString("id");
    browser.waitUntil("both tasks are listed", () -> browser.js("return dashboard.task(arguments[0]) && dashboard.task(arguments[1])", keep, other) != null);
    browser.type("#filter-text", "filter-me");
    browser.waitUntil("only the matching task is in the table", () -> {
      List<WebElement> rows = browser.els("#table-scroll .row[data-task-id]");
      return rows.size() == 1 && keep.equals(rows.get(0).getAttribute("data-task-id"));
    });
    browser.waitUntil("and on the timeline", () -> bar(other) == null && bar(keep) != null);
    browser.type("#filter-text", "");
    browser.el("#filter-kind").findElement(By.cssSelector("option[value=work]")).click();
    browser.waitUntil("kind=work keeps the work task", () -> browser.els("#table-scroll .row[data-task-id='" + keep + "']").isEmpty()
        && !browser.els("#table-scroll .row[data-task-id='" + other + "']").isEmpty());
    browser.el("#filter-kind").findElement(By.cssSelector("option[value='']")).click();
  }

  @Test
  void loopsStopStartAndCloseFromThePage() {
    browser.type("#loop-name", "ui");
    browser.el("#loop-form button").click();
    browser.waitUntil("loop ui is listed, running", () -> loopState("ui").equals("running"));
    loopButton("ui", "stop").click();
    browser.waitUntil("loop ui stopped", () -> loopState("ui").equals("stopped"));

    // a task sent to the stopped loop waits for it: its bar is the pale "waiting" one
    browser.type("#submit-form input[name=seconds]", "0.2");
    browser.type("#submit-form input[name=name]", "waits-for-ui");
    browser.el("#submit-loop").findElement(By.cssSelector("option[value=ui]")).click();
    String id = submitForm("sleep");
    browser.waitUntil("the task waits for its loop", () -> "waiting".equals(barState(id)));
    browser.screenshot("loop-stopped-task-waiting");
    loopButton("ui", "start").click();
    browser.waitUntil("the loop runs the task", () -> "finished".equals(barState(id)));

    loopButton("ui", "close").click();
    browser.waitUntil("loop ui closed", () -> loopState("ui").equals("closed"));
    assertTrue(loopButton("ui", "start").getAttribute("disabled") != null, "a closed loop cannot start again");
    assertEquals(true, svc.get("/loops/ui").expect(200).json().getBoolean("closed"));
    // the submit form no longer offers the closed loop
    assertTrue(browser.els("#submit-loop option[value=ui]").isEmpty());
    browser.el("#submit-loop").findElement(By.cssSelector("option[value=default]")).click();
  }

  @Test
  void aLoopsListAskedForBeforeALoopChangedDoesNotUndoTheChange() {
    // the page polls GET /loops; an answer to a call made before a loop was created (or stopped) must not drop it
    // (or show it running again): the page keeps what the newer answer or event showed
    Object kept = browser.js("""
        const m = window.dashboard.model;
        const askedAt = Date.now() - 1000;
        m.setLoop({name: 'made-meanwhile', running: true, closed: false});
        m.setLoop({name: 'default', running: false, closed: false});
        m.setLoops([{name: 'default', running: true, closed: false}], askedAt);
        const during = [m.loops.has('made-meanwhile'), m.loops.get('default').running];
        m.setLoops([{name: 'default', running: true, closed: false}], Date.now() + 1);
        return [...during, m.loops.has('made-meanwhile'), m.loops.get('default').running];""");
    assertEquals(List.of(true, false, false, true), kept,
        "kept through the older answer, then replaced by a newer one: [created kept, stopped kept, created dropped, running]");
  }

  private String loopState(String name) {
    return String.valueOf(browser.attr("#loops-body tr[data-loop='" + name + "']", "data-state"));
  }

  private WebElement loopButton(String loop, String action) {
    return browser.el("#loops-body tr[data-loop='" + loop + "'] button[data-action=" + action + "]");
  }

  @Test
  void theDetailPanelShowsAnExceptionAndTheChildren() {
    String id = svc.submit(new JsonObject().put("kind", "gather").put("name", "g-raises").put("returnExceptions", true)
        .put("tasks", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("kind", "sleep").put("seconds", 0.1).put("raise", "boom"))
            .add(new JsonObject().put("kind", "sleep").put("seconds", 0.1).put("result", 2)))
        .put("raise", "gather failed on purpose")).getString("id");
    browser.waitUntil("the gather is on the page and failed", () -> {
      Map<String, Object> t = browser.jsMap("return dashboard.task(arguments[0])", id);
      return t != null && "failed".equals(t.get("view"));
    });
    clickRow(id);
    browser.waitUntil("its detail", () -> browser.text("#detail-exception") != null);
    assertEquals("RaisedError: gather failed on purpose", browser.text("#detail-exception"));
    assertEquals(2, browser.els("#detail a").size(), "links to its two children");
    assertNotNull(bar(id));
    assertEquals("failed", bar(id).get("state"));
  }

  /**
   * Clicks the task's row until the detail panel shows that task. The table keeps a pool of row elements and
   * fills them again at its next frame when tasks arrive, so the element found for a task may hold a newer
   * one by the time the click lands (a gather's children arrive with its end, and sort above it).
   */
  private void clickRow(String id) {
    browser.waitUntil("the detail panel shows task " + id, () -> {
      if (id.equals(browser.text("#detail [data-field=id]"))) {
        return true;
      }
      try {
        browser.el("#table-scroll .row[data-task-id='" + id + "']").click();
      } catch (org.openqa.selenium.WebDriverException notThereNow) {
        // filled with another task between the lookup and the click: look it up again
      }
      return false;
    });
  }
}
