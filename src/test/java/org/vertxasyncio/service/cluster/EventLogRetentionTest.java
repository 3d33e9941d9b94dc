package org.vertxasyncio.service.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The leader's retention of the event log ({@link ClusterNode#EVENT_RETENTION}) on the real server. */
class EventLogRetentionTest {
  @RegisterExtension
  static final PgSchema schema = new PgSchema();

  private static List<Long> ids() throws Exception {
    List<Long> out = new ArrayList<>();
    schema.sql("SELECT id FROM events ORDER BY id").forEach(r -> out.add(r.getLong(0)));
    return out;
  }

  @Test
  void removesThePrefixPastItsAgeOrBeyondItsCountAndRecordsTheCut() throws Exception {
    schema.sql("INSERT INTO event_batches(id, first, types, task_ids, data, at) SELECT g, g, ARRAY['t'], ARRAY[NULL::text], "
        + "ARRAY['{}'], CASE WHEN g <= 3 THEN now() - interval '2 hours' ELSE now() END FROM generate_series(1, 10) g");
    schema.sql("UPDATE event_ids SET last = 10, pruned = 0");
    Pool p = schema.pool(1);
    try {
      // by age: the three events older than an hour
      PgSchema.await(p.preparedQuery(ClusterNode.EVENT_RETENTION).execute(Tuple.of(3600.0, 1000L)));
      assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L, 10L), ids());
      assertEquals(3L, schema.sql("SELECT pruned FROM event_ids").iterator().next().getLong(0));
      // by count: the newest five stay
      PgSchema.await(p.preparedQuery(ClusterNode.EVENT_RETENTION).execute(Tuple.of(3600.0, 5L)));
      assertEquals(List.of(6L, 7L, 8L, 9L, 10L), ids());
      assertEquals(5L, schema.sql("SELECT pruned FROM event_ids").iterator().next().getLong(0));
      // nothing more to remove: the cut stays
      PgSchema.await(p.preparedQuery(ClusterNode.EVENT_RETENTION).execute(Tuple.of(3600.0, 5L)));
      assertEquals(5L, schema.sql("SELECT pruned FROM event_ids").iterator().next().getLong(0));
    } finally {
      PgSchema.await(p.close());
    }
  }

  @Test
  void removesWholeBatchesAndKeepsTheOneThatHoldsTheOldestOfTheNewestMax() throws Exception {
    schema.sql("DELETE FROM event_batches");
    schema.sql("INSERT INTO event_batches(id, first, types, task_ids, data, at) SELECT b.last, b.first, array_fill('t'::text, "
        + "ARRAY[b.last - b.first + 1]), array_fill(NULL::text, ARRAY[b.last - b.first + 1]), array_fill('{}'::text, "
        + "ARRAY[b.last - b.first + 1]), CASE WHEN b.last <= 4 THEN now() - interval '2 hours' ELSE now() END "
        + "FROM (VALUES (1, 4), (5, 8), (9, 10)) AS b(first, last)");
    schema.sql("UPDATE event_ids SET last = 10, pruned = 0");
    Pool p = schema.pool(1);
    try {
      // by age: the batch of the four events older than an hour
      PgSchema.await(p.preparedQuery(ClusterNode.EVENT_RETENTION).execute(Tuple.of(3600.0, 1000L)));
      assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L), ids());
      assertEquals(4L, schema.sql("SELECT pruned FROM event_ids").iterator().next().getLong(0));
      // by count, the newest five: the batch of 5 to 8 holds the fifth newest, and stays whole
      PgSchema.await(p.preparedQuery(ClusterNode.EVENT_RETENTION).execute(Tuple.of(3600.0, 5L)));
      assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L), ids());
      assertEquals(4L, schema.sql("SELECT pruned FROM event_ids").iterator().next().getLong(0));
      // the newest two: the batch of 5 to 8 goes
      PgSchema.await(p.preparedQuery(ClusterNode.EVENT_RETENTION).execute(Tuple.of(3600.0, 2L)));
      assertEquals(List.of(9L, 10L), ids());
      assertEquals(8L, schema.sql("SELECT pruned FROM event_ids").iterator().next().getLong(0));
    } finally {
      PgSchema.await(p.close());
    }
  }
}
