package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.testing.Postgres;

/**
 * The leader's vacuum ({@code store.postgres.vacuum}): every task leaves dead row versions in {@code tasks} (its
 * finish, its removal by retention), and the leader vacuums that table and the others tasks churn, so that the space
 * is used again; with {@code 0} it leaves them to the server's autovacuum.
 */
class ClusterVacuumTest {
  private static final Duration T = Duration.ofSeconds(30);

  private static Map<String, Object> node(String schema, double vacuum) {
    return Map.of("cluster.lease", 5, "cluster.heartbeat", 0.5, "store.type", "postgres", "store.postgres.url", Postgres.URL,
        "store.postgres.schema", schema, "retention.tasks.max", 1, "store.postgres.vacuum", vacuum);
  }

  /** {@code column} of {@code pg_stat_user_tables} for {@code schema}'s {@code table}. */
  private static long stat(String schema, String table, String column) {
    return ((Number) Postgres.value("SELECT " + column + " FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2",
        schema, table)).longValue();
  }

  private static long rows(String schema) {
    return ((Number) Postgres.value("SELECT count(*) FROM " + schema + ".tasks")).longValue();
  }

  @Test
  void theLeaderVacuumsTheTablesTasksChurnAndZeroLeavesThemToAutovacuum() throws Exception {
    String on = Postgres.newSchema();
    String off = Postgres.newSchema();
    try (ServiceHarness a = ServiceHarness.start(node(on, 0.5)); ServiceHarness b = ServiceHarness.start(node(off, 0))) {
      for (int i = 0; i < 10; i++) {
        a.submitAndWait(sleep(0), 5);
        b.submitAndWait(sleep(0), 5);
      }
      // retention keeps one done task: nine rows deleted on each, and ten finishes written as new versions
      eventually("retention left one task on each node's table", T,
          () -> rows(on) == 1 && rows(off) == 1);
      eventually("the vacuums went on and left no dead row in tasks", T,
          () -> stat(on, "tasks", "vacuum_count") >= 2 && stat(on, "tasks", "n_dead_tup") == 0);
      for (String table : List.of("event_batches", "webhook_outbox", "idempotency_keys")) {
        eventually(table + " vacuumed too", T, () -> stat(on, table, "vacuum_count") >= 1);
      }
      eventually("without the leader's vacuum the dead rows stay", T, () -> stat(off, "tasks", "n_dead_tup") > 0);
      assertEquals(0, stat(off, "tasks", "vacuum_count"), "store.postgres.vacuum 0: no vacuum by the service");
    } finally {
      Postgres.drop(on);
      Postgres.drop(off);
    }
  }
}
