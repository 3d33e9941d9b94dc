package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Done tasks are forgotten after {@code retention.seconds}, or beyond {@code retention.tasks.max}; pending ones never.
 * With the {@code postgres} store the leader's upkeep (every {@code cluster.heartbeat}) removes the rows, so the
 * bounds leave it a few rounds.
 */
class RetentionTest {
  @Test
  void doneTasksAreForgottenAfterTheRetentionPeriod() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("retention.seconds", 0.2))) {
      String done = svc.submitAndWait(sleep(0), 5).getString("id");
      String pending = svc.submit(sleep(30)).getString("id");
      eventually("the done task is forgotten", Duration.ofSeconds(15), () -> svc.get("/tasks/" + done).status() != 200);
      svc.get("/tasks/" + done).expectError(404, "not_found", null);
      assertEquals("pending", svc.get("/tasks/" + pending).expect(200).json().getString("state"));
    }
  }

  @Test
  void aForgottenTaskIsAnnouncedOnTheEventStream() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("retention.seconds", 0.2));
        SseClient sse = new SseClient(svc.url("/events"), null)) {
      sse.status();
      String id = svc.submitAndWait(sleep(0), 5).getString("id");
      SseClient.Event e = sse.next("task.deleted", Duration.ofSeconds(15));
      assertEquals(id, e.data().getString("id"));
      assertEquals("retention", e.data().getString("reason"));
    }
  }

  @Test
  void eachForgottenTaskIsAnnouncedOnceInTheOrderItWasForgotten() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("retention.tasks.max", 1));
        SseClient sse = new SseClient(svc.url("/events"), null)) {
      sse.status();
      String a = svc.submitAndWait(sleep(0), 5).getString("id");
      String b = svc.submitAndWait(sleep(0), 5).getString("id");
      String c = svc.submitAndWait(sleep(0), 5).getString("id");
      eventually("the two older ones are forgotten", Duration.ofSeconds(15), () -> svc.get("/tasks/" + b).status() == 404);
      svc.submitAndWait(sleep(0), 5);
      List<String> deleted = new ArrayList<>();
      while (deleted.isEmpty() || !deleted.get(deleted.size() - 1).equals(c)) {
        SseClient.Event e = sse.next("task.deleted", Duration.ofSeconds(15));
        assertEquals("retention", e.data().getString("reason"), e.data().encode());
        deleted.add(e.data().getString("id"));
      }
      assertEquals(List.of(a, b, c), deleted);
    }
  }

  @Test
  void atMostTheRetainedNumberOfDoneTasksIsKept() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("retention.tasks.max", 2))) {
      String first = svc.submitAndWait(sleep(0), 5).getString("id");
      svc.submitAndWait(sleep(0), 5);
      svc.submitAndWait(sleep(0), 5);
      eventually("the oldest done task is forgotten", Duration.ofSeconds(15), () -> svc.get("/tasks/" + first).status() != 200);
      svc.get("/tasks/" + first).expectError(404, "not_found", null);
      assertEquals(2, svc.get("/tasks").json().getJsonArray("tasks").size());
    }
  }
}
