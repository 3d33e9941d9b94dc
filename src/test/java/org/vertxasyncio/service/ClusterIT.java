package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's fault test: three packaged services as separate processes on one PostgreSQL schema
 * ({@code store.type} {@code postgres}) get a few hundred mixed tasks round-robin (sleeps, work, gathers,
 * timeouts, raises); then the node holding the most leases is killed with SIGKILL and another is stopped
 * with SIGSTOP past its lease, then continued. Every task that got a {@code 201} finishes exactly once (one
 * finish in all the nodes' logs, one record callback in its log, its outcome as its spec says), no sleep ends
 * before its deadline, only the two nodes' tasks run again, and the killed node's tasks are taken over
 * within lease + heartbeat + a second (with a generous margin for a loaded machine; the figure is printed).
 */
class ClusterIT {
  static final int TASKS = 300;
  /** Short, so that the test is quick; {@code -Dcluster.it.lease=10 -Dcluster.it.heartbeat=2} measures the defaults. */
  static final double LEASE = Double.parseDouble(System.getProperty("cluster.it.lease", "3"));
  static final double HEARTBEAT = Double.parseDouble(System.getProperty("cluster.it.heartbeat", "0.5"));

  @TempDir
  Path dir;

  final String schema = "cluster_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  Vertx vertx;
  Pool db;

  /** One planned task: its spec and what it must end with. */
  record Planned(JsonObject spec, JsonObject expect) {
  }

  @BeforeEach
  void connect() {
    vertx = Vertx.vertx();
    db = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(new PgConnectOptions().setHost("127.0.0.1")
        .setPort(5432).setUser("postgres").setDatabase("test").addProperty("search_path", schema)).using(vertx).build();
  }

  @AfterEach
  void dropSchema() throws Exception {
    try {
      await(db.query("DROP SCHEMA IF EXISTS " + schema + " CASCADE").execute());
    } finally {
      await(db.close());
      await(vertx.close());
    }
  }

  @Test
  void everyAcceptedTaskFinishesExactlyOnceWhenOneNodeIsKilledAndAnotherStalls() throws Exception {
    List<ServiceProcess> nodes = new ArrayList<>();
    List<String> names = List.of("node-a", "node-b", "node-c");
    try {
      Path config = dir.resolve("config.json");
      // the nodes' logs stay after the test, to read when it fails
      Path logs = Files.createDirectories(Path.of("target", "cluster-it", schema));
      Files.writeString(config, new JsonObject().put("http.host", "127.0.0.1").put("http.port", 0).put("loops", "default,batch")
          .put("limits.pending.max", 5000).put("worker.pool.size", 2).put("store.type", "postgres")
          .put("store.postgres.url", "postgresql://postgres@127.0.0.1:5432/test").put("store.postgres.schema", schema)
          .put("store.postgres.timeout", 30)
          .put("cluster.lease", LEASE).put("cluster.heartbeat", HEARTBEAT).encodePrettily());
      List<String> bases = new ArrayList<>();
      for (String n : names) {
        ServiceProcess p = ServiceProcess.start(config, Map.of("NODE_ID", n), logs.resolve(n + ".log"));
        nodes.add(p);
        bases.add(p.awaitReady(http));
      }

      // ---- submit round-robin; every 201 is a task that must finish exactly once
      List<Planned> plan = plan();
      Map<String, Planned> accepted = new ConcurrentHashMap<>();
      ExecutorService clients = Executors.newFixedThreadPool(6);
      AtomicInteger next = new AtomicInteger();
      for (int w = 0; w < 6; w++) {
        clients.execute(() -> {
          int i;
          while ((i = next.getAndIncrement()) < TASKS) {
            String id = submit(bases.get(i % bases.size()), plan.get(i).spec());
            if (id != null) {
              accepted.put(id, plan.get(i));
            }
          }
        });
      }
      clients.shutdown();
      assertTrue(clients.awaitTermination(120, TimeUnit.SECONDS));
      assertEquals(TASKS, accepted.size(), "every node accepts tasks");

      // ---- kill -9 the node holding the most leases, stop another past its lease
      Map<String, Long> owners = new HashMap<>();
      for (Row r : await(db.query("SELECT owner, count(*) FROM tasks WHERE state = 'pending' GROUP BY owner").execute())) {
        owners.put(r.getString(0), r.getLong(1));
      }
      String victim = names.stream().max((x, y) -> Long.compare(owners.getOrDefault(x, 0L), owners.getOrDefault(y, 0L))).get();
      String stalled = names.stream().filter(n -> !n.equals(victim)).findFirst().get();
      String survivor = names.stream().filter(n -> !n.equals(victim) && !n.equals(stalled)).findFirst().get();
      long victimHeld = owners.getOrDefault(victim, 0L);
      long stalledHeld = owners.getOrDefault(stalled, 0L);
      assertTrue(victimHeld > 0 && stalledHeld > 0, "both faulty nodes run tasks: " + owners);
      Map<String, String> ownerAtFault = new HashMap<>();
      for (Row r : await(db.query("SELECT id, owner FROM tasks WHERE state = 'pending'").execute())) {
        ownerAtFault.put(r.getString(0), r.getString(1));
      }

      long killedAt = System.nanoTime();
      nodes.get(names.indexOf(victim)).kill();
      signal(nodes.get(names.indexOf(stalled)), "STOP");
      // the victim's tasks are taken over by the peers once its lease expires
      double rescueSeconds = eventually("the killed node's tasks are claimed by its peers", Duration.ofSeconds(60), () -> {
        long left = ((Number) value("SELECT count(*) FROM tasks WHERE state = 'pending' AND owner = $1", victim)).longValue();
        return left == 0 ? (System.nanoTime() - killedAt) / 1e9 : null;
      }, s -> s != null);
      // stalled for two leases in all: its tasks are taken over too
      sleepUntil(killedAt + (long) (2 * LEASE * 1e9));
      signal(nodes.get(names.indexOf(stalled)), "CONT");

      // ---- everything finishes
      eventually("every accepted task is done in the store", Duration.ofSeconds(120),
          () -> ((Number) value("SELECT count(*) FROM tasks WHERE state = 'pending'")).longValue() == 0);

      Map<String, JsonObject> records = new HashMap<>();
      for (Row r : await(db.query("SELECT id, record FROM tasks").execute())) {
        records.put(r.getString(0), new JsonObject(r.getString(1)));
      }
      // every finish, in every node's log: the line each node writes once it told the world of a finish
      Map<String, Integer> finishes = new HashMap<>();
      Pattern finish = Pattern.compile("task (\\S+) (finished with a result|finished: |cancelled: )");
      for (ServiceProcess p : nodes) {
        Matcher m = finish.matcher(p.output());
        while (m.find()) {
          finishes.merge(m.group(1), 1, Integer::sum);
        }
      }
      int rescued = 0;
      for (Map.Entry<String, Planned> e : accepted.entrySet()) {
        String id = e.getKey();
        JsonObject rec = records.get(id);
        assertTrue(rec != null, "task " + id + " is in the store");
        JsonObject expect = e.getValue().expect();
        assertEquals(expect.getString("state"), rec.getString("state"), id + ": " + rec.encode());
        if (expect.containsKey("result")) {
          assertEquals(expect.getValue("result"), rec.getValue("result"), id + ": " + rec.encode());
        } else {
          assertEquals(expect.getString("exceptionType"), rec.getJsonObject("exception").getString("type"), id + ": " + rec.encode());
        }
        // the killed node may have committed a finish and died before its log line: at most once there
        int told = finishes.getOrDefault(id, 0);
        assertTrue(told == 1 || told == 0 && victim.equals(rec.getString("node")),
            "task " + id + " finished " + told + " time(s) in all the logs: " + rec.encode());
        long recordCallbacks = rec.getJsonArray("callbacks").stream().filter(c -> "record".equals(((JsonObject) c).getString("callback"))).count();
        assertEquals(1, recordCallbacks, id + ": one record callback: " + rec.encode());
        JsonObject spec = e.getValue().spec();
        if ("sleep".equals(spec.getString("kind")) && !spec.containsKey("timeout") && rec.getString("startedAt") != null) {
          double took = Duration.between(java.time.Instant.parse(rec.getString("startedAt")),
              java.time.Instant.parse(rec.getString("doneAt"))).toNanos() / 1e9;
          assertTrue(took >= spec.getDouble("seconds") - 0.002, id + " slept " + took + " s of " + spec.getDouble("seconds"));
        }
        if (rec.getInteger("recoveries", 0) > 0) {
          rescued++;
          String was = ownerAtFault.get(id);
          assertTrue(victim.equals(was) || stalled.equals(was), id + " ran again, yet it was " + was + "'s: " + rec.encode());
        }
      }
      assertTrue(rescued > 0, "some tasks were taken over");
      String stalledLog = nodes.get(names.indexOf(stalled)).output();
      assertTrue(stalledLog.contains("dropping it here") || stalledLog.contains("dropping the"),
          "the stalled node noticed it lost its leases:\n" + tail(stalledLog));
      double bound = LEASE + HEARTBEAT + 1;
      System.out.printf("ClusterIT: %d tasks; %s killed holding %d, %s stopped holding %d; %d taken over; the killed "
          + "node's tasks claimed %.2f s after SIGKILL (lease %.1f s + heartbeat %.1f s + 1 s = %.1f s)%n", accepted.size(),
          victim, victimHeld, stalled, stalledHeld, rescued, rescueSeconds, LEASE, HEARTBEAT, bound);
      // generous: the machine may be loaded; the figure printed above is the measurement
      assertTrue(rescueSeconds <= bound + 4, "claimed " + rescueSeconds + " s after the kill");
      assertTrue(nodes.get(names.indexOf(survivor)).process.isAlive(), "the survivor runs");
      // the leader (one of the living) removes the dead node's row once it was silent for three leases
      eventually("the killed node's row is removed by the leader", Duration.ofSeconds(60),
          () -> ((Number) value("SELECT count(*) FROM nodes WHERE id = $1", victim)).longValue() == 0);
      Object leader = value("SELECT coalesce(max(node), '') FROM leader");
      assertTrue(leader.equals(stalled) || leader.equals(survivor), "a living node leads: '" + leader + "'");
      assertEquals(2L, ((Number) value("SELECT count(*) FROM nodes")).longValue(), "the living nodes' rows");
    } finally {
      for (ServiceProcess p : nodes) {
        if (p.process.isAlive()) {
          signal(p, "CONT");
        }
        p.close();
      }
    }
  }

  @Test
  void aNodeStoppedWithSigtermGivesItsTasksToAPeerAtOnce() throws Exception {
    // a lease far longer than the test: a take-over can only come from the tasks being given back
    Path config = dir.resolve("drain.json");
    Files.writeString(config, new JsonObject().put("http.host", "127.0.0.1").put("http.port", 0).put("store.type", "postgres")
        .put("store.postgres.url", "postgresql://postgres@127.0.0.1:5432/test").put("store.postgres.schema", schema)
        .put("store.postgres.timeout", 30).put("shutdown.tasks", "keep").put("cluster.lease", 600).put("cluster.heartbeat", 1)
        .encodePrettily());
    Path logs = Files.createDirectories(Path.of("target", "cluster-it", schema));
    try (ServiceProcess leaving = ServiceProcess.start(config, Map.of("NODE_ID", "leaving"), logs.resolve("leaving.log"))) {
      String base = leaving.awaitReady(http);
      try (ServiceProcess staying = ServiceProcess.start(config, Map.of("NODE_ID", "staying"), logs.resolve("staying.log"))) {
        staying.awaitReady(http);
        Map<String, Double> sleeps = new HashMap<>();
        for (int i = 0; i < 20; i++) {
          double s = 3 + i % 4;
          String id = submit(base, sleep(s).put("result", i));
          assertTrue(id != null, "accepted");
          sleeps.put(id, s);
        }
        assertEquals(20L, ((Number) value("SELECT count(*) FROM tasks WHERE owner = 'leaving' AND state = 'pending'")).longValue(),
            "the accepting node holds its tasks");
        assertEquals(0, leaving.stop(), "SIGTERM: a clean exit");
        eventually("the peer finishes every task", Duration.ofSeconds(60),
            () -> ((Number) value("SELECT count(*) FROM tasks WHERE state = 'finished' AND owner = 'staying'")).longValue() == 20);
        for (Row r : await(db.query("SELECT id, record FROM tasks").execute())) {
          JsonObject rec = new JsonObject(r.getString(1));
          double took = Duration.between(java.time.Instant.parse(rec.getString("startedAt")),
              java.time.Instant.parse(rec.getString("doneAt"))).toNanos() / 1e9;
          assertTrue(took >= sleeps.get(r.getString(0)) - 0.002, "slept its whole time: " + rec.encode());
          assertEquals(1, rec.getInteger("recoveries"), "resumed once, by the peer: " + rec.encode());
        }
        assertTrue(leaving.output().contains("gave back 20 pending task(s)"), leaving.output());
      }
    }
  }

  static List<Planned> plan() {
    Random rnd = new Random(10);
    List<Planned> out = new ArrayList<>();
    for (int i = 0; i < TASKS; i++) {
      JsonObject spec;
      JsonObject expect;
      switch (i % 6) {
        case 0, 1 -> {
          spec = sleep(new double[] {0.5, 3, 5, 7}[rnd.nextInt(4)]).put("result", "r-" + i);
          expect = new JsonObject().put("state", "finished").put("result", "r-" + i);
        }
        case 2 -> {
          spec = sleep(new double[] {2, 6}[rnd.nextInt(2)]).put("raise", "boom-" + i).put("loop", "batch");
          expect = new JsonObject().put("state", "finished").put("exceptionType", "RaisedError");
        }
        case 3 -> {
          spec = new JsonObject().put("kind", "work").put("iterations", 20000).put("input", "in-" + i);
          expect = new JsonObject().put("state", "finished").put("result", sha("in-" + i, 20000));
        }
        case 4 -> {
          spec = new JsonObject().put("kind", "gather").put("tasks", new JsonArray()
              .add(sleep(new double[] {1, 4, 6}[rnd.nextInt(3)]).put("result", 1))
              .add(sleep(new double[] {0.2, 5}[rnd.nextInt(2)]).put("result", 2)));
          expect = new JsonObject().put("state", "finished").put("result", new JsonArray().add(1).add(2));
        }
        default -> {
          spec = sleep(30).put("timeout", new double[] {4, 6}[rnd.nextInt(2)]);
          expect = new JsonObject().put("state", "finished").put("exceptionType", "TimeoutError");
        }
      }
      out.add(new Planned(spec, expect));
    }
    return out;
  }

  static JsonObject sleep(double s) {
    return new JsonObject().put("kind", "sleep").put("seconds", s);
  }

  static String sha(String input, int rounds) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      byte[] d = input.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      for (int i = 0; i < rounds; i++) {
        d = md.digest(d);
      }
      return java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  String submit(String base, JsonObject spec) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/tasks")).timeout(Duration.ofSeconds(20))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(spec.encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 201 ? new JsonObject(r.body()).getString("id") : null;
    } catch (Exception e) {
      return null;
    }
  }

  static void signal(ServiceProcess p, String sig) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.process.pid())).inheritIO().start();
    assertEquals(0, k.waitFor(), "kill -" + sig);
  }

  /** Real time is the point here: a node stays stopped past its lease. */
  static void sleepUntil(long nanoTime) throws InterruptedException {
    long ms = (nanoTime - System.nanoTime()) / 1_000_000;
    if (ms > 0) {
      Thread.sleep(ms);
    }
  }

  Object value(String sql, Object... args) throws Exception {
    RowSet<Row> rs = await(args.length == 0 ? db.query(sql).execute() : db.preparedQuery(sql).execute(Tuple.from(List.of(args))));
    return rs.iterator().next().getValue(0);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static String tail(String s) {
    return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
  }
}
