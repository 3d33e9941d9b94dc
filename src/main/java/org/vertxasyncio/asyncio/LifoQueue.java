package org.vertxasyncio.asyncio;

import java.util.ArrayDeque;
import java.util.Collections;

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

  @Override
  java.util.Queue<T> items() {
    if (items == null) {
      items = Collections.asLifoQueue(new ArrayDeque<>());
    }
    return items;
  }
}
