package org.vertxasyncio.service.tasks;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.EventLoop;
import org.vertxasyncio.service.loops.NamedLoop;
import org.vertxasyncio.service.store.StoredTask;
import org.vertxasyncio.service.webhooks.Webhook;

/**
 * Brings back, at start-up, the tasks the store kept, on loops already recreated in their stored states:
 * <ul>
 *   <li>a done task is done again, with its result, exception, callback log; a gather that awaits it gets
 *       a done future with that outcome;</li>
 *   <li>a pending {@code sleep} that had started sleeps until its absolute deadline; one whose deadline
 *       passed while the service was down finishes at once, and its {@code lateSeconds} says how late;</li>
 *   <li>a pending {@code work} task runs again (its result depends on its spec only);</li>
 *   <li>a pending {@code gather} awaits its recovered children (started first, recursively);</li>
 *   <li>a {@code timeout} keeps its absolute deadline (past: {@code TimeoutError} at once, unless the
 *       sleep it guards was due first);</li>
 *   <li>a task that had not started yet starts as if new;</li>
 *   <li>a pending task of a closed loop (the service stopped while closing it) is cancelled.</li>
 * </ul>
 * A done task is never run again; every kept task is brought back. Webhook deliveries not finished
 * before the restart are the {@link WebhookOutbox}'s: its first round takes them up.
 *
 * <p>A parked task (kept as its row only until it is due, see {@link ParkedTasks}) is not read at start-up: it is
 * staged ({@link #stage}, or a cluster's claim) by the same rules, a sleep to its absolute deadline, without
 * counting as a recovery.
 */
