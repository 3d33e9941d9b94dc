package org.vertxasyncio.asyncio;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.vertxasyncio.asyncio.impl.Sneaky;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * A scope for tasks: {@link #run} runs a block that creates tasks in the group, then waits for all of
 * them. The first task that fails cancels the others and the block's task; the failures come out
 * together as an {@link ExceptionGroup}.
 *
 * <pre>{@code
 * TaskGroup.run(tg -> {
 *   tg.createTask(fetch("a"));
 *   tg.createTask(fetch("b"));
 *   return null;
 * }); // both tasks are done here
 * }</pre>
 *
 * <p>Python: {@code async with asyncio.TaskGroup() as tg: ...}
 */
public final class TaskGroup {
  private boolean entered;
  private boolean exiting;
  private boolean aborting;
  private VertxEventLoop loop;
  private Task<?> parentTask;
  private boolean parentCancelRequested;
  private final LinkedHashSet<Task<?>> tasks = new LinkedHashSet<>();
  private List<Throwable> errors = new ArrayList<>();
  private Throwable baseError;
  private AsyncFuture<Boolean> onCompletedFut;
  private final Consumer<AsyncFuture<?>> onTaskDone = f -> onTaskDone((Task<?>) f);

  private TaskGroup() {
  }

  /**
   * Runs {@code body} with a new group, inside the current coroutine, and waits for the group's tasks.
   *
   * @return what the body returns
   * @throws ExceptionGroup {@code "unhandled errors in a TaskGroup (N sub-exceptions)"} with the
   *     exceptions of the failed tasks (and of the body, if it failed too)
   * @throws IllegalStateException {@code "TaskGroup ... cannot determine the parent task"} outside a task
   */
  public static <T> T run(TaskGroupBody<T> body) {
    TaskGroup g = new TaskGroup();
    g.enter();
    T result;
    try {
      result = body.call(g);
    } catch (Throwable t) {
      g.exit(t);
      throw Sneaky.rethrow(t); // exit() rethrows; kept for the compiler
    }
    g.exit(null);
    return result;
  }

  /**
   * Creates a task in the group.
   *
   * @throws IllegalStateException if the group has finished or is shutting down
   *     <p>Python: {@code tg.create_task(coro, name=name)}
   */
  public <T> Task<T> createTask(Coroutine<T> coro) {
    return createTask(coro, null);
  }

  /** Python: {@code tg.create_task(coro, name=name)} */
  public <T> Task<T> createTask(Coroutine<T> coro, String name) {
    if (!entered) {
      throw new IllegalStateException("TaskGroup " + this + " has not been entered");
    }
    if (exiting && tasks.isEmpty()) {
      throw new IllegalStateException("TaskGroup " + this + " is finished");
    }
    if (aborting) {
      throw new IllegalStateException("TaskGroup " + this + " is shutting down");
    }
    Task<T> task = loop.createTask(coro, name);
    if (task.done()) {
      onTaskDone(task);
    } else {
      tasks.add(task);
      task.addDoneCallback(onTaskDone);
    }
    return task;
  }

  private void enter() {
    if (entered) {
      throw new IllegalStateException("TaskGroup " + this + " has already been entered");
    }
    loop = Awaits.runningLoop("TaskGroup.run");
    parentTask = loop.currentTask();
    if (parentTask == null) {
      throw new IllegalStateException("TaskGroup " + this + " cannot determine the parent task");
    }
    entered = true;
  }

  private static boolean isBaseError(Throwable t) {
    return t instanceof VirtualMachineError;
  }

  private void exit(Throwable exc) {
    exiting = true;
    if (exc != null && isBaseError(exc) && baseError == null) {
      baseError = exc;
    }
    Throwable propagateCancellation = exc instanceof CancelledError ? exc : null;
    if (parentCancelRequested && parentTask.uncancel() == 0) {
      propagateCancellation = null;
    }
    if (exc != null && !aborting) {
      abort();
    }
    while (!tasks.isEmpty()) {
      if (onCompletedFut == null) {
        onCompletedFut = loop.createFuture();
      }
      try {
        Awaits.awaitFuture(onCompletedFut);
      } catch (CancelledError ex) {
        if (!aborting) {
          propagateCancellation = ex;
          abort();
        }
      }
      onCompletedFut = null;
    }
    if (baseError != null) {
      throw Sneaky.rethrow(baseError);
    }
    if (propagateCancellation != null && errors.isEmpty()) {
      throw Sneaky.rethrow(propagateCancellation);
    }
    if (exc != null && !(exc instanceof CancelledError)) {
      errors.add(exc);
    }
    if (!errors.isEmpty()) {
      List<Throwable> es = errors;
      errors = null;
      throw new ExceptionGroup("unhandled errors in a TaskGroup", es);
    }
    if (exc != null) {
      throw Sneaky.rethrow(exc);
    }
  }

  private void abort() {
    aborting = true;
    for (Task<?> t : tasks) {
      if (!t.done()) {
        t.cancel();
      }
    }
  }

  private void onTaskDone(Task<?> task) {
    tasks.remove(task);
    if (onCompletedFut != null && tasks.isEmpty() && !onCompletedFut.done()) {
      onCompletedFut.setResult(true);
    }
    if (task.cancelled()) {
      return;
    }
    Throwable exc = task.exception();
    if (exc == null) {
      return;
    }
    errors.add(exc);
    if (isBaseError(exc) && baseError == null) {
      baseError = exc;
    }
    if (parentTask.done()) {
      loop.callExceptionHandler(Map.of(
          "message", "Task " + task + " has errored out but its parent task " + parentTask + " is already completed",
          "exception", exc,
          "task", task));
      return;
    }
    if (!aborting && !parentCancelRequested) {
      abort();
      parentCancelRequested = true;
      parentTask.cancel();
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("<TaskGroup");
    if (!tasks.isEmpty()) {
      sb.append(" tasks=").append(tasks.size());
    }
    if (errors != null && !errors.isEmpty()) {
      sb.append(" errors=").append(errors.size());
    }
    if (aborting) {
      sb.append(" cancelling");
    } else if (entered) {
      sb.append(" entered");
    }
    return sb.append('>').toString();
  }
}
