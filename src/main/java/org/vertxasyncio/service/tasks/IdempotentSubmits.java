package org.vertxasyncio.service.tasks;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.ServiceError;
import org.vertxasyncio.service.store.TaskStore;
import org.vertxasyncio.service.webhooks.Webhook;

/**
 * {@code POST /tasks} with an {@code Idempotency-Key}: the first request with a key makes the task and claims the
 * key for it in the store, with the fingerprint of its request (the task's spec as validated, canonical); a later
 * request with the key answers that task ({@link Outcome#replayed()}) when its fingerprint is the same, and is
 * refused when it is not ({@link ServiceError.KeyReused}) or while the first is still being carried out
 * ({@link ServiceError.Conflict.Reason#IDEMPOTENCY_KEY_IN_USE}).
 *
 * <p>Invariants: a key is claimed in the store ({@link TaskStore#claimKey}, one atomic step, so two nodes racing
 * with one key make one task) before its task is made, with the id the task will have. A claim whose task the
 * store does not have names a task that was never made (its commit failed), or one forgotten since (retention,
 * {@code DELETE}): the key is claimed again for a new task ({@link TaskStore#reclaimKey}, one of two racers wins),
 * unless the first request may still be committing it: on this node when it is in {@link #inFlight}; on another
 * node while its claim is younger than {@code pendingMillis}.
 *
 * <p>Threads: any; the maps are concurrent and the rest is the store's and {@link TaskService}'s.
 */
public final class IdempotentSubmits {
  private static final Logger LOG = LoggerFactory.getLogger(IdempotentSubmits.class);

  /** What a keyed submit answers: the task (held here, or else its JSON as the store has it), made now or before. */
  public record Outcome(String id, TaskRecord record, String json, boolean replayed) {
  }

  /** A request with a key that this node is carrying out: its fingerprint and its task's id. */
  private record Attempt(String fingerprint, String taskId) {
  }

  private final TaskService service;
  private final String field;
  private volatile long pendingMillis;
  private final Map<String, Attempt> inFlight = new ConcurrentHashMap<>();
  /** Keys whose task this node failed to make and whose claim it could not release: key to the task id named. */
  private final Map<String, String> abandoned = new ConcurrentHashMap<>();

  /**
   * @param field the request's part that carries the key, named in errors ({@code Idempotency-Key})
   */
  IdempotentSubmits(TaskService service, String field, double pendingSeconds) {
    this.service = service;
    this.field = field;
    this.pendingMillis = Math.round(pendingSeconds * 1000);
  }

  /**
   * How long another node's claim of a key, whose task the store does not have, is taken for a request still
   * being carried out (answered 409) rather than one that failed.
   */
  public void pendingSeconds(double seconds) {
    this.pendingMillis = Math.round(seconds * 1000);
  }

  /**
   * {@link TaskService#submit(TaskSpec, Double)} under {@code key}.
   *
   * @return the task made now, or the one the key names; failed with {@code KeyReused} (the key was used with another
   *     request), {@code Conflict} (the first request with the key is still being carried out), or what
   *     {@code submit} fails with ({@code StoreUnavailable} when the key cannot be claimed or read)
   */
  public Future<Outcome> submit(String key, TaskSpec spec, Double wait) {
    String fingerprint = fingerprint(spec);
    String id = service.ids().next();
    Attempt mine = new Attempt(fingerprint, id);
    Attempt other = inFlight.putIfAbsent(key, mine);
    if (other != null) {
      return Future.failedFuture(other.fingerprint().equals(fingerprint) ? inUse(key) : reused(key));
    }
    if (!service.journal().available()) {
      inFlight.remove(key, mine);
      return Future.failedFuture(TaskJournal.unavailable());
    }
    TaskStore store = service.journal().store();
    return store.claimKey(key, fingerprint, id, service.node()).transform(ar -> {
      if (ar.failed()) {
        inFlight.remove(key, mine);
        LOG.warn("idempotency key not claimed: the task store could not be reached: {}", String.valueOf(ar.cause()));
        return Future.failedFuture(TaskJournal.unavailable());
      }
      TaskStore.KeyClaim claim = ar.result();
      if (claim == null) {
        return make(key, mine, spec, wait);
      }
      if (!claim.fingerprint().equals(fingerprint)) {
        inFlight.remove(key, mine);
        return Future.failedFuture(reused(key));
      }
      return existing(key, mine, claim, spec, wait);
    });
  }