public final class TaskRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(TaskRecovery.class);

  /** What recovery did: counts for the log and the tests. */
  public record Report(int tasks, int done, int resumed, int late) {
    Report plus(Report o) {
      return new Report(tasks + o.tasks, done + o.done, resumed + o.resumed, late + o.late);
    }
  }

  private final TaskService service;

  public TaskRecovery(TaskService service) {
    this.service = service;
  }

  /** The loops the kept tasks run on, in order of first use (they must exist before {@link #recover}). */
  public static List<String> loopsOf(List<StoredTask> stored) {
    return stored.stream().map(StoredTask::loop).distinct().toList();
  }

  /**
   * Recovers {@code stored} (oldest first), loop by loop, on each loop's thread.
   *
   * @return what was done; failed if a kept task cannot be read (the message names it)
   */
  public Future<Report> recover(List<StoredTask> stored) {
    Map<String, List<TaskRecord>> perLoop;
    try {
      perLoop = restorePerLoop(stored);
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    List<Future<Report>> parts = new ArrayList<>();
    for (Map.Entry<String, List<TaskRecord>> e : perLoop.entrySet()) {
      NamedLoop l = service.loops().require(e.getKey(), null);
      parts.add(l.call(() -> recoverLoop(l, e.getValue())));
    }
    return Future.all(parts).map(cf -> {
      Report sum = new Report(0, 0, 0, 0);
      for (int i = 0; i < cf.size(); i++) {
        sum = sum.plus(cf.resultAt(i));
      }
      return sum;
    }).onSuccess(r -> {
      if (r.tasks() > 0) {
        LOG.info("recovered {} task(s): {} done, {} pending resumed ({} past their deadline)",
            r.tasks(), r.done(), r.resumed(), r.late());
      }
    });
  }

  /**
   * Where a rescued gather finds a child that was not claimed with it and does not run on this node: a
   * future, on {@code loop}, of that task's outcome wherever it runs.
   */
  @FunctionalInterface
  public interface Elsewhere {
    AsyncFuture<Object> outcome(String taskId, EventLoop loop);
  }

  /**
   * Resumes pending tasks this node claimed from a peer that lost them (their rows carry this node's new
   * lease), by the rules of a restart: a sleep keeps its absolute deadline, {@code work} runs again, a
   * gather re-links to its children (claimed with it, running here, or {@code elsewhere}).
   *
   * @return what was done; failed if a claimed task cannot be read (the message names it)
   */
  public Future<Report> rescue(List<StoredTask> claimed, Elsewhere elsewhere) {
    return rescue(claimed, elsewhere, java.util.Set.of());
  }

  /**
   * As {@link #rescue(List, Elsewhere)}; the tasks named in {@code cancelRequested} (a cancel was asked for
   * while nobody ran them) are cancelled before they run.
   */
  public Future<Report> rescue(List<StoredTask> claimed, Elsewhere elsewhere, java.util.Set<String> cancelRequested) {
    return rescue(claimed, elsewhere, cancelRequested, java.util.Set.of());
  }

  /**
   * As {@link #rescue(List, Elsewhere, java.util.Set)}; the tasks named in {@code staged} were parked (no node
   * ran them yet): they are put on their loops, not counted as recovered.
   */
  public Future<Report> rescue(List<StoredTask> claimed, Elsewhere elsewhere, java.util.Set<String> cancelRequested,
      java.util.Set<String> staged) {
    Map<String, List<TaskRecord>> perLoop;
    try {
      perLoop = restorePerLoop(claimed);
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    List<Future<Report>> parts = new ArrayList<>();
    for (Map.Entry<String, List<TaskRecord>> e : perLoop.entrySet()) {
      String name = e.getKey();
      NamedLoop known = service.loops().get(name);
      Future<NamedLoop> loop = known != null ? Future.succeededFuture(known) : service.loops().create(name);
      parts.add(loop.compose(l -> l.call(() -> rescueLoop(l, e.getValue(), elsewhere, cancelRequested, staged))));
    }
    return Future.all(parts).map(cf -> {
      Report sum = new Report(0, 0, 0, 0);
      for (int i = 0; i < cf.size(); i++) {
        sum = sum.plus(cf.resultAt(i));
      }
      return sum;
    });
  }

  /**
   * Puts parked tasks that are due soon on their loops (this process took them out of parking): each resumes as
   * after a restart, a sleep to its absolute deadline (late, if that passed), without counting as a recovery.
   *
   * @return what was done; failed if a row cannot be read (the message names it)
   */
  public Future<Report> stage(List<StoredTask> rows) {
    java.util.Set<String> ids = new java.util.HashSet<>();
    rows.forEach(r -> ids.add(r.id()));
    return rescue(rows, null, java.util.Set.of(), ids);
  }

  /** On the loop's thread. */
  private Report rescueLoop(NamedLoop l, List<TaskRecord> recs, Elsewhere elsewhere, java.util.Set<String> cancelRequested,
      java.util.Set<String> staged) {
    Map<String, TaskRecord> byId = new LinkedHashMap<>();
    for (TaskRecord r : recs) {
      byId.put(r.id(), r);
      r.journal(service.journal());
    }
    service.registry().reserveRecovered(recs.size());
    Instant now = service.clock().instant();
    int[] late = {0};
    for (TaskRecord r : recs) {
      if (l.closing()) {
        cancelOnClosedLoop(l, r);
      } else {
        resume(l, r, byId, now, late, elsewhere, staged);
      }
    }
    for (TaskRecord r : recs) {
      // before its first step, which the loop runs after this one: its coroutine never starts
      if (cancelRequested.contains(r.id()) && r.task() != null && !r.task().done()) {
        r.task().cancel();
        LOG.info("task {} cancelled as it was claimed: a cancel was asked for while no node ran it", r.id());
      }
    }
    return new Report(recs.size(), 0, recs.size(), late[0]);
  }

  /** On the loop's thread. */
  private Report recoverLoop(NamedLoop l, List<TaskRecord> recs) {
    EventLoop loop = l.loop();
    TaskRegistry registry = service.registry();
    TaskJournal journal = service.journal();
    Map<String, TaskRecord> byId = new LinkedHashMap<>();
    List<TaskRecord> done = new ArrayList<>();
    List<TaskRecord> pending = new ArrayList<>();
    for (TaskRecord r : recs) {
      byId.put(r.id(), r);
      (r.view().done() ? done : pending).add(r);
      r.journal(journal);
    }
    done.sort(Comparator.comparing(r -> r.view().doneAt()));
    for (TaskRecord r : done) {
      r.attachDone(doneFuture(loop, r));
      registry.restoreDone(r);
    }
    registry.reserveRecovered(pending.size());
    Instant now = service.clock().instant();
    int[] late = {0};
    for (TaskRecord r : pending) {
      if (l.closing()) {
        cancelOnClosedLoop(l, r);
      } else {
        resume(l, r, byId, now, late, null, java.util.Set.of());
      }
    }
    return new Report(recs.size(), done.size(), pending.size(), late[0]);
  }

  /**
   * Starts {@code r}'s task, its children's first; a record with a task already is left alone.
   *
   * @param staged the parked tasks put on their loops (a claimed gather's child may be one): no recovery is
   *     counted for them
   */
  private void resume(NamedLoop l, TaskRecord r, Map<String, TaskRecord> byId, Instant now, int[] late, Elsewhere elsewhere,
      java.util.Set<String> staged) {
    if (r.task() != null) {
      return;
    }
    List<AsyncFuture<?>> kids = new ArrayList<>();
    for (String cid : r.children()) {
      TaskRecord c = byId.get(cid);
      if (c == null && elsewhere != null) {
        TaskRecord here = service.registry().get(cid);
        if (here != null && here.task() != null && here.loopName().equals(l.name())) {
          kids.add(here.task()); // a child this node runs already
        } else {
          AsyncFuture<Object> away = elsewhere.outcome(cid, l.loop());
          service.cancelWithGather(r, away, cid);
          kids.add(away);
        }
        continue;
      }
      if (c == null) {
        // deleted (DELETE, retention) while its gather was pending: its outcome was not kept
        AsyncFuture<Object> lost = l.loop().createFuture();
        lost.setException(new RecoveredError("TaskLost", "task " + cid + " was forgotten before the restart; its outcome was not kept"));
        kids.add(lost);
        continue;
      }
      resume(l, c, byId, now, late, elsewhere, staged);
      kids.add(c.task());
    }
    TaskSpec spec = r.spec();
    Double sleep = spec.seconds();
    Double timeout = spec.timeout();
    Instant due = null;
    if (r.hasStarted()) {
      Instant sd = spec.kind() == TaskSpec.Kind.SLEEP ? r.sleepDeadline() : null;
      Instant td = r.timeoutDeadline();
      if (sd != null) {
        sleep = Math.max(0, seconds(now, sd));
        due = sd;
      }
      if (td != null) {
        if (sd != null && !sd.isAfter(td)) {
          timeout = null; // the sleep ends first: the timeout cannot fire
        } else {
          timeout = Math.max(0, seconds(now, td));
          due = td;
        }
      }
    }
    Double lateBy = due != null && due.isBefore(now) ? seconds(due, now) : null;
    if (lateBy != null) {
      late[0]++;
    }
    if (staged.contains(r.id())) {
      r.staged(lateBy, service.node());
      LOG.info("task {} staged: kind={} due {}{}", r.id(), spec.kind().label(), due,
          lateBy == null ? "" : String.format(" late by %.3f s", lateBy));
    } else {
      r.recovered(lateBy, service.node());
      LOG.info("task {} resumed after a restart: kind={}{}{}", r.id(), spec.kind().label(),
          r.hasStarted() ? "" : " (not started before)", lateBy == null ? "" : String.format(" late by %.3f s", lateBy));
    }
    service.start(r, l, kids, r.children(), sleep, timeout);
  }

  /** A pending task kept on a loop that is closed: cancelled, its callbacks fired (a closed loop runs none). */
  private void cancelOnClosedLoop(NamedLoop l, TaskRecord r) {
    AsyncFuture<Object> f = l.loop().createFuture();
    f.cancel();
    r.attachDone(f);
    service.registry().add(r);
    service.recordDone(r, f);
    List<Webhook> hooks = r.spec().callbacks();
    for (int i = 0; i < hooks.size(); i++) {
      service.webhookFired(r, hooks.get(i), i);
    }
    LOG.info("task {} cancelled: its loop {} is closed", r.id(), l.name());
  }

  /**
   * Completes {@code f} (on its loop's thread) with the outcome of a task that is done as the store keeps it
   * ({@code state} and {@code record}, the task as the API shows it); a task the store no longer has
   * ({@code state} null) fails it with {@code TaskLost}.
   */
  public static void settle(AsyncFuture<Object> f, String id, String state, String record) {
    if (state == null) {
      f.setException(new RecoveredError("TaskLost", "task " + id + " was forgotten; its outcome was not kept"));
      return;
    }
    io.vertx.core.json.JsonObject j = new io.vertx.core.json.JsonObject(record);
    TaskView.ExceptionInfo e = TaskView.ExceptionInfo.fromJson(j.getJsonObject("exception"));
    if (TaskState.fromLabel(state) == TaskState.CANCELLED) {
      f.cancel();
    } else if (e != null) {
      f.setException(new RecoveredError(e.type(), e.message()));
    } else {
      f.setResult(j.getValue("result"));
    }
  }

  /** A done future with the kept outcome of {@code r}. */
  private static AsyncFuture<Object> doneFuture(EventLoop loop, TaskRecord r) {
    AsyncFuture<Object> f = loop.createFuture();
    if (r.state() == TaskState.CANCELLED) {
      f.cancel();
    } else if (r.exception() != null) {
      f.setException(new RecoveredError(r.exception().type(), r.exception().message()));
    } else {
      f.setResult(r.result());
    }
    return f;
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e9;
  }

  /** The rows as records, grouped by loop in the rows' order; throws naming the first row that cannot be read. */
  private Map<String, List<TaskRecord>> restorePerLoop(List<StoredTask> rows) {
    Map<String, List<TaskRecord>> perLoop = new LinkedHashMap<>();
    for (StoredTask row : rows) {
      TaskRecord rec;
      try {
        rec = TaskRecord.restore(row, StoredSpec.decode(row.spec()), service.node());
      } catch (RuntimeException e) {
        throw new IllegalStateException("task " + row.id() + " in the store cannot be read: " + e, e);
      }
      perLoop.computeIfAbsent(row.loop(), k -> new ArrayList<>()).add(rec);
    }
    return perLoop;
  }
}
