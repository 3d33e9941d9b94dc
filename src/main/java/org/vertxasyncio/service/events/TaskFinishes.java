package org.vertxasyncio.service.events;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node's feed of "task X finished" from the cluster's event log: whoever waits for a task that runs on
 * another node (a long poll, a gather whose child runs elsewhere) watches its id here and is told when the
 * log's {@code task.done} for it arrives, as soon as the node's tail reads it.
 *
 * <p>A watch sees only what the tail reads after it was made: a caller watches first, then reads the task's
 * row, and takes whichever tells it the task is done first. Threads: {@link #watch} from any thread; the
 * watchers are called on the tail's context, once each.
 *
 * <p>It also tells of every {@code task.deleted} the log holds ({@link #onDeleted}): a node that keeps a done
 * task in memory forgets it then, even if the notification of its deletion never reached it.
 */
public final class TaskFinishes {
  private final Map<String, List<Consumer<String>>> watchers = new ConcurrentHashMap<>();
  private volatile Consumer<String> deleted = id -> {
  };

  /** Calls {@code then} with the id of each task the log says was deleted, on the tail's context. */
  public void onDeleted(Consumer<String> then) {
    this.deleted = then;
  }

  /**
   * Calls {@code then} once with the task's final JSON (the data of its {@code task.done}), or with null when
   * the log says it was deleted.
   *
   * @return cancels the watch (a long poll that timed out)
   */
  public Runnable watch(String taskId, Consumer<String> then) {
    Consumer<String> once = new Consumer<>() {
      private boolean called;

      @Override
      public synchronized void accept(String data) {
        if (!called) {
          called = true;
          then.accept(data);
        }
      }
    };
    watchers.computeIfAbsent(taskId, k -> new CopyOnWriteArrayList<>()).add(once);
    return () -> watchers.computeIfPresent(taskId, (k, l) -> {
      l.remove(once);
      return l.isEmpty() ? null : l;
    });
  }

  /** An event of the log, as the tail reads it, in order; on the tail's context. */
  public void seen(String type, String taskId, String data) {
    if (taskId != null && "task.deleted".equals(type)) {
      deleted.accept(taskId);
    }
    if (taskId == null || watchers.isEmpty()) {
      return;
    }
    boolean done = "task.done".equals(type);
    if (!done && !"task.deleted".equals(type)) {
      return;
    }
    List<Consumer<String>> ws = watchers.remove(taskId);
    if (ws != null) {
      for (Consumer<String> w : ws) {
        w.accept(done ? data : null);
      }
    }
  }

  /** The tasks watched now. */
  public int watching() {
    return watchers.size();
  }
}
