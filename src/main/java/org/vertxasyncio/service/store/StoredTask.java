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
 */
public record StoredTask(String id, String loop, String node, String parent, String state, long createdAt, Long doneAt,
    Long sleepDeadline, Long timeoutDeadline, String spec, Supplier<String> record) {

  /** This row with {@code spec} (an update merged into the insert it follows). */
  StoredTask withSpec(String s) {
    return new StoredTask(id, loop, node, parent, state, createdAt, doneAt, sleepDeadline, timeoutDeadline, s, record);
  }
}
