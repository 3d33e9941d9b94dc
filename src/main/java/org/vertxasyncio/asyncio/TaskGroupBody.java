package org.vertxasyncio.asyncio;

/** The block of a {@link TaskGroup}: creates tasks in the group and may await. */
@FunctionalInterface
public interface TaskGroupBody<T> {
  T call(TaskGroup group) throws Exception;
}
