package org.vertxasyncio.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.config.ConfigKey;
import org.vertxasyncio.service.config.ConfigKeys;
import org.vertxasyncio.service.config.NodeId;
import org.vertxasyncio.service.config.ServiceConfig;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code compose.yaml} (no Docker engine runs it here): three nodes on one PostgreSQL whose environments are
 * configurations the service accepts, pointing at the compose file's own database, and a load balancer
 * that checks each node's {@code /ready}.
 */
class ComposeFileTest {
  static final List<String> NODES = List.of("node1", "node2", "node3");

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  static Map<String, Object> compose() throws Exception {
    return new Yaml().load(Files.readString(Path.of("compose.yaml")));
  }

  static Map<String, Object> service(String name) throws Exception {
    Map<String, Object> s = map(map(compose().get("services")).get(name));
    assertNotNull(s, "compose.yaml has a service " + name);
    return s;
  }

  /** A node's environment as the service reads it: each variable must be a configuration key's. */
  static ServiceConfig configOf(Map<String, Object> env) {
    Map<String, ConfigKey<?>> byEnv = new LinkedHashMap<>();
    ConfigKeys.all().forEach(k -> byEnv.put(k.envName(), k));
    JsonObject c = new JsonObject();
    env.forEach((name, value) -> {
      ConfigKey<?> k = byEnv.get(name);
      assertNotNull(k, name + " is the variable of a configuration key");
      c.put(k.name(), String.valueOf(value));
    });
    return ServiceConfig.from(c);
  }

  @Test
  void threeNodesOnThePostgresOfTheComposeFileEachWithItsOwnNodeId() throws Exception {
    Map<String, Object> pgEnv = map(service("postgres").get("environment"));
    Set<String> ids = new HashSet<>();
    for (String node : NODES) {
      Map<String, Object> s = service(node);
      assertEquals(".", s.get("build"), node + " runs the image the Dockerfile builds");
      assertEquals("service_healthy", map(map(s.get("depends_on")).get("postgres")).get("condition"),
          node + " starts once PostgreSQL answers");
      Map<String, Object> env = map(s.get("environment"));
      ServiceConfig c = configOf(env);
      assertEquals("POSTGRES", c.storeType.name(), node);
      String id = NodeId.of(c);
      assertEquals(node, id, "NODE_ID names the node");
      assertTrue(ids.add(id), "node ids differ: " + id);
      URI url = URI.create((String) env.get("STORE_POSTGRES_URL"));
      assertEquals("postgresql", url.getScheme());
      assertNotNull(map(compose().get("services")).get(url.getHost()), "the database is the compose file's: " + url);
      assertEquals(pgEnv.get("POSTGRES_USER"), url.getUserInfo());
      assertEquals("/" + pgEnv.get("POSTGRES_DB"), url.getPath());
      assertEquals(pgEnv.get("POSTGRES_PASSWORD"), env.get("STORE_POSTGRES_PASSWORD"));
    }
  }

  @Test
  void theLoadBalancerSendsRequestsOnlyToReadyNodes() throws Exception {
    Map<String, Object> lb = service("lb");
    assertEquals(List.of("8080:8080"), lb.get("ports"));
    Map<String, Object> config = map(map(lb.get("configs") instanceof List<?> l ? l.get(0) : null));
    assertEquals("/usr/local/etc/haproxy/haproxy.cfg", config.get("target"));
    String cfg = (String) map(map(compose().get("configs")).get(config.get("source"))).get("content");
    assertTrue(cfg.contains("option httpchk GET /ready") && cfg.contains("http-check expect status 200"), cfg);
    assertTrue(cfg.contains("default-server check "), "every server is checked: " + cfg);
    int port = ServiceConfig.from(new JsonObject(Files.readString(Path.of("conf/config.json")))).httpPort;
    for (String node : NODES) {
      assertTrue(cfg.contains("server " + node + " " + node + ":" + port + "\n"), node + " on conf/config.json's port: " + cfg);
      assertTrue(!map(service(node).get("environment")).containsKey("HTTP_PORT"), "the nodes listen on conf/config.json's port");
    }
  }

  @Test
  void nodesHaveTimeToShutDownGracefully() throws Exception {
    double shutdown = ServiceConfig.from(new JsonObject(Files.readString(Path.of("conf/config.json")))).shutdownTimeout;
    for (String node : NODES) {
      String grace = (String) service(node).get("stop_grace_period");
      assertTrue(grace.matches("\\d+s") && Double.parseDouble(grace.replace("s", "")) > shutdown,
          node + ": stop_grace_period " + grace + " is longer than shutdown.timeout " + shutdown);
    }
  }
}
