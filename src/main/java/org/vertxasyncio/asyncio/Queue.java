package org.vertxasyncio.asyncio;

import java.util.ArrayDeque;

/**
 * A FIFO queue for coroutines: {@link #get()} waits while it is empty, {@link #put} while it is full
 * (with a {@code maxsize} above zero). Not thread-safe: for the coroutines of one loop.
 *
 * <p>Invariants: a getter waits only while the queue is empty and a putter only while it is full; each
 * put wakes at most one getter, each get at most one putter; a cancelled waiter passes its wake-up on;
 * once shut down, the queue takes no more items and wakes every waiter, to fail or to take what is left.
 *
 * <p>Python: {@code asyncio.Queue} (with {@code shutdown}, CPython 3.13's Lib/asyncio/queues.py)
 *
 * @param <T> the type of the items
 */
public class Queue<T> extends LoopBound {
  private final int maxsize;
  private final ArrayDeque<AsyncFuture<Void>> getters = new ArrayDeque<>();
  private final ArrayDeque<AsyncFuture<Void>> putters = new ArrayDeque<>();
  private int unfinishedTasks;
  private final Event finished = new Event();
  private boolean isShutdown;

  /** An unbounded queue. */
  public Queue() {
    this(0);
  }

  /** A queue of at most {@code maxsize} items (zero or less: unbounded). */
  public Queue(int maxsize) {
    this.maxsize = maxsize;
    finished.set();
  }

  // the storage, overridden by LifoQueue and PriorityQueue; a LinkedList, as Python's queues hold None
  // (ArrayDeque refuses null)
  java.util.Queue<T> items;

  java.util.Queue<T> items() {
    if (items == null) {
      items = new java.util.LinkedList<>();
    }
    return items;
  }

  T take() {
    return items().poll();
  }

  void add(T item) {
    items().add(item);
  }

  private static void wakeupNext(ArrayDeque<AsyncFuture<Void>> waiters) {
    while (!waiters.isEmpty()) {
      AsyncFuture<Void> w = waiters.pollFirst();
      if (!w.done()) {
        w.setResult(null);
        break;
      }
    }
  }

  /** Python: {@code queue.qsize()} */
  public int qsize() {
    return items().size();
  }

  /** Python: {@code queue.maxsize} */
  public int maxsize() {
    return maxsize;
  }

  /** Python: {@code queue.empty()} */
  public boolean empty() {
    return items().isEmpty();
  }

  /** Python: {@code queue.full()} */
  public boolean full() {
    return maxsize > 0 && qsize() >= maxsize;
  }

  /**
   * A coroutine that puts {@code item}, waiting for a free slot if the queue is full.
   *
   * <p>Python: {@code queue.put(item)}
   *
   * @throws QueueShutDown when awaited, if the queue is shut down (also while it waits)
   */
  public Coroutine<Void> put(T item) {
    return Asyncio.async("Queue.put", () -> {
      while (full()) {
        if (isShutdown) {
          throw new QueueShutDown();
        }
        AsyncFuture<Void> putter = getLoop().createFuture();
        putters.add(putter);
        try {
          Asyncio.await(putter);
        } catch (Throwable t) {
          putter.cancel();
          putters.remove(putter);
          if (!full() && !putter.cancelled()) {
            wakeupNext(putters);
          }
          throw t;
        }
      }
      putNowait(item);
    });
  }

  /**
   * Puts {@code item} at once.
   *
   * <p>Python: {@code queue.put_nowait(item)}
   *
   * @throws QueueShutDown if the queue is shut down
   * @throws QueueFull if the queue is full
   */
  public void putNowait(T item) {
    if (isShutdown) {
      throw new QueueShutDown();
    }
    if (full()) {
      throw new QueueFull();
    }
    add(item);
    unfinishedTasks++;
    finished.clear();
    wakeupNext(getters);
  }

