package org.vertxasyncio.service;

import java.util.Locale;

/**
 * A request the service cannot carry out, said in the service's terms: something it refers to does not
 * exist, a value is invalid, the state of a task or a loop forbids it, a limit is reached, the store
 * cannot keep it. The task and loop layers throw these; {@code http.Errors} gives each its HTTP status
 * and error code, at the edge.
 *
 * <p>The message is for people and goes out as it is; {@code field}, where there is one, names the part
 * of the request at fault ({@code tasks[1].seconds}; null: the URL). No stack trace is taken: these are
 * answers, not bugs.
 */
public abstract sealed class ServiceError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;

  private ServiceError(String field, String message) {
    super(message, null, false, false);
    this.field = field;
  }

  /** The part of the request at fault, or null. */
  public String field() {
    return field;
  }

  /** Something the request refers to does not exist (a task, a loop, a callback). */
  public static final class NotFound extends ServiceError {
    private static final long serialVersionUID = 1L;

    /** @param field where the request refers to it; null for the URL */
    public NotFound(String field, String message) {
      super(field, message);
    }
  }

  /** A value of the request is not acceptable, and the message says why. */
  public static final class Invalid extends ServiceError {
    private static final long serialVersionUID = 1L;

    public Invalid(String field, String message) {
      super(field, message);
    }
  }

  /** The state of a task, a loop or a delivery forbids the request for now. */
  public static final class Conflict extends ServiceError {
    private static final long serialVersionUID = 1L;

    /** Which state stood in the way. */
    public enum Reason {
      /** A loop of that name exists already. */
      LOOP_EXISTS,
      /** The service has {@code limits.loops.max} loops. */
      LOOP_LIMIT,
      /** The loop runs already. */
      LOOP_RUNNING,
      /** The task is not done. */
      TASK_PENDING,
      /** The webhook's delivery is under way. */
      DELIVERY_PENDING,
      /** The first request with this {@code Idempotency-Key} is still being carried out. */
      IDEMPOTENCY_KEY_IN_USE;

      /** {@code loop_exists}, ...: the API's error code for it. */
      public String code() {
        return name().toLowerCase(Locale.ROOT);
      }
    }

    private final Reason reason;

    public Conflict(Reason reason, String message) {
      super(null, message);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }

  /** The loop is closed, or closing: it takes no new work (asyncio's {@code Event loop is closed}). */
  public static final class LoopClosed extends ServiceError {
    private static final long serialVersionUID = 1L;

    public LoopClosed() {
      super(null, "Event loop is closed");
    }
  }

  /** A configured limit is reached; the request may succeed later. */
  public static final class LimitReached extends ServiceError {
    private static final long serialVersionUID = 1L;

    private final int retryAfterSeconds;

    /** @param retryAfterSeconds when trying again makes sense */
    public LimitReached(int retryAfterSeconds, String message) {
      super(null, message);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  /**
   * The request's {@code Idempotency-Key} was used before by a request with another body: the key names that
   * request's task, not this one.
   */
  public static final class KeyReused extends ServiceError {
    private static final long serialVersionUID = 1L;

    public KeyReused(String field, String message) {
      super(field, message);
    }
  }

  /** The task store could not commit what the request made, so nothing of it was accepted. */
  public static final class StoreUnavailable extends ServiceError {
    private static final long serialVersionUID = 1L;

    public StoreUnavailable(String message) {
      super(null, message);
    }
  }
}
