package org.vertxasyncio.service.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.events.EventHub;
import org.vertxasyncio.service.events.TaskFinishes;

/**
 * This node's reader of the cluster's event log (the {@code event_batches} table the store writes, see
 * {@link org.vertxasyncio.service.store.PostgresTaskStore}): it reads the events after the last one it read,
 * in id order, and hands each to the node's {@link EventHub} (which streams them) and its {@link TaskFinishes}.
 * It reads when a store NOTIFYs the log's channel after a commit with events, and every {@code poll} seconds
 * in case a notification was lost (LISTEN reconnecting, PostgreSQL restarted).
 *
 * <p>The events this node's own store committed are handed over by its writer with their ids
 * ({@link #committed}), so a read does not fetch them again: it answers each of this node's rows of the log as its
 * ids only, and the tail appends the events it was handed for them, in their place in the log's order. A row of
 * this node's that it was not handed yet (the store's NOTIFY, on another connection, can reach the tail before the
 * writer's thread has the answer to the commit) is waited for: the read stops before it and reads on when the writer
 * hands it over, or once {@link #HANDOVER_WAIT_MS} have passed without it (the writer's answer lost), reads it again
 * from the log whole, by a read of every row from there.
 *
 * <p>Invariants: reads run one at a time, on the hub's context, and each starts after the highest id read so
 * far; the log's ids increase in commit order, so no event is missed or read twice. At start the tail goes back
 * as many events as the hub buffers, so a client resuming on this node finds them in memory.
 */
public final class EventLogTail {
  private static final Logger LOG = LoggerFactory.getLogger(EventLogTail.class);
  /** Events read at most per query (more: read again at once). */
  static final int PAGE = 1000;
  /**
   * The events after {@code $1}, at most {@code $2}, in id order: the batches (rows of {@code event_batches}) whose
   * last id is after it, through the primary key, each unnested into its events.
   */
  static final String READ = "SELECT b.first + o.i - 1 AS id, o.type, o.task_id, o.data FROM event_batches b "
      + "CROSS JOIN LATERAL unnest(b.types, b.task_ids, b.data) WITH ORDINALITY AS o(type, task_id, data, i) "
      + "WHERE b.id > $1 AND b.first + o.i - 1 > $1 ORDER BY b.id, o.i LIMIT $2";
  static final String REPLAY = "SELECT p.pruned, e.id, e.type, e.task_id, e.data FROM event_ids p LEFT JOIN LATERAL ("
      + READ + ") e ON true ORDER BY e.id";
  /**
   * As {@link #READ}, but a row written by the store named {@code $3} (this node's) is answered as one line of its
   * ids ({@code first}, {@code id}) with no event: its arrays are neither unnested nor sent.
   */
  static final String READ_OTHERS = "SELECT b.first, b.id, o.i, o.type, o.task_id, o.data FROM event_batches b "
      + "LEFT JOIN LATERAL unnest(" + othersOnly("types") + ", " + othersOnly("task_ids") + ", " + othersOnly("data")
      + ") WITH ORDINALITY AS o(type, task_id, data, i) ON true "
      + "WHERE b.id > $1 AND (o.i IS NULL OR b.first + o.i - 1 > $1) ORDER BY b.id, o.i LIMIT $2";
  /** A row's array, null in this node's rows: a CASE, so that PostgreSQL neither reads (detoasts) nor unnests it. */
  private static String othersOnly(String column) {
    return "CASE WHEN b.writer IS DISTINCT FROM $3 THEN b." + column + " END";
  }

  /** How long a read waits for this node's writer to hand over a row of its own before reading the row back. */
  static final long HANDOVER_WAIT_MS = 250;

  /** This node's rows handed over and not read yet, kept at most: beyond, the oldest is read back from the log. */
  static final int OWN_MAX = 10_000;

  /** Where the tail puts each event it reads, in id order; on the hub's context. */
  interface Sink {
    void append(long id, String type, String taskId, String data);
  }

  /** Events {@code first}.. of this node's store, as its writer handed them over. */
  private record Own(long first, String[] types, String[] taskIds, String[] data) {
  }