  /** The key was claimed before, by a request with this fingerprint: its task, or a new one if it is gone. */
  private Future<Outcome> existing(String key, Attempt mine, TaskStore.KeyClaim claim, TaskSpec spec, Double wait) {
    String named = claim.taskId();
    if (abandoned.remove(key, named)) {
      return reclaim(key, mine, named, spec, wait); // this node failed to make it: it is gone, or going
    }
    TaskRecord held = service.registry().get(named);
    if (held != null && !held.dropped()) {
      inFlight.remove(key, mine);
      return Future.succeededFuture(new Outcome(named, held, null, true));
    }
    return service.stored().json(named).transform(ar -> {
      if (ar.failed()) {
        inFlight.remove(key, mine);
        return Future.failedFuture(new ServiceError.StoreUnavailable("The task store cannot be read now; retry later"));
      }
      if (ar.result() != null) {
        inFlight.remove(key, mine);
        return Future.succeededFuture(new Outcome(named, null, ar.result(), true));
      }
      boolean settled = !service.journal().store().shared() || service.node().equals(claim.node())
          || claim.ageMillis() >= pendingMillis;
      if (!settled) {
        inFlight.remove(key, mine);
        return Future.failedFuture(inUse(key));
      }
      return reclaim(key, mine, named, spec, wait);
    });
  }

  /** Moves the claim from task {@code stale}, which is not in the store, to a new one, and makes it. */
  private Future<Outcome> reclaim(String key, Attempt mine, String stale, TaskSpec spec, Double wait) {
    return service.journal().store().reclaimKey(key, stale, mine.fingerprint(), mine.taskId(), service.node()).transform(ar -> {
      if (ar.failed()) {
        inFlight.remove(key, mine);
        abandoned.putIfAbsent(key, stale);
        return Future.failedFuture(TaskJournal.unavailable());
      }
      if (!ar.result()) {
        inFlight.remove(key, mine);
        return Future.failedFuture(inUse(key)); // another request moved it first: its task is being made
      }
      return make(key, mine, spec, wait);
    });
  }

  /** Makes the task the key is claimed for; if that fails, the claim is released (or remembered as abandoned). */
  private Future<Outcome> make(String key, Attempt mine, TaskSpec spec, Double wait) {
    return service.submit(spec, wait, mine.taskId()).transform(ar -> {
      if (ar.succeeded()) {
        inFlight.remove(key, mine);
        return Future.succeededFuture(new Outcome(mine.taskId(), ar.result(), null, false));
      }
      // answered now; until the claim is released, a retry here is told the key is in use
      if (!service.journal().available()) {
        abandoned.put(key, mine.taskId());
        inFlight.remove(key, mine);
      } else {
        service.journal().store().releaseKey(key, mine.taskId()).onComplete(rel -> {
          if (rel.failed()) {
            abandoned.put(key, mine.taskId());
          }
          inFlight.remove(key, mine);
        });
      }
      return Future.<Outcome>failedFuture(ar.cause());
    });
  }

  private ServiceError inUse(String key) {
    return new ServiceError.Conflict(ServiceError.Conflict.Reason.IDEMPOTENCY_KEY_IN_USE, "A request with Idempotency-Key '"
        + key + "' is still being carried out; retry it later");
  }

  private ServiceError reused(String key) {
    return new ServiceError.KeyReused(field, "Idempotency-Key '" + key + "' was used with another request body; "
        + "a key names one request");
  }

  /** The SHA-256 (hex) of the spec as canonical JSON: every field, object keys sorted, gather children nested. */
  static String fingerprint(TaskSpec spec) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical(json(spec)).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static JsonObject json(TaskSpec s) {
    JsonArray hooks = new JsonArray();
    for (Webhook h : s.callbacks()) {
      hooks.add(new JsonObject().put("url", h.url()).put("key", h.key() == null ? null : Base64.getEncoder().encodeToString(h.key())));
    }
    JsonArray items = null;
    if (s.items() != null) {
      items = new JsonArray();
      for (Object item : s.items()) {
        items.add(item instanceof TaskSpec child ? json(child) : item);
      }
    }
    return new JsonObject().put("kind", s.kind().label()).put("name", s.name()).put("loop", s.loop())
        .put("seconds", s.seconds()).put("result", s.result()).put("iterations", s.iterations()).put("input", s.input())
        .put("tasks", items).put("returnExceptions", s.returnExceptions()).put("raise", s.raise())
        .put("timeout", s.timeout()).put("callbacks", hooks).put("echo", s.echo());
  }

  /** {@code value} encoded with the keys of every object in sorted order, so equal JSON is equal text. */
  static String canonical(Object value) {
    return JsonObject.of("v", sorted(value)).encode();
  }

  private static Object sorted(Object value) {
    if (value instanceof JsonObject o) {
      Map<String, Object> m = new TreeMap<>();
      o.forEach(e -> m.put(e.getKey(), sorted(e.getValue())));
      return new JsonObject(new java.util.LinkedHashMap<>(m));
    }
    if (value instanceof JsonArray a) {
      List<Object> l = new ArrayList<>(a.size());
      a.forEach(x -> l.add(sorted(x)));
      return new JsonArray(l);
    }
    if (value instanceof Map<?, ?> m) {
      return sorted(new JsonObject(castMap(m)));
    }
    if (value instanceof List<?> l) {
      return sorted(new JsonArray(new ArrayList<>(l)));
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }
}
