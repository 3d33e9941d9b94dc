package org.vertxasyncio.service.config;

import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vertxasyncio.service.webhooks.AllowList;

/**
 * The service's settings, read from flat dotted keys ({@code http.port}) and checked once: a bad value
 * stops start-up with a message naming the key ({@code "limits.pending.max (LIMITS_PENDING_MAX) must be an
 * integer between 1 and 10000000, got 'ten'"}). Every key has a default, so an empty configuration is a
 * valid one. The keys, their defaults, bounds and meanings are declared in {@link ConfigKeys}, one row
 * each; the fields here are typed shortcuts to the values of the keys the service has always had, and
 * {@link #get} reads any key.
 *
 * <p>The environment variable of a key is its name in upper case with dots as underscores
 * ({@code http.port} → {@code HTTP_PORT}); list values are comma-separated strings. Immutable.
 */
public final class ServiceConfig {

  /**
   * What happens to tasks still running when the service shuts down: {@code KEEP} leaves them pending in
   * the store, to resume at the next start (with the {@code memory} store, which keeps nothing, it is
   * {@code CANCEL}); {@code CANCEL} cancels them; {@code FINISH} lets them finish, then cancels the rest.
   */
  public enum ShutdownTasks { KEEP, CANCEL, FINISH }

  /**
   * Where tasks are kept: an SQLite database under {@code store.path}, a PostgreSQL database
   * ({@code store.postgres.url}), or memory only (nothing survives a restart).
   */
  public enum StoreType { SQLITE, POSTGRES, MEMORY }

  /** SQLite's {@code synchronous}: FULL (a commit survives a power loss) or NORMAL (a crash of the process). */
  public enum StoreSync { FULL, NORMAL }

  /** Every key with its default value, in documentation order. */
  public static final Map<String, Object> DEFAULTS;

  static {
    Map<String, Object> d = new LinkedHashMap<>();
    for (ConfigKey<?> k : ConfigKeys.all()) {
      d.put(k.name(), k.defaultValue());
    }
    DEFAULTS = Collections.unmodifiableMap(d);
  }

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

  /** The values as written (defaults filled in), keyed as in the file. */
  private final JsonObject values;
  /** The values as read, by key. */
  private final Map<ConfigKey<?>, Object> read;

