package org.vertxasyncio.asyncio;

import java.util.HashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.vertxasyncio.asyncio.impl.Describe;

/**
 * A context variable: a value per {@link ContextVars context}, so per task. Declare it once (a static
 * field) and {@link #set} / {@link #get} it from coroutines: each {@link Task} starts with a copy of the
 * context it was created in, so a value set in a task is seen by it and by the tasks it creates afterwards,
 * and not by any other task of the loop.
 *
 * <pre>{@code
 * static final ContextVar<String> USER = new ContextVar<>("user", "anonymous");
 *
 * ContextVar.Token<String> t = USER.set("ada");
 * try {
 *   ...                                  // USER.get() is "ada" here, and in tasks created here
 * } finally {
 *   USER.reset(t);
 * }
 * }</pre>
 *
 * <p>Python: {@code contextvars.ContextVar}
 *
 * @param <T> the type of its values
 */
public final class ContextVar<T> {
  private static final Object NO_DEFAULT = new Object();

  private final String name;
  private final Object defaultValue;

  /** A variable with no default: {@link #get()} fails where it has no value. Python: {@code ContextVar(name)} */
  public ContextVar(String name) {
    this.name = Objects.requireNonNull(name, "name");
    this.defaultValue = NO_DEFAULT;
  }

  /** Python: {@code ContextVar(name, default=defaultValue)} */
  public ContextVar(String name, T defaultValue) {
    this.name = Objects.requireNonNull(name, "name");
    this.defaultValue = defaultValue;
  }

  /** Python: {@code var.name} */
  public String getName() {
    return name;
  }

  /**
   * The value in the current context, else the variable's default.
   *
   * <p>Python: {@code var.get()}
   *
   * @throws NoSuchElementException (Python's {@code LookupError}) if it has neither, with the variable's repr
   */
  @SuppressWarnings("unchecked")
  public T get() {
    Map<ContextVar<?>, Object> m = ContextVars.current().vars;
    Object v = m.getOrDefault(this, NO_DEFAULT);
    if (v != NO_DEFAULT) {
      return (T) v;
    }
    if (defaultValue != NO_DEFAULT) {
      return (T) defaultValue;
    }
    throw new NoSuchElementException(toString());
  }

  /**
   * The value in the current context, else {@code defaultValue} (the variable's own default is not used).
   *
   * <p>Python: {@code var.get(default)}
   */
  @SuppressWarnings("unchecked")
  public T get(T defaultValue) {
    Object v = ContextVars.current().vars.getOrDefault(this, NO_DEFAULT);
    return v != NO_DEFAULT ? (T) v : defaultValue;
  }

  /**
   * Sets the value in the current context; the returned token restores the previous one.
   *
   * <p>Python: {@code var.set(value)}
   */
  public Token<T> set(T value) {
    ContextVars ctx = ContextVars.current();
    Map<ContextVar<?>, Object> old = ctx.vars;
    Object previous = old.getOrDefault(this, Token.MISSING);
    HashMap<ContextVar<?>, Object> m = new HashMap<>(old);
    m.put(this, value);
    ctx.vars = m;
    return new Token<>(ctx, this, previous);
  }

  /**
   * Restores the value the variable had before the {@link #set} that returned {@code token}.
   *
   * <p>Python: {@code var.reset(token)}
   *
   * @throws IllegalStateException {@code "<Token used ...> has already been used once"}
   * @throws IllegalArgumentException {@code "<Token ...> was created by a different ContextVar"}, or
   *     {@code "... was created in a different Context"}
   */
  public void reset(Token<T> token) {
    if (token.used) {
      throw new IllegalStateException(token + " has already been used once");
    }
    if (token.var != this) {
      throw new IllegalArgumentException(token + " was created by a different ContextVar");
    }
    ContextVars ctx = ContextVars.current();
    if (token.context != ctx) {
      throw new IllegalArgumentException(token + " was created in a different Context");
    }
    HashMap<ContextVar<?>, Object> m = new HashMap<>(ctx.vars);
    if (token.oldValue == Token.MISSING) {
      m.remove(this);
    } else {
      m.put(this, token.oldValue);
    }
    ctx.vars = m;
    token.used = true;
  }

  @Override
  public String toString() {
    return "<ContextVar name=" + Describe.value(name)
        + (defaultValue == NO_DEFAULT ? "" : " default=" + Describe.value(defaultValue))
        + " at 0x" + Integer.toHexString(System.identityHashCode(this)) + ">";
  }

  /**
   * What {@link ContextVar#set} returns: the way back to the previous value, once.
   *
   * <p>Python: {@code contextvars.Token}
   */
  public static final class Token<T> {
    /** The {@link #getOldValue()} of a variable that had no value before. Python: {@code Token.MISSING} */
    public static final Object MISSING = new Object() {
      @Override
      public String toString() {
        return "<Token.MISSING>";
      }
    };

    private final ContextVars context;
    private final ContextVar<T> var;
    private final Object oldValue;
    private boolean used;

    Token(ContextVars context, ContextVar<T> var, Object oldValue) {
      this.context = context;
      this.var = var;
      this.oldValue = oldValue;
    }

    /** Python: {@code token.var} */
    public ContextVar<T> getVar() {
      return var;
    }

    /** The value before the set, or {@link #MISSING}. Python: {@code token.old_value} */
    public Object getOldValue() {
      return oldValue;
    }

    @Override
    public String toString() {
      return "<Token" + (used ? " used" : "") + " var=" + var + " at 0x"
          + Integer.toHexString(System.identityHashCode(this)) + ">";
    }
  }
}
