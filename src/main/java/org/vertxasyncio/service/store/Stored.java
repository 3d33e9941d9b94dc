package org.vertxasyncio.service.store;

import java.util.List;

/**
 * What a store kept from the previous runs, as {@link TaskStore#open()} reads it.
 *
 * @param tasks            every kept task, oldest first (ids sort by creation time)
 * @param loops            the event loops with their last state, in the order they were made
 * @param eventIdsReserved the highest SSE event id the previous runs may have used (0: none)
 */
public record Stored(List<StoredTask> tasks, List<StoredLoop> loops, long eventIdsReserved) {
  /** Nothing kept: a new store, or the memory store. */
  public static final Stored EMPTY = new Stored(List.of(), List.of(), 0);

  /** A loop and its last state: {@code running}, {@code stopped} or {@code closed}. */
  public record StoredLoop(String name, String state) {
  }
}
