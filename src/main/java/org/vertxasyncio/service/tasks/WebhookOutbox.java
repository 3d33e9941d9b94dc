package org.vertxasyncio.service.tasks;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.ServiceError;
import org.vertxasyncio.service.loops.NamedLoop;
import org.vertxasyncio.service.store.StoredDelivery;
import org.vertxasyncio.service.store.TaskStore;
import org.vertxasyncio.service.webhooks.Webhook;
import org.vertxasyncio.service.webhooks.WebhookSender;

/**
 * Delivers the webhook outbox: one row per delivery ({@link StoredDelivery}), committed in the transaction
 * of its task's finish, leased to the node that delivers it. The node that finished the task holds its
 * rows from their commit and delivers them at once; a row whose lease expired (its node died or stalled)
 * is claimed by whichever node's round comes first and delivered again, with the same {@code webhook-id},
 * from the attempt after the last one recorded, at once (as after a restart). A delivery waiting for its
 * retry stays with its node.
 *
 * <p>Each attempt is written before the next is planned, in one statement fenced by the row's lease token:
 * the row (attempts, state, when the next is due) and the entry of the task's callback log in the task's
 * row. A write that matches nothing (another node holds the row now) ends the delivery here: a node whose
 * lease is gone delivers nothing more. The record in this node's memory, if it has the task, shows the
 * entry as written; when another node writes it, the node that ran the task hears of it (a {@code NOTIFY}
 * sent by that write, {@link #changedElsewhere}) and shows the log as the store has it. At-least-once: a node that dies between an attempt and its record leaves it to be made
 * again, with the same {@code webhook-id}, by the next holder.
 *
 * <p>Statements: a finish's rows are one insert per store batch; a round is one renewal (when deliveries
 * are held) and one claim; an attempt is one statement.
 *
 * <p>Threads: a delivery of a task finished here runs on the task's loop context, a claimed one on the
 * outbox's context (the rounds'); its state is touched only there. The record is updated on its loop.
 */