  /**
   * A coroutine that takes the next item, waiting for one if the queue is empty.
   *
   * <p>Python: {@code queue.get()}
   *
   * @throws QueueShutDown when awaited, if the queue is shut down and empty (also while it waits)
   */
  public Coroutine<T> get() {
    return Asyncio.async("Queue.get", () -> {
      while (empty()) {
        if (isShutdown) {
          throw new QueueShutDown();
        }
        AsyncFuture<Void> getter = getLoop().createFuture();
        getters.add(getter);
        try {
          Asyncio.await(getter);
        } catch (Throwable t) {
          getter.cancel();
          getters.remove(getter);
          if (!empty() && !getter.cancelled()) {
            wakeupNext(getters);
          }
          throw t;
        }
      }
      return getNowait();
    });
  }

  /**
   * Takes the next item at once.
   *
   * <p>Python: {@code queue.get_nowait()}
   *
   * @throws QueueShutDown if the queue is empty and shut down
   * @throws QueueEmpty if the queue is empty
   */
  public T getNowait() {
    if (empty()) {
      if (isShutdown) {
        throw new QueueShutDown();
      }
      throw new QueueEmpty();
    }
    T item = take();
    wakeupNext(putters);
    return item;
  }

  /**
   * Marks one item taken earlier as processed.
   *
   * <p>Python: {@code queue.task_done()}
   *
   * @throws IllegalArgumentException {@code "task_done() called too many times"}
   */
  public void taskDone() {
    if (unfinishedTasks <= 0) {
      throw new IllegalArgumentException("task_done() called too many times");
    }
    unfinishedTasks--;
    if (unfinishedTasks == 0) {
      finished.set();
    }
  }

  /**
   * A coroutine that waits until every item put has been marked done.
   *
   * <p>Python: {@code queue.join()}
   */
  public Coroutine<Void> join() {
    return Asyncio.async("Queue.join", () -> {
      if (unfinishedTasks > 0) {
        Asyncio.await(finished.await());
      }
    });
  }

  /**
   * Shuts the queue down: puts fail with {@link QueueShutDown} from now on, and gets too once the queue
   * is empty; every coroutine waiting in {@link #put} or {@link #get} wakes up to fail (a getter takes an
   * item if one is left). With {@code immediate}, the items left are dropped first, each marked done as
   * {@link #taskDone()} would, which may release {@link #join()}.
   *
   * <p>Python: {@code queue.shutdown(immediate=immediate)} (3.13)
   */
  public void shutdown(boolean immediate) {
    isShutdown = true;
    if (immediate) {
      while (!empty()) {
        take();
        if (unfinishedTasks > 0) {
          unfinishedTasks--;
        }
      }
      if (unfinishedTasks == 0) {
        finished.set();
      }
    }
    // every getter re-checks, to raise QueueShutDown on an empty queue
    for (AsyncFuture<Void> getter; (getter = getters.pollFirst()) != null; ) {
      if (!getter.done()) {
        getter.setResult(null);
      }
    }
    for (AsyncFuture<Void> putter; (putter = putters.pollFirst()) != null; ) {
      if (!putter.done()) {
        putter.setResult(null);
      }
    }
  }

  /** {@link #shutdown(boolean)}, not immediate: gets take the items left, then fail. Python: {@code queue.shutdown()} */
  public void shutdown() {
    shutdown(false);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("<").append(getClass().getSimpleName()).append(" maxsize=").append(maxsize);
    if (!empty()) {
      sb.append(" _queue=").append(items());
    }
    if (!getters.isEmpty()) {
      sb.append(" _getters[").append(getters.size()).append(']');
    }
    if (!putters.isEmpty()) {
      sb.append(" _putters[").append(putters.size()).append(']');
    }
    if (unfinishedTasks > 0) {
      sb.append(" tasks=").append(unfinishedTasks);
    }
    if (isShutdown) {
      sb.append(" shutdown");
    }
    return sb.append('>').toString();
  }
}
