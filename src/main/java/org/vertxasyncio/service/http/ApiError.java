package org.vertxasyncio.service.http;

import io.vertx.core.json.JsonObject;

/**
 * An error the API answers with: an HTTP status, a stable machine-readable {@code code}, a message for
 * people, for a 400 the {@code field} at fault, and for a 429 or a 503 when to retry. Rendered as
 * {@code {"error": {...}}}. Made at the edge: the service's own errors are {@code ServiceError}s, which
 * {@link Errors} maps to these.
 *
 * <p>The factories take the message last, after whatever else the error carries.
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final String field;
  private final Integer retryAfterSeconds;

  /**
   * @param field             the part of the request at fault, or null
   * @param retryAfterSeconds the {@code Retry-After} to send, or null
   */
  public ApiError(int status, String code, String field, Integer retryAfterSeconds, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** {@code status} with {@code code}, and nothing more than a message. */
  public static ApiError of(int status, String code, String message) {
    return new ApiError(status, code, null, null, message);
  }

  /** 400: {@code field} is wrong, and {@code message} says why. */
  public static ApiError invalid(String field, String message) {
    return new ApiError(400, "invalid_request", field, null, message);
  }

  /** 401: no valid bearer token. */
  public static ApiError unauthorized(String message) {
    return of(401, "unauthorized", message);
  }

  /** 404 for a missing thing; {@code field} names where the request referred to it, or null for the URL. */
  public static ApiError notFound(String field, String message) {
    return new ApiError(404, "not_found", field, null, message);
  }

  /** 409: the request conflicts with the state of the resource. */
  public static ApiError conflict(String code, String message) {
    return of(409, code, message);
  }

  /** 409 with asyncio's message for a closed loop. */
  public static ApiError loopClosed() {
    return conflict("loop_closed", "Event loop is closed");
  }

  /** 429: a limit was hit; retry after the given seconds. */
  public static ApiError tooMany(int retryAfterSeconds, String message) {
    return new ApiError(429, "too_many_requests", null, retryAfterSeconds, message);
  }

  /** 503 while the service shuts down. */
  public static ApiError shuttingDown() {
    return of(503, "shutting_down", "The service is shutting down");
  }

  /** 503: the task store could not commit what the request made (nothing was accepted); retry later. */
  public static ApiError storeUnavailable(String message) {
    return new ApiError(503, "store_unavailable", null, 1, message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String field() {
    return field;
  }

  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** {@code {"error": {"code", "message", "field"?, "retryAfter"?}}} */
  public JsonObject toJson() {
    JsonObject e = new JsonObject().put("code", code).put("message", getMessage());
    if (field != null) {
      e.put("field", field);
    }
    if (retryAfterSeconds != null) {
      e.put("retryAfter", retryAfterSeconds);
    }
    return new JsonObject().put("error", e);
  }
}
