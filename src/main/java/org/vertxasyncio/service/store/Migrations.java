package org.vertxasyncio.service.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The SQLite store's schema, as numbered migrations applied in order. The database's version is SQLite's
 * {@code PRAGMA user_version}: 0 for a new file, then the number of the last migration applied. Each
 * migration runs in its own transaction together with the version bump, so a crash leaves the database
 * at one version or the next, never between.
 *
 * <p>To change the schema, append a migration; never edit one that has shipped.
 */
public final class Migrations {
  /** One step of the schema: its number (1, 2, ...), what it does, its statements. */
  public record Migration(int version, String description, List<String> statements) {
  }

  /** Every migration, in order; the last one's number is {@link #CURRENT}. */
  public static final List<Migration> ALL = List.of(
      new Migration(1, "tasks: one row per task, with what to run again and the task as the API shows it", List.of(
          """
          CREATE TABLE tasks (
            id               TEXT PRIMARY KEY,
            loop             TEXT NOT NULL,
            parent           TEXT,
            state            TEXT NOT NULL,
            created_at       INTEGER NOT NULL,
            done_at          INTEGER,
            sleep_deadline   INTEGER,
            timeout_deadline INTEGER,
            spec             TEXT NOT NULL,
            record           TEXT NOT NULL
          )""")),
      new Migration(2, "loops and their states; meta (the SSE event-id high-water mark)", List.of(
          """
          CREATE TABLE loops (
            name     TEXT PRIMARY KEY,
            state    TEXT NOT NULL,
            position INTEGER NOT NULL
          )""",
          """
          CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
          )""")),
      new Migration(3, "tasks: the node that runs each task, or ran it (null in rows written before)", List.of(
          "ALTER TABLE tasks ADD COLUMN node TEXT")),
      new Migration(4, "webhook_outbox: one row per webhook delivery, committed with its task's finish", List.of(
          """
          CREATE TABLE webhook_outbox (
            id            TEXT PRIMARY KEY,
            task_id       TEXT NOT NULL,
            entry         INTEGER NOT NULL,
            url           TEXT NOT NULL,
            signing_key   TEXT,
            body          TEXT NOT NULL,
            attempts      INTEGER NOT NULL,
            first_attempt INTEGER NOT NULL,
            next_at       INTEGER NOT NULL,
            state         TEXT NOT NULL,
            owner         TEXT,
            lease_token   TEXT,
            lease_until   INTEGER
          )""",
          "CREATE INDEX webhook_outbox_task ON webhook_outbox (task_id)",
          "CREATE INDEX webhook_outbox_pending ON webhook_outbox (next_at) WHERE state = 'pending'")),
      new Migration(5, "tasks: parked_until, the deadline of a task kept as its row only until it is due (null: not parked)",
          List.of(
              "ALTER TABLE tasks ADD COLUMN parked_until INTEGER",
              // the staging scan's rows: parked tasks only, by deadline
              "CREATE INDEX tasks_parked ON tasks (parked_until) WHERE parked_until IS NOT NULL")),
      new Migration(6, "idempotency_keys: the Idempotency-Key of each POST /tasks that had one, the fingerprint of its "
          + "request and the task it made", List.of(
          """
          CREATE TABLE idempotency_keys (
            key         TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            task_id     TEXT NOT NULL,
            node        TEXT NOT NULL,
            claimed_at  INTEGER NOT NULL
          )""")));

  /** The schema version this build writes. */
  public static final int CURRENT = ALL.get(ALL.size() - 1).version();

  private Migrations() {
  }

  /** The database's schema version ({@code PRAGMA user_version}). */
  public static int version(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  /**
   * Applies the migrations after the database's version, up to {@code target}, each in a transaction.
   * The connection must be in auto-commit mode; it is left so.
   *
   * @return the versions applied, in order
   * @throws IllegalStateException if the database is newer than {@code target} (written by a newer build)
   */
  public static List<Integer> migrate(Connection c, int target) throws SQLException {
    int from = version(c);
    if (from > target) {
      throw new IllegalStateException("its schema version is " + from + ", newer than this build's " + target
          + " (it was written by a newer version of the service)");
    }
    List<Integer> applied = new java.util.ArrayList<>();
    for (Migration m : ALL) {
      if (m.version() <= from || m.version() > target) {
        continue;
      }
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        for (String sql : m.statements()) {
          s.executeUpdate(sql);
        }
        s.executeUpdate("PRAGMA user_version = " + m.version());
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
      applied.add(m.version());
    }
    return applied;
  }
}
