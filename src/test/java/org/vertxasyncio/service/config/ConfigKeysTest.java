package org.vertxasyncio.service.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The declarations of the keys, and what follows from them: the defaults, the README's table. */
class ConfigKeysTest {
  private static final String TABLE_START = "<!-- config-table: generated from ConfigKeys; ConfigKeysTest checks it -->";
  private static final String TABLE_END = "<!-- /config-table -->";

  @Test
  void theReadmeTableIsTheOneTheDeclarationsMake() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf(TABLE_START);
    int end = readme.indexOf(TABLE_END);
    assertTrue(start >= 0 && end > start, "README.md marks its configuration table with " + TABLE_START + " ... " + TABLE_END);
    String table = readme.substring(start + TABLE_START.length(), end).strip() + "\n";
    assertEquals(ConfigKeys.markdownTable(), table, "README.md's configuration table differs from the declarations in "
        + "ConfigKeys; put this between its markers:\n" + ConfigKeys.markdownTable());
  }

  @Test
  void everyDefaultIsValidAndEveryKeyHasItsOwnNameAndVariable() {
    ServiceConfig c = ServiceConfig.defaults();
    Set<String> names = new HashSet<>();
    Set<String> vars = new HashSet<>();
    for (ConfigKey<?> k : ConfigKeys.all()) {
      assertNotNull(c.get(k), k.name());
      assertTrue(names.add(k.name()), "declared twice: " + k.name());
      assertTrue(vars.add(k.envName()), "two keys share " + k.envName());
      assertEquals(k, ConfigKeys.named(k.name()));
      assertEquals(k.defaultValue(), c.toJson().getValue(k.name()), "toJson shows the default of " + k.name());
      assertTrue(!k.description().isBlank() && !k.values().isBlank(), k.name());
    }
    assertEquals(ServiceConfig.DEFAULTS.keySet(), names);
  }

  @Test
  void aKeyReadsItsTypeFromTheFileOrFromTheEnvironmentsStrings() {
    assertEquals(9000, ConfigKeys.HTTP_PORT.read("9000"));
    assertEquals(9000, ConfigKeys.HTTP_PORT.read(9000));
    assertEquals(0.25, ConfigKeys.SHUTDOWN_TIMEOUT.read("0.25"));
    assertEquals(false, ConfigKeys.AUTH_METRICS.read(" FALSE "));
    assertEquals(ServiceConfig.StoreSync.NORMAL, ConfigKeys.STORE_SYNC.read("normal"));
    assertEquals(java.util.List.of("default", "a", "b"), ConfigKeys.LOOPS.read("a, b,,a"));
    assertEquals(Long.MAX_VALUE, ConfigKeys.LIMITS_WORK_ITERATIONS_MAX.read(Long.MAX_VALUE));
  }

  @Test
  void aBadValueNamesTheKeyItsVariableAndWhatWasExpected() {
    assertEquals("http.port (HTTP_PORT) must be an integer between 0 and 65535, got 'eighty'",
        assertThrows(ConfigException.class, () -> ConfigKeys.HTTP_PORT.read("eighty")).getMessage());
    assertEquals("http.port (HTTP_PORT) must be an integer between 0 and 65535, got 70000",
        assertThrows(ConfigException.class, () -> ConfigKeys.HTTP_PORT.read(70000)).getMessage());
    assertEquals("shutdown.timeout (SHUTDOWN_TIMEOUT) must be a number >= 0 and <= 3600 (seconds where it is a duration), got -1",
        assertThrows(ConfigException.class, () -> ConfigKeys.SHUTDOWN_TIMEOUT.read(-1)).getMessage());
    assertEquals("store.type (STORE_TYPE) must be one of 'sqlite', 'postgres', 'memory', got 'mysql'",
        assertThrows(ConfigException.class, () -> ConfigKeys.STORE_TYPE.read("mysql")).getMessage());
    assertEquals("store.postgres.schema (STORE_POSTGRES_SCHEMA) must be empty or 1 to 63 of a-z 0-9 _ (not starting with a "
        + "digit), got 'Tasks; DROP'", assertThrows(ConfigException.class, () -> ConfigKeys.STORE_POSTGRES_SCHEMA.read("Tasks; DROP"))
        .getMessage());
    assertEquals("auth.metrics (AUTH_METRICS) must be true or false, got 'yes'",
        assertThrows(ConfigException.class, () -> ConfigKeys.AUTH_METRICS.read("yes")).getMessage());
    assertEquals("webhooks.allow (WEBHOOKS_ALLOW): 'a b' is not a host name, an IP address or a CIDR range",
        assertThrows(ConfigException.class, () -> ConfigKeys.WEBHOOKS_ALLOW.read("a b")).getMessage());
    assertEquals("limits.loops.max (LIMITS_LOOPS_MAX) must be at least the number of loops configured in loops (LOOPS) (3), got 2",
        assertThrows(ConfigException.class, () -> ServiceConfig.from(new JsonObject().put("loops", "a,b")
            .put("limits.loops.max", 2))).getMessage());
  }

  @Test
  void aPostgresPasswordIsNeverShown() {
    String m = assertThrows(ConfigException.class, () -> ConfigKeys.STORE_POSTGRES_URL.read("mysql://app:s3cret@db/tasks"))
        .getMessage();
    assertTrue(m.startsWith("store.postgres.url (STORE_POSTGRES_URL) must be a postgresql://"), m);
    assertTrue(m.contains("mysql://app:***@db/tasks") && !m.contains("s3cret"), m);
    ServiceConfig c = ServiceConfig.defaults().with("store.postgres.url", "postgresql://app:s3cret@db:5432/tasks")
        .with("store.postgres.password", "other-s3cret");
    assertEquals("postgresql://app:s3cret@db:5432/tasks", c.get(ConfigKeys.STORE_POSTGRES_URL), "read as given");
    String shown = c.toJson().encode();
    assertFalse(shown.contains("s3cret"), shown);
    assertTrue(shown.contains("postgresql://app:***@db:5432/tasks"), shown);
  }

  @Test
  void aTokenIsNeverShown() {
    String token = "short token here";
    String m = assertThrows(ConfigException.class, () -> ConfigKeys.AUTH_TOKENS.read("good-token-0123456789," + token)).getMessage();
    assertEquals("auth.tokens (AUTH_TOKENS): token 2 of 2 must be 16 to 4096 printable ASCII characters without spaces "
        + "(its value is not shown)", m);
    String m2 = assertThrows(ConfigException.class, () -> ConfigKeys.AUTH_TOKENS.read(12345)).getMessage();
    assertTrue(m2.endsWith("got a value that is not a string (not shown)") && !m2.contains("12345"), m2);
    ServiceConfig c = ServiceConfig.defaults().with("auth.tokens", "good-token-0123456789");
    assertEquals("1 token(s), not shown", c.toJson().getString("auth.tokens"));
  }
}
