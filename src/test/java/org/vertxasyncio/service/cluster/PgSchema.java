package org.vertxasyncio.service.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A schema of its own in the {@code test} database of the local PostgreSQL, for one test class: the
 * {@code tasks} table as the store keeps it and the cluster's additions; dropped at the end.
 */
final class PgSchema implements AutoCloseable {
  final String name = "cluster_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final Vertx vertx;
  private final Pool admin;

  PgSchema(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.admin = pool(new PgConnectOptions().setHost("127.0.0.1").setPort(5432).setUser("postgres").setDatabase("test"), 1);
    await(admin.query("CREATE SCHEMA " + name).execute());
    Pool p = pool(1);
    try {
      await(p.query(TASKS).execute());
      for (String s : ClusterSchema.STATEMENTS) {
        await(p.query(s).execute());
      }
    } finally {
      await(p.close());
    }
  }

  /** The store's tasks table. */
  static final String TASKS = """
      CREATE TABLE tasks (
        id               TEXT PRIMARY KEY,
        loop             TEXT NOT NULL,
        parent           TEXT,
        state            TEXT NOT NULL,
        created_at       BIGINT NOT NULL,
        done_at          BIGINT,
        sleep_deadline   BIGINT,
        timeout_deadline BIGINT,
        spec             TEXT NOT NULL,
        record           TEXT NOT NULL
      )""";

  PgConnectOptions options() {
    return new PgConnectOptions().setHost("127.0.0.1").setPort(5432).setUser("postgres").setDatabase("test")
        .addProperty("search_path", name);
  }

  Pool pool(int size) {
    return pool(options(), size);
  }

  private Pool pool(PgConnectOptions o, int size) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(size)).connectingTo(o).using(vertx).build();
  }

  /** Runs {@code sql} with {@code args} in the schema and waits for it. */
  io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> sql(String sql, Object... args) throws Exception {
    Pool p = pool(1);
    try {
      return await(args.length == 0 ? p.query(sql).execute() : p.preparedQuery(sql).execute(io.vertx.sqlclient.Tuple.from(java.util.Arrays.asList(args))));
    } finally {
      await(p.close());
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      await(admin.query("DROP SCHEMA " + name + " CASCADE").execute());
    } finally {
      await(admin.close());
    }
  }
}
