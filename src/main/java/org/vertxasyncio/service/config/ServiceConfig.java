package org.vertxasyncio.service.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.vertxasyncio.service.webhooks.AllowList;

/**
 * The service's settings, read from flat dotted keys ({@code http.port}) and checked once: a bad value
 * stops start-up with a message naming the key ({@code "limits.pending.max must be an integer >= 1, got
 * 'ten'"}). Every key has a default, so an empty configuration is a valid one.
 *
 * <p>The environment variable of a key is its name in upper case with dots as underscores
 * ({@code http.port} → {@code HTTP_PORT}); list values are comma-separated strings.
 */
public final class ServiceConfig {

  /**
   * What happens to tasks still running when the service shuts down: {@code KEEP} leaves them pending in
   * the store, to resume at the next start (with the {@code memory} store, which keeps nothing, it is
   * {@code CANCEL}); {@code CANCEL} cancels them; {@code FINISH} lets them finish, then cancels the rest.
   */
  public enum ShutdownTasks { KEEP, CANCEL, FINISH }

  /** Where tasks are kept: an SQLite database under {@code store.path}, or memory only (nothing survives a restart). */
  public enum StoreType { SQLITE, MEMORY }

  /** Every key with its default value, in documentation order. */
  public static final Map<String, Object> DEFAULTS;

  static {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("http.host", "0.0.0.0");
    d.put("http.port", 8080);
    d.put("loops", "default");
    d.put("worker.pool.size", 4);
    d.put("limits.pending.max", 1000);
    d.put("limits.sleep.max", 3600.0);
    d.put("limits.work.iterations.max", 1_000_000);
    d.put("limits.body.max", 65536);
    d.put("limits.wait.max", 60.0);
    d.put("limits.gather.children.max", 100);
    d.put("limits.webhooks.max", 10);
    d.put("limits.events.subscribers.max", 100);
    d.put("limits.loops.max", 32);
    d.put("limits.rate.requests", 0.0);
    d.put("limits.rate.burst", 20);
    d.put("retention.seconds", 3600.0);
    d.put("retention.tasks.max", 10000);
    d.put("webhook.timeout.connect", 2.0);
    d.put("webhook.timeout.request", 5.0);
    d.put("webhook.retry.attempts", 5);
    d.put("webhook.retry.backoff.initial", 0.5);
    d.put("webhook.retry.backoff.multiplier", 2.0);
    d.put("webhook.retry.backoff.max", 30.0);
    d.put("webhook.retry.jitter", 0.2);
    d.put("webhook.response.max", 65536);
    d.put("webhooks.allow", "");
    d.put("auth.tokens", "");
    d.put("auth.metrics", true);
    d.put("events.buffer.size", 1000);
    d.put("events.heartbeat", 15.0);
    d.put("events.flush.interval", 0.025);
    d.put("store.type", "sqlite");
    d.put("store.path", "data");
    d.put("store.sync", "full");
    d.put("store.batch.max", 1000);
    d.put("store.batch.wait", 0.001);
    d.put("shutdown.tasks", "keep");
    d.put("shutdown.timeout", 8.0); // inside docker stop's default 10 s grace, before its SIGKILL
    d.put("metrics.lag.interval", 1.0);
    DEFAULTS = Collections.unmodifiableMap(d);
  }

  private static final Pattern LOOP_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  /** The fewest characters a bearer token may have. */
  public static final int MIN_TOKEN_LENGTH = 16;