  private final Vertx vertx;
  private final Context context;
  private final Pool pool;
  private final PgConnectOptions listen;
  private final String channel;
  private final EventHub hub;
  private final Sink sink;
  /** This node's store's name in the log ({@code writer}), null when none hands its events over. */
  private final String writer;
  /** This node's rows of the log handed over by its writer, by their last id; from the writer's thread. */
  private final java.util.concurrent.ConcurrentSkipListMap<Long, Own> own = new java.util.concurrent.ConcurrentSkipListMap<>();
  /** The next read reads every row whole (at start, and after a row of this node's that was not handed over). */
  private boolean full = true;
  /** The last id of the row of this node's the reads wait to be handed over (-1: none), and since when. */
  private long missing = -1;
  private long missingSince;
  /** {@link #missing}, for the writer's thread: a hand-over of that row starts a read. */
  private volatile long awaited = -1;
  /** The last read stopped before a row of this node's not handed over yet: it did not reach the end of the log. */
  private boolean stalled;
  private long handoverWaitNanos = TimeUnit.MILLISECONDS.toNanos(HANDOVER_WAIT_MS);
  private final java.util.concurrent.atomic.AtomicLong readBack = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong handedOver = new java.util.concurrent.atomic.AtomicLong();
  private final long pollMs;
  private final int backlog;
  private long position;
  private boolean busy;
  private boolean again;
  /** Completed after the next read (it starts after they were asked for). */
  private final List<Promise<Void>> waiting = new ArrayList<>();
  private boolean stopped;
  private long timer = -1;
  private PgSubscriber subscriber;

  /**
   * @param pool    connections of the tail's own (reads and replays)
   * @param listen  where to LISTEN for the stores' notifications (null: polling only)
   * @param backlog events to read back at start (the hub's buffer)
   */
  public EventLogTail(Vertx vertx, Pool pool, PgConnectOptions listen, String channel, EventHub hub, TaskFinishes finishes,
      double pollSeconds, int backlog) {
    this(vertx, pool, listen, channel, hub, finishes, null, pollSeconds, backlog);
  }

  /**
   * A tail that is handed the events of the store named {@code writer} ({@link #committed}; null: none), appending
   * every event to the hub and to {@code finishes}.
   */
  public EventLogTail(Vertx vertx, Pool pool, PgConnectOptions listen, String channel, EventHub hub, TaskFinishes finishes,
      String writer, double pollSeconds, int backlog) {
    this(vertx, pool, listen, channel, hub, (id, type, task, data) -> {
      hub.appendLogged(id, type, task, data);
      finishes.seen(type, task, data);
    }, writer, pollSeconds, backlog);
  }

  EventLogTail(Vertx vertx, Pool pool, PgConnectOptions listen, String channel, EventHub hub, Sink sink, String writer,
      double pollSeconds, int backlog) {
    this.vertx = vertx;
    this.context = hub.context();
    this.pool = pool;
    this.listen = listen;
    this.channel = channel;
    this.hub = hub;
    this.sink = sink;
    this.writer = writer;
    this.pollMs = Math.max(1, (long) (pollSeconds * 1000));
    this.backlog = backlog;
  }

  /** Reads the events after {@code id} (a resume from before the hub's buffer), at most {@code limit}. */
  public Future<EventHub.LogPage> after(long id, int limit) {
    return pool.preparedQuery(REPLAY).execute(Tuple.of(id, limit)).map(rs -> {
      List<EventHub.LogRow> rows = new ArrayList<>(rs.size());
      long pruned = 0;
      for (Row r : rs) {
        pruned = r.getLong(0);
        if (r.getLong(1) != null) {
          rows.add(new EventHub.LogRow(r.getLong(1), r.getString(2), r.getString(3), r.getString(4)));
        }
      }
      return new EventHub.LogPage(rows, pruned);
    });
  }

