package org.vertxasyncio.service.events;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.vertxasyncio.service.tasks.TaskView;

/**
 * The live stream of service events behind {@code GET /events}: each event gets the next id, is kept in a
 * bounded buffer (so a client that reconnects with {@code Last-Event-ID} gets what it missed), and is
 * written to every subscriber whose filter it passes, as Server-Sent Events.
 *
 * <p>Invariants: the buffer, the id counter and the subscriber list live on one Vert.x context (the HTTP
 * server's); {@link #publish} may be called from any thread and hops there, so events keep the order in
 * which each thread published them, and a subscriber gets the backlog before any live event.
 *
 * <p>Writes are coalesced: an event goes out at the end of the context's current turn, together with the
 * events published in that turn, and no subscriber gets more than one write per {@code flushInterval}
 * (events arriving sooner wait for the window to end, then go together). A sparse event is not delayed; a
 * burst costs one write per subscriber per window instead of one per event, and each frame is encoded once,
 * whatever the number of subscribers.
 *
 * <p>Ids keep increasing across restarts: they are handed out from blocks reserved ahead
 * ({@link #ID_BLOCK} at a time, written to the store by the reserver), and a new run starts after the
 * last reservation of the previous one, so a {@code Last-Event-ID} from before a restart is older than
 * every new event (the stream says which events are no longer buffered).
 */
public final class EventHub {
  /**
   * One event: its id, its SSE type ({@code task.done}), the task it is about (or null), and its frame, encoded
   * on first use (when a subscriber or a resume needs it: with nobody listening, an event costs no JSON).
   * Only touched on the hub's context.
   */
  static final class Event {
    private final long id;
    private final String type;
    private final String taskId;
    private Supplier<String> data;
    private Buffer frame;

    Event(long id, String type, String taskId, Supplier<String> data) {
      this.id = id;
      this.type = type;
      this.taskId = taskId;
      this.data = data;
    }

    long id() {
      return id;
    }

    String taskId() {
      return taskId;
    }

    Buffer frame() {
      if (frame == null) {
        frame = Buffer.buffer("id: " + id + "\nevent: " + type + "\ndata: " + data.get() + "\n\n");
        data = null;
      }
      return frame;
    }
  }

  /** Event ids reserved at a time. */
  public static final long ID_BLOCK = 10_000;

