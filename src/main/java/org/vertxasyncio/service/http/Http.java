package org.vertxasyncio.service.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;

/** Small helpers shared by the handlers. */
final class Http {
  private static final CharSequence CONTENT_TYPE = io.vertx.core.http.HttpHeaders.createOptimized("Content-Type");
  private static final CharSequence APPLICATION_JSON = io.vertx.core.http.HttpHeaders.createOptimized("application/json");
  private Http() {
  }

  static void json(RoutingContext rc, int status, JsonObject body) {
    json(rc, status, body.encode());
  }

  /** Answers with {@code json}, JSON text already encoded (a task's {@link org.vertxasyncio.service.tasks.TaskView#json()}). */
  static void json(RoutingContext rc, int status, String json) {
    if (rc.response().ended() || rc.response().closed()) {
      return;
    }
    rc.response().setStatusCode(status).putHeader(CONTENT_TYPE, APPLICATION_JSON).end(json);
  }

  /** Answers with {@code e} as JSON (an {@link ApiError} or anything else, mapped by {@link Errors}). */
  static void fail(RoutingContext rc, Throwable e) {
    Errors.send(rc, Errors.toApiError(e, 500));
  }

  static ValidatedRequest validated(RoutingContext rc) {
    return rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
  }

  static JsonObject body(RoutingContext rc) {
    RequestParameter b = validated(rc).getBody();
    if (b == null || b.isNull() || !b.isJsonObject()) {
      throw ApiError.invalid("body", "must be a JSON object");
    }
    return b.getJsonObject();
  }

  static String query(RoutingContext rc, String name) {
    RequestParameter p = validated(rc).getQuery().get(name);
    return p == null || p.isNull() ? null : String.valueOf(p.get());
  }

  static Double queryNumber(RoutingContext rc, String name) {
    RequestParameter p = validated(rc).getQuery().get(name);
    if (p == null || p.isNull()) {
      return null;
    }
    Object v = p.get();
    return v instanceof Number n ? n.doubleValue() : Double.valueOf(String.valueOf(v));
  }

  static String path(RoutingContext rc, String name) {
    RequestParameter p = validated(rc).getPathParameters().get(name);
    return p == null || p.isNull() ? rc.pathParam(name) : String.valueOf(p.get());
  }

  /** {@code f}, with its handlers run on the caller's context (the HTTP server's). */
  static <T> Future<T> back(Future<T> f) {
    Context ctx = Vertx.currentContext();
    return ctx == null ? f : Future.fromCompletionStage(f.toCompletionStage(), ctx);
  }
}
