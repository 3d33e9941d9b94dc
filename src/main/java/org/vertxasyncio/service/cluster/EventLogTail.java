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

  private final Vertx vertx;
  private final Context context;
  private final Pool pool;
  private final PgConnectOptions listen;
  private final String channel;
  private final EventHub hub;
  private final TaskFinishes finishes;
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
    this.vertx = vertx;
    this.context = hub.context();
    this.pool = pool;
    this.listen = listen;
    this.channel = channel;
    this.hub = hub;
    this.finishes = finishes;
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

  private Future<Void> readNow() {
    busy = true;
    List<Promise<Void>> told = waiting.isEmpty() ? List.of() : new ArrayList<>(waiting);
    waiting.clear();
    return pool.preparedQuery(READ).execute(Tuple.of(position, PAGE)).<Void>map(rs -> {
      for (Row r : rs) {
        long id = r.getLong(0);
        position = id;
        String type = r.getString(1);
        String task = r.getString(2);
        String data = r.getString(3);
        hub.appendLogged(id, type, task, data);
        finishes.seen(type, task, data);
      }
      if (rs.size() == PAGE) {
        again = true;
      }
      return null;
    }).onFailure(e -> LOG.warn("the event log could not be read (retried): {}", String.valueOf(e))).onComplete(ar -> {
      busy = false;
      if (ar.succeeded() && again) {
        waiting.addAll(told); // a full page: the log as it was at their call is read only once a read comes short
      } else {
        told.forEach(p -> p.handle(ar));
      }
      if (again) {
        again = false;
        context.runOnContext(v -> read());
      }
    });
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
