package org.vertxasyncio.service.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.cluster.PgSchema.await;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lease statements on a real PostgreSQL, in a schema of their own. */
class LeasesTest {
  @RegisterExtension
  static final PgSchema schema = new PgSchema();

  @BeforeEach
  void empty() throws Exception {
    schema.sql("DELETE FROM tasks");
    schema.sql("DELETE FROM nodes");
  }

  /** A pending task held by {@code owner} until {@code leaseSeconds} from now (negative: expired; null owner: unowned). */
  private static void task(String id, String state, String owner, Double leaseSeconds) throws Exception {
    schema.sql("INSERT INTO tasks (id, loop, state, created_at, spec, record, owner, lease_token, lease_until) "
        + "VALUES ($1, 'default', $2, 0, '{}', '{}', $3, $4, now() + make_interval(secs => $5))",
        id, state, owner, owner == null ? null : "token-" + id, leaseSeconds == null ? null : leaseSeconds);
  }

  private static Map<String, Row> rows() throws Exception {
    Map<String, Row> m = new TreeMap<>();
    for (Row r : schema.sql("SELECT id, owner, lease_token, extract(epoch FROM lease_until - now()) AS left FROM tasks")) {
      m.put(r.getString("id"), r);
    }
    return m;
  }

  /** Each row's version (its {@code ctid}: a new one for every update). */
  private static Map<String, String> versions() throws Exception {
    Map<String, String> m = new TreeMap<>();
    for (Row r : schema.sql("SELECT id, ctid::text FROM tasks")) {
      m.put(r.getString(0), r.getString(1));
    }
    return m;
  }

  @Test
  void aHeartbeatRenewsEveryPendingLeaseOfItsNodeAndListsThem() throws Exception {
    task("t1", "pending", "a", 1.0);
    task("t2", "pending", "a", -5.0); // expired, nobody took it: still a's
    task("t3", "finished", "a", 1.0);
    task("t4", "pending", "b", 1.0);
    Set<String> held = await(new Leases(schema.pool(), "a", 30).heartbeat()).held();
    assertEquals(Set.of("t1", "t2"), held, "the node's pending tasks");
    Map<String, Row> rows = rows();
    assertTrue(rows.get("t1").getDouble("left") > 25, "t1 renewed for a lease: " + rows.get("t1").getDouble("left"));
    assertTrue(rows.get("t2").getDouble("left") > 25, "t2 renewed");
    assertTrue(rows.get("t3").getDouble("left") < 2, "a finished task is not renewed");
    assertTrue(rows.get("t4").getDouble("left") < 2, "another node's task is not renewed");
    assertEquals(1, schema.sql("SELECT count(*) FROM nodes WHERE id = 'a'").iterator().next().getLong(0), "the node's row");
    await(new Leases(schema.pool(), "a", 30).heartbeat()).held();
    assertEquals(1, schema.sql("SELECT count(*) FROM nodes").iterator().next().getLong(0), "one row per node");
  }

  @Test
  void aHeartbeatRenewsOnlyTheLeasesThatEndSoonAndListsEveryHeldTask() throws Exception {
    task("t1", "pending", "a", 3.0); // ends within the renewal window: renewed
    task("t2", "pending", "a", 9.5); // a lease given a moment ago: left as it is, still listed
    task("t3", "pending", "a", -5.0); // expired, nobody took it: still a's, renewed
    task("t4", "finished", "a", 1.0);
    task("t5", "pending", "b", 9.5);
    schema.sql("UPDATE tasks SET cancel_requested = true WHERE id IN ('t2', 't5')");
    Map<String, String> before = versions();
    Leases leases = new Leases(schema.pool(), "a", 10, 60, Leases.renewWithin(10, 2));
    assertEquals(8.0, leases.renewWithin());
    Leases.Beat beat = await(leases.heartbeat());
    assertEquals(Set.of("t1", "t2", "t3"), beat.held(), "the node's pending tasks, renewed or not");
    assertEquals(Set.of("t2"), beat.cancelRequested(), "a cancel asked for a task whose lease was not renewed");
    Map<String, Row> rows = rows();
    assertTrue(rows.get("t1").getDouble("left") > 9, "t1 renewed: " + rows.get("t1").getDouble("left"));
    assertTrue(rows.get("t3").getDouble("left") > 9, "t3 renewed");
    assertTrue(rows.get("t2").getDouble("left") < 9.5 && rows.get("t2").getDouble("left") > 8,
        "t2 not renewed: " + rows.get("t2").getDouble("left"));
    assertEquals(before.get("t2"), versions().get("t2"), "t2's row version is the one before the heartbeat");
  }

