package org.vertxasyncio.service.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store that keeps nothing ({@code store.type} {@code memory}): the service then holds its tasks in
 * memory only, as it did before it had a store, and a restart forgets them all, by design. For tests,
 * demos, and work that need not survive a restart.
 */
public final class MemoryTaskStore implements TaskStore {
  /** The last task-name number reserved: kept for this process only, as everything here. */
  private final AtomicLong namesReserved = new AtomicLong();

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
