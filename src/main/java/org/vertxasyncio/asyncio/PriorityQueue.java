package org.vertxasyncio.asyncio;

import java.util.Comparator;

/**
 * A {@link Queue} that gives back the smallest item first (natural order, or the given comparator);
 * equal items come out in no particular order, as with Python's {@code heapq}.
 *
 * <p>Python: {@code asyncio.PriorityQueue}
 */
public class PriorityQueue<T> extends Queue<T> {
  private final Comparator<? super T> comparator;

  public PriorityQueue() {
    this(0, null);
  }

  public PriorityQueue(int maxsize) {
    this(maxsize, null);
  }

  public PriorityQueue(int maxsize, Comparator<? super T> comparator) {
    super(maxsize);
    this.comparator = comparator;
  }

  @Override
  java.util.Queue<T> items() {
    if (items == null) {
      items = new java.util.PriorityQueue<>(comparator);
    }
    return items;
  }
}
