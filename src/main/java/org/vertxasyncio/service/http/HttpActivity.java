package org.vertxasyncio.service.http;

import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the HTTP server's open connections and the requests it is answering, for the
 * {@code asyncio_http_*} gauges (vertx-micrometer-metrics' own gauges of the same are kept out of the
 * registry: see {@code ServiceMetrics#VERTX_REREGISTERED_GAUGES}).
 *
 * <p>A connection counts from the server's connection handler to its close. A request counts from the
 * first route of the router to the end of its answer, or the close of its connection (vertx-web's end
 * handlers, called once either way); a long poll or an event stream counts while it is open. Requests
 * answered before routing (those the HTTP decoder cannot read) are not counted.
 */
public final class HttpActivity {
  private final LongAdder connections = new LongAdder();
  private final LongAdder requests = new LongAdder();

  /**
   * Counts {@code server}'s connections and {@code router}'s requests. Call before the server listens; it
   * takes the server's connection handler and each connection's close handler.
   */
  public void watch(HttpServer server, Router router) {
    server.connectionHandler(c -> {
      connections.increment();
      c.closeHandler(v -> connections.decrement());
    });
    router.route().order(Integer.MIN_VALUE).handler(rc -> {
      requests.increment();
      rc.addEndHandler(ar -> requests.decrement());
      rc.next();
    });
  }

  /** Connections open now. */
  public long connections() {
    return connections.sum();
  }

  /** Requests being answered now. */
  public long requests() {
    return requests.sum();
  }
}