  @Test
  void theRenewalWindowIsTheLeaseLessAHeartbeatWhenThatLeavesTwoHeartbeats() {
    assertEquals(8.0, Leases.renewWithin(10, 2));
    assertEquals(6.0, Leases.renewWithin(9, 3));
    assertEquals(3.0, Leases.renewWithin(3, 1.5), "a lease of two heartbeats: every lease, every heartbeat");
    assertEquals(10.0, Leases.renewWithin(10, 4), "6 s left would be less than two heartbeats");
  }

  @Test
  void aHeartbeatAlsoListsTheHeldTasksACancelWasAskedFor() throws Exception {
    task("t1", "pending", "a", 1.0);
    task("t2", "pending", "a", 1.0);
    task("t3", "pending", "b", 1.0);
    schema.sql("UPDATE tasks SET cancel_requested = true WHERE id IN ('t2', 't3')");
    Leases.Beat beat = await(new Leases(schema.pool(), "a", 30).heartbeat());
    assertEquals(Set.of("t1", "t2"), beat.held());
    assertEquals(Set.of("t2"), beat.cancelRequested(), "its own tasks only");
  }

  @Test
  void aClaimTakesPendingTasksWhoseLeaseExpiredOrThatNobodyHolds() throws Exception {
    task("t1", "pending", "a", -1.0);
    task("t2", "pending", null, null);
    task("t3", "pending", "b", 30.0);
    task("t4", "finished", "a", -1.0);
    task("t5", "cancelled", null, null);
    List<Leases.Claimed> got = await(new Leases(schema.pool(), "c", 10).claim(100));
    assertEquals(List.of("t1", "t2"), got.stream().map(Leases.Claimed::id).toList(), "expired and unowned, pending only");
    Map<String, Row> rows = rows();
    for (Leases.Claimed c : got) {
      Row r = rows.get(c.id());
      assertEquals("c", r.getString("owner"));
      assertEquals(c.token(), r.getString("lease_token"));
      assertNotEquals("token-" + c.id(), c.token(), "a new token: the old owner's writes match nothing");
      assertTrue(r.getDouble("left") > 5, "leased for cluster.lease");
    }
    assertEquals("b", rows.get("t3").getString("owner"), "a live lease is not taken");
    assertEquals(List.of(), await(new Leases(schema.pool(), "d", 10).claim(100)), "nothing is left to claim");
  }

  @Test
  void aParkedTaskIsClaimableOnlyOnceDueWithinTheHorizonAndTheClaimEndsItsParking() throws Exception {
    schema.sql("UPDATE meta SET value = 2 WHERE key = 'tasks.parked'");
    long now = System.currentTimeMillis();
    for (Object[] t : new Object[][] {{"far", now + 600_000}, {"soon", now + 5_000}}) {
      schema.sql("INSERT INTO tasks (id, loop, state, created_at, spec, record, parked_until) VALUES ($1, 'default', "
          + "'pending', 0, '{}', '{}', $2)", t[0], t[1]);
    }
    task("placed", "pending", null, null);
    Leases c = new Leases(schema.pool(), "c", 10, 30);
    assertEquals(2L, await(c.claimable()), "the placed task and the parked one due within the horizon");
    List<Leases.Claimed> got = await(c.claim(100));
    assertEquals(List.of("placed", "soon"), got.stream().map(Leases.Claimed::id).toList());
    assertEquals(null, rows().get("far").getString("owner"), "a parked task not due is left alone");
    assertEquals("far", schema.sql("SELECT string_agg(id, ',') FROM tasks WHERE parked_until IS NOT NULL").iterator().next()
        .getString(0), "the claim ended the parking of what it took");
    assertEquals(1L, schema.sql("SELECT value FROM meta WHERE key = 'tasks.parked'").iterator().next().getLong(0),
        "the claim counted the parked task it took");
    assertEquals(0L, await(c.claimable()));
  }

