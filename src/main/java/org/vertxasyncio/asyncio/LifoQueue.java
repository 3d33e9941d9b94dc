package org.vertxasyncio.asyncio;

import java.util.LinkedList;

/**
 * A {@link Queue} that gives back the most recently added item first.
 *
 * <p>Python: {@code asyncio.LifoQueue}
 */
public class LifoQueue<T> extends Queue<T> {
  public LifoQueue() {
    super();
  }

  public LifoQueue(int maxsize) {
    super(maxsize);
  }

  // items are kept in insertion order, as Python's list, so the repr reads the same; the last one goes out first
  @Override
  java.util.Queue<T> items() {
    if (items == null) {
      items = new LinkedList<>();
    }
    return items;
  }

  @Override
  T take() {
    return ((LinkedList<T>) items()).pollLast();
  }
}
