package org.vertxasyncio.asyncio;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.vertxasyncio.asyncio.impl.CurrentContext;
import org.vertxasyncio.asyncio.impl.Sneaky;

/**
 * A context: the values of {@link ContextVar}s as a piece of code sees them. Every thread has a current
 * context; {@link #run} makes another one current for the duration of a call. Each {@link Task} runs in a
 * context of its own, copied from the current one when the task was made ({@link #copyContext()}), and
 * every callback of a loop runs in the context that was current when it was scheduled: a value a task
 * sets is seen by that task and by the tasks and callbacks it schedules afterwards, never by its parent or
 * its siblings. This is how per-request state works in asyncio, where ThreadLocals would be shared by all
 * the coroutines of a loop.
 *
 * <pre>{@code
 * static final ContextVar<String> REQUEST_ID = new ContextVar<>("request_id");
 *
 * Coroutine<Void> handle(String id) {
 *   return async(() -> {
 *     REQUEST_ID.set(id);                 // only this task (and what it creates) sees it
 *     await(gather(step("a"), step("b"))); // each child task starts with a copy: it sees id
 *   });
 * }
 * }</pre>
 *
 * <p>A context maps variables to values; the mapping is immutable and replaced on each
 * {@link ContextVar#set}, so a copy costs one small object and never sees later changes of the original.
 *
 * <p>Invariant: a context is current on at most one thread at a time, between its {@link #run}'s entry and
 * exit ({@code entered}); not thread-safe otherwise, like the loop it serves.
 *
 * <p>Python: {@code contextvars.Context} (named {@code ContextVars} here: Vert.x owns {@code Context})
 */
public final class ContextVars {
  private static final Map<ContextVar<?>, Object> EMPTY = Collections.emptyMap();

  /** The values, never modified once set here (a {@link ContextVar#set} replaces the map). */
  Map<ContextVar<?>, Object> vars;
  private boolean entered;

  /** An empty context. Python: {@code contextvars.Context()} */
  public ContextVars() {
    this(EMPTY);
  }

  private ContextVars(Map<ContextVar<?>, Object> vars) {
    this.vars = vars;
  }

  /**
   * A copy of the current context: the values as they are now, apart from later changes on either side.
   *
   * <p>Python: {@code contextvars.copy_context()}
   */
  public static ContextVars copyContext() {
    return new ContextVars(current().vars);
  }

  /** Whether no variable has been set in it since it was made empty (a set undone by a reset does not count as none). */
  boolean untouched() {
    return vars == EMPTY;
  }

  /** A new context with {@code vars} (null: none), for a callback whose context was captured as values. */
  static ContextVars of(Map<ContextVar<?>, Object> vars) {
    return new ContextVars(vars == null ? EMPTY : vars);
  }

  /** The current thread's context; a thread starts with an empty one, as in Python. */
  static ContextVars current() {
    ContextVars c = CurrentContext.get();
    if (c == null) {
      c = new ContextVars();
      CurrentContext.set(c);
    }
    return c;
  }

  /** Python: {@code ctx.copy()} */
  public ContextVars copy() {
    return new ContextVars(vars);
  }

  /**
   * Runs {@code fn} with this context current: the {@link ContextVar#set}s it makes change this context,
   * and the caller's context is current again afterwards.
   *
   * <p>Python: {@code ctx.run(fn)}
   *
   * @throws IllegalStateException {@code "cannot enter context: <ContextVars ...> is already entered"} if
   *     this context is current already (here or on another thread)
   */
  public void run(Runnable fn) {
    ContextVars previous = enter();
    try {
      fn.run();
    } finally {
      exit(previous);
    }
  }

  /**
   * Like {@link #run(Runnable)}, and returns {@code fn}'s result; its exception comes out as it is.
   *
   * <p>Python: {@code ctx.run(fn)}
   */
  public <T> T run(Callable<T> fn) {
    ContextVars previous = enter();
    try {
      return fn.call();
    } catch (Exception e) {
      throw Sneaky.rethrow(e);
    } finally {
      exit(previous);
    }
  }

  /** Makes this context current; returns the one to restore with {@link #exit}. */
  ContextVars enter() {
    if (entered) {
      throw new IllegalStateException("cannot enter context: " + this + " is already entered");
    }
    ContextVars previous = CurrentContext.get();
    entered = true;
    CurrentContext.set(this);
    return previous;
  }

  void exit(ContextVars previous) {
    entered = false;
    CurrentContext.set(previous);
  }

  /**
   * The value of {@code var} in this context, or null if it has none here (the variable's own default
   * does not count).
   *
   * <p>Python: {@code ctx.get(var)}
   */
  public <T> T get(ContextVar<T> var) {
    return get(var, null);
  }

  /** Python: {@code ctx.get(var, default)} */
  @SuppressWarnings("unchecked")
  public <T> T get(ContextVar<T> var, T defaultValue) {
    Map<ContextVar<?>, Object> m = vars;
    return m.containsKey(var) ? (T) m.get(var) : defaultValue;
  }

  /** Python: {@code var in ctx} */
  public boolean containsKey(ContextVar<?> var) {
    return vars.containsKey(var);
  }

  /** Python: {@code len(ctx)} */
  public int size() {
    return vars.size();
  }

  /** The variables that have a value in this context. Python: {@code ctx.keys()} */
  public Set<ContextVar<?>> keys() {
    return Collections.unmodifiableSet(vars.keySet());
  }

  /** The variables and their values. Python: {@code ctx.items()} */
  public Map<ContextVar<?>, Object> items() {
    return Collections.unmodifiableMap(vars);
  }

  @Override
  public String toString() {
    return "<ContextVars vars=" + vars.size() + " at 0x" + Integer.toHexString(System.identityHashCode(this)) + ">";
  }
}
