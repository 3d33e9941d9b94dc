package org.vertxasyncio.service;

import io.vertx.core.json.JsonObject;

/**
 * An error the API answers with: an HTTP status, a stable machine-readable {@code code}, a message for
 * people, and, for a 400, the {@code field} at fault. Rendered as {@code {"error": {...}}}.
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final String field;
  private final Integer retryAfterSeconds;

  public ApiError(int status, String code, String message, String field, Integer retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 400: {@code field} is wrong, and {@code message} says why. */
  public static ApiError invalid(String field, String message) {
    return new ApiError(400, "invalid_request", message, field, null);
  }

  /** 401: no valid bearer token. */
  public static ApiError unauthorized(String message) {
    return new ApiError(401, "unauthorized", message, null, null);
  }

  /** 404 for a missing thing; {@code field} names where the request referred to it, or null for the URL. */
  public static ApiError notFound(String message, String field) {
    return new ApiError(404, "not_found", message, field, null);
  }

  /** 409: the request conflicts with the state of the resource. */
  public static ApiError conflict(String code, String message) {
    return new ApiError(409, code, message, null, null);
  }

  /** 409 with asyncio's message for a closed loop. */
  public static ApiError loopClosed() {
    return conflict("loop_closed", "Event loop is closed");
  }

  /** 429: a limit was hit; retry after the given seconds. */
  public static ApiError tooMany(String message, int retryAfterSeconds) {
    return new ApiError(429, "too_many_requests", message, null, retryAfterSeconds);
  }

  /** 503 while the service shuts down. */
  public static ApiError shuttingDown() {
    return new ApiError(503, "shutting_down", "The service is shutting down", null, null);
  }

  /** 503: the task store could not commit what the request made (nothing was accepted); retry later. */
  public static ApiError storeUnavailable(String message) {
    return new ApiError(503, "store_unavailable", message, null, 1);
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

  /** {@code {"error": {"code", "message", "field"?}}} */
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
