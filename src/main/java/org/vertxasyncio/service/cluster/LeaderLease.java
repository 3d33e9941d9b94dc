package org.vertxasyncio.service.cluster;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

/**
 * One leader at a time, by a lease row in the {@code leader} table, as River elects its leader: an expired
 * lease is deleted, then the node tries to insert its own ({@code ON CONFLICT DO NOTHING}); the leader
 * renews it by an {@code UPDATE} that matches only while it still holds it. Two statements, not one: a
 * single {@code WITH} that deletes and inserts does not take over an expired lease (the insert does not see
 * the delete of the same statement).
 *
 * <p>Invariants: at most one row; a node is leader while its row's {@code expires_at} (PostgreSQL's clock)
 * is in the future. A leader whose renewal fails acts as a follower from then on: a peer may be elected once
 * the lease expires, so for a moment two nodes may both run a duty, which every duty tolerates.
 */
public final class LeaderLease {
  static final String DELETE_EXPIRED = "DELETE FROM leader WHERE name = 'leader' AND expires_at < now()";
  static final String ELECT = """
      INSERT INTO leader (name, node, elected_at, expires_at)
      VALUES ('leader', $1, now(), now() + make_interval(secs => $2))
      ON CONFLICT (name) DO NOTHING""";
  static final String RENEW = """
      UPDATE leader SET expires_at = now() + make_interval(secs => $2)
      WHERE name = 'leader' AND node = $1 AND expires_at >= now()""";
  static final String RESIGN = "DELETE FROM leader WHERE name = 'leader' AND node = $1";
  static final String CURRENT = "SELECT node FROM leader WHERE name = 'leader' AND expires_at >= now()";

  private final Pool pool;
  private final String node;
  private final double ttlSeconds;
  private volatile boolean leader;

  public LeaderLease(Pool pool, String node, double ttlSeconds) {
    this.pool = pool;
    this.node = node;
    this.ttlSeconds = ttlSeconds;
  }

  /** True while this node holds the lease (as of its last attempt). */
  public boolean isLeader() {
    return leader;
  }

  /**
   * Renews the lease if this node holds it, else tries to take it.
   *
   * @return whether this node is the leader now; failed (and a follower from now on) when PostgreSQL did
   *     not answer
   */
  public Future<Boolean> attempt() {
    Future<Boolean> f = leader
        ? pool.preparedQuery(RENEW).execute(Tuple.of(node, ttlSeconds)).map(r -> r.rowCount() == 1)
            .compose(kept -> kept ? Future.succeededFuture(true) : elect())
        : elect();
    return f.onComplete(ar -> leader = ar.succeeded() && ar.result());
  }

  private Future<Boolean> elect() {
    return pool.query(DELETE_EXPIRED).execute()
        .compose(v -> pool.preparedQuery(ELECT).execute(Tuple.of(node, ttlSeconds)))
        .map(RowSet::rowCount).map(n -> n == 1);
  }

  /** Gives the lease up (shutdown), so that a peer need not wait for it to expire. */
  public Future<Void> resign() {
    leader = false;
    return pool.preparedQuery(RESIGN).execute(Tuple.of(node)).mapEmpty();
  }

  /** The node that holds the lease now, or null. */
  public Future<String> current() {
    return pool.query(CURRENT).execute().map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }
}
