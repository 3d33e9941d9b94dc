package org.vertxasyncio.asyncio.impl;

import org.vertxasyncio.asyncio.Task;

/**
 * The loop's way into a task's internals (its frame and its links in the loop's live-task list) without
 * making them public API. {@link Task} installs the accessor when its class initialises.
 */
public final class TaskAccess {
  /** What the loop needs from a task. */
  public interface Accessor {
    Task<?> prev(Task<?> t);

    Task<?> next(Task<?> t);

    void setPrev(Task<?> t, Task<?> prev);

    void setNext(Task<?> t, Task<?> next);

    Frame<?> frame(Task<?> t);

    <T> Task<T> newTask(org.vertxasyncio.asyncio.Coroutine<T> coro, VertxEventLoop loop, String name);
  }

  private static volatile Accessor accessor;

  private TaskAccess() {
  }

  public static void install(Accessor a) {
    if (accessor != null) {
      throw new IllegalStateException("TaskAccess already installed");
    }
    accessor = a;
  }

  private static Accessor a() {
    Accessor a = accessor;
    if (a == null) {
      try {
        Class.forName(Task.class.getName(), true, Task.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      a = accessor;
    }
    return a;
  }

  static Task<?> prev(Task<?> t) {
    return a().prev(t);
  }

  static Task<?> next(Task<?> t) {
    return a().next(t);
  }

  static void setPrev(Task<?> t, Task<?> p) {
    a().setPrev(t, p);
  }

  static void setNext(Task<?> t, Task<?> n) {
    a().setNext(t, n);
  }

  static void link(Task<?> t, Task<?> p, Task<?> n) {
    Accessor a = a();
    a.setPrev(t, p);
    a.setNext(t, n);
  }

  static <T> Task<T> newTask(org.vertxasyncio.asyncio.Coroutine<T> coro, VertxEventLoop loop, String name) {
    return a().newTask(coro, loop, name);
  }

  static Frame<?> frame(Task<?> t) {
    return a().frame(t);
  }
}