  public final String httpHost;
  public final int httpPort;
  public final List<String> loops;
  public final int workerPoolSize;
  public final int maxPendingTasks;
  public final double maxSleepSeconds;
  public final long maxWorkIterations;
  public final int maxBodyBytes;
  public final double maxWaitSeconds;
  public final int maxGatherChildren;
  public final int maxWebhooksPerTask;
  public final int maxEventSubscribers;
  public final int maxLoops;
  /** Requests per second per client address; 0: no rate limit. */
  public final double rateLimit;
  public final int rateBurst;
  public final double retentionSeconds;
  public final int retentionMaxTasks;
  public final double webhookConnectTimeout;
  public final double webhookRequestTimeout;
  public final int webhookMaxAttempts;
  public final double backoffInitial;
  public final double backoffMultiplier;
  public final double backoffMax;
  public final double backoffJitter;
  public final int webhookResponseMax;
  /** Webhook targets trusted despite the address checks: host names, addresses, CIDR ranges. */
  public final AllowList webhooksAllow;
  /** Bearer tokens; empty: no authentication. Never logged, never shown. */
  public final List<String> authTokens;
  public final boolean authMetrics;
  public final int eventsBufferSize;
  public final double eventsHeartbeat;
  /** The least time between two writes to one event stream, seconds: events arriving sooner go together. */
  public final double eventsFlushInterval;
  public final StoreType storeType;
  /** The data directory: the SQLite store is {@code tasks.db} in it. */
  public final String storePath;
  /** SQLite's {@code synchronous}: true for FULL (a commit survives a power loss), false for NORMAL (a crash of the process). */
  public final boolean storeSyncFull;
  public final int storeBatchMax;
  public final double storeBatchWait;
  public final ShutdownTasks shutdownTasks;
  public final double shutdownTimeout;
  public final double lagInterval;

  private final JsonObject values;

