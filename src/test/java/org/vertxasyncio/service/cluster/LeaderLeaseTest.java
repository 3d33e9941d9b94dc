package org.vertxasyncio.service.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.cluster.PgSchema.await;
import static org.vertxasyncio.testing.Eventually.eventually;

import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The leader lease on a real PostgreSQL. */
class LeaderLeaseTest {
  @RegisterExtension
  static final PgSchema schema = new PgSchema();

  @BeforeEach
  void empty() throws Exception {
    schema.sql("DELETE FROM leader");
  }

  @Test
  void oneNodeAtATimeIsLeaderAndItKeepsTheLeaseByRenewingIt() throws Exception {
    LeaderLease a = new LeaderLease(schema.pool(), "a", 30);
    LeaderLease b = new LeaderLease(schema.pool(), "b", 30);
    assertTrue(await(a.attempt()), "the first node is elected");
    assertFalse(await(b.attempt()), "a second one is not");
    assertTrue(await(a.attempt()), "the leader renews its lease");
    assertFalse(await(b.attempt()));
    assertEquals("a", await(b.current()));
    assertEquals(1, schema.sql("SELECT count(*) FROM leader").iterator().next().getLong(0));
  }

  @Test
  void aPeerTakesOverOnceTheLeadersLeaseExpires() throws Exception {
    LeaderLease a = new LeaderLease(schema.pool(), "a", 0.5);
    LeaderLease b = new LeaderLease(schema.pool(), "b", 0.5);
    assertTrue(await(a.attempt()));
    // a stops renewing (it died, or stalls): b is elected once a's lease has expired, not before
    assertFalse(await(b.attempt()), "not while a's lease runs");
    eventually("b is elected after a's lease expired", Duration.ofSeconds(20), () -> await(b.attempt()));
    assertEquals("b", await(a.current()));
    assertFalse(await(a.attempt()), "a, back, finds b leader and is a follower");
    assertFalse(a.isLeader());
  }

  @Test
  void aResigningLeaderLetsAPeerInAtOnce() throws Exception {
    LeaderLease a = new LeaderLease(schema.pool(), "a", 60);
    LeaderLease b = new LeaderLease(schema.pool(), "b", 60);
    assertTrue(await(a.attempt()));
    await(a.resign());
    assertTrue(await(b.attempt()), "elected without waiting for a's lease");
  }
}