  /**
   * Starts reading: the log's identity and its last ids, then LISTEN, a first read, and a read every
   * {@code poll}.
   *
   * @return completes after the first read (failed if PostgreSQL did not answer: the polls go on)
   */
  public Future<Void> start() {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> pool.query("SELECT last, stream FROM event_ids").execute().compose(rs -> {
      Row r = rs.iterator().next();
      hub.streamId(r.getString(1));
      position = Math.max(0, r.getLong(0) - backlog);
      hub.startAfter(position);
      if (listen != null) {
        subscriber = PgSubscriber.subscriber(vertx, listen).reconnectPolicy(retries -> pollMs);
        subscriber.channel(channel).handler(payload -> context.runOnContext(x -> read()));
        subscriber.connect().onFailure(e -> LOG.warn("cannot LISTEN for the event log (reading it every {} ms instead): {}",
            pollMs, String.valueOf(e)));
      }
      timer = vertx.setPeriodic(pollMs, t -> read());
      return readNow();
    }).onComplete(p));
    return p.future();
  }

  /**
   * Completes after a read that starts now or later and reaches the end of the log (or fails): the node has then
   * read what the log held at this call.
   */
  public Future<Void> catchUp() {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      if (stopped) {
        p.complete();
        return;
      }
      waiting.add(p);
      read();
    });
    return p.future();
  }

  private void read() {
    if (stopped) {
      return;
    }
    if (busy) {
      again = true;
      return;
    }
    readNow();
  }

  /**
   * Events {@code first}.. of the log, committed by this node's store (its writer's thread): kept until a read
   * reaches their row.
   */
  public void committed(long first, String[] types, String[] taskIds, String[] data) {
    if (stopped || types.length == 0) {
      return;
    }
    long last = first + types.length - 1;
    own.put(last, new Own(first, types, taskIds, data));
    while (own.size() > OWN_MAX) {
      own.pollFirstEntry(); // a tail this far behind reads them back
    }
    if (awaited == last) {
      context.runOnContext(v -> read()); // a read waits for this row
    }
  }

  /** How long a read waits for a hand-over ({@link #HANDOVER_WAIT_MS} unless told). */
  EventLogTail handoverWait(long millis) {
    handoverWaitNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    return this;
  }

  /** Events whose data a read fetched from the log (every event of a read of every row, else the peers'). */
  long readBack() {
    return readBack.get();
  }

  /** Events of this node's own rows appended as its writer handed them over. */
  long handedOver() {
    return handedOver.get();
  }

  private Future<Void> readNow() {
    busy = true;
    List<Promise<Void>> told = waiting.isEmpty() ? List.of() : new ArrayList<>(waiting);
    waiting.clear();
    boolean whole = full || writer == null;
    stalled = false;
    Future<io.vertx.sqlclient.RowSet<Row>> read = whole ? pool.preparedQuery(READ).execute(Tuple.of(position, PAGE))
        : pool.preparedQuery(READ_OTHERS).execute(Tuple.of(position, PAGE, writer));
    return read.<Void>map(rs -> {
      if (whole) {
        for (Row r : rs) {
          long id = r.getLong(0);
          position = id;
          sink.append(id, r.getString(1), r.getString(2), r.getString(3));
        }
        readBack.addAndGet(rs.size());
        full = false;
        missing = -1;
        awaited = -1;
      } else {
        appendOthers(rs);
      }
      if (rs.size() == PAGE) {
        again = true;
      }
      own.headMap(position, true).clear(); // rows read whole, or gone before a read reached them
      return null;
    }).onFailure(e -> LOG.warn("the event log could not be read (retried): {}", String.valueOf(e))).onComplete(ar -> {
      busy = false;
      if (ar.succeeded() && (again || stalled)) {
        // a full page, or a row of this node's to wait for: the log as it was at their call is read only once a read
        // reaches its end
        waiting.addAll(told);
      } else {
        told.forEach(p -> p.handle(ar));
      }
      if (again) {
        again = false;
        context.runOnContext(v -> read());
      }
    });
  }

  /**
   * Appends the events of a {@link #READ_OTHERS} page: a peer's as read, this node's as handed over; stops before a
   * row of this node's that was not handed over, which the next read reads whole.
   */
  private void appendOthers(io.vertx.sqlclient.RowSet<Row> rs) {
    long read = 0;
    for (Row r : rs) {
      long first = r.getLong(0);
      long last = r.getLong(1);
      Long i = r.getLong(2);
      if (i != null) {
        long id = first + i - 1;
        position = id;
        sink.append(id, r.getString(3), r.getString(4), r.getString(5));
        read++;
        continue;
      }
      Own o = own.remove(last);
      if (o == null && waitForHandover(last)) {
        break;
      }
      if (o == null || o.first() != first) {
        full = true;
        again = true;
        break;
      }
      missing = -1;
      awaited = -1;
      for (int k = 0; k < o.types().length; k++) {
        long id = first + k;
        if (id > position) {
          position = id;
          sink.append(id, o.types()[k], o.taskIds()[k], o.data()[k]);
          handedOver.incrementAndGet();
        }
      }
    }
    readBack.addAndGet(read);
  }

  /**
   * A read reached this node's row {@code last}, not handed over: true if the tail waits for it (the read stops
   * there, and the hand-over or the end of the wait starts the next), false once it waited {@link #handoverWaitNanos}.
   */
  private boolean waitForHandover(long last) {
    long now = System.nanoTime();
    if (missing != last) {
      missing = last;
      missingSince = now;
      vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(handoverWaitNanos)), t -> context.runOnContext(v -> read()));
    } else if (now - missingSince >= handoverWaitNanos) {
      return false;
    }
    awaited = last;
    stalled = true;
    if (own.containsKey(last)) {
      again = true; // handed over while this read ran
    }
    return true;
  }

  /** The id of the last event read; on the hub's context. */
  public long position() {
    return position;
  }

  /** Stops reading; closes the LISTEN connection and the pool. */
  public Future<Void> stop() {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      stopped = true;
      waiting.forEach(Promise::tryComplete); // no read comes any more: a stream waiting for one starts as it is
      waiting.clear();
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      (subscriber == null ? Future.<Void>succeededFuture() : subscriber.close()).eventually(pool::close).onComplete(p);
    });
    return p.future();
  }
}
