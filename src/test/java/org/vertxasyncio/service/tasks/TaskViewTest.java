package org.vertxasyncio.service.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.ServiceHarness;

/** A task's snapshot makes its JSON once, and every reader of a later state gets that state's JSON. */
class TaskViewTest {
  private static TaskView view(TaskState state, Object result) {
    Instant t = Instant.parse("2026-01-02T03:04:05.678Z");
    return new TaskView("01ABC", "Task-1", TaskSpec.Kind.SLEEP, "default", "node-1", null, state, result, null, t, t,
        state.done() ? t : null, List.of(), List.of(), new JsonObject().put("seconds", 1), null, 0);
  }

  @Test
  void theJsonIsMadeOnceAndIsTheApisShapeOfTheTask() {
    TaskView v = view(TaskState.FINISHED, new JsonObject().put("a", new JsonArray().add(1)));
    String first = v.json();
    assertSame(first, v.json(), "the second reader gets the same text");
    assertEquals(v.toJson(), new JsonObject(first));
    JsonObject j = new JsonObject(first);
    assertEquals("finished", j.getString("state"));
    assertEquals("node-1", j.getString("node"));
    assertEquals(true, j.getBoolean("done"));
    assertEquals("2026-01-02T03:04:05.678Z", j.getString("doneAt"));
    assertEquals(new JsonObject().put("a", new JsonArray().add(1)), j.getJsonObject("result"));
  }

  @Test
  void theJsonTextIsExactlyWhatEncodingTheApisObjectGives() {
    Instant t = Instant.parse("2026-01-02T03:04:05Z");
    Instant u = Instant.parse("2026-01-02T03:04:06.007Z");
    List<Object> results = List.of("h\u00e9llo \"q\" \\ \n\t\u0001 \u2028 / \ud83d\ude00", 42, -7L, 0.1, 1e300, 2.5f, true,
        new JsonArray().add(1).addNull().add(new JsonObject().put("x", "y")), new JsonObject().put("n", 1).putNull("z"));
    for (Object result : results) {
      TaskView v = new TaskView("01ABC", "n\u00e4me \"1\"\u0007", TaskSpec.Kind.GATHER, "default", "node-1", "01PARENT",
          TaskState.FINISHED, result, new TaskView.ExceptionInfo("TimeoutError", "l\u00e4te \"x\""), t, u, u,
          List.of("01C1", "01C2"), List.of(CallbackEntry.webhook(u, "http://example.com/h?a=1&b=\u00e9", "msg_01ABC_1")),
          new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add("01C1")), 0.25, 2);
      assertEquals(v.toJson().encode(), v.json(), "result " + result);
    }
    TaskView bare = new TaskView("01ABC", "Task-1", TaskSpec.Kind.SLEEP, "default", "node-1", null, TaskState.PENDING, null, null,
        t, null, null, List.of(), List.of(), new JsonObject(), null, 0);
    assertEquals(bare.toJson().encode(), bare.json());
  }

  @Test
  void eachSnapshotHasTheJsonOfItsOwnState() {
    assertEquals("pending", new JsonObject(view(TaskState.PENDING, null).json()).getString("state"));
    assertEquals("cancelled", new JsonObject(view(TaskState.CANCELLED, null).json()).getString("state"));
  }

  @Test
  void everyReaderSeesTheTaskChangeWhenItDoes() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of())) {
      String id = svc.submit(ServiceHarness.sleep(3600).put("name", "long")).getString("id");
      String pending = svc.get("/tasks/" + id).expect(200).body();
      assertEquals("pending", new JsonObject(pending).getString("state"));
      assertEquals(pending, svc.get("/tasks/" + id).expect(200).body(), "an unchanged task reads the same");
      assertEquals(new JsonObject(pending), listed(svc, id));

      svc.post("/tasks/" + id + "/cancel").expect(200);
      JsonObject cancelled = svc.awaitDone(id);
      assertEquals("cancelled", cancelled.getString("state"));
      assertNotEquals(new JsonObject(pending), cancelled);
      assertEquals(cancelled, new JsonObject(svc.get("/tasks/" + id).expect(200).body()));
      assertEquals(cancelled, listed(svc, id));
      assertEquals(cancelled, svc.get("/tasks/" + id + "?wait=1").expect(200).json());
    }
  }

  private static JsonObject listed(ServiceHarness svc, String id) {
    JsonObject page = svc.get("/tasks?name=long").expect(200).json();
    assertEquals(null, page.getValue("nextCursor"));
    JsonArray tasks = page.getJsonArray("tasks");
    assertEquals(1, tasks.size());
    assertEquals(id, tasks.getJsonObject(0).getString("id"));
    return tasks.getJsonObject(0);
  }
}
