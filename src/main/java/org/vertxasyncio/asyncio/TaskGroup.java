package org.vertxasyncio.asyncio;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.vertxasyncio.asyncio.impl.Sneaky;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * A scope for tasks: a block creates tasks in the group, and the block's end waits for all of them. The
 * first task that fails cancels the others and the block's task; the failures come out together as an
 * {@link ExceptionGroup}.
 *
 * <pre>{@code
 * TaskGroup.run(tg -> {                  // async with asyncio.TaskGroup() as tg:
 *   tg.createTask(fetch("a"));
 *   tg.createTask(fetch("b"));
 *   return null;
 * }); // both tasks are done here
 * }</pre>
 *
 * <p>An object, as in asyncio: made first, entered later, once ({@code new TaskGroup()}, then
 * {@link #asyncWith}, or {@link #aenter()} and {@link #aexit} around the block); it refuses tasks before
 * it is entered and after it has finished.
 *
 * <p>Invariants: {@code entered} once set stays set (a group is entered at most once); while exiting,
 * {@code tasks} holds the group's tasks not done yet and the exit waits until it is empty; once
 * {@code aborting}, every task of the group has been asked to cancel and no new one is accepted.
 *
 * <p>Python: {@code asyncio.TaskGroup}
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

  /** A group not entered yet. Python: {@code asyncio.TaskGroup()} */
  public TaskGroup() {
  }

  /**
   * Runs {@code body} with a new group, inside the current coroutine, and waits for the group's tasks:
   * sugar for {@code new TaskGroup().asyncWith(body)}.
   *
   * <p>Python: {@code async with asyncio.TaskGroup() as tg: ...}
   *
   * @return what the body returns
   * @throws ExceptionGroup {@code "unhandled errors in a TaskGroup (N sub-exceptions)"} with the
   *     exceptions of the failed tasks (and of the body, if it failed too)
   * @throws IllegalStateException {@code "TaskGroup ... cannot determine the parent task"} outside a task
   */
  public static <T> T run(TaskGroupBody<T> body) {
    return new TaskGroup().asyncWith(body);
  }

  /**
   * Runs {@code body} with this group, inside the current coroutine: {@link #aenter()}, the body,
   * {@link #aexit}, which waits for the group's tasks. Returns the body's result.
   *
   * <p>Python: {@code async with tg: ...}
   */
  public <T> T asyncWith(TaskGroupBody<T> body) {
    aenter();
    T result;
    try {
      result = body.call(this);
    } catch (Throwable t) {
      aexit(t);
      throw Sneaky.rethrow(t); // aexit() rethrows; kept for the compiler
    }
    aexit(null);
    return result;
  }

  /**
   * Creates a task in the group.
   *
   * <p>Python: {@code tg.create_task(coro)}
   *
   * @throws IllegalStateException {@code "TaskGroup <TaskGroup> has not been entered"}, {@code "... is
   *     finished"}, {@code "... is shutting down"}
   */
  public <T> Task<T> createTask(Coroutine<T> coro) {
    return createTask(coro, null, null);
  }

  /** Python: {@code tg.create_task(coro, name=name)} */
  public <T> Task<T> createTask(Coroutine<T> coro, String name) {
    return createTask(coro, name, null);
  }

  /** Python: {@code tg.create_task(coro, name=name, context=context)} */
  public <T> Task<T> createTask(Coroutine<T> coro, String name, ContextVars context) {
    if (!entered) {
      throw new IllegalStateException("TaskGroup " + this + " has not been entered");
    }
    if (exiting && tasks.isEmpty()) {
      throw new IllegalStateException("TaskGroup " + this + " is finished");
    }
    if (aborting) {
      throw new IllegalStateException("TaskGroup " + this + " is shutting down");
    }
    Task<T> task = loop.createTask(coro, name, context);
    // the done callback even for a task that finished eagerly, as CPython 3.13 does (gh-128550): handled
    // inline, its failure would cancel the parent task before the body's next await
    tasks.add(task);
    task.addDoneCallback(onTaskDone);
    return task;
  }

  /**
   * Enters the group in the current task, its parent task.
   *
   * <p>Python: {@code TaskGroup.__aenter__}
   *
   * @return this group (what {@code async with ... as tg} binds)
   * @throws IllegalStateException {@code "TaskGroup <TaskGroup entered> has already been entered"},
   *     {@code "TaskGroup <TaskGroup> cannot determine the parent task"} (in a callback), {@code "no
   *     running event loop"}
   */
  public TaskGroup aenter() {
    if (entered) {
      throw new IllegalStateException("TaskGroup " + this + " has already been entered");
    }
    if (loop == null) {
      loop = (VertxEventLoop) Asyncio.getRunningLoop();
    }
    parentTask = loop.currentTask();
    if (parentTask == null) {
      throw new IllegalStateException("TaskGroup " + this + " cannot determine the parent task");
    }
    entered = true;
    return this;
  }

  private static boolean isBaseError(Throwable t) {
    return t instanceof VirtualMachineError;
  }

  /**
   * Leaves the group's block, which ended with {@code exc} (null: normally): cancels the group's tasks if
   * it failed or was cancelled, waits (awaiting) until every task of the group is done, and throws what
   * leaves the block: an {@link ExceptionGroup} of the tasks' failures (and the block's), a
   * {@link CancelledError}, or {@code exc} itself; returns only when nothing failed and {@code exc} is null.
   *
   * <p>Python: {@code TaskGroup.__aexit__}
   *
   * @throws IllegalStateException {@code "TaskGroup <TaskGroup> has not been entered"}, or {@code "... has
   *     already been exited"}
   */
  public void aexit(Throwable exc) {
    if (!entered || exiting) {
      throw new IllegalStateException("TaskGroup " + this + (entered ? " has already been exited" : " has not been entered"));
    }
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
