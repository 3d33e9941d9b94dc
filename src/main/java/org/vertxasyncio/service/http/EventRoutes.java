package org.vertxasyncio.service.http;

import io.vertx.ext.web.RoutingContext;

/** {@code GET /events}: Server-Sent Events. */
final class EventRoutes {
  private final Api api;

  EventRoutes(Api api) {
    this.api = api;
  }

  /**
   * {@code curl -N localhost:8080/events}, {@code curl -N 'localhost:8080/events?task=ID'},
   * {@code curl -N -H 'Last-Event-ID: 42' localhost:8080/events}
   */
  void stream(RoutingContext rc) {
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
