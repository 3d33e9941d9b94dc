package org.vertxasyncio.service;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client of {@code GET /events} that follows a cluster as a dashboard does: it reads one node's stream, and
 * when that stream ends, fails, or says nothing for longer than {@code idleSeconds} (the node died or stalled:
 * a living node sends a heartbeat comment every {@code events.heartbeat}), it reconnects to the next node
 * with {@code Last-Event-ID}. It records every event and every comment, in the order they arrived.
 *
 * <p>Threads: one Vert.x event loop of {@code vertx} reads and reconnects; the recorded lists may be read
 * from any thread.
 */
final class ResumingSseClient implements AutoCloseable {
  /** An event as it arrived: its id, type and task (or null), and the node it came from. */
  record Seen(long id, String type, String taskId, int port) {
  }

  private final HttpClient client;
  private final List<Integer> ports;
  /** Every event, in the order of arrival (over all connections). */
  final List<Seen> events = new CopyOnWriteArrayList<>();
  /** Every comment line, as {@code port: comment}. */
  final List<String> comments = new CopyOnWriteArrayList<>();
  /** Each connection made: {@code port, Last-Event-ID sent} (the first without one). */
  final List<String> connections = new CopyOnWriteArrayList<>();
  /** The last id of the first connection's {@code : connected} comment: the stream starts after it. */
  volatile long firstLastId = -1;
  private volatile long lastId = -1;
  private volatile boolean closed;
  private int at;
  private final StringBuilder pending = new StringBuilder();
  private long id = -1;
  private String type;
  private final StringBuilder data = new StringBuilder();

  /**
   * Starts reading {@code ports.get(first)}.
   *
   * @param ports the nodes' ports on 127.0.0.1, in the order they are tried
   */
  ResumingSseClient(Vertx vertx, List<Integer> ports, int first, double idleSeconds) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(2000)
        .setIdleTimeout((int) Math.round(idleSeconds * 1000)).setIdleTimeoutUnit(TimeUnit.MILLISECONDS), new PoolOptions());
    this.ports = List.copyOf(ports);
    this.at = first;
    vertx.runOnContext(v -> connect());
  }

  /** The id of the last event seen (-1: none yet). */
  long lastId() {
    return lastId;
  }

  private void connect() {
    if (closed) {
      return;
    }
    int port = ports.get(at);
    long from = Math.max(lastId, firstLastId);
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI("/events")
        .putHeader("Accept", "text/event-stream");
    if (from >= 0) {
      o.putHeader("Last-Event-ID", Long.toString(from));
    }
    connections.add(port + ", " + (from >= 0 ? Long.toString(from) : "none"));
    AtomicBoolean over = new AtomicBoolean();
    Runnable next = () -> {
      if (over.compareAndSet(false, true)) {
        at = (at + 1) % ports.size();
        pending.setLength(0);
        id = -1;
        type = null;
        data.setLength(0);
        connect();
      }
    };
    client.request(o).compose(req -> req.send()).onSuccess(resp -> read(resp, port, next)).onFailure(e -> next.run());
  }

  private void read(HttpClientResponse resp, int port, Runnable next) {
    if (resp.statusCode() != 200) {
      comments.add(port + ": HTTP " + resp.statusCode());
      resp.request().connection().close();
      next.run();
      return;
    }
    resp.handler(b -> feed(b, port));
    resp.exceptionHandler(e -> next.run());
    resp.endHandler(v -> next.run());
  }

  private void feed(Buffer b, int port) {
    pending.append(b.toString());
    int nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      String line = pending.substring(0, nl);
      pending.delete(0, nl + 1);
      line(line, port);
    }
  }

  private void line(String line, int port) {
    if (line.isEmpty()) {
      if (type != null) {
        JsonObject d = new JsonObject(data.toString());
        String task = d.getString("taskId", d.getString("id"));
        events.add(new Seen(id, type, task, port));
        lastId = id;
      }
      id = -1;
      type = null;
      data.setLength(0);
    } else if (line.startsWith(":")) {
      comments.add(port + ": " + line);
      if (firstLastId < 0 && line.startsWith(": connected")) {
        firstLastId = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
      }
    } else if (line.startsWith("id: ")) {
      id = Long.parseLong(line.substring(4));
    } else if (line.startsWith("event: ")) {
      type = line.substring(7);
    } else if (line.startsWith("data: ")) {
      data.append(line.substring(6));
    }
  }

  @Override
  public void close() throws Exception {
    closed = true;
    client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
