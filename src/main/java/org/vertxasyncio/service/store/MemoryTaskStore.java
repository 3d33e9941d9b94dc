package org.vertxasyncio.service.store;

import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store that keeps nothing ({@code store.type} {@code memory}): the service then holds its tasks in
 * memory only, as it did before it had a store, and a restart forgets them all, by design. For tests,
 * demos, and work that need not survive a restart. Its webhook outbox lives in this process's memory too,
 * with the same leases and fencing as the durable stores' (a lease here never expires: one process).
 */
public final class MemoryTaskStore implements TaskStore {
  /** The last task-name number reserved: kept for this process only, as everything here. */
  private final AtomicLong namesReserved = new AtomicLong();
  /** The outbox: task id to its deliveries by log entry; guarded by itself. */
  private final Map<String, Map<Integer, StoredDelivery>> outbox = new java.util.HashMap<>();

  @Override
  public boolean durable() {
    return false;
  }

  @Override
  public boolean keepsTasks() {
    return false;
  }

  @Override
  public String describe() {
    return "memory (nothing is kept across restarts)";
  }

  @Override
  public Future<Stored> open() {
    return Future.succeededFuture(Stored.EMPTY);
  }

  @Override
  public void put(StoredTask task) {
  }

  @Override
  public void putAll(List<StoredTask> tasks) {
  }

  @Override
  public void delete(String id) {
    synchronized (outbox) {
      outbox.remove(id);
    }
    if (!keyOfTask.isEmpty()) {
      String key = keyOfTask.remove(id);
      if (key != null) {
        keys.computeIfPresent(key, (k, c) -> c.taskId().equals(id) ? null : c);
      }
    }
  }

  /** A claim as this store keeps it: {@code claimedAt} in epoch milliseconds. */
  private record Claim(String fingerprint, String taskId, String node, long claimedAt) {
    KeyClaim view() {
      return new KeyClaim(taskId, fingerprint, node, Math.max(0, System.currentTimeMillis() - claimedAt));
    }
  }

  /** Idempotency keys and their claims; a claim goes with its task ({@link #delete}). */
  private final java.util.concurrent.ConcurrentHashMap<String, Claim> keys = new java.util.concurrent.ConcurrentHashMap<>();
  /** The key that claimed each task, for {@link #delete}. */
  private final java.util.concurrent.ConcurrentHashMap<String, String> keyOfTask = new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public Future<KeyClaim> claimKey(String key, String fingerprint, String taskId, String node) {
    Claim c = new Claim(fingerprint, taskId, node, System.currentTimeMillis());
    Claim old = keys.putIfAbsent(key, c);
    if (old == null) {
      keyOfTask.put(taskId, key);
      return Future.succeededFuture();
    }
    return Future.succeededFuture(old.view());
  }

  @Override
  public Future<Boolean> reclaimKey(String key, String staleTaskId, String fingerprint, String taskId, String node) {
    boolean[] moved = {false};
    keys.computeIfPresent(key, (k, c) -> {
      if (!c.taskId().equals(staleTaskId)) {
        return c;
      }
      moved[0] = true;
      return new Claim(fingerprint, taskId, node, System.currentTimeMillis());
    });
    if (moved[0]) {
      keyOfTask.remove(staleTaskId, key);
      keyOfTask.put(taskId, key);
    }
    return Future.succeededFuture(moved[0]);
  }

  @Override
  public Future<Void> releaseKey(String key, String taskId) {
    keys.computeIfPresent(key, (k, c) -> c.taskId().equals(taskId) ? null : c);
    keyOfTask.remove(taskId, key);
    return Future.succeededFuture();
  }

  @Override
  public void finish(StoredTask task, List<StoredDelivery> deliveries, double leaseSeconds) {
    synchronized (outbox) {
      for (StoredDelivery d : deliveries) {
        outbox.computeIfAbsent(d.taskId(), k -> new LinkedHashMap<>()).putIfAbsent(d.entry(), d);
      }
    }
  }

  /** Nothing to claim: a lease here is held until its holder ends it. */
  @Override
  public Future<List<StoredDelivery>> claimDeliveries(String owner, int max, double leaseSeconds) {
    return Future.succeededFuture(List.of());
  }

  @Override
  public Future<Void> renewDeliveries(String owner, List<String> tokens, double leaseSeconds) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Boolean> deliveryAttempted(StoredDelivery d, Long retryInMillis, String entryJson, double leaseSeconds) {
    synchronized (outbox) {
      Map<Integer, StoredDelivery> rows = outbox.get(d.taskId());
      StoredDelivery row = rows == null ? null : rows.get(d.entry());
      if (row == null || !java.util.Objects.equals(row.leaseToken(), d.leaseToken())) {
        return Future.succeededFuture(false);
      }
      rows.put(d.entry(), row.after(d.attempts(), d.state()));
      return Future.succeededFuture(true);
    }
  }

  @Override
  public Future<StoredDelivery> redeliver(String taskId, int entry, String owner, String token, double leaseSeconds) {
    synchronized (outbox) {
      Map<Integer, StoredDelivery> rows = outbox.get(taskId);
      StoredDelivery d = rows == null ? null : rows.get(entry);
      if (d == null || d.state().equals("pending")) {
        return Future.succeededFuture(d);
      }
      StoredDelivery again = new StoredDelivery(d.id(), taskId, d.taskToken(), entry, d.url(), d.key(), d.body(),
          d.attempts(), d.attempts() + 1, "pending", 0, owner, token, null);
      rows.put(entry, again);
      return Future.succeededFuture(again);
    }
  }

  @Override
  public void putLoop(String name, String state) {
  }

  @Override
  public void putEventIdsReserved(long upTo) {
  }

  @Override
  public Future<Long> reserveNames(int block) {
    return Future.succeededFuture(namesReserved.getAndAdd(block) + 1);
  }

  @Override
  public Future<Void> sync() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
