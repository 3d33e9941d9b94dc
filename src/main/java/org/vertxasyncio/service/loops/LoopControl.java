package org.vertxasyncio.service.loops;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * How the API's changes of a named loop are made: on one node by the {@link LoopRegistry} itself; in a
 * cluster by the loops table that every node applies ({@code cluster.ClusterLoops}), so that a loop made,
 * stopped, started or closed on one node is so on all of them.
 *
 * <p>Each future completes once the change is committed (in a cluster) and applied on this node; it fails
 * with the {@link org.vertxasyncio.service.ServiceError} that says why not.
 */
public interface LoopControl {
  /** Makes a loop and starts it; failed with {@code Conflict} {@code loop_exists} or {@code loop_limit}. */
  Future<NamedLoop> create(String name);

  /** Runs a stopped loop again; failed with {@code LoopClosed}, or {@code Conflict} {@code loop_running}. */
  Future<NamedLoop> start(NamedLoop l);

  /** Stops a running loop (it keeps its tasks); a loop that is not running is left as it is. */
  Future<NamedLoop> stop(NamedLoop l);

  /** Closes a loop: its tasks are cancelled (waited for at most {@code graceSeconds}), then it runs nothing again. */
  Future<NamedLoop> close(NamedLoop l, double graceSeconds);

  /**
   * The loop across the cluster, as {@code GET /loops/{name}} adds it ({@code pending} and {@code done}:
   * this node's counts now); null on one node.
   */
  default JsonObject cluster(NamedLoop l, int pending, int done) {
    return null;
  }
}
