package org.vertxasyncio.service.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.config.ServiceConfig;
import org.vertxasyncio.service.store.StoredTask;
import org.vertxasyncio.service.webhooks.AllowList;
import org.vertxasyncio.service.webhooks.WebhookGuard;

class TaskRegistryTest {
  private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");

  /** A finished sleep as a restart finds it in the store, done at {@code T0} plus {@code i} ms. */
  private static TaskRecord finished(int i) {
    JsonObject body = new JsonObject().put("kind", "sleep").put("seconds", 0);
    TaskSpec spec = TaskSpec.parse(body, ServiceConfig.defaults(), new WebhookGuard(AllowList.NONE, host -> List.of()));
    long at = T0.toEpochMilli() + i;
    String id = String.format("TASK%022d", i);
    JsonObject record = new JsonObject().put("name", "Task-" + i).put("startedAt", T0.toString());
    return TaskRecord.restore(new StoredTask(id, "default", "node-a", null, "finished", at, at, null, null, body.encode(),
        record::encode), spec, "node-a");
  }

  @Test
  void aBoundedSweepForgetsTheOldestFirstAndLeavesTheRestToTheNext() {
    TaskRegistry registry = new TaskRegistry(1000, 3600, 100);
    List<TaskRecord> all = new ArrayList<>();
    for (int i = 0; i < 1300; i++) {
      TaskRecord r = finished(i);
      all.add(r);
      registry.restoreDone(r);
    }
    List<TaskRecord> first = registry.sweep(T0, 500);
    assertEquals(all.subList(0, 500), first, "500 at most, the oldest first");
    assertNotNull(registry.get(all.get(500).id()), "the rest are kept until the next sweep");
    List<TaskRecord> second = registry.sweep(T0, 500);
    assertEquals(all.subList(500, 1000), second);
    List<TaskRecord> last = registry.sweep(T0, 500);
    assertEquals(all.subList(1000, 1200), last, "down to retention.tasks.max, and no further");
    assertNull(registry.get(all.get(1199).id()));
    assertNotNull(registry.get(all.get(1200).id()));
    assertEquals(List.of(), registry.sweep(T0, 500));
  }

  @Test
  void anUnboundedSweepForgetsEverythingDueAtOnce() {
    TaskRegistry registry = new TaskRegistry(1000, 3600, 100);
    for (int i = 0; i < 1300; i++) {
      registry.restoreDone(finished(i));
    }
    assertEquals(1200, registry.sweep(T0).size());
  }
}
