package org.vertxasyncio.service.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file, the environment over it, and errors that name the key. */
class ConfigLoaderTest {
  static Vertx vertx;
  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  private ServiceConfig load(JsonObject file, Map<String, String> env) throws Exception {
    Path f = dir.resolve("config.json");
    Files.writeString(f, file.encode());
    return ConfigLoader.load(vertx, f.toString(), env).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private ConfigException failure(JsonObject file, Map<String, String> env) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> load(file, env));
    return assertInstanceOf(ConfigException.class, e.getCause());
  }

  @Test
  void theEnvironmentWinsOverTheFile() throws Exception {
    ServiceConfig c = load(new JsonObject().put("http.port", 9000).put("limits.pending.max", 5).put("loops", "default"),
        Map.of("HTTP_PORT", "9100", "LOOPS", "default, batch ,io", "PATH", "/bin"));
    assertEquals(9100, c.httpPort);
    assertEquals(5, c.maxPendingTasks, "the file's value where the environment says nothing");
    assertEquals(List.of("default", "batch", "io"), c.loops, "lists are comma-separated");
    assertEquals(ServiceConfig.ShutdownTasks.KEEP, c.shutdownTasks, "defaults fill the rest");
    assertEquals(ServiceConfig.StoreType.SQLITE, c.storeType, "the durable store is the default");
  }

  @Test
  void envNamesAreUpperCaseWithUnderscores() {
    assertEquals("HTTP_PORT", ServiceConfig.envName("http.port"));
    assertEquals("WEBHOOK_RETRY_BACKOFF_INITIAL", ServiceConfig.envName("webhook.retry.backoff.initial"));
  }

  @Test
  void invalidValuesNameTheKey() {
    assertTrue(failure(new JsonObject().put("http.port", "eighty"), Map.of()).getMessage().startsWith("http.port "));
    assertTrue(failure(new JsonObject(), Map.of("LIMITS_PENDING_MAX", "0")).getMessage().startsWith("limits.pending.max "));
    assertTrue(failure(new JsonObject().put("shutdown.tasks", "maybe"), Map.of()).getMessage().contains("shutdown.tasks"));
    assertTrue(failure(new JsonObject().put("webhook.retry.jitter", 2), Map.of()).getMessage().contains("webhook.retry.jitter"));
    assertTrue(failure(new JsonObject(), Map.of("STORE_TYPE", "mysql")).getMessage().startsWith("store.type (STORE_TYPE) must be one of 'sqlite', 'postgres', 'memory'"));
    assertTrue(failure(new JsonObject().put("store.sync", "sometimes"), Map.of()).getMessage().contains("store.sync"));
    assertTrue(failure(new JsonObject().put("loops", "a b"), Map.of()).getMessage().contains("loops"));
    assertTrue(failure(new JsonObject().put("http.prot", 1), Map.of()).getMessage().contains("'http.prot'"));
    assertTrue(failure(new JsonObject(), Map.of("NODE_ID", "web 1")).getMessage().startsWith("node.id (NODE_ID) must be 1 to 64 of"));
  }

  @Test
  void theHeartbeatMustBeShorterThanTheLease() throws Exception {
    assertEquals("cluster.heartbeat (CLUSTER_HEARTBEAT) must be less than cluster.lease (CLUSTER_LEASE) (3), got 3",
        failure(new JsonObject().put("cluster.lease", 3), Map.of("CLUSTER_HEARTBEAT", "3")).getMessage());
    ServiceConfig c = load(new JsonObject(), Map.of("CLUSTER_LEASE", "4.5", "CLUSTER_HEARTBEAT", "0.5"));
    assertEquals(4.5, c.get(org.vertxasyncio.service.config.ConfigKeys.CLUSTER_LEASE));
    assertEquals(0.5, c.get(org.vertxasyncio.service.config.ConfigKeys.CLUSTER_HEARTBEAT));
    assertTrue(failure(new JsonObject(), Map.of("CLUSTER_LEASE", "0")).getMessage().startsWith("cluster.lease "));
  }

  @Test
  void aMissingNamedFileIsAnError() throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> ConfigLoader.load(vertx, dir.resolve("nope.json").toString(), Map.of())
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("nope.json"));
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{not json");
    ExecutionException e2 = assertThrows(ExecutionException.class, () -> ConfigLoader.load(vertx, bad.toString(), Map.of())
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertInstanceOf(ConfigException.class, e2.getCause());
  }

  @Test
  void theShippedConfigIsValid() throws Exception {
    ServiceConfig c = ConfigLoader.load(vertx, "conf/config.json", Map.of()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(8080, c.httpPort);
    assertEquals(ServiceConfig.DEFAULTS.keySet(), c.toJson().fieldNames(), "conf/config.json lists every key");
  }
}
