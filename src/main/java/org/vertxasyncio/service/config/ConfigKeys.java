package org.vertxasyncio.service.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.vertxasyncio.service.webhooks.AllowList;

/**
 * Every configuration key of the service, one declaration each, in the order the README lists them:
 * name, default, values (type and bounds), meaning. {@link ServiceConfig} reads them, {@link ConfigLoader}
 * takes their environment variables, and the README's table is {@link #markdownTable()} (a test fails
 * when they differ).
 *
 * <p>A new key is one declaration here; read it with {@link ServiceConfig#get(ConfigKey)}.
 */
public final class ConfigKeys {
  private static final List<ConfigKey<?>> ALL = new ArrayList<>();

  private ConfigKeys() {
  }

  // ---------------------------------------------------------------------------------------------- the keys

  public static final ConfigKey<String> HTTP_HOST = string("http.host", "0.0.0.0",
      "the address to listen on (`0.0.0.0`: every interface)");
  public static final ConfigKey<Integer> HTTP_PORT = integer("http.port", 8080, 0, 65535,
      "the port to listen on (`0`: any free port; the log says which)");
  public static final ConfigKey<String> NODE_ID = define("node.id", "",
      "empty, or 1 to " + NodeId.MAX_LENGTH + " of `A-Z a-z 0-9 . _ -`",
      "this node's name, in the start log line, each task's `node`, `/health` and the `node` tag of the service's "
          + "metrics; empty: the host name, `http.port` (unless `0`) and a random 4-hex suffix, new at each start "
          + "(`web1-8080-3fa2`)", false, ConfigKeys::nodeId);
  public static final ConfigKey<List<String>> LOOPS = define("loops", "default",
      "comma-separated loop names (1 to 64 of `A-Z a-z 0-9 _ . -`)",
      "the event loops made at start-up (`default` is always made)", false, ConfigKeys::loopNames);
  public static final ConfigKey<Integer> WORKER_POOL_SIZE = integer("worker.pool.size", 4, 1, 1024,
      "threads of the loops' default executor, which runs `work` tasks (`runInExecutor`)");
  public static final ConfigKey<Integer> LIMITS_PENDING_MAX = integer("limits.pending.max", 1000, 1, 10_000_000,
      "pending tasks held in memory at most (gather children count; parked tasks, see `store.horizon`, do not); "
          + "beyond: 429");
  public static final ConfigKey<Integer> LIMITS_PARKED_MAX = integer("limits.parked.max", 1_000_000, 1, 1_000_000_000,
      "parked tasks at most (`sleep` tasks kept in the store only until they are due, see `store.horizon`); beyond: 429");
  public static final ConfigKey<Double> LIMITS_SLEEP_MAX = number("limits.sleep.max", 3600.0, 0, false, 1e9,
      "the longest `sleep`, seconds");
  public static final ConfigKey<Long> LIMITS_WORK_ITERATIONS_MAX = longInteger("limits.work.iterations.max", 1_000_000, 1,
      Long.MAX_VALUE, "the most `work` iterations");
  public static final ConfigKey<Integer> LIMITS_BODY_MAX = integer("limits.body.max", 65536, 256, 64 * 1024 * 1024,
      "the largest request body, bytes; beyond: 413");
  public static final ConfigKey<Double> LIMITS_WAIT_MAX = number("limits.wait.max", 60.0, 0, false, 86_400,
      "the longest `?wait` and `/wait` timeout, seconds");
  public static final ConfigKey<Integer> LIMITS_IDEMPOTENCY_KEY_MAX = integer("limits.idempotency.key.max", 255, 1, 4096,
      "the longest `Idempotency-Key` of a `POST /tasks`, characters (visible ASCII); beyond: 400");
  public static final ConfigKey<Integer> LIMITS_GATHER_CHILDREN_MAX = integer("limits.gather.children.max", 100, 1, 100_000,
      "tasks one gather may list, and new child tasks it may make in all; beyond: 400");
  public static final ConfigKey<Integer> LIMITS_WEBHOOKS_MAX = integer("limits.webhooks.max", 10, 0, 100,
      "webhooks per task; beyond: 400");
  public static final ConfigKey<Integer> LIMITS_EVENTS_SUBSCRIBERS_MAX = integer("limits.events.subscribers.max", 100, 0,
      100_000, "open `/events` streams; beyond: 429");
  public static final ConfigKey<Integer> LIMITS_LOOPS_MAX = integer("limits.loops.max", 32, 1, 1000,
      "event loops (closed ones count; at least as many as `loops` names); beyond: 409");
  public static final ConfigKey<Double> LIMITS_RATE_REQUESTS = number("limits.rate.requests", 0.0, 0, true, 1e9,
      "requests per second per client address (`0`: no limit), as a token bucket of `limits.rate.burst`; beyond: 429 "
          + "with `Retry-After` (`/health`, `/ready` exempt)");
  public static final ConfigKey<Integer> LIMITS_RATE_BURST = integer("limits.rate.burst", 20, 1, 1_000_000_000,
      "requests a client address may make at once before `limits.rate.requests` applies");
  public static final ConfigKey<Double> RETENTION_SECONDS = number("retention.seconds", 3600.0, 0, true, 1e9,
      "done tasks are forgotten after this many seconds");
  public static final ConfigKey<Integer> RETENTION_TASKS_MAX = integer("retention.tasks.max", 10000, 0, 100_000_000,
      "done tasks kept at most: beyond, the oldest are forgotten");
  public static final ConfigKey<Integer> WEBHOOK_CONCURRENCY_ENDPOINT = integer("webhook.concurrency.endpoint", 64, 1,
      10_000, "webhook attempts in progress at once to one endpoint (webhook URL); more wait in the endpoint's queue, "
          + "in order, and waiting is not an attempt (its timeouts start when it starts)");
  public static final ConfigKey<Integer> WEBHOOK_CONCURRENCY_HOST = integer("webhook.concurrency.host", 256, 1, 10_000,
      "webhook attempts in progress at once to one host (scheme, name, port), over all its endpoints; more wait their "
          + "turn, endpoint after endpoint (the connection pool holds twice as many connections per host)");
  public static final ConfigKey<Double> WEBHOOK_TIMEOUT_CONNECT = number("webhook.timeout.connect", 2.0, 0, false, 3600,
      "seconds to connect to a receiver, per attempt");
  public static final ConfigKey<Double> WEBHOOK_TIMEOUT_REQUEST = number("webhook.timeout.request", 5.0, 0, false, 3600,
      "seconds for an attempt's exchange, from the moment it is connected (send, answer)");
  public static final ConfigKey<Integer> WEBHOOK_RETRY_ATTEMPTS = integer("webhook.retry.attempts", 5, 1, 100,
      "attempts per delivery, the first included");
  public static final ConfigKey<Double> WEBHOOK_RETRY_BACKOFF_INITIAL = number("webhook.retry.backoff.initial", 0.5, 0, true,
      86_400, "seconds before the second attempt: the delay before attempt n+1 is `min(max, initial·multiplier^(n-1))`, "
          + "less up to `jitter` of it at random");
  public static final ConfigKey<Double> WEBHOOK_RETRY_BACKOFF_MULTIPLIER = number("webhook.retry.backoff.multiplier", 2.0, 1,
      true, 100, "how much each delay grows over the one before");
  public static final ConfigKey<Double> WEBHOOK_RETRY_BACKOFF_MAX = number("webhook.retry.backoff.max", 30.0, 0, true, 86_400,
      "the longest delay between two attempts, seconds (a `Retry-After` too is capped at it)");
  public static final ConfigKey<Double> WEBHOOK_RETRY_JITTER = number("webhook.retry.jitter", 0.2, 0, true, 1,
      "the share of each delay that may be taken off at random");
  public static final ConfigKey<Integer> WEBHOOK_RESPONSE_MAX = integer("webhook.response.max", 65536, 0, 64 * 1024 * 1024,
      "bytes of a receiver's answer read at most");
  public static final ConfigKey<AllowList> WEBHOOKS_ALLOW = define("webhooks.allow", "",
      "comma-separated host names, IP addresses and CIDR ranges",
      "webhook targets trusted although internal (loopback, private, link-local, ...); empty: none", false,
      ConfigKeys::allowList);
  public static final ConfigKey<List<String>> AUTH_TOKENS = define("auth.tokens", "",
      "comma-separated tokens, " + ServiceConfig.MIN_TOKEN_LENGTH + " to 4096 printable ASCII characters each",
      "bearer tokens (empty: no authentication); never shown nor logged", true, ConfigKeys::tokens);
  public static final ConfigKey<Boolean> AUTH_METRICS = bool("auth.metrics", true,
      "whether `/metrics` needs a token too when `auth.tokens` is set");
  public static final ConfigKey<Integer> EVENTS_BUFFER_SIZE = integer("events.buffer.size", 1000, 1, 10_000_000,
      "events kept for `Last-Event-ID` resume");
  public static final ConfigKey<Double> EVENTS_HEARTBEAT = number("events.heartbeat", 15.0, 0, false, 3600,
      "seconds between heartbeat comments on `/events`");
  public static final ConfigKey<Double> EVENTS_FLUSH_INTERVAL = number("events.flush.interval", 0.025, 0, true, 10,
      "the least time between two writes to one event stream, seconds: events that come sooner wait and go in one "
          + "write (a lone event goes at once); `0`: one write per event-loop turn");
  public static final ConfigKey<Integer> EVENTS_REPLAY_MAX = integer("events.replay.max", 10000, 1, 10_000_000,
      "with the `postgres` store: events a stream resuming from before `events.buffer.size` reads back from the "
          + "cluster's event log at most (it says which it skips beyond)");
  public static final ConfigKey<Double> EVENTS_LOG_POLL = number("events.log.poll", 1.0, 0, false, 3600,
      "with the `postgres` store: seconds between a node's reads of the cluster's event log when no notification "
          + "woke it sooner (a commit with events notifies every node at once)");
  public static final ConfigKey<Double> EVENTS_LOG_RETENTION = number("events.log.retention", 3600.0, 0, false, 1e9,
      "with the `postgres` store: seconds the cluster's event log keeps an event (the leader removes older ones); "
          + "a stream resuming from before that says which events are no longer kept");
  public static final ConfigKey<Integer> EVENTS_LOG_MAX = integer("events.log.max", 1_000_000, 1, 1_000_000_000,
      "with the `postgres` store: events the cluster's event log keeps (the leader removes the older ones in whole "
          + "batches: a batch that holds one of these is kept whole)");
  public static final ConfigKey<ServiceConfig.StoreType> STORE_TYPE = choice("store.type", ServiceConfig.StoreType.class,
      ServiceConfig.StoreType.SQLITE, "where tasks are kept: `sqlite` (a database file, they survive restarts and "
          + "crashes), `postgres` (a PostgreSQL database, `store.postgres.url`) or `memory` (nothing is kept across a "
          + "restart, by design: for tests and demos)");
  public static final ConfigKey<String> STORE_PATH = string("store.path", "data",
      "the data directory (made if missing); the database is `tasks.db` in it (with `tasks.db-wal`)");
  public static final ConfigKey<ServiceConfig.StoreSync> STORE_SYNC = choice("store.sync", ServiceConfig.StoreSync.class,
      ServiceConfig.StoreSync.FULL, "SQLite's durability: `full` (each commit is synced to disk before it is answered: a `201` survives a power "
          + "loss) or `normal` (it "
          + "survives the process being killed, not the machine losing power; faster)");
  public static final ConfigKey<Integer> STORE_BATCH_MAX = integer("store.batch.max", 1000, 1, 1_000_000,
      "group commit: the most writes one transaction takes");
  public static final ConfigKey<Double> STORE_BATCH_WAIT = number("store.batch.wait", 0.001, 0, true, 1,
      "group commit: seconds a transaction waits for more writes (SQLite with `store.sync` `full`: only while the "
          + "previous commit is being synced to disk; postgres: only when a single write was queued)");
  public static final ConfigKey<Double> STORE_HORIZON = number("store.horizon", 60.0, 0, false, 1e9,
      "with the `sqlite` and `postgres` stores: a `sleep` due later than this many seconds from now is parked: kept as "
          + "its row only, with no coroutine, timer or lease on any node, and put on its loop about this long before it "
          + "is due (its absolute deadline kept)");
  public static final ConfigKey<String> STORE_POSTGRES_URL = define("store.postgres.url",
      "postgresql://postgres@127.0.0.1:5432/postgres", "a `postgresql://user[:password]@host[:port]/database` URI",
      "the PostgreSQL database of the `postgres` store (a password in it is never shown nor logged)", false,
      ConfigKeys::postgresUrl);
  public static final ConfigKey<String> STORE_POSTGRES_PASSWORD = define("store.postgres.password", "",
      "a string", "the PostgreSQL password, if not in the URI (empty: none, or the URI's); never shown nor logged",
      true, (k, o) -> o instanceof String s ? s : ConfigKey.string(k, o));
  public static final ConfigKey<Integer> STORE_POSTGRES_POOL = integer("store.postgres.pool", 4, 1, 1000,
      "connections the `postgres` store opens for reads and reservations (its writes go over one more, in order)");
  public static final ConfigKey<String> STORE_POSTGRES_SCHEMA = define("store.postgres.schema", "",
      "empty, or 1 to 63 of `a-z 0-9 _` (not starting with a digit)",
      "the schema of the `postgres` store's tables, made if missing (empty: the database's `search_path`, usually "
          + "`public`)", false, ConfigKeys::schemaName);
  public static final ConfigKey<Double> STORE_POSTGRES_TIMEOUT = number("store.postgres.timeout", 5.0, 0, false, 3600,
      "seconds a PostgreSQL connection or commit may take before the store counts the database unreachable (its "
          + "writes are then retried, in order, and new writes answer 503 until it is back)");
  public static final ConfigKey<Double> STORE_POSTGRES_VACUUM = number("store.postgres.vacuum", 2.0, 0, true, 3600,
      "with the `postgres` store: seconds between the leader's vacuums of the tables every task writes and deletes "
          + "rows of (`tasks`, the event log, the webhook outbox, the idempotency keys), so that their dead rows' space "
          + "is used again instead of the tables and their indexes growing between the server's autovacuums; `0`: none "
          + "(the server's autovacuum only)");
  public static final ConfigKey<ServiceConfig.ShutdownTasks> SHUTDOWN_TASKS = choice("shutdown.tasks",
      ServiceConfig.ShutdownTasks.class, ServiceConfig.ShutdownTasks.KEEP, "on SIGTERM, `keep` pending tasks in the "
          + "store (they resume at the next start; with the `memory` store this is `cancel`), `cancel` them, or let "
          + "them `finish` (then cancel what is left)");
  public static final ConfigKey<Double> SHUTDOWN_TIMEOUT = number("shutdown.timeout", 8.0, 0, true, 3600,
      "the grace period: seconds the whole shutdown may take (tasks and webhooks get 80% of it, in-flight requests "
          + "the rest); inside `docker stop`'s 10 s");
  public static final ConfigKey<Double> CLUSTER_LEASE = number("cluster.lease", 10.0, 0, false, 3600,
      "with the `postgres` store: seconds a node holds the tasks it runs without renewing them (PostgreSQL's clock); "
          + "a node silent for longer loses them to its peers, which resume them (its webhook deliveries too)");
  public static final ConfigKey<Double> CLUSTER_HEARTBEAT = number("cluster.heartbeat", 2.0, 0, false, 3600,
      "with the `postgres` store: seconds between a node's heartbeats (one statement renews its leases that end within "
          + "`cluster.lease` - `cluster.heartbeat`, or all of them when that is less than two heartbeats); less "
          + "than `cluster.lease`; peers also look for expired or unowned tasks this often");
  public static final ConfigKey<Double> METRICS_LAG_INTERVAL = number("metrics.lag.interval", 1.0, 0, false, 3600,
      "seconds between loop-lag probes (a `callSoon` timed from request to run)");

