package org.vertxasyncio.service.tasks;

/**
 * Which node runs the tasks of a store that several nodes share: the task service asks it for the owner
 * of each task it accepts and tells it which tasks it holds. {@link #NONE} (one node, the SQLite and memory
 * stores) holds no leases.
 *
 * <p>Threads: called on the task's loop thread.
 */
public interface Ownership {
  /** One node: no owners, no leases. */
  Ownership NONE = new Ownership() {
    @Override
    public String owner() {
      return null;
    }

    @Override
    public void held(TaskRecord rec) {
    }

    @Override
    public void settled(TaskRecord rec) {
    }
  };

  /** The owner written on the tasks this node accepts and runs; null: no leases. */
  String owner();

  /** {@code rec}'s row is committed under this node's lease ({@link TaskRecord#leaseToken()}). */
  void held(TaskRecord rec);

  /** {@code rec} needs the lease no more: its finish is committed, or the node dropped it. */
  void settled(TaskRecord rec);

  /**
   * A future, on {@code loop}, of the outcome of task {@code taskId}, which another node runs (or nobody
   * holds yet): it completes on {@code loop}'s thread once that task's finish is committed. Asked only when
   * the store is {@linkplain org.vertxasyncio.service.store.TaskStore#shared() shared}.
   */
  default org.vertxasyncio.asyncio.AsyncFuture<Object> elsewhere(String taskId, org.vertxasyncio.asyncio.EventLoop loop) {
    throw new UnsupportedOperationException("task " + taskId + ": one node runs every task of its store");
  }

  /**
   * This node has no room for {@code n} more tasks: takes room for them with the peers, as they last
   * published it. True if they had it: the tasks are then committed unowned, for a peer to claim; false
   * (one node, or no peer with room): the request is refused.
   */
  default boolean placeElsewhere(int n) {
    return false;
  }

  /** Tasks taken room for with {@link #placeElsewhere} are committed, unowned: the peers are told. */
  default void placed() {
  }
}