  private final Context context;
  private final int capacity;
  private final String streamId = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1);
  private final ArrayDeque<Event> buffer = new ArrayDeque<>();
  private final List<Subscriber> subscribers = new ArrayList<>();
  private final LongConsumer reserver;
  private final long flushIntervalNanos;
  /** Events appended since the last flush, in order; on the hub's context. */
  private final List<Event> unsent = new ArrayList<>();
  private boolean flushScheduled;
  private long lastFlushNanos = System.nanoTime() - Long.MAX_VALUE / 4;
  private long lastId;
  private long reservedUpTo;
  private long heartbeatTimer = -1;

  /** A connected client. */
  private record Subscriber(HttpServerResponse response, String taskFilter) {
    boolean wants(Event e) {
      return taskFilter == null || taskFilter.equals(e.taskId());
    }
  }

  public EventHub(Context context, int capacity) {
    this(context, capacity, 0, upTo -> {
    }, 0);
  }

  /**
   * @param startAfter the last id the previous runs may have used: the first event is {@code startAfter + 1}
   * @param reserver   told each new high-water mark of ids (before any id up to it is handed out, as far
   *                   as its store's order allows)
   * @param flushInterval the least time between two writes to a subscriber, seconds (0: one write per
   *                   context turn)
   */
  public EventHub(Context context, int capacity, long startAfter, LongConsumer reserver, double flushInterval) {
    this.context = context;
    this.flushIntervalNanos = (long) (flushInterval * 1e9);
    this.capacity = capacity;
    this.reserver = reserver;
    this.lastId = startAfter;
    this.reservedUpTo = startAfter + ID_BLOCK;
    reserver.accept(reservedUpTo);
  }

  /** The id of the last event published; on the hub's context. */
  public long lastId() {
    return lastId;
  }

  /**
   * Publishes an event from any thread. {@code data} is encoded later, on the hub's context, when it is first
   * needed: the caller must not change it afterwards (callers build it for the event).
   */
  public void publish(String type, String taskId, JsonObject data) {
    context.runOnContext(v -> append(type, taskId, data::encode));
  }

  /** Publishes an event whose data is a task (an immutable snapshot, encoded when first needed), from any thread. */
  public void publish(String type, String taskId, TaskView task) {
    context.runOnContext(v -> append(type, taskId, task::json));
  }

  private void append(String type, String taskId, Supplier<String> data) {
    Event e = new Event(++lastId, type, taskId, data);
    if (lastId > reservedUpTo - ID_BLOCK / 2) {
      reservedUpTo += ID_BLOCK;
      reserver.accept(reservedUpTo);
    }
    buffer.addLast(e);
    if (buffer.size() > capacity) {
      buffer.removeFirst();
    }
    if (subscribers.isEmpty()) {
      return; // kept for a resume only: encoded if one asks for it
    }
    unsent.add(e);
    if (!flushScheduled) {
      flushScheduled = true;
      long wait = lastFlushNanos + flushIntervalNanos - System.nanoTime();
      if (wait <= 0) {
        context.runOnContext(v -> flush()); // after the rest of this turn: its events go in the same write
      } else {
        context.owner().setTimer(Math.max(1, (wait + 999_999) / 1_000_000), t -> flush());
      }
    }
  }

  /** Writes the unsent events to the subscribers that want them, one write each; on the hub's context. */
  private void flush() {
    flushScheduled = false;
    if (unsent.isEmpty()) {
      return;
    }
    lastFlushNanos = System.nanoTime();
    Buffer all = null;
    Iterator<Subscriber> it = subscribers.iterator();
    while (it.hasNext()) {
      Subscriber s = it.next();
      Buffer out;
      if (s.taskFilter() == null) {
        if (all == null) {
          all = frames(unsent, null);
        }
        out = all;
      } else {
        out = frames(unsent, s.taskFilter());
        if (out == null) {
          continue;
        }
      }
      if (s.response().closed() || s.response().ended()) {
        it.remove();
      } else if (s.response().writeQueueFull()) {
        // a client too slow to keep up is let go; it can reconnect with Last-Event-ID
        it.remove();
        s.response().end();
      } else {
        s.response().write(out);
      }
    }
    unsent.clear();
  }

  /** The frames of {@code events} about task {@code taskFilter} (all of them when null) as one buffer, or null if none. */
  private static Buffer frames(List<Event> events, String taskFilter) {
    Buffer out = null;
    int n = 0;
    for (Event e : events) {
      if (taskFilter == null || taskFilter.equals(e.taskId())) {
        if (n++ == 0) {
          out = e.frame();
        } else {
          if (n == 2) {
            out = Buffer.buffer(out.length() * events.size()).appendBuffer(out);
          }
          out.appendBuffer(e.frame());
        }
      }
    }
    return out;
  }

  /**
   * Starts streaming to {@code response}, on the hub's context: the headers, the events after
   * {@code lastEventId} still in the buffer (all of them when null), then live events.
   */
  public void subscribe(HttpServerResponse response, String taskFilter, Long lastEventId) {
    // the events appended so far go to the subscribers they were appended for; this one gets them from the
    // buffer (when it resumes), not twice
    flush();
    response.setStatusCode(200)
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    StringBuilder head = new StringBuilder("retry: 2000\n");
    Event oldest = buffer.peekFirst();
    if (lastEventId != null && oldest != null && lastEventId < oldest.id() - 1) {
      head.append(": events ").append(lastEventId + 1).append(" to ").append(oldest.id() - 1)
          .append(" are no longer buffered\n");
    }
    // the stream's identity changes with each start of the service (the buffer does not survive one), so a
    // client resuming with Last-Event-ID can tell a new run from the one it left and reload instead
    head.append(": connected, stream ").append(streamId).append(", last event id ").append(lastId).append("\n\n");
    Buffer first = Buffer.buffer(head.toString());
    if (lastEventId != null) {
      for (Event e : buffer) {
        if (e.id() > lastEventId && (taskFilter == null || taskFilter.equals(e.taskId()))) {
          first.appendBuffer(e.frame());
        }
      }
    }
    response.write(first);
    Subscriber s = new Subscriber(response, taskFilter);
    subscribers.add(s);
    response.closeHandler(v -> subscribers.remove(s));
  }

  /** Sends a comment line to every subscriber every {@code seconds}, so proxies keep the streams open. */
  public void startHeartbeat(Vertx vertx, double seconds) {
    context.runOnContext(v -> heartbeatTimer = vertx.setPeriodic(Math.max(1, (long) (seconds * 1000)), t -> {
      Buffer beat = Buffer.buffer(": heartbeat\n\n");
      for (Subscriber s : List.copyOf(subscribers)) {
        if (!s.response().closed() && !s.response().writeQueueFull()) {
          s.response().write(beat);
        }
      }
    }));
  }

  /** Ends every stream (shutdown); on the hub's context. */
  public void closeAll(Vertx vertx) {
    flush();
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    for (Subscriber s : List.copyOf(subscribers)) {
      if (!s.response().closed() && !s.response().ended()) {
        s.response().end();
      }
    }
    subscribers.clear();
  }

  /** This stream's identity, new at each start of the service (named in each stream's first comment). */
  public String streamId() {
    return streamId;
  }

  /** The number of connected subscribers; on the hub's context. */
  public int subscriberCount() {
    return subscribers.size();
  }

  public Context context() {
    return context;
  }
}
