package org.vertxasyncio.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.asyncio.CancelledError;
import org.vertxasyncio.service.ServiceError;

/** The service's errors become HTTP answers by their type, at the edge. */
public class ErrorsTest {
  private static JsonObject answer(Throwable failure) {
    ApiError e = Errors.toApiError(failure, 500);
    return e.toJson().getJsonObject("error").put("status", e.status());
  }

  private static JsonObject expected(int status, String code, String message) {
    return new JsonObject().put("code", code).put("message", message).put("status", status);
  }

  @Test
  void eachServiceErrorHasItsStatusAndCode() {
    assertEquals(expected(404, "not_found", "Task x not found").put("field", "tasks[0]"),
        answer(new ServiceError.NotFound("tasks[0]", "Task x not found")));
    assertEquals(expected(404, "not_found", "Event loop 'io' not found"),
        answer(new ServiceError.NotFound(null, "Event loop 'io' not found")));
    assertEquals(expected(400, "invalid_request", "must be a number of seconds").put("field", "seconds"),
        answer(new ServiceError.Invalid("seconds", "must be a number of seconds")));
    assertEquals(expected(409, "task_pending", "Task x is pending"),
        answer(new ServiceError.Conflict(ServiceError.Conflict.Reason.TASK_PENDING, "Task x is pending")));
    assertEquals(expected(409, "loop_exists", "exists"),
        answer(new ServiceError.Conflict(ServiceError.Conflict.Reason.LOOP_EXISTS, "exists")));
    assertEquals(expected(409, "loop_running", "runs"),
        answer(new ServiceError.Conflict(ServiceError.Conflict.Reason.LOOP_RUNNING, "runs")));
    assertEquals(expected(409, "delivery_pending", "under way"),
        answer(new ServiceError.Conflict(ServiceError.Conflict.Reason.DELIVERY_PENDING, "under way")));
    assertEquals(expected(409, "loop_closed", "Event loop is closed"), answer(new ServiceError.LoopClosed()));
    assertEquals(expected(429, "too_many_requests", "Too many pending tasks").put("retryAfter", 1),
        answer(new ServiceError.LimitReached(1, "Too many pending tasks")));
    assertEquals(expected(503, "store_unavailable", "retry later").put("retryAfter", 1),
        answer(new ServiceError.StoreUnavailable("retry later")));
  }

  @Test
  void aCancelledRequestIsAClosedLoopAndAnythingElseAnInternalError() {
    assertEquals(expected(409, "loop_closed", "Event loop is closed"), answer(new CancelledError()));
    // matched by type: a message that reads like asyncio's says nothing
    assertEquals(expected(500, "internal", "Internal error; see the service log"),
        answer(new IllegalStateException("Event loop is closed")));
  }

  @Test
  void theFactoriesTakeTheMessageLast() {
    assertEquals(new JsonObject().put("code", "not_found").put("message", "gone").put("field", "n"),
        ApiError.notFound("n", "gone").toJson().getJsonObject("error"));
    assertEquals(new JsonObject().put("code", "too_many_requests").put("message", "slow down").put("retryAfter", 5),
        ApiError.tooMany(5, "slow down").toJson().getJsonObject("error"));
    assertEquals(new JsonObject().put("code", "loop_running").put("message", "runs"),
        ApiError.conflict("loop_running", "runs").toJson().getJsonObject("error"));
  }
}
