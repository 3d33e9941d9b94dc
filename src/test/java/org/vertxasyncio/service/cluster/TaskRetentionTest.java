package org.vertxasyncio.service.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The leader's retention of done tasks ({@link ClusterNode#RETENTION}) on the real server. */
class TaskRetentionTest {
  private static final long HOUR = 3_600_000;
  @RegisterExtension
  static final PgSchema schema = new PgSchema();

  @BeforeEach
  void empty() throws Exception {
    schema.sql("DELETE FROM tasks");
    schema.sql("DELETE FROM event_batches");
    schema.sql("UPDATE event_ids SET last = 100, pruned = 0");
    now = schema.sql("SELECT (extract(epoch FROM now()) * 1000)::bigint").iterator().next().getLong(0);
  }

  private long now;

  /** A row of {@code tasks}: done {@code ago} milliseconds before the test's start, or pending when {@code ago} is null. */
  private void task(String id, Long ago) throws Exception {
    schema.sql("INSERT INTO tasks(id, loop, state, created_at, done_at, spec, record) VALUES ($1, 'default', $2, 0, $3, "
        + "'{}', '{}')", id, ago == null ? "pending" : "finished", ago == null ? null : now - ago);
  }

  private static List<String> ids() throws Exception {
    List<String> out = new ArrayList<>();
    schema.sql("SELECT id FROM tasks ORDER BY id").forEach(r -> out.add(r.getString(0)));
    return out;
  }

  /** Runs the retention: {@code retention.seconds} an hour, {@code retention.tasks.max} {@code max}. */
  private static Row retain(int max) throws Exception {
    Pool p = schema.pool(1);
    try {
      return PgSchema.await(p.preparedQuery(ClusterNode.RETENTION).execute(Tuple.of(HOUR, max, "retention_test")))
          .iterator().next();
    } finally {
      PgSchema.await(p.close());
    }
  }

  @Test
  void removesTheOldestBeyondTheMaximumByDoneTimeThenIdAndThosePastTheAgeAndLogsEachInOneBatch() throws Exception {
    task("a", 5_000L);
    task("b", 4_000L);
    task("c", 4_000L); // as old as b: of the two, b (the lower id) is the older
    task("d", 3_000L);
    task("e", 2_000L);
    task("p", null); // pending: never removed, not counted
    assertEquals(3L, retain(2).getLong(0));
    assertEquals(List.of("d", "e", "p"), ids());
    Row batch = schema.sql("SELECT id, first, types, task_ids, data FROM event_batches").iterator().next();
    assertEquals(103L, batch.getLong(0));
    assertEquals(101L, batch.getLong(1));
    assertEquals(List.of("task.deleted", "task.deleted", "task.deleted"), List.of(batch.getArrayOfStrings(2)));
    assertEquals(List.of("a", "b", "c"), List.of(batch.getArrayOfStrings(3)));
    String[] data = batch.getArrayOfStrings(4);
    for (int i = 0; i < 3; i++) {
      JsonObject d = new JsonObject(data[i]);
      assertEquals(batch.getArrayOfStrings(3)[i], d.getString("id"));
      assertEquals("retention", d.getString("reason"));
    }
    assertEquals(103L, schema.sql("SELECT last FROM event_ids").iterator().next().getLong(0));

    // within the maximum, the one done more than an hour ago goes
    task("old", 2 * HOUR);
    assertEquals(1L, retain(10).getLong(0));
    assertEquals(List.of("d", "e", "p"), ids());
    // nothing to remove: no batch, no id handed out
    assertEquals(0L, retain(10).getLong(0));
    assertEquals(2L, schema.sql("SELECT count(*) FROM event_batches").iterator().next().getLong(0));
    assertEquals(104L, schema.sql("SELECT last FROM event_ids").iterator().next().getLong(0));
    // a maximum of 0 keeps no done task
    assertEquals(2L, retain(0).getLong(0));
    assertEquals(List.of("p"), ids());
  }

