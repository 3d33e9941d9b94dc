package org.vertxasyncio.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.vertxasyncio.service.ServiceHarness;

/**
 * 10,000 tasks on screen: the page takes them all in (through the stream, or by reloading when the stream
 * lets it fall behind), puts every one on the timeline, keeps a bounded number of table rows in the DOM,
 * keeps drawing frames while they run, and applies a person's filter. How fast it draws and filters is
 * printed, not asserted: on a shared machine that is a figure of the machine's load as much as of the page.
 */
class DashboardLoadTest {
  static final int GATHERS = 100;
  static final int CHILDREN = 100; // limits.gather.children.max
  static final int TASKS = GATHERS * (CHILDREN + 1);

  @Test
  void tenThousandTasksOnScreenStayResponsive() throws Exception {
    Browser.assumeInstalled();
    try (ServiceHarness svc = ServiceHarness.start(Map.of("limits.pending.max", 20000, "retention.tasks.max", 20000));
        Browser browser = Browser.start()) {
      browser.open(svc.url("/"));
      browser.el("#tl-window").findElement(By.cssSelector("option[value='0']")).click();

      // 100 gathers of 100 sleeps of 0.5 to 4 s, sent from 4 threads: 10,100 tasks, pending and finishing at once
      Random random = new Random(7);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> sent = new java.util.ArrayList<>();
        for (int g = 0; g < GATHERS; g++) {
          JsonArray children = new JsonArray();
          for (int c = 0; c < CHILDREN; c++) {
            children.add(new JsonObject().put("kind", "sleep").put("seconds", 0.5 + random.nextInt(36) / 10.0)
                .put("name", "load-" + g + "-" + c));
          }
          JsonObject spec = new JsonObject().put("kind", "gather").put("name", "load-gather-" + g).put("tasks", children);
          sent.add(pool.submit(() -> svc.submit(spec)));
        }
        for (Future<?> f : sent) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }

      browser.waitUntil("the page holds all " + TASKS + " tasks", Duration.ofSeconds(60),
          () -> ((Number) browser.js("return dashboard.taskCount()")).intValue() == TASKS);
      // while many are still running: frames keep coming (the timeline's frames counted afresh from here)
      browser.js("dashboard.timeline.renderTimes.length = 0");
      eventually("the timeline keeps drawing frames while the tasks run", Duration.ofSeconds(60),
          () -> ((Number) browser.js("return dashboard.timeline.renderTimes.length")).intValue(), n -> n > 10);
      Map<String, Object> busy = browser.jsMap("return dashboard.perf()");
      browser.screenshot("ten-thousand-running");

      browser.waitUntil("every task finished on the page", Duration.ofSeconds(60), () -> ((Number) browser.js(
          "let n = 0; for (const t of dashboard.model.tasks.values()) if (t.view === 'finished') n++; return n")).intValue() == TASKS);
      Map<String, Object> perf = browser.jsMap("return dashboard.perf()");
      assertEquals(TASKS, ((Number) perf.get("tasksOnTimeline")).intValue(), "every task has a row on the timeline: " + perf);
      int domRows = ((Number) perf.get("tableRows")).intValue();
      assertTrue(domRows > 0 && domRows < 100, "the table keeps only the rows in view in the DOM: " + domRows);

      // a person's filter applies: the table shows only the matching task
      long t0 = System.nanoTime();
      browser.type("#filter-text", "load-42-17");
      browser.waitUntil("the filter narrowed the table", () -> {
        Object n = browser.js("return document.querySelectorAll('#table-scroll .row[data-task-id]:not([hidden])').length");
        return ((Number) n).intValue() == 1;
      });
      double filterMs = (System.nanoTime() - t0) / 1e6;
      String shown = (String) browser.js(
          "return document.querySelector('#table-scroll .row[data-task-id]:not([hidden])').textContent");
      assertTrue(shown.contains("load-42-17"), "the row left is the task asked for: " + shown);
      browser.type("#filter-text", "");
      browser.waitUntil("the filter is cleared", () -> browser.text("#task-count").equals(String.valueOf(TASKS)));
      browser.screenshot("ten-thousand-done");
      // the speed figures, for the reader of the test's output (frame times: renderP50/renderP95, ms)
      System.out.printf("dashboard with %d tasks: under load %s; done %s; filter answered in %.0f ms%n", TASKS, busy, perf, filterMs);
      assertEquals(List.of(), browser.consoleErrors());
    }
  }
}
