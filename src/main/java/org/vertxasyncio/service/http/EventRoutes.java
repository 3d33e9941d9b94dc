package org.vertxasyncio.service.http;

import io.vertx.ext.web.RoutingContext;

/** {@code GET /events}: Server-Sent Events. */
final class EventRoutes {
  /** Seconds a client refused for too many streams is asked to wait. */
  private static final int SUBSCRIBERS_RETRY_AFTER = 5;
  private final Api api;

  EventRoutes(Api api) {
    this.api = api;
  }

  /**
   * At most {@code limits.events.subscribers.max} streams at once (429 beyond).
   * {@code curl -N localhost:8080/events}, {@code curl -N 'localhost:8080/events?task=ID'},
   * {@code curl -N -H 'Last-Event-ID: 42' localhost:8080/events}
   */
  void stream(RoutingContext rc) {
    int max = api.config().maxEventSubscribers;
    if (api.events().subscriberCount() >= max) {
      throw ApiError.tooMany(SUBSCRIBERS_RETRY_AFTER, "Too many event streams are open (limits.events.subscribers.max is "
          + max + "); retry later");
    }
    String task = Http.query(rc, "task");
    String last = rc.request().getHeader("Last-Event-ID");
    if (last == null || last.isBlank()) {
      last = Http.query(rc, "lastEventId");
    }
    Long lastId = last == null || last.isBlank() ? null : Long.valueOf(last.trim());
    // the hub lives on this (the HTTP server's) context: subscribing here keeps its invariants
    api.events().subscribe(rc.response(), task, lastId);
  }
}