  @Test
  void twoNodesClaimingAtOnceNeverTakeTheSameTask() throws Exception {
    schema.sql("INSERT INTO tasks (id, loop, state, created_at, spec, record, owner, lease_token, lease_until) "
        + "SELECT 't' || lpad(i::text, 3, '0'), 'default', 'pending', 0, '{}', '{}', 'dead', 'token-' || i, now() - interval '1 second' "
        + "FROM generate_series(0, 299) AS i");
    Leases x = new Leases(schema.pool(), "x", 10);
    Leases y = new Leases(schema.pool(), "y", 10);
    List<String> byX = new ArrayList<>();
    List<String> byY = new ArrayList<>();
    while (true) {
      // both claim at the same moment, in small batches, until nothing is left
      Future<List<Leases.Claimed>> fx = x.claim(7);
      Future<List<Leases.Claimed>> fy = y.claim(7);
      List<Leases.Claimed> cx = await(fx);
      List<Leases.Claimed> cy = await(fy);
      cx.forEach(c -> byX.add(c.id()));
      cy.forEach(c -> byY.add(c.id()));
      if (cx.isEmpty() && cy.isEmpty()) {
        break;
      }
    }
    Set<String> both = new HashSet<>(byX);
    both.retainAll(byY);
    assertEquals(Set.of(), both, "no task claimed twice");
    assertEquals(300, byX.size() + byY.size(), "every task claimed");
    assertTrue(!byX.isEmpty() && !byY.isEmpty(), "both nodes claimed some: " + byX.size() + " / " + byY.size());
    assertEquals(byX.size(), schema.sql("SELECT count(*) FROM tasks WHERE owner = 'x'").iterator().next().getLong(0));
  }

  @Test
  void releasedTasksAreClaimableAtOnce() throws Exception {
    task("t1", "pending", "a", 30.0);
    task("t2", "pending", "a", 30.0);
    task("t3", "pending", "a", 30.0);
    Leases a = new Leases(schema.pool(), "a", 30);
    assertEquals(1, await(a.release(List.of("token-t1"))), "one task given back by its token");
    assertEquals(0, await(a.release(List.of("token-t9"))), "an unknown token gives back nothing");
    assertEquals(List.of("t1"), await(new Leases(schema.pool(), "b", 10).claim(10)).stream().map(Leases.Claimed::id).toList());
    assertEquals(2, await(a.releaseAll()), "the rest, on leaving");
    assertEquals(2L, await(a.claimable()));
    assertEquals(List.of("t2", "t3"), await(new Leases(schema.pool(), "b", 10).claim(10)).stream().map(Leases.Claimed::id).toList());
  }

  @Test
  void aFencedWriteWithTheTokenOfALeaseSinceClaimedMatchesNothing() throws Exception {
    task("t1", "pending", "a", -1.0);
    String fence = "UPDATE tasks SET state = 'finished' WHERE id = $1 AND lease_token = $2";
    Leases.Claimed c = await(new Leases(schema.pool(), "b", 10).claim(10)).get(0);
    assertEquals(0, schema.sql(fence, "t1", "token-t1").rowCount(), "the old owner's finish");
    assertEquals(Set.of(), await(new Leases(schema.pool(), "a", 10).heartbeat()).held(), "the old owner's heartbeat no longer lists it");
    assertEquals(1, schema.sql(fence, "t1", c.token()).rowCount(), "the new owner's finish");
    assertEquals(List.of(), await(new Leases(schema.pool(), "c", 10).claim(10)), "a finished task is never claimed");
  }
}
