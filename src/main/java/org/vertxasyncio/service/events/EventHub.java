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
 *
 * <p>In a cluster ({@link #logged}: the {@code postgres} store keeps the event log), the hub publishes nothing
 * itself: the store writes each event with the change it describes, PostgreSQL numbers them in commit order,
 * and the node's tail of the log {@linkplain #appendLogged appends} them here, in id order, with those ids. So
 * every node streams the same events in the same order with the same ids, and a client may resume on any
 * node: what the buffer no longer has is read back from the log (at most {@code replayMax} events; the
 * stream says which events are no longer kept, past the log's retention, or were skipped, beyond that
 * bound). The stream's identity is the log's, the same on every node and across restarts.
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

  /** One event of the cluster's log, as read from it. */
  public record LogRow(long id, String type, String taskId, String data) {
  }

  /**
   * The events of the log after an id, oldest first, at most {@code limit}; and the highest id retention
   * removed ({@code pruned}: the events up to it are no longer kept).
   */
  public record LogPage(List<LogRow> rows, long pruned) {
  }

  /** The cluster's log, as this node reads it. */
  public interface Log {
    /** The events after {@code id} (a resume from before the buffer's oldest event). */
    io.vertx.core.Future<LogPage> after(long id, int limit);

    /**
     * Completes once the node has read the log as it is now: a client that subscribes after it saw a change
     * (a task's answer) gets the change's events.
     */
    io.vertx.core.Future<Void> catchUp();
  }

  private final Context context;
  private final int capacity;
  private volatile String streamId = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1);
  /** The cluster's log, or null: this node numbers and publishes its own events. */
  private final Log log;
  private final int replayMax;
  private final ArrayDeque<Event> buffer = new ArrayDeque<>();
  private final List<Subscriber> subscribers = new ArrayList<>();
  /** Streams accepted that are not subscribers yet (reading the log first); on the hub's context. */
  private int joining;
  private final LongConsumer reserver;
  private final long flushIntervalNanos;
  /** Events appended since the last flush, in order; on the hub's context. */
  private final List<Event> unsent = new ArrayList<>();
  private boolean flushScheduled;
  private long lastFlushNanos = System.nanoTime() - Long.MAX_VALUE / 4;
  private long lastId;
  private long reservedUpTo;
  private long heartbeatTimer = -1;

  /**
   * A connected client; {@code after}: it has seen the events up to this id (a resume on a node whose tail of the
   * cluster's log is behind the node it left), so they are not sent again.
   */
  private record Subscriber(HttpServerResponse response, String taskFilter, long after) {
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
    this(context, capacity, startAfter, reserver, flushInterval, null, 0);
  }

  /**
   * A hub that streams the cluster's event log: its events come from {@link #appendLogged}, a resume from
   * before its buffer is read from {@code log} (at most {@code replayMax} events), and {@link #publish} does
   * nothing (the store writes the events with their changes).
   */
  public static EventHub logged(Context context, int capacity, double flushInterval, Log log, int replayMax) {
    return new EventHub(context, capacity, 0, upTo -> {
    }, flushInterval, log, replayMax);
  }

  private EventHub(Context context, int capacity, long startAfter, LongConsumer reserver, double flushInterval, Log log,
      int replayMax) {
    this.log = log;
    this.replayMax = replayMax;
    this.context = context;
    this.flushIntervalNanos = (long) (flushInterval * 1e9);
    this.capacity = capacity;
    this.reserver = reserver;
    this.lastId = startAfter;
    this.reservedUpTo = startAfter + ID_BLOCK;
    reserver.accept(reservedUpTo);
  }

  /** True if this hub streams the cluster's event log. */
  public boolean logged() {
    return log != null;
  }

  /**
   * Appends an event of the cluster's log, in id order; one already appended (an id not above the last) is
   * ignored. On the hub's context.
   */
  public void appendLogged(long id, String type, String taskId, String data) {
    if (id <= lastId) {
      return;
    }
    lastId = id;
    append(new Event(id, type, taskId, () -> data));
  }

  /** The log's identity: named in each stream's first comment instead of this start's. */
  public void streamId(String id) {
    this.streamId = id;
  }

  /** Starts the log's ids after {@code id} (the tail starts there); on the hub's context, before any append. */
  public void startAfter(long id) {
    lastId = Math.max(lastId, id);
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
    if (log == null) {
      context.runOnContext(v -> append(type, taskId, data::encode));
    }
  }

  /** Publishes an event whose data is a task (an immutable snapshot, encoded when first needed), from any thread. */
  public void publish(String type, String taskId, TaskView task) {
    if (log == null) {
      context.runOnContext(v -> append(type, taskId, task::json));
    }
  }

  private void append(String type, String taskId, Supplier<String> data) {
    Event e = new Event(++lastId, type, taskId, data);
    if (lastId > reservedUpTo - ID_BLOCK / 2) {
      reservedUpTo += ID_BLOCK;
      reserver.accept(reservedUpTo);
    }
    append(e);
  }

  private void append(Event e) {
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
      if (s.after() >= unsent.get(0).id()) {
        out = frames(unsent.stream().filter(e -> e.id() > s.after()).toList(), s.taskFilter());
        if (out == null) {
          continue;
        }
      } else if (s.taskFilter() == null) {
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
    joining++; // counted from now: a stream accepted while this one reads the log sees it
    if (log == null) {
      subscribeNow(response, taskFilter, lastEventId, true);
    } else {
      // failed: the stream starts from what was read (the tail keeps trying)
      log.catchUp().onComplete(ar -> context.runOnContext(v -> {
        if (!response.closed() && !response.ended()) {
          subscribeNow(response, taskFilter, lastEventId, ar.succeeded());
        } else {
          joining--;
        }
      }));
    }
  }

  /**
   * @param current true if this hub has every event there was when the client asked (its own, or the log read
   *     to its end since): a {@code Last-Event-ID} beyond them is then another stream's (a new run, another
   *     database), and nothing of this one is held back for it
   */
  private void subscribeNow(HttpServerResponse response, String taskFilter, Long lastEventId, boolean current) {
    Event oldest = buffer.peekFirst();
    long bufferedFrom = oldest != null ? oldest.id() : lastId + 1;
    if (log != null && lastEventId != null && lastEventId < bufferedFrom - 1) {
      // older than the buffer: read back from the log what it still keeps
      log.after(lastEventId, replayMax).onComplete(ar -> context.runOnContext(v -> {
        if (response.closed() || response.ended()) {
          joining--;
          return;
        }
        if (ar.failed()) {
          joining--;
          response.setStatusCode(503).putHeader("Retry-After", "2").putHeader("Content-Type", "application/json")
              .end(new JsonObject().put("error", new JsonObject().put("code", "store_unavailable").put("message",
                  "The event log cannot be read now (" + ar.cause().getMessage() + "); retry later")).encode());
          return;
        }
        subscribe(response, taskFilter, lastEventId, ar.result(), current);
      }));
      return;
    }
    subscribe(response, taskFilter, lastEventId, null, current);
  }

  private void subscribe(HttpServerResponse response, String taskFilter, Long lastEventId, LogPage replay, boolean current) {
    joining--;
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
    long oldestId = oldest != null ? oldest.id() : Long.MAX_VALUE;
    // the last id this stream has given, or said it skips, before the buffer's events
    Long upTo = lastEventId;
    List<Event> replayed = new ArrayList<>();
    if (replay != null) {
      if (replay.pruned() > lastEventId) {
        head.append(": events ").append(lastEventId + 1).append(" to ").append(replay.pruned())
            .append(" are no longer buffered (past the log's retention)\n");
        upTo = replay.pruned();
      }
      for (LogRow r : replay.rows()) {
        if (r.id() > upTo && r.id() < oldestId) {
          upTo = r.id();
          if (taskFilter == null || taskFilter.equals(r.taskId())) {
            replayed.add(new Event(r.id(), r.type(), r.taskId(), r::data));
          }
        }
      }
    }
    if (upTo != null && oldest != null && upTo < oldest.id() - 1) {
      head.append(": events ").append(upTo + 1).append(" to ").append(oldest.id() - 1)
          .append(replay != null ? " are no longer buffered (more than events.replay.max to replay)\n" : " are no longer buffered\n");
    }
    // the stream's identity changes with each start of the service (the buffer does not survive one), so a
    // client resuming with Last-Event-ID can tell a new run from the one it left and reload instead; in a
    // cluster it is the log's
    head.append(": connected, stream ").append(streamId).append(", last event id ").append(lastId).append("\n\n");
    Buffer first = Buffer.buffer(head.toString());
    for (Event e : replayed) {
      first.appendBuffer(e.frame());
    }
    if (upTo != null) {
      for (Event e : buffer) {
        if (e.id() > upTo && (taskFilter == null || taskFilter.equals(e.taskId()))) {
          first.appendBuffer(e.frame());
        }
      }
    }
    response.write(first);
    // an id beyond this hub's: the client saw events this node's tail has not read yet (they follow), unless the
    // hub is current, when the id is another stream's and every event of this one is new to the client
    Subscriber s = new Subscriber(response, taskFilter, !current && lastEventId != null && lastEventId > lastId ? lastEventId : -1);
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

  /** The number of streams: those connected and those accepted that are still reading the log; on the hub's context. */
  public int subscriberCount() {
    return subscribers.size() + joining;
  }

  public Context context() {
    return context;
  }
}
