package org.vertxasyncio.service.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.loops.LoopEvent;
import org.vertxasyncio.service.loops.LoopState;

/** The enums of states, kinds and outcomes keep the names the API and the store have always used. */
public class JsonNamesTest {
  private static List<String> labels(Object[] values, java.util.function.Function<Object, String> label) {
    return Arrays.stream(values).map(label).toList();
  }

  @Test
  void taskStatesKeepTheirNames() {
    assertEquals(List.of("pending", "finished", "cancelled"), labels(TaskState.values(), s -> ((TaskState) s).label()));
    for (TaskState s : TaskState.values()) {
      assertEquals(s, TaskState.fromLabel(s.label()));
    }
    assertEquals(List.of(false, true, true), Arrays.stream(TaskState.values()).map(TaskState::done).toList());
    assertThrows(IllegalArgumentException.class, () -> TaskState.fromLabel("PENDING"));
  }

  @Test
  void taskKindsKeepTheirNames() {
    assertEquals(List.of("sleep", "work", "gather"), labels(TaskSpec.Kind.values(), k -> ((TaskSpec.Kind) k).label()));
    assertEquals(TaskSpec.Kind.GATHER, TaskSpec.Kind.fromLabel("gather"));
    assertThrows(IllegalArgumentException.class, () -> TaskSpec.Kind.fromLabel("Sleep"));
  }

  @Test
  void callbackKindsAndDeliveryOutcomesKeepTheirNames() {
    assertEquals(List.of("record", "webhook"), labels(CallbackEntry.Kind.values(), k -> ((CallbackEntry.Kind) k).label()));
    assertEquals(List.of("pending", "delivered", "failed", "refused"),
        labels(CallbackEntry.Outcome.values(), o -> ((CallbackEntry.Outcome) o).label()));
  }

  @Test
  void loopStatesAndEventsKeepTheirNames() {
    assertEquals(List.of("running", "stopped", "closed"), labels(LoopState.values(), s -> ((LoopState) s).label()));
    assertEquals(List.of("loop.created", "loop.started", "loop.stopped", "loop.closed"),
        labels(LoopEvent.values(), e -> ((LoopEvent) e).eventName()));
    assertEquals(List.of(LoopState.RUNNING, LoopState.RUNNING, LoopState.STOPPED, LoopState.CLOSED),
        Arrays.stream(LoopEvent.values()).map(LoopEvent::state).toList());
    assertEquals(LoopState.STOPPED, LoopState.fromLabel("stopped"));
  }

  @Test
  void aCallbackEntryReadsBackWhatItWrites() {
    Instant at = Instant.parse("2026-01-02T03:04:05.678Z");
    CallbackEntry hook = CallbackEntry.webhook(at, "http://receiver.test/hook", "msg_1_1")
        .withAttempt(new CallbackEntry.Attempt(1, at, 503, null, 12, 0.5), CallbackEntry.Outcome.PENDING)
        .withAttempt(new CallbackEntry.Attempt(2, at, null, "connection refused", 3, null), CallbackEntry.Outcome.FAILED);
    JsonObject j = hook.toJson();
    assertEquals("webhook", j.getString("callback"));
    assertEquals("failed", j.getString("outcome"));
    assertEquals(hook, CallbackEntry.fromJson(j));
    assertEquals("delivered", hook.withOutcome(CallbackEntry.Outcome.DELIVERED).toJson().getString("outcome"));

    CallbackEntry own = CallbackEntry.record(at);
    assertEquals(new JsonObject().put("callback", "record").put("firedAt", "2026-01-02T03:04:05.678Z"), own.toJson());
    assertEquals(own, CallbackEntry.fromJson(own.toJson()));
  }
}