public final class WebhookOutbox {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookOutbox.class);
  /** The most deliveries one round claims (more are claimed by the next). */
  static final int CLAIM_BATCH = 100;

  private final TaskService service;
  private final WebhookSender sender;
  private final TaskStore store;
  private final Vertx vertx;
  private final Context context;
  private final double leaseSeconds;
  /** The deliveries this node holds: delivery id to lease token. */
  private final Map<String, String> held = new ConcurrentHashMap<>();
  /** Reads a task's callback log as the store has it (null: not read, one node). */
  private volatile java.util.function.Function<String, Future<String>> readLog;
  private boolean busy;
  private long timer = -1;
  private volatile boolean stopped;

  /** One delivery in progress here: its row and its log entry as last written; touched on its context only. */
  private static final class Flight {
    StoredDelivery row;
    CallbackEntry entry;

    Flight(StoredDelivery row, CallbackEntry entry) {
      this.row = row;
      this.entry = entry;
    }
  }

  /** @param leaseSeconds how long a delivery's lease lasts past its last renewal */
  WebhookOutbox(Vertx vertx, TaskService service, WebhookSender sender, double leaseSeconds) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.service = service;
    this.sender = sender;
    this.store = service.journal().store();
    this.leaseSeconds = leaseSeconds;
  }

  /** How long a delivery's lease lasts. */
  double leaseSeconds() {
    return leaseSeconds;
  }

  /** Deliveries held by this node now. */
  public int heldCount() {
    return held.size();
  }

  /**
   * The rows of {@code rec}'s finish, held by this node with a new token each (before they are written):
   * entry {@code i} of the log for each webhook entry.
   */
  List<StoredDelivery> rowsOf(TaskRecord rec, List<Integer> entries, String body) {
    List<StoredDelivery> rows = new ArrayList<>(entries.size());
    List<Webhook> hooks = rec.spec().callbacks();
    for (int k = 0; k < entries.size(); k++) {
      int i = entries.get(k);
      CallbackEntry e = rec.callbackAt(i);
      Webhook h = hooks.get(k);
      rows.add(new StoredDelivery(e.deliveryId(), rec.id(), rec.leaseToken(), i, h.url(),
          h.key() == null ? null : Base64.getEncoder().encodeToString(h.key()), body, 0, 1, "pending", 0,
          service.node(), UUID.randomUUID().toString(), null));
    }
    return rows;
  }

  /** Delivers the rows of a finish this node committed (it holds them); on the task's loop thread. */
  void deliverCommitted(TaskRecord rec, List<StoredDelivery> rows) {
    for (StoredDelivery row : rows) {
      start(row, rec.callbackAt(row.entry()));
    }
  }

  /** Starts delivering {@code row} (held here) on the calling context, from the attempt after its last. */
  private void start(StoredDelivery row, CallbackEntry entry) {
    held.put(row.id(), row.leaseToken());
    Flight f = new Flight(row, entry);
    Webhook hook = new Webhook(row.url(), row.key() == null ? null : Base64.getDecoder().decode(row.key()));
    int next = row.attempts() + 1;
    int last = sender.lastAttempt(next, row.first());
    if (next > 1) {
      LOG.info("task {} webhook {} delivery {} taken up at attempt {} (up to attempt {}; it was due in {} ms)", row.taskId(),
          row.url(), row.id(), next, last, row.dueIn());
    }
    // taken up, as after a restart, with an attempt at once: the retry its holder planned died with it
    sender.deliver(new WebhookSender.Delivery(row.id(), row.taskId(), row.entry(), hook, Buffer.buffer(row.body())), next, last,
        0, (d, a, outcome) -> recorded(f, a, outcome));
  }

  /** Writes attempt {@code a}; true if the row was still this node's. */
  private Future<Boolean> recorded(Flight f, CallbackEntry.Attempt a, CallbackEntry.Outcome outcome) {
    CallbackEntry e = f.entry.withAttempt(a, outcome);
    StoredDelivery row = f.row.after(a.attempt(), outcome.label());
    Long retryMs = a.retryIn() == null ? null : Math.round(a.retryIn() * 1000);
    return store.deliveryAttempted(row, retryMs, e.toJson().encode(), leaseSeconds).transform(ar -> {
      if (ar.failed() || !ar.result()) {
        // not written: the lease is gone, or the store did not answer (the row's lease then expires, and
        // the delivery is taken up again, by this node or another)
        held.remove(row.id(), row.leaseToken());
        return ar.failed() ? Future.failedFuture(ar.cause()) : Future.succeededFuture(false);
      }
      f.entry = e;
      f.row = row;
      if (outcome != CallbackEntry.Outcome.PENDING) {
        held.remove(row.id(), row.leaseToken());
      }
      show(row, e, a);
      return Future.succeededFuture(true);
    });
  }

  /** Shows entry {@code e} in the record this node has in memory, if any, and tells of the attempt. */
  private void show(StoredDelivery row, CallbackEntry e, CallbackEntry.Attempt a) {
    TaskRecord rec = service.registry().get(row.taskId());
    if (rec != null) {
      NamedLoop l = service.loops().get(rec.loopName());
      if (l != null) {
        l.loop().context().runOnContext(v -> rec.showCallbackAt(row.entry(), e));
      }
    }
    JsonObject data = a.toJson().put("taskId", row.taskId()).put("url", row.url()).put("deliveryId", row.id())
        .put("outcome", e.outcome().label());
    service.events().publish("webhook.attempt", row.taskId(), data);
    // with the cluster's event log: queued once the attempt is written
    service.journal().withEvents(() -> {
    }, () -> List.of(TaskJournal.event("webhook.attempt", row.taskId(), data)));
  }

  /** How the callback log of a task is read from the store when another node wrote it ({@link #changedElsewhere}). */
  public void readLogWith(java.util.function.Function<String, Future<String>> reader) {
    this.readLog = reader;
  }

  /**
   * Another node wrote the callback log of task {@code taskId} (it took up or redelivered one of its
   * webhooks): if this node has the task in memory, it shows the log as the store has it now. Any thread.
   */
  public void changedElsewhere(String taskId) {
    TaskRecord rec = service.registry().get(taskId);
    java.util.function.Function<String, Future<String>> reader = readLog;
    if (rec == null || reader == null) {
      return;
    }
    NamedLoop l = service.loops().get(rec.loopName());
    if (l == null) {
      return;
    }
    reader.apply(taskId).onSuccess(json -> {
      if (json != null) {
        l.loop().context().runOnContext(v -> {
          io.vertx.core.json.JsonArray log = new io.vertx.core.json.JsonArray(json);
          for (int i = 0; i < log.size(); i++) {
            CallbackEntry e = CallbackEntry.fromJson(log.getJsonObject(i));
            if (e.isWebhook()) {
              rec.showCallbackAt(i, e);
            }
          }
        });
      }
    }).onFailure(e -> LOG.warn("task {}: its callback log, written by another node, not read: {}", taskId, String.valueOf(e)));
  }

  // ------------------------------------------------------------------ rounds

  /**
   * Runs a round now (what a previous run left, or a dead peer), then, if {@code intervalSeconds} is
   * positive, every {@code intervalSeconds}.
   *
   * @return completes when the first round is done
   */
  public Future<Void> start(double intervalSeconds) {
    io.vertx.core.Promise<Void> first = io.vertx.core.Promise.promise();
    context.runOnContext(v -> {
      round().onComplete(first);
      if (intervalSeconds > 0) {
        timer = vertx.setPeriodic(Math.max(1, (long) (intervalSeconds * 1000)), t -> round());
      }
    });
    return first.future();
  }

  /** Renews the leases held, then claims due deliveries nobody holds and delivers them; on the outbox's context. */
  private Future<Void> round() {
    if (busy || stopped) {
      return Future.succeededFuture();
    }
    busy = true;
    List<String> tokens = new ArrayList<>(held.values());
    return store.renewDeliveries(service.node(), tokens, leaseSeconds).recover(e -> {
      LOG.warn("webhook deliveries' leases not renewed: {}", String.valueOf(e));
      return Future.succeededFuture();
    }).compose(v -> store.claimDeliveries(service.node(), CLAIM_BATCH, leaseSeconds)).map(rows -> {
      if (!rows.isEmpty()) {
        LOG.info("claimed {} webhook delivery(ies) nobody held", rows.size());
      }
      for (StoredDelivery row : rows) {
        start(row, entryOf(row));
      }
      return (Void) null;
    }).recover(e -> {
      LOG.warn("webhook outbox round failed (retried next round): {}", String.valueOf(e));
      return Future.succeededFuture();
    }).onComplete(ar -> busy = false);
  }

  /** The log entry of a claimed row: as the task's row has it, or, if it has none, a new one. */
  private static CallbackEntry entryOf(StoredDelivery row) {
    if (row.entryJson() != null) {
      try {
        return CallbackEntry.fromJson(new JsonObject(row.entryJson()));
      } catch (RuntimeException e) {
        LOG.warn("task {}: callback entry {} cannot be read ({}); its attempts go on in a new one", row.taskId(), row.entry(),
            e.toString());
      }
    }
    return CallbackEntry.webhook(java.time.Instant.now(), row.url(), row.id());
  }

  /**
   * Starts delivering entry {@code index} of {@code rec}'s log again; on the record's loop thread.
   *
   * @return the entry once the redelivery began; failed with {@code Conflict} while its delivery is under way
   *     (on any node), {@code NotFound} when the outbox has no delivery of it
   */
  Future<CallbackEntry> redeliver(TaskRecord rec, int index) {
    String token = UUID.randomUUID().toString();
    Context ctx = Vertx.currentContext();
    return store.redeliver(rec.id(), index, service.node(), token, leaseSeconds).compose(row -> {
      if (row == null) {
        return Future.failedFuture(new ServiceError.NotFound("n", "Task " + rec.id() + " has no delivery of callback " + index
            + " kept"));
      }
      if (!token.equals(row.leaseToken())) {
        return Future.failedFuture(new ServiceError.Conflict(ServiceError.Conflict.Reason.DELIVERY_PENDING, "Callback " + index
            + " of task " + rec.id() + " is still being delivered; redeliver it once its outcome is delivered, failed or refused"));
      }
      io.vertx.core.Promise<CallbackEntry> p = io.vertx.core.Promise.promise();
      ctx.runOnContext(v -> {
        CallbackEntry e = rec.callbackAt(index).withOutcome(CallbackEntry.Outcome.PENDING);
        rec.showCallbackAt(index, e);
        LOG.info("task {} webhook {} redelivery requested ({})", rec.id(), row.url(), row.id());
        start(row, e);
        p.complete(e);
      });
      return p.future();
    });
  }

  /**
   * Starts delivering entry {@code index} of task {@code taskId}'s log again, for a task this node does not
   * have in memory: the delivery runs on the outbox's context.
   *
   * @return the entry as the task's row has it once the redelivery began; failed with {@code NotFound} when
   *     the store has no delivery at that entry (or no such task), {@code Conflict} while it is under way
   */
  Future<CallbackEntry> redeliverStored(String taskId, int index) {
    String token = UUID.randomUUID().toString();
    return store.redeliver(taskId, index, service.node(), token, leaseSeconds).compose(row -> {
      if (row == null) {
        return Future.failedFuture(new ServiceError.NotFound(null, "Task " + taskId + " not found, or it has no webhook at "
            + "callbacks[" + index + "]"));
      }
      if (!token.equals(row.leaseToken())) {
        return Future.failedFuture(new ServiceError.Conflict(ServiceError.Conflict.Reason.DELIVERY_PENDING, "Callback " + index
            + " of task " + taskId + " is still being delivered; redeliver it once its outcome is delivered, failed or refused"));
      }
      CallbackEntry e = entryOf(row).withOutcome(CallbackEntry.Outcome.PENDING);
      LOG.info("task {} webhook {} redelivery requested ({}), for a task this node does not have", taskId, row.url(), row.id());
      context.runOnContext(v -> start(row, e));
      return Future.succeededFuture(e);
    });
  }

  /**
   * Gives back the deliveries still held (shutting down, once they had their time): their leases end now, so
   * the next start, or a peer, takes them up at once; an attempt of this node after this records nothing.
   */
  public Future<Void> release() {
    List<String> tokens = new ArrayList<>(held.values());
    held.clear();
    if (tokens.isEmpty()) {
      return Future.succeededFuture();
    }
    LOG.info("giving back {} webhook delivery(ies) still under way", tokens.size());
    return store.renewDeliveries(service.node(), tokens, 0);
  }

  /** Claims nothing more (shutting down): deliveries under way go on, as do those of tasks finishing meanwhile. */
  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
