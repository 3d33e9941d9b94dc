package org.vertxasyncio.service.store;

import java.util.List;

/**
 * The PostgreSQL store's schema, as numbered migrations applied in order. The schema's version is the
 * highest row of its {@code schema_migrations} table (0 when it has none). {@link PostgresTaskStore}
 * applies the missing ones at open, all in one transaction that first takes
 * {@code pg_advisory_xact_lock} on the schema's name: nodes that start at once on one schema apply each
 * migration once, one after the other, and a crash leaves the schema at one version or the next.
 *
 * <p>To change the schema, append a migration; never edit one that has shipped.
 */
public final class PostgresMigrations {
  /** Every migration, in order; the last one's number is {@link #CURRENT}. */
  public static final List<Migrations.Migration> ALL = List.of(
      new Migrations.Migration(1, "tasks, loops and meta (the event-id and task-name reservations)", List.of(
          """
          CREATE TABLE tasks (
            id               text PRIMARY KEY,
            loop             text NOT NULL,
            parent           text,
            state            text NOT NULL,
            created_at       bigint NOT NULL,
            done_at          bigint,
            sleep_deadline   bigint,
            timeout_deadline bigint,
            spec             text NOT NULL,
            record           text NOT NULL,
            node             text
          )""",
          """
          CREATE TABLE loops (
            name     text PRIMARY KEY,
            state    text NOT NULL,
            position bigserial NOT NULL
          )""",
          """
          CREATE TABLE meta (
            key   text PRIMARY KEY,
            value bigint NOT NULL
          )""")),
      new Migrations.Migration(2, "cluster: each task's lease (owner, lease_until, lease_token), the nodes, the leader lease",
          List.of(
              "ALTER TABLE tasks ADD COLUMN owner text",
              "ALTER TABLE tasks ADD COLUMN lease_until timestamptz",
              "ALTER TABLE tasks ADD COLUMN lease_token text",
              // the heartbeat's rows and the claim's: pending tasks only, so the indexes stay small
              "CREATE INDEX tasks_pending_owner ON tasks (owner) WHERE state = 'pending'",
              "CREATE INDEX tasks_pending_lease ON tasks (lease_until) WHERE state = 'pending'",
              """
              CREATE TABLE nodes (
                id         text PRIMARY KEY,
                started_at timestamptz NOT NULL,
                seen_at    timestamptz NOT NULL
              )""",
              // UNLOGGED, as River's: a crash of PostgreSQL only means a new election
              """
              CREATE UNLOGGED TABLE leader (
                name       text PRIMARY KEY,
                node       text NOT NULL,
                elected_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL
              )""")),
      new Migrations.Migration(3, "tasks: a cancel asked for on any node, for the node that runs the task (or claims it)",
          List.of("ALTER TABLE tasks ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false")),
      new Migrations.Migration(4, "the cluster's event log: events, numbered in commit order by the event_ids row", List.of(
          """
          CREATE TABLE events (
            id      bigint PRIMARY KEY,
            key     text NOT NULL UNIQUE,
            type    text NOT NULL,
            task_id text,
            data    text NOT NULL,
            at      timestamptz NOT NULL DEFAULT now()
          )""",
          // one row: the last id handed out, the last id retention removed, and the log's identity (named in each
          // stream's first comment); ids go on from those the nodes reserved before the log existed, so no older
          // Last-Event-ID is taken for a newer event
          """
          CREATE TABLE event_ids (
            one    boolean PRIMARY KEY DEFAULT true CHECK (one),
            last   bigint NOT NULL,
            pruned bigint NOT NULL,
            stream text NOT NULL
          )""",
          "INSERT INTO event_ids(last, pruned, stream) SELECT r.v, r.v, substr(md5(random()::text || clock_timestamp()::text), "
              + "1, 16) FROM (SELECT COALESCE((SELECT value FROM meta WHERE key = 'events.reserved'), 0) AS v) r",
          "CREATE INDEX events_at ON events (at)")),
      new Migrations.Migration(5, "webhook_outbox: one row per webhook delivery, committed with its task's finish, leased "
          + "to the node delivering it", List.of(
              """
              CREATE TABLE webhook_outbox (
                id            text PRIMARY KEY,
                task_id       text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
                entry         integer NOT NULL,
                url           text NOT NULL,
                signing_key   text,
                body          text NOT NULL,
                attempts      integer NOT NULL,
                first_attempt integer NOT NULL,
                next_at       bigint NOT NULL,
                state         text NOT NULL,
                owner         text,
                lease_token   text,
                lease_until   timestamptz
              )""",
              "CREATE INDEX webhook_outbox_task ON webhook_outbox (task_id)",
              // the claim's rows: pending deliveries only, so the index stays small
              "CREATE INDEX webhook_outbox_pending ON webhook_outbox (next_at) WHERE state = 'pending'")),
      new Migrations.Migration(6, "cluster: what each node publishes on its heartbeat (its free room for tasks, its loops' counts)",
          List.of(
              "ALTER TABLE nodes ADD COLUMN free integer NOT NULL DEFAULT 0",
              "ALTER TABLE nodes ADD COLUMN loops text NOT NULL DEFAULT '{}'")),
      new Migrations.Migration(7, "tasks: parked_until, the deadline of a task kept as its row only until it is due (null: "
          + "not parked), and the count of parked rows in meta", List.of(
              "ALTER TABLE tasks ADD COLUMN parked_until bigint",
              // the claim's parked rows, by deadline: only those due soon are read
              "CREATE INDEX tasks_parked ON tasks (parked_until) WHERE parked_until IS NOT NULL",
              // the claim's and the room count's unparked rows: parked ones (no owner, no lease) are left out
              "DROP INDEX tasks_pending_lease",
              "CREATE INDEX tasks_pending_lease ON tasks (lease_until) WHERE state = 'pending' AND parked_until IS NULL",
              // kept by the statements that park and claim rows, so nobody counts the parked rows themselves
              "INSERT INTO meta(key, value) VALUES ('tasks.parked', 0) ON CONFLICT (key) DO NOTHING")),
      new Migrations.Migration(8, "the keys compared on every write in byte order (COLLATE \"C\"), and no index on events.at "
          + "(retention finds its cut through the primary key)", List.of(
              // the same order as the database's C.UTF-8 (code points), without a locale's comparison on each index step
              "ALTER TABLE tasks ALTER COLUMN id TYPE text COLLATE \"C\", ALTER COLUMN owner TYPE text COLLATE \"C\"",
              "ALTER TABLE webhook_outbox ALTER COLUMN task_id TYPE text COLLATE \"C\"",
              "ALTER TABLE events ALTER COLUMN key TYPE text COLLATE \"C\"",
              // four entries per task written for one read by the leader every round
              "DROP INDEX events_at")),
      new Migrations.Migration(9, "idempotency_keys: the Idempotency-Key of each POST /tasks that had one, the fingerprint "
          + "of its request and the task it made; the key is the primary key, so two nodes claim it once", List.of(
              """
              CREATE TABLE idempotency_keys (
                key         text COLLATE "C" PRIMARY KEY,
                fingerprint text NOT NULL,
                task_id     text COLLATE "C" NOT NULL,
                node        text NOT NULL,
                claimed_at  bigint NOT NULL
              )""")),
      new Migrations.Migration(10, "the event log as one row per batch (event_batches: the ids first..id, the events' "
          + "types, tasks and data as arrays, what the writing store had sent by then), and events, a view of one row per "
          + "event: some 4 rows and 8 index entries per task became one row and 2 index entries per batch", List.of(
              """
              CREATE TABLE event_batches (
                id       bigint PRIMARY KEY,
                first    bigint NOT NULL,
                writer   text COLLATE "C",
                upto     bigint,
                types    text[] NOT NULL,
                task_ids text[] NOT NULL,
                data     text[] NOT NULL,
                at       timestamptz NOT NULL DEFAULT now()
              )""",
              // a batch is tens of KB of JSON, compressed in its TOAST chunks: by LZ4 where the server has it (cheaper
              // than pglz)
              "DO $$ BEGIN EXECUTE 'ALTER TABLE event_batches ALTER COLUMN data SET COMPRESSION lz4'; "
                  + "EXCEPTION WHEN OTHERS THEN NULL; END $$",
              // a store's batch sent again (its commit unknown) adds only the events after the last it committed
              "CREATE INDEX event_batches_writer ON event_batches (writer, upto) WHERE writer IS NOT NULL",
              "INSERT INTO event_batches(id, first, types, task_ids, data, at) SELECT id, id, ARRAY[type], ARRAY[task_id], "
                  + "ARRAY[data], at FROM events",
              "DROP TABLE events",
              """
              CREATE VIEW events AS
                SELECT b.first + o.i - 1 AS id, o.type, o.task_id, o.data, b.at
                FROM event_batches b CROSS JOIN LATERAL unnest(b.types, b.task_ids, b.data) WITH ORDINALITY AS o(type, task_id, data, i)""")),
      new Migrations.Migration(11, "webhook_outbox: no foreign key to tasks; the statements that remove tasks remove their "
          + "deliveries in the same statement or transaction, instead of a cascade's trigger per removed row", List.of(
              // the constraint's name as PostgreSQL gave it: found, not assumed
              """
              DO $$ DECLARE c record; BEGIN
                FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'webhook_outbox'::regclass AND contype = 'f' LOOP
                  EXECUTE format('ALTER TABLE webhook_outbox DROP CONSTRAINT %I', c.conname);
                END LOOP;
              END $$""")),
      new Migrations.Migration(12, "tasks_done: the done tasks by (done_at, id), the order the leader's retention removes them in",
          List.of(
              // the retention's cut (the oldest beyond retention.tasks.max) and the rows before it, read through this
              // index instead of the whole table, pending tasks and records included, twice a round
              "CREATE INDEX tasks_done ON tasks (done_at, id) WHERE state <> 'pending'")));

  /** The schema version this build writes. */
  public static final int CURRENT = ALL.get(ALL.size() - 1).version();

  private PostgresMigrations() {
  }
}
