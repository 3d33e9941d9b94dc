package org.vertxasyncio.service.store;

import java.util.function.Supplier;

/**
 * One task as the store keeps it: the columns the service looks up at start-up, what to run again, and
 * the task as the API shows it.
 *
 * @param node            the node that runs the task, or ran it
 * @param state           {@code pending}, {@code finished} or {@code cancelled}
 * @param createdAt       epoch milliseconds
 * @param doneAt          epoch milliseconds, null while pending
 * @param sleepDeadline   epoch milliseconds at which a started {@code sleep} ends, else null
 * @param timeoutDeadline epoch milliseconds at which a started task with a {@code timeout} times out, else null
 * @param spec            what to run again (JSON, webhook keys included); null in an update, which keeps the
 *                        stored one
 * @param record          the task as the API shows it (JSON); encoded when it is written, on the store's
 *                        thread, so that a change costs its loop no encoding
 * @param owner           in a cluster, the node that holds the task's lease (null: nobody, or no cluster)
 * @param leaseToken      in a cluster, the token of that lease: a store that shares tasks between nodes
 *                        writes an update only where the row still carries it (null: no lease, unfenced)
 */
public record StoredTask(String id, String loop, String node, String parent, String state, long createdAt, Long doneAt,
    Long sleepDeadline, Long timeoutDeadline, String spec, Supplier<String> record, String owner, String leaseToken) {

  /** A row without a lease (one node). */
  public StoredTask(String id, String loop, String node, String parent, String state, long createdAt, Long doneAt,
      Long sleepDeadline, Long timeoutDeadline, String spec, Supplier<String> record) {
    this(id, loop, node, parent, state, createdAt, doneAt, sleepDeadline, timeoutDeadline, spec, record, null, null);
  }

  /** This row with {@code spec} (an update merged into the insert it follows). */
  StoredTask withSpec(String s) {
    return new StoredTask(id, loop, node, parent, state, createdAt, doneAt, sleepDeadline, timeoutDeadline, s, record, owner,
        leaseToken);
  }
}
