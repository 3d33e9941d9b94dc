package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code events.flush.interval}: a lone event goes out at once; events that come within the interval of the
 * last write wait for it to pass, then go together, none lost, in order. Real time is the point here, so
 * the interval is long (4 s) and the bounds generous.
 */
class EventsCoalescingTest {
  static ServiceHarness svc;
  static final Duration T = Duration.ofSeconds(15);
  static final double INTERVAL = 4.0;

  @BeforeAll
  static void start() throws Exception {
    svc = ServiceHarness.start(Map.of("events.flush.interval", INTERVAL));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void aLoneEventGoesAtOnceAndALaterOneWaitsForTheInterval() throws Exception {
    try (SseClient sse = new SseClient(svc.url("/events"), null)) {
      assertEquals(200, sse.status().code());
      Thread.sleep((long) (INTERVAL * 1000 + 200)); // no write to any stream for longer than the interval
      long submitted = System.nanoTime();
      String first = svc.submit(sleep(60)).getString("id");
      SseClient.Event created = sse.next("task.created", T);
      assertEquals(first, created.data().getString("id"));
      double lone = (created.arrivedNanos() - submitted) / 1e9;
      assertTrue(lone < INTERVAL * 0.75, "a lone event is not held back: it came " + lone + " s after the submit");

      // within the interval of that write: the next task's events are held until it has passed
      String second = svc.submit(sleep(60)).getString("id");
      List<SseClient.Event> got = new ArrayList<>();
      while (got.stream().noneMatch(e -> e.type().equals("task.started") && second.equals(e.data().getString("id")))) {
        got.add(sse.next(T));
      }
      SseClient.Event secondCreated = got.stream()
          .filter(e -> e.type().equals("task.created") && second.equals(e.data().getString("id"))).findFirst().orElseThrow();
      double held = (secondCreated.arrivedNanos() - created.arrivedNanos()) / 1e9;
      assertTrue(held >= INTERVAL * 0.75, "an event within the interval waits for it: it came " + held + " s after the last write");
      // nothing lost, in order: the ids run on without a gap from the first task's task.created
      long expect = created.id() + 1;
      for (SseClient.Event e : got) {
        assertEquals(expect++, e.id(), "ids without a gap: " + got);
      }
      svc.post("/tasks/" + first + "/cancel").expect(200);
      svc.post("/tasks/" + second + "/cancel").expect(200);
    }
  }
}