  private ServiceConfig(JsonObject v) {
    this.values = v;
    httpHost = string(v, "http.host");
    httpPort = (int) integer(v, "http.port", 0, 65535);
    loops = loopNames(v);
    workerPoolSize = (int) integer(v, "worker.pool.size", 1, 1024);
    maxPendingTasks = (int) integer(v, "limits.pending.max", 1, 10_000_000);
    maxSleepSeconds = number(v, "limits.sleep.max", 0, false, 1e9);
    maxWorkIterations = integer(v, "limits.work.iterations.max", 1, Long.MAX_VALUE);
    maxBodyBytes = (int) integer(v, "limits.body.max", 256, 64 * 1024 * 1024);
    maxWaitSeconds = number(v, "limits.wait.max", 0, false, 86_400);
    maxGatherChildren = (int) integer(v, "limits.gather.children.max", 1, 100_000);
    maxWebhooksPerTask = (int) integer(v, "limits.webhooks.max", 0, 100);
    maxEventSubscribers = (int) integer(v, "limits.events.subscribers.max", 0, 100_000);
    maxLoops = (int) integer(v, "limits.loops.max", 1, 1000);
    if (maxLoops < loops.size()) {
      throw new ConfigException(name("limits.loops.max") + " must be at least the number of loops configured in "
          + name("loops") + " (" + loops.size() + "), got " + maxLoops);
    }
    rateLimit = number(v, "limits.rate.requests", 0, true, 1e9);
    rateBurst = (int) integer(v, "limits.rate.burst", 1, 1_000_000_000);
    retentionSeconds = number(v, "retention.seconds", 0, true, 1e9);
    retentionMaxTasks = (int) integer(v, "retention.tasks.max", 0, 100_000_000);
    webhookConnectTimeout = number(v, "webhook.timeout.connect", 0, false, 3600);
    webhookRequestTimeout = number(v, "webhook.timeout.request", 0, false, 3600);
    webhookMaxAttempts = (int) integer(v, "webhook.retry.attempts", 1, 100);
    backoffInitial = number(v, "webhook.retry.backoff.initial", 0, true, 86_400);
    backoffMultiplier = number(v, "webhook.retry.backoff.multiplier", 1, true, 100);
    backoffMax = number(v, "webhook.retry.backoff.max", 0, true, 86_400);
    backoffJitter = number(v, "webhook.retry.jitter", 0, true, 1);
    webhookResponseMax = (int) integer(v, "webhook.response.max", 0, 64 * 1024 * 1024);
    try {
      webhooksAllow = AllowList.parse(list(v, "webhooks.allow"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name("webhooks.allow") + ": " + e.getMessage());
    }
    authTokens = tokens(v);
    authMetrics = bool(v, "auth.metrics");
    eventsBufferSize = (int) integer(v, "events.buffer.size", 1, 10_000_000);
    eventsHeartbeat = number(v, "events.heartbeat", 0, false, 3600);
    eventsFlushInterval = number(v, "events.flush.interval", 0, true, 10);
    storeType = choice(v, "store.type", StoreType.class);
    storePath = string(v, "store.path");
    storeSyncFull = choice(v, "store.sync", Sync.class) == Sync.FULL;
    storeBatchMax = (int) integer(v, "store.batch.max", 1, 1_000_000);
    storeBatchWait = number(v, "store.batch.wait", 0, true, 1);
    shutdownTasks = choice(v, "shutdown.tasks", ShutdownTasks.class);
    shutdownTimeout = number(v, "shutdown.timeout", 0, true, 3600);
    lagInterval = number(v, "metrics.lag.interval", 0, false, 3600);
  }

  /** The defaults, with nothing overridden. */
  public static ServiceConfig defaults() {
    return from(new JsonObject());
  }

  /**
   * Reads and checks {@code json} (flat dotted keys; unknown keys are refused).
   *
   * @throws ConfigException naming the first bad key
   */
  public static ServiceConfig from(JsonObject json) {
    JsonObject v = new JsonObject();
    DEFAULTS.forEach(v::put);
    for (String key : json.fieldNames()) {
      if (!DEFAULTS.containsKey(key)) {
        throw new ConfigException("Unknown configuration key '" + key + "' (known keys: " + String.join(", ", DEFAULTS.keySet()) + ")");
      }
      Object value = json.getValue(key);
      if (value == null) {
        throw new ConfigException(name(key) + " must have a value, got null");
      }
      v.put(key, value);
    }
    return new ServiceConfig(v);
  }

  /** A copy with {@code key} set to {@code value} (for tests and tools). */
  public ServiceConfig with(String key, Object value) {
    JsonObject j = values.copy();
    j.put(key, value);
    return from(j);
  }

  /** The environment variable that overrides {@code key}: {@code http.port} → {@code HTTP_PORT}. */
  public static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  /** The effective values, keyed as in the file; the tokens are masked. */
  public JsonObject toJson() {
    JsonObject j = values.copy();
    if (!authTokens.isEmpty()) {
      j.put("auth.tokens", authTokens.size() + " token(s), not shown");
    }
    return j;
  }

  // ------------------------------------------------------------------ parsing

  private static String string(JsonObject v, String key) {
    Object o = v.getValue(key);
    if (!(o instanceof String s) || s.isBlank()) {
      throw new ConfigException(name(key) + " must be a non-empty string, got " + show(o));
    }
    return s.trim();
  }

  private static long integer(JsonObject v, String key, long min, long max) {
    Object o = v.getValue(key);
    long n;
    if (o instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue()) && !(o instanceof Double d && d.isInfinite())) {
      n = num.longValue();
    } else if (o instanceof String s && s.trim().matches("[+-]?\\d{1,18}")) {
      n = Long.parseLong(s.trim());
    } else {
      throw new ConfigException(name(key) + " must be an integer between " + min + " and " + max + ", got " + show(o));
    }
    if (n < min || n > max) {
      throw new ConfigException(name(key) + " must be an integer between " + min + " and " + max + ", got " + n);
    }
    return n;
  }

