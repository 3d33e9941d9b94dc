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
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A schema of its own in the {@code test} database of the local PostgreSQL, for one test class, with the
 * postgres store's tables (its migrations), and a Vert.x instance and a pool of 4 connections to it: a
 * JUnit extension, made before the class's tests ({@code @RegisterExtension static final PgSchema schema
 * = new PgSchema();}) and dropped after them.
 */
final class PgSchema implements BeforeAllCallback, AfterAllCallback {
  final String name = "cluster_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private Vertx vertx;
  private Pool admin;
  private Pool shared;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    vertx = Vertx.vertx();
    admin = pool(new PgConnectOptions().setHost("127.0.0.1").setPort(5432).setUser("postgres").setDatabase("test"), 1);
    await(admin.query("CREATE SCHEMA " + name).execute());
    Pool p = pool(1);
    try {
      for (org.vertxasyncio.service.store.Migrations.Migration m : org.vertxasyncio.service.store.PostgresMigrations.ALL) {
        for (String sql : m.statements()) {
          await(p.query(sql).execute());
        }
      }
    } finally {
      await(p.close());
    }
    shared = pool(4);
  }

  /** The class's pool of 4 connections in the schema, closed with it. */
  Pool pool() {
    return shared;
  }

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
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      await(shared.close());
      await(admin.query("DROP SCHEMA " + name + " CASCADE").execute());
    } finally {
      try {
        await(admin.close());
      } finally {
        await(vertx.close());
      }
    }
  }
}
