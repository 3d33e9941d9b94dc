package org.vertxasyncio.testing;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL server the tests use (the system property {@code test.postgres.url}, by default the
 * {@code test} database on 127.0.0.1:5432 as user {@code postgres}): fresh schemas, one per test or
 * harness, dropped when done (those not dropped by their test are dropped when the JVM exits), and plain
 * queries for a test's assertions.
 */
public final class Postgres {
  /** The database's URI. */
  public static final String URL = System.getProperty("test.postgres.url", "postgresql://postgres@127.0.0.1:5432/test");
  /** True when the service suites run against the postgres store ({@code -Dtest.store=postgres}). */
  public static final boolean SERVICE_STORE = "postgres".equals(System.getProperty("test.store"));

  private static final Set<String> MADE = ConcurrentHashMap.newKeySet();
  private static Vertx vertx;
  private static Pool pool;

  private Postgres() {
  }

  private static synchronized Pool pool() {
    if (pool == null) {
      vertx = Vertx.vertx();
      pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(PgConnectOptions.fromUri(URL))
          .using(vertx).build();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        for (String s : List.copyOf(MADE)) {
          try {
            drop(s);
          } catch (RuntimeException e) {
            // the server went first: nothing to clean
          }
        }
      }, "postgres-test-schemas"));
    }
    return pool;
  }

  /** A schema name no other test uses (not created: the store makes it), dropped at the JVM's exit at the latest. */
  public static String newSchema() {
    String s = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    MADE.add(s);
    return s;
  }

  /** The schema for a data directory path: the same path, the same schema (a restart finds its tasks). */
  public static String schemaFor(String path) {
    String s = "t_" + Integer.toHexString(path.hashCode()) + "_" + Integer.toHexString(Math.abs((path + "/").hashCode()));
    MADE.add(s);
    return s;
  }

  /** Drops {@code schema} and everything in it. */
  public static void drop(String schema) {
    query("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    MADE.remove(schema);
  }

  /** Runs {@code sql} with {@code args}; the rows, each as a list of its values. */
  public static List<List<Object>> query(String sql, Object... args) {
    try {
      List<List<Object>> out = new ArrayList<>();
      for (Row r : pool().preparedQuery(sql).execute(Tuple.wrap(List.of(args))).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS)) {
        List<Object> row = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
          row.add(r.getValue(i));
        }
        out.add(row);
      }
      return out;
    } catch (Exception e) {
      throw new IllegalStateException(sql + ": " + e, e);
    }
  }

  /** The single value {@code sql} answers. */
  public static Object value(String sql, Object... args) {
    return query(sql, args).get(0).get(0);
  }
}
