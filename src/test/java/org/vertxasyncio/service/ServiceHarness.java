package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.vertxasyncio.service.config.ServiceConfig;

/**
 * The real service on a random port, on its own Vert.x with Prometheus metrics (as {@link Main} runs
 * it), driven by the JDK's HTTP client. Its task store is the default (SQLite) in a fresh temporary data
 * directory, removed on {@link #close()}, unless the overrides name a {@code store.path} (then it is the
 * caller's, and kept) or another {@code store.type}: no two tests share a database.
 *
 * <p>With {@code -Dtest.store=postgres} (the build's {@code postgres-store} run of the service suites), a
 * harness whose overrides name no {@code store.type} uses the {@code postgres} store instead, in a schema
 * of the test database that stands for its data directory: a restart on the same {@code store.path} finds
 * the same schema, a fresh directory gets a fresh one (dropped on {@link #close()}).
 */
public final class ServiceHarness implements AutoCloseable {
  public final Main.Running running;
  public final int port;
  /**
   * HTTP/1.1: the JDK client's default (an h2c upgrade on every new connection) hangs about one request in
   * thirty against Vert.x 5.0.7, past its own timeout (curl's h2c upgrade never does).
   */
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  /** The temporary data directory this harness made, or null. */
  private final Path tempDir;

  /** The PostgreSQL schema this harness made for its temporary data directory, or null. */
  private final String tempSchema;

  private ServiceHarness(Main.Running running, Path tempDir, String tempSchema) {
    this.running = running;
    this.port = running.service().port();
    this.tempDir = tempDir;
    this.tempSchema = tempSchema;
  }

  /** Starts the service with the defaults, port 0, a fresh data directory, and {@code overrides} (flat keys). */
  public static ServiceHarness start(Map<String, Object> overrides) throws Exception {
    return start(overrides, null);
  }

  /**
   * Starts the service as {@link #start(Map)} does, with the task store {@code store} makes from the
   * configuration (null: the one {@code store.type} names).
   */
  public static ServiceHarness start(Map<String, Object> overrides,
      java.util.function.Function<ServiceConfig, org.vertxasyncio.service.store.TaskStore> store) throws Exception {
    ServiceConfig c = ServiceConfig.defaults().with("http.port", 0).with("http.host", "127.0.0.1");
    Path temp = null;
    if (!overrides.containsKey("store.path")) {
      temp = Files.createTempDirectory("vertx-asyncio-store-");
      c = c.with("store.path", temp.toString());
    }
    String schema = null;
    if (org.vertxasyncio.testing.Postgres.SERVICE_STORE && !overrides.containsKey("store.type")) {
      String path = temp != null ? temp.toString() : String.valueOf(overrides.get("store.path"));
      schema = org.vertxasyncio.testing.Postgres.schemaFor(path);
      c = c.with("store.type", "postgres").with("store.postgres.url", org.vertxasyncio.testing.Postgres.URL)
          .with("store.postgres.schema", schema);
    }
    for (Map.Entry<String, Object> e : overrides.entrySet()) {
      c = c.with(e.getKey(), e.getValue());
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Main.newVertx(registry);
    try {
      ServiceVerticle verticle = store == null ? new ServiceVerticle(c, registry, java.time.Clock.systemUTC())
          : new ServiceVerticle(c, registry, java.time.Clock.systemUTC(), store.apply(c));
      Main.Running r = Main.start(vertx, c, registry, verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new ServiceHarness(r, temp, temp != null ? schema : null);
    } catch (Exception e) {
      vertx.close();
      deleteTree(temp);
      if (temp != null && schema != null) {
        org.vertxasyncio.testing.Postgres.drop(schema);
      }
      throw e;
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** A response: status, headers, body text. */
  public record Resp(int status, java.net.http.HttpHeaders headers, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    /** Asserts the status, showing the body when it is not. */
    public Resp expect(int expected) {
      assertEquals(expected, status, () -> "status of a response with body " + body);
      return this;
    }

    /** Asserts an error response: status, JSON error code, and (if given) the field. */
    public JsonObject expectError(int expected, String code, String field) {
      expect(expected);
      assertTrue(header("Content-Type").startsWith("application/json"), "errors are JSON");
      JsonObject e = json().getJsonObject("error");
      assertEquals(code, e.getString("code"), body);
      if (field != null) {
        assertEquals(field, e.getString("field"), body);
      }
      assertTrue(!body.contains("\tat ") && !body.contains("Exception:"), "no stack trace in " + body);
      return e;
    }
  }

  public Resp send(String method, String path, String body, String contentType) {
    return send(method, path, body, contentType, new String[0]);
  }

  /** As {@link #send(String, String, String, String)}, with {@code headers}: name, value, name, value, ... */
  public Resp send(String method, String path, String body, String contentType, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Resp(r.statusCode(), r.headers(), r.body());
    } catch (Exception e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    }
  }

  public Resp get(String path) {
    return send("GET", path, null, null);
  }

  public Resp post(String path, JsonObject body) {
    return send("POST", path, body == null ? null : body.encode(), body == null ? null : "application/json");
  }

  /** POST of {@code body} with {@code headers}: name, value, name, value, ... */
  public Resp post(String path, JsonObject body, String... headers) {
    return send("POST", path, body.encode(), "application/json", headers);
  }

  public Resp post(String path) {
    return send("POST", path, null, null);
  }

  public Resp delete(String path) {
    return send("DELETE", path, null, null);
  }

  /** Submits a task and returns it (201 expected). */
  public JsonObject submit(JsonObject spec) {
    return post("/tasks", spec).expect(201).json();
  }

  /** Submits a task with {@code ?wait=seconds}. */
  public JsonObject submitAndWait(JsonObject spec, double seconds) {
    return post("/tasks?wait=" + seconds, spec).expect(201).json();
  }

  /** The task, once done (long-polls up to 10 s). */
  public JsonObject awaitDone(String id) {
    JsonObject t = get("/tasks/" + id + "?wait=10").expect(200).json();
    assertTrue(t.getBoolean("done"), "task not done after 10 s: " + t);
    return t;
  }

  /** The requests the service is answering now, by its own gauge, not counting the scrape that reads it. */
  public int activeRequests() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^asyncio_http_requests_active\\{node=\"[^\"]+\"} (\\S+)")
        .matcher(get("/metrics").expect(200).body());
    assertTrue(m.find(), "asyncio_http_requests_active is in /metrics");
    return (int) Double.parseDouble(m.group(1)) - 1;
  }

  public HttpClient client() {
    return http;
  }

  public static JsonObject sleep(double seconds) {
    return new JsonObject().put("kind", "sleep").put("seconds", seconds);
  }

  @Override
  public void close() throws Exception {
    try {
      running.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } finally {
      deleteTree(tempDir);
      if (tempSchema != null) {
        org.vertxasyncio.testing.Postgres.drop(tempSchema);
      }
    }
  }
}