  private static double number(JsonObject v, String key, double min, boolean minInclusive, double max) {
    Object o = v.getValue(key);
    double d;
    if (o instanceof Number num) {
      d = num.doubleValue();
    } else if (o instanceof String s) {
      try {
        d = Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        d = Double.NaN;
      }
    } else {
      d = Double.NaN;
    }
    boolean ok = !Double.isNaN(d) && (minInclusive ? d >= min : d > min) && d <= max;
    if (!ok) {
      throw new ConfigException(name(key) + " must be a number " + (minInclusive ? ">= " : "> ") + num(min) + " and <= " + num(max)
          + " (seconds where it is a duration), got " + show(o));
    }
    return d;
  }

  /** A comma-separated string (or a JSON array of strings), trimmed, empty parts dropped. */
  private static List<String> list(JsonObject v, String key) {
    Object o = v.getValue(key);
    List<String> out = new ArrayList<>();
    if (o instanceof String s) {
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    } else if (o instanceof JsonArray a) {
      for (Object e : a) {
        if (!(e instanceof String s)) {
          throw new ConfigException(name(key) + " must be a comma-separated string, got an array with " + shown(key, e));
        }
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    } else {
      throw new ConfigException(name(key) + " must be a comma-separated string, got " + shown(key, o));
    }
    return List.copyOf(out);
  }

  /** The tokens: a bad one is named by its position, never shown. */
  private static List<String> tokens(JsonObject v) {
    List<String> tokens = list(v, "auth.tokens");
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (t.length() < MIN_TOKEN_LENGTH || t.length() > 4096 || !t.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new ConfigException(name("auth.tokens") + ": token " + (i + 1) + " of " + tokens.size() + " must be "
            + MIN_TOKEN_LENGTH + " to 4096 printable ASCII characters without spaces (its value is not shown)");
      }
    }
    return tokens;
  }

  private static boolean bool(JsonObject v, String key) {
    Object o = v.getValue(key);
    if (o instanceof Boolean b) {
      return b;
    }
    if (o instanceof String s && (s.trim().equalsIgnoreCase("true") || s.trim().equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s.trim());
    }
    throw new ConfigException(name(key) + " must be true or false, got " + show(o));
  }

  private static List<String> loopNames(JsonObject v) {
    Object o = v.getValue("loops");
    List<String> raw = new ArrayList<>();
    if (o instanceof String s) {
      for (String part : s.split(",")) {
        raw.add(part.trim());
      }
    } else if (o instanceof JsonArray a) {
      for (Object e : a) {
        raw.add(e instanceof String s ? s.trim() : String.valueOf(e));
      }
    } else {
      throw new ConfigException(name("loops") + " must be a comma-separated string of loop names, got " + show(o));
    }
    Set<String> names = new LinkedHashSet<>();
    names.add("default");
    for (String n : raw) {
      if (n.isEmpty()) {
        continue;
      }
      if (!LOOP_NAME.matcher(n).matches()) {
        throw new ConfigException(name("loops") + ": invalid loop name '" + n + "' (expected 1 to 64 of A-Z a-z 0-9 _ . -)");
      }
      names.add(n);
    }
    return List.copyOf(names);
  }

  private enum Sync { FULL, NORMAL }

  /** One of the constants of {@code type}, written in lower case ({@code 'keep'}). */
  private static <E extends Enum<E>> E choice(JsonObject v, String key, Class<E> type) {
    Object o = v.getValue(key);
    if (o instanceof String s) {
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(s.trim())) {
          return e;
        }
      }
    }
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add("'" + e.name().toLowerCase(Locale.ROOT) + "'");
    }
    throw new ConfigException(name(key) + " must be one of " + String.join(", ", names) + ", got " + show(o));
  }

  /** {@code http.port (HTTP_PORT)}: the key and the variable that overrides it. */
  private static String name(String key) {
    return key + " (" + envName(key) + ")";
  }

  /** {@link #show}, except for secrets. */
  private static String shown(String key, Object o) {
    return key.equals("auth.tokens") ? "a value that is not a string (not shown)" : show(o);
  }

  private static String show(Object o) {
    return o instanceof String s ? "'" + s + "'" : String.valueOf(o);
  }

  private static String num(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
