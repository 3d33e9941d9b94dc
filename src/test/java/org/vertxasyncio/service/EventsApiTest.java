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

/** {@code GET /events}: the stream, its ids, the task filter, Last-Event-ID resume, the heartbeat. */
class EventsApiTest {
  static ServiceHarness svc;
  static final Duration T = Duration.ofSeconds(10);

  @BeforeAll
  static void start() throws Exception {
    svc = ServiceHarness.start(Map.of("events.heartbeat", 0.3, "events.buffer.size", 50));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void streamsTheLifecycleOfATaskWithIncreasingIds() throws Exception {
    try (SseClient sse = new SseClient(svc.url("/events"), null)) {
      SseClient.Status st = sse.status();
      assertEquals(200, st.code());
      assertTrue(st.contentType().startsWith("text/event-stream"), st.contentType());
      String id = svc.submit(sleep(0.05).put("result", "r")).getString("id");
      List<SseClient.Event> mine = new ArrayList<>();
      while (mine.isEmpty() || !mine.get(mine.size() - 1).type().equals("task.done")) {
        SseClient.Event e = sse.next(T);
        String about = e.data().getString("id", e.data().getString("taskId"));
        if (id.equals(about)) {
          mine.add(e);
        }
      }
      assertEquals(List.of("task.created", "task.started", "callback.fired", "task.done"), mine.stream().map(SseClient.Event::type).toList());
      for (int i = 1; i < mine.size(); i++) {
        assertTrue(mine.get(i).id() > mine.get(i - 1).id());
      }
      SseClient.Event done = mine.get(3);
      assertEquals("finished", done.data().getString("state"));
      assertEquals("r", done.data().getString("result"));
      assertEquals("record", mine.get(2).data().getString("callback"));
    }
  }

  @Test
  void filtersByTask() throws Exception {
    String watched = svc.submit(sleep(60)).getString("id");
    try (SseClient sse = new SseClient(svc.url("/events?task=" + watched), null)) {
      sse.status();
      svc.submit(sleep(0)); // another task's events must not show
      svc.post("/tasks/" + watched + "/cancel").expect(200); // done while the stream is open, however slow the machine
      SseClient.Event e = sse.next(T);
      assertEquals(watched, e.data().getString("taskId", e.data().getString("id")));
      SseClient.Event done = sse.next("task.done", T);
      assertEquals(watched, done.data().getString("id"));
    }
  }

  @Test
  void resumesAfterLastEventId() throws Exception {
    long lastSeen;
    String first;
    try (SseClient sse = new SseClient(svc.url("/events"), null)) {
      sse.status();
      first = svc.submit(sleep(0)).getString("id");
      SseClient.Event e = sse.next("task.done", T);
      assertEquals(first, e.data().getString("id"));
      lastSeen = e.id();
    }
    // while nobody listens
    String second = svc.submit(sleep(0)).getString("id");
    svc.awaitDone(second);
    try (SseClient sse = new SseClient(svc.url("/events"), Long.toString(lastSeen))) {
      sse.status();
      SseClient.Event e = sse.next(T);
      assertEquals(lastSeen + 1, e.id(), "the first event after the one last seen");
      assertEquals(second, e.data().getString("id", e.data().getString("taskId")));
      assertEquals("task.created", e.type());
      SseClient.Event done = sse.next("task.done", T);
      assertEquals(second, done.data().getString("id"));
    }
    // the query parameter works the same (for clients that cannot set headers)
    try (SseClient sse = new SseClient(svc.url("/events?lastEventId=" + lastSeen), null)) {
      sse.status();
      assertEquals(lastSeen + 1, sse.next(T).id());
    }
  }

  @Test
  void theFirstCommentNamesTheLastIdAndTheStreamWhichChangesWithEachStart() throws Exception {
    String mine;
    try (SseClient sse = new SseClient(svc.url("/events"), null)) {
      sse.status();
      mine = sse.nextComment(T);
    }
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(": connected, stream (\\w+), last event id (\\d+)");
    java.util.regex.Matcher m = p.matcher(mine);
    assertTrue(m.matches(), mine);
    try (SseClient again = new SseClient(svc.url("/events"), null)) {
      again.status();
      java.util.regex.Matcher m2 = p.matcher(again.nextComment(T));
      assertTrue(m2.matches());
      assertEquals(m.group(1), m2.group(1), "the same run of the service, the same stream");
    }
    try (ServiceHarness other = ServiceHarness.start(Map.of());
        SseClient sse = new SseClient(other.url("/events"), "5")) {
      sse.status();
      java.util.regex.Matcher m3 = p.matcher(sse.nextComment(T));
      assertTrue(m3.matches());
      assertTrue(!m.group(1).equals(m3.group(1)), "another start, another stream: " + m3.group(1));
    }
  }

  @Test
  void aResumeWithAnotherRunsIdBeyondThisStreamsGetsItsNewEventsLive() throws Exception {
    // a fresh service's ids start again: a client that followed a run with more events resumes here
    try (ServiceHarness fresh = ServiceHarness.start(Map.of());
        SseClient sse = new SseClient(fresh.url("/events"), "1000000")) {
      sse.status();
      java.util.regex.Matcher m = java.util.regex.Pattern.compile(": connected, stream \\w+, last event id (\\d+)")
          .matcher(sse.nextComment(T));
      assertTrue(m.matches());
      assertTrue(Long.parseLong(m.group(1)) < 1000000, "the client's id is beyond this stream's: " + m.group(1));
      String id = fresh.submit(sleep(0)).getString("id");
      SseClient.Event created = sse.next("task.created", T);
      assertEquals(id, created.data().getString("id"), "this stream's events are new to the client, whatever their ids");
      assertEquals(id, sse.next("task.done", T).data().getString("id"));
    }
  }

  @Test
  void sendsAHeartbeatComment() throws Exception {
    try (SseClient sse = new SseClient(svc.url("/events"), null)) {
      sse.status();
      String c;
      do {
        c = sse.nextComment(Duration.ofSeconds(5));
      } while (!c.startsWith(": heartbeat"));
    }
  }

  @Test
  void loopEventsAreStreamedToo() throws Exception {
    try (SseClient sse = new SseClient(svc.url("/events"), null)) {
      sse.status();
      svc.post("/loops", new io.vertx.core.json.JsonObject().put("name", "evloop")).expect(201);
      SseClient.Event e = sse.next("loop.created", T);
      assertEquals("evloop", e.data().getString("name"));
      svc.post("/loops/evloop/stop").expect(200);
      assertEquals("evloop", sse.next("loop.stopped", T).data().getString("name"));
    }
  }
}