  // ---------------------------------------------------------------------------------------------- the table

  /** Every key, in declaration order. */
  public static List<ConfigKey<?>> all() {
    return Collections.unmodifiableList(ALL);
  }

  /** The key named {@code name}, or null. */
  public static ConfigKey<?> named(String name) {
    for (ConfigKey<?> k : ALL) {
      if (k.name().equals(name)) {
        return k;
      }
    }
    return null;
  }

  /** The README's configuration table: one row per key (key and variable, default, values, meaning). */
  public static String markdownTable() {
    StringBuilder sb = new StringBuilder("| key (environment variable) | default | values | meaning |\n|---|---|---|---|\n");
    for (ConfigKey<?> k : ALL) {
      Object d = k.defaultValue();
      String shownDefault = d instanceof String s && s.isEmpty() ? "empty"
          : "`" + (d instanceof Double x ? ConfigKey.num(x) : String.valueOf(d)) + "`";
      sb.append("| `").append(k.name()).append("` (`").append(k.envName()).append("`) | ").append(shownDefault)
          .append(" | ").append(k.values()).append(" | ").append(k.description()).append(" |\n");
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------- kinds of key

  private static <T> ConfigKey<T> define(String name, Object defaultValue, String values, String description,
      boolean secret, ConfigKey.Reader<T> reader) {
    ConfigKey<T> k = new ConfigKey<>(name, defaultValue, values, description, secret, reader);
    ALL.add(k);
    return k;
  }

  private static ConfigKey<String> string(String name, String defaultValue, String description) {
    return define(name, defaultValue, "a non-empty string", description, false, ConfigKey::string);
  }

  private static ConfigKey<Integer> integer(String name, int defaultValue, int min, int max, String description) {
    return define(name, defaultValue, "an integer, " + min + " to " + max, description, false,
        (k, o) -> (int) ConfigKey.integer(k, o, min, max));
  }

  private static ConfigKey<Long> longInteger(String name, long defaultValue, long min, long max, String description) {
    String values = max == Long.MAX_VALUE ? "an integer >= " + min : "an integer, " + min + " to " + max;
    return define(name, defaultValue, values, description, false, (k, o) -> ConfigKey.integer(k, o, min, max));
  }

  private static ConfigKey<Double> number(String name, double defaultValue, double min, boolean minInclusive, double max,
      String description) {
    String values = "a number " + (minInclusive ? ">= " : "> ") + ConfigKey.num(min) + " and <= " + ConfigKey.num(max);
    return define(name, defaultValue, values, description, false,
        (k, o) -> ConfigKey.number(k, o, min, minInclusive, max));
  }

  private static ConfigKey<Boolean> bool(String name, boolean defaultValue, String description) {
    return define(name, defaultValue, "`true` or `false`", description, false, ConfigKey::bool);
  }

  private static <E extends Enum<E>> ConfigKey<E> choice(String name, Class<E> type, E defaultValue, String description) {
    List<String> names = ConfigKey.choices(type, "`");
    String values = String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    return define(name, defaultValue.name().toLowerCase(java.util.Locale.ROOT), values, description, false,
        (k, o) -> ConfigKey.choice(k, o, type));
  }

  // ---------------------------------------------------------------------------------------------- readers of their own

  private static final Pattern LOOP_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  /** The loop names, {@code default} first and always. */
  private static List<String> loopNames(ConfigKey<List<String>> k, Object o) {
    List<String> raw = new ArrayList<>();
    if (o instanceof String s) {
      for (String part : s.split(",")) {
        raw.add(part.trim());
      }
    } else if (o instanceof io.vertx.core.json.JsonArray a) {
      for (Object e : a) {
        raw.add(e instanceof String s ? s.trim() : String.valueOf(e));
      }
    } else {
      throw k.invalid("must be a comma-separated string of loop names", o);
    }
    Set<String> names = new LinkedHashSet<>();
    names.add("default");
    for (String n : raw) {
      if (n.isEmpty()) {
        continue;
      }
      if (!LOOP_NAME.matcher(n).matches()) {
        throw new ConfigException(k.label() + ": invalid loop name '" + n + "' (expected 1 to 64 of A-Z a-z 0-9 _ . -)");
      }
      names.add(n);
    }
    return List.copyOf(names);
  }

  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** An empty string or a plain lower-case SQL identifier (never quoted, so never ambiguous). */
  private static String schemaName(ConfigKey<String> k, Object o) {
    if (!(o instanceof String s) || !(s.isBlank() || SCHEMA_NAME.matcher(s.trim()).matches())) {
      throw k.invalid("must be empty or 1 to 63 of a-z 0-9 _ (not starting with a digit)", o);
    }
    return s.trim();
  }

  /** A PostgreSQL URI; an error shows it with its password masked. */
  private static String postgresUrl(ConfigKey<String> k, Object o) {
    if (!(o instanceof String s) || s.isBlank()) {
      throw k.invalid("must be a postgresql://user@host:port/database URI", o);
    }
    String url = s.trim();
    String why = org.vertxasyncio.service.store.PostgresTaskStore.checkUrl(url);
    if (why != null) {
      throw new ConfigException(k.label() + " must be a postgresql://user@host:port/database URI (" + why + "), got '"
          + org.vertxasyncio.service.store.PostgresTaskStore.maskUrl(url) + "'");
    }
    return url;
  }

  /** The node id: empty (a default is made at start) or a valid one. */
  private static String nodeId(ConfigKey<String> k, Object o) {
    if (!(o instanceof String s)) {
      throw k.invalid("must be a string", o);
    }
    String id = s.trim();
    if (!id.isEmpty() && !NodeId.VALID.matcher(id).matches()) {
      throw k.invalid("must be 1 to " + NodeId.MAX_LENGTH + " of A-Z a-z 0-9 . _ - (or empty for the default)", o);
    }
    return id;
  }

  private static AllowList allowList(ConfigKey<AllowList> k, Object o) {
    try {
      return AllowList.parse(ConfigKey.list(k, o));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(k.label() + ": " + e.getMessage());
    }
  }

  /** The tokens: a bad one is named by its position, never shown. */
  private static List<String> tokens(ConfigKey<List<String>> k, Object o) {
    List<String> tokens = ConfigKey.list(k, o);
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (t.length() < ServiceConfig.MIN_TOKEN_LENGTH || t.length() > 4096 || !t.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new ConfigException(k.label() + ": token " + (i + 1) + " of " + tokens.size() + " must be "
            + ServiceConfig.MIN_TOKEN_LENGTH + " to 4096 printable ASCII characters without spaces (its value is not shown)");
      }
    }
    return tokens;
  }
}
