package org.vertxasyncio.service.store;

/**
 * One webhook delivery as the outbox keeps it: a row committed with its task's finish, delivered by
 * whichever node holds its lease, its attempts recorded in it and in the task's callback log.
 *
 * @param id          the delivery's {@code webhook-id}: the same on every attempt, node and redelivery
 * @param taskId      the task it reports
 * @param taskToken   in an insert, the task's lease token: the row is written only where the task's row still
 *                    carries it (null: no lease, one node)
 * @param entry       the index of its entry in the task's callback log
 * @param url         where it is POSTed
 * @param key         the HMAC key it is signed with, base64 (null: unsigned)
 * @param body        what is POSTed: the task as it was when it finished
 * @param attempts    attempts made so far
 * @param first       the number of the first attempt of the delivery under way (a redelivery starts after the
 *                    last attempt made)
 * @param state       {@code pending}, {@code delivered}, {@code failed} or {@code refused}
 * @param dueIn       read with a claim: milliseconds until its next attempt is due (0: now); unused in writes
 * @param owner       the node that holds its lease (null: nobody)
 * @param leaseToken  the token of that lease: every write of an attempt is fenced with it
 * @param entryJson   the task's callback-log entry as the task's row has it (read with a claim; null in an insert)
 */
public record StoredDelivery(String id, String taskId, String taskToken, int entry, String url, String key, String body,
    int attempts, int first, String state, long dueIn, String owner, String leaseToken, String entryJson) {

  /** This row as its holder sees it after an attempt: {@code attempts} made, in {@code state}. */
  public StoredDelivery after(int attemptsMade, String newState) {
    return new StoredDelivery(id, taskId, taskToken, entry, url, key, body, attemptsMade, first, newState, 0, owner, leaseToken,
        entryJson);
  }

  /** This row held with {@code token}. */
  public StoredDelivery withToken(String token) {
    return new StoredDelivery(id, taskId, taskToken, entry, url, key, body, attempts, first, state, dueIn, owner, token,
        entryJson);
  }
}
