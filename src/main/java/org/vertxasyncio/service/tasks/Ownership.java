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
