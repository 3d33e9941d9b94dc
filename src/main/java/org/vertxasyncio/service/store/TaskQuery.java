package org.vertxasyncio.service.store;

import java.util.List;

/**
 * A filtered, paged read of the tasks a store keeps, as {@code GET /tasks} asks for it: newest first (ids sort
 * by creation time), those matching every filter given, after {@code cursor}, {@code limit} at most.
 *
 * @param state  {@code pending}, {@code finished} or {@code cancelled}; null: any
 * @param kind   {@code sleep}, {@code work} or {@code gather}; null: any
 * @param loop   the loop's name; null: any
 * @param name   the task's name; null: any
 * @param cursor the id the page starts after (the previous page's {@link Page#nextCursor()}); null: the newest
 * @param limit  the most tasks in the page, at least 1
 */
public record TaskQuery(String state, String kind, String loop, String name, String cursor, int limit) {
  public TaskQuery {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
  }

  /** One page: the rows, newest first, and the cursor of the next page (null when no task is left after it). */
  public record Page(List<StoredTask> tasks, String nextCursor) {
    /** The page of the first {@code limit} of {@code rows}, which were read with one row more than asked for. */
    static Page of(List<StoredTask> rows, int limit) {
      if (rows.size() <= limit) {
        return new Page(List.copyOf(rows), null);
      }
      List<StoredTask> page = List.copyOf(rows.subList(0, limit));
      return new Page(page, page.get(limit - 1).id());
    }
  }
}
