package org.vertxasyncio.service.cluster;

import java.util.List;

/**
 * What a cluster adds to the PostgreSQL store's schema: each task's lease ({@code owner},
 * {@code lease_until}, {@code lease_token}), the {@code nodes} that heartbeat, and the {@code leader}
 * lease row (UNLOGGED, as River's: losing it in a crash only means a new election).
 */
public final class ClusterSchema {
  private ClusterSchema() {
  }

  /** The statements, in order; each is idempotent. */
  public static final List<String> STATEMENTS = List.of(
      "ALTER TABLE tasks ADD COLUMN IF NOT EXISTS owner TEXT",
      "ALTER TABLE tasks ADD COLUMN IF NOT EXISTS lease_until TIMESTAMPTZ",
      "ALTER TABLE tasks ADD COLUMN IF NOT EXISTS lease_token TEXT",
      // the heartbeat's rows and the claim's: pending tasks only, so the indexes stay small
      "CREATE INDEX IF NOT EXISTS tasks_pending_owner ON tasks (owner) WHERE state = 'pending'",
      "CREATE INDEX IF NOT EXISTS tasks_pending_lease ON tasks (lease_until) WHERE state = 'pending'",
      """
      CREATE TABLE IF NOT EXISTS nodes (
        id         TEXT PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL,
        seen_at    TIMESTAMPTZ NOT NULL
      )""",
      """
      CREATE UNLOGGED TABLE IF NOT EXISTS leader (
        name       TEXT PRIMARY KEY,
        node       TEXT NOT NULL,
        elected_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      )""");
}