  /**
   * A round that removes more tasks than a tail reads in a page logs them in rows of that many at most, numbered on in
   * the order of the ids, so that a tail's page never reads one row whole again and again.
   */
  @Test
  void manyRemovedTasksAreLoggedInRowsOfATailsPageAtMostInTheOrderOfTheirIds() throws Exception {
    int n = 2 * ClusterNode.RETENTION_BATCH + ClusterNode.RETENTION_BATCH / 2;
    schema.sql("INSERT INTO tasks(id, loop, state, created_at, done_at, spec, record) SELECT 't' || lpad(i::text, 6, '0'), "
        + "'default', 'finished', 0, $1, '{}', '{}' FROM generate_series(1, $2) i", now - 2 * HOUR, n);
    assertEquals((long) n, retain(10).getLong(0));
    List<long[]> rows = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (Row r : schema.sql("SELECT first, id, task_ids FROM event_batches ORDER BY id")) {
      rows.add(new long[] {r.getLong(0), r.getLong(1)});
      ids.addAll(List.of(r.getArrayOfStrings(2)));
    }
    int b = ClusterNode.RETENTION_BATCH;
    assertEquals(List.of(List.of(101L, 100L + b), List.of(101L + b, 100L + 2 * b), List.of(101L + 2 * b, 100L + n)),
        rows.stream().map(r -> List.of(r[0], r[1])).toList());
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      expected.add(String.format("t%06d", i));
    }
    assertEquals(expected, ids, "the events follow the order of the ids, across the rows");
    assertEquals(100L + n, schema.sql("SELECT last FROM event_ids").iterator().next().getLong(0));
  }

  @Test
  void theRemovedTasksWebhookDeliveriesGoInTheSameStatement() throws Exception {
    schema.sql("DELETE FROM webhook_outbox");
    task("old", 2 * HOUR);
    task("new", 1_000L);
    for (String id : List.of("old", "new")) {
      schema.sql("INSERT INTO webhook_outbox(id, task_id, entry, url, body, attempts, first_attempt, next_at, state) "
          + "VALUES ($1, $2, 0, 'http://127.0.0.1:1/', '{}', 1, 1, 0, 'delivered')", "d-" + id, id);
    }
    assertEquals(1L, retain(10).getLong(0));
    List<String> left = new ArrayList<>();
    schema.sql("SELECT task_id FROM webhook_outbox").forEach(r -> left.add(r.getString(0)));
    assertEquals(List.of("new"), left, "the removed task's delivery went with it, the kept one's stayed");
  }

  /**
   * The plan PostgreSQL keeps for the statement (a generic one, as a connection that prepared it keeps, with the
   * nodes' session settings) evaluates no subplan per row: a subquery's rows compared with each row of the table
   * made the retention's cost grow with the square of the done tasks. It reaches the done tasks through their
   * index, not by reading every row of the table (pending ones, and their records, included), twice.
   */
  @Test
  void itsGenericPlanEvaluatesNoSubplanPerRowAndReadsTheDoneTasksThroughTheirIndex() throws Exception {
    Pool p = schema.pool(1);
    try {
      String plan = PgSchema.await(p.withConnection(c -> c.query("SET enable_seqscan = off").execute()
          .compose(v -> c.query("SET plan_cache_mode = force_generic_plan").execute())
          .compose(v -> c.query("PREPARE retention(bigint, int, text) AS " + ClusterNode.RETENTION).execute())
          .compose(v -> c.query("EXPLAIN EXECUTE retention(3600000, 10000, 'retention_test')").execute())
          .map(rows -> {
            StringBuilder sb = new StringBuilder();
            rows.forEach(r -> sb.append(r.getString(0)).append('\n'));
            return sb.toString();
          })));
      assertTrue(plan.contains("Delete on tasks"), plan);
      assertFalse(plan.contains("SubPlan"), plan);
      assertTrue(plan.contains("on tasks_done"), plan);
      assertFalse(plan.contains("Seq Scan on tasks"), plan);
    } finally {
      PgSchema.await(p.close());
    }
  }
}
