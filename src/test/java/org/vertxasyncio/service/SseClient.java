package org.vertxasyncio.service;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A minimal Server-Sent Events reader for tests: events and comment lines, as they arrive. */
final class SseClient implements AutoCloseable {
  /** An event; {@code arrivedNanos}: {@link System#nanoTime()} when its blank line was read. */
  record Event(long id, String type, JsonObject data, long arrivedNanos) {
  }

  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final CompletableFuture<HttpResponse<Stream<String>>> response;
  private volatile Stream<String> lines;

  SseClient(String url, String lastEventId) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    response = client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines());
    Thread reader = new Thread(this::read, "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try {
      HttpResponse<Stream<String>> r = response.get(10, TimeUnit.SECONDS);
      queue.add(new Status(r.statusCode(), r.headers().firstValue("Content-Type").orElse("")));
      lines = r.body();
      long id = -1;
      String type = null;
      StringBuilder data = new StringBuilder();
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.isEmpty()) {
          if (type != null) {
            queue.add(new Event(id, type, new JsonObject(data.toString()), System.nanoTime()));
          }
          id = -1;
          type = null;
          data.setLength(0);
        } else if (line.startsWith(":")) {
          queue.add(line);
        } else if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4));
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
      }
      queue.add(END);
    } catch (Exception e) {
      queue.add(END);
    }
  }

  record Status(int code, String contentType) {
  }

  static final Object END = new Object();

  Status status() throws InterruptedException {
    Object o = queue.poll(10, TimeUnit.SECONDS);
    if (!(o instanceof Status s)) {
      throw new AssertionError("no response: " + o);
    }
    return s;
  }

  /** The next event (skipping comments), or an AssertionError after {@code timeout}. */
  Event next(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Object o = queue.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (o == null) {
        throw new AssertionError("no event within " + timeout);
      }
      if (o == END) {
        throw new AssertionError("stream ended");
      }
      if (o instanceof Event e) {
        return e;
      }
    }
  }

  /** The next event of {@code type} (skipping others). */
  Event next(String type, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Event e = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (e.type().equals(type)) {
        return e;
      }
    }
  }

  /** The next comment line, skipping events. */
  String nextComment(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Object o = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (o == null || o == END) {
        throw new AssertionError("no comment within " + timeout);
      }
      if (o instanceof String s) {
        return s;
      }
    }
  }

  /** Waits for the end of the stream. */
  boolean awaitEnd(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Object o = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (o == END) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    Stream<String> l = lines;
    if (l != null) {
      l.close();
    }
    response.cancel(true);
  }
}