  private ServiceConfig(JsonObject v) {
    this.values = v;
    Map<ConfigKey<?>, Object> r = new HashMap<>();
    for (ConfigKey<?> k : ConfigKeys.all()) {
      r.put(k, k.read(v.getValue(k.name())));
    }
    this.read = r;
    httpHost = get(ConfigKeys.HTTP_HOST);
    httpPort = get(ConfigKeys.HTTP_PORT);
    loops = get(ConfigKeys.LOOPS);
    workerPoolSize = get(ConfigKeys.WORKER_POOL_SIZE);
    maxPendingTasks = get(ConfigKeys.LIMITS_PENDING_MAX);
    maxSleepSeconds = get(ConfigKeys.LIMITS_SLEEP_MAX);
    maxWorkIterations = get(ConfigKeys.LIMITS_WORK_ITERATIONS_MAX);
    maxBodyBytes = get(ConfigKeys.LIMITS_BODY_MAX);
    maxWaitSeconds = get(ConfigKeys.LIMITS_WAIT_MAX);
    maxGatherChildren = get(ConfigKeys.LIMITS_GATHER_CHILDREN_MAX);
    maxWebhooksPerTask = get(ConfigKeys.LIMITS_WEBHOOKS_MAX);
    maxEventSubscribers = get(ConfigKeys.LIMITS_EVENTS_SUBSCRIBERS_MAX);
    maxLoops = get(ConfigKeys.LIMITS_LOOPS_MAX);
    rateLimit = get(ConfigKeys.LIMITS_RATE_REQUESTS);
    rateBurst = get(ConfigKeys.LIMITS_RATE_BURST);
    retentionSeconds = get(ConfigKeys.RETENTION_SECONDS);
    retentionMaxTasks = get(ConfigKeys.RETENTION_TASKS_MAX);
    webhookConnectTimeout = get(ConfigKeys.WEBHOOK_TIMEOUT_CONNECT);
    webhookRequestTimeout = get(ConfigKeys.WEBHOOK_TIMEOUT_REQUEST);
    webhookMaxAttempts = get(ConfigKeys.WEBHOOK_RETRY_ATTEMPTS);
    backoffInitial = get(ConfigKeys.WEBHOOK_RETRY_BACKOFF_INITIAL);
    backoffMultiplier = get(ConfigKeys.WEBHOOK_RETRY_BACKOFF_MULTIPLIER);
    backoffMax = get(ConfigKeys.WEBHOOK_RETRY_BACKOFF_MAX);
    backoffJitter = get(ConfigKeys.WEBHOOK_RETRY_JITTER);
    webhookResponseMax = get(ConfigKeys.WEBHOOK_RESPONSE_MAX);
    webhooksAllow = get(ConfigKeys.WEBHOOKS_ALLOW);
    authTokens = get(ConfigKeys.AUTH_TOKENS);
    authMetrics = get(ConfigKeys.AUTH_METRICS);
    eventsBufferSize = get(ConfigKeys.EVENTS_BUFFER_SIZE);
    eventsHeartbeat = get(ConfigKeys.EVENTS_HEARTBEAT);
    eventsFlushInterval = get(ConfigKeys.EVENTS_FLUSH_INTERVAL);
    storeType = get(ConfigKeys.STORE_TYPE);
    storePath = get(ConfigKeys.STORE_PATH);
    storeSyncFull = get(ConfigKeys.STORE_SYNC) == StoreSync.FULL;
    storeBatchMax = get(ConfigKeys.STORE_BATCH_MAX);
    storeBatchWait = get(ConfigKeys.STORE_BATCH_WAIT);
    shutdownTasks = get(ConfigKeys.SHUTDOWN_TASKS);
    shutdownTimeout = get(ConfigKeys.SHUTDOWN_TIMEOUT);
    lagInterval = get(ConfigKeys.METRICS_LAG_INTERVAL);
    if (get(ConfigKeys.CLUSTER_HEARTBEAT) >= get(ConfigKeys.CLUSTER_LEASE)) {
      throw new ConfigException(ConfigKeys.CLUSTER_HEARTBEAT.label() + " must be less than " + ConfigKeys.CLUSTER_LEASE.label()
          + " (" + ConfigKey.num(get(ConfigKeys.CLUSTER_LEASE)) + "), got " + ConfigKey.num(get(ConfigKeys.CLUSTER_HEARTBEAT)));
    }
    if (maxLoops < loops.size()) {
      throw new ConfigException(ConfigKeys.LIMITS_LOOPS_MAX.label() + " must be at least the number of loops configured in "
          + ConfigKeys.LOOPS.label() + " (" + loops.size() + "), got " + maxLoops);
    }
  }

  /** The value of {@code key}, as read and checked. */
  @SuppressWarnings("unchecked")
  public <T> T get(ConfigKey<T> key) {
    return (T) read.get(key);
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
      ConfigKey<?> k = ConfigKeys.named(key);
      if (k == null) {
        throw new ConfigException("Unknown configuration key '" + key + "' (known keys: " + String.join(", ", DEFAULTS.keySet()) + ")");
      }
      Object value = json.getValue(key);
      if (value == null) {
        throw new ConfigException(k.label() + " must have a value, got null");
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
    return ConfigKey.envName(key);
  }

  /** The effective values, keyed as in the file; the tokens are masked. */
  public JsonObject toJson() {
    JsonObject j = values.copy();
    if (!authTokens.isEmpty()) {
      j.put(ConfigKeys.AUTH_TOKENS.name(), authTokens.size() + " token(s), not shown");
    }
    j.put(ConfigKeys.STORE_POSTGRES_URL.name(),
        org.vertxasyncio.service.store.PostgresTaskStore.maskUrl(get(ConfigKeys.STORE_POSTGRES_URL)));
    if (!get(ConfigKeys.STORE_POSTGRES_PASSWORD).isEmpty()) {
      j.put(ConfigKeys.STORE_POSTGRES_PASSWORD.name(), "not shown");
    }
    return j;
  }
}
