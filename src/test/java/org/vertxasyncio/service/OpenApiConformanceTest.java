package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableResponse;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vertxasyncio.service.http.OpenApiDocument;
import org.vertxasyncio.service.store.TaskStore;

/**
 * The OpenAPI document held against the real service: every operation (each path and method) is called on
 * started services, for its success answer and for each error answer the document lists for it, and every
 * answer is validated against the document with vertx-openapi's {@link ResponseValidator} (the library
 * whose request validator the service uses): its status must be one the operation lists, its required
 * headers there, its body valid against the schema. For the test the schemas are made strict (an object
 * schema that lists its properties takes no others), so a field the service sends and the document does
 * not describe fails as well. The last test checks that every (operation, status) the document lists was
 * answered.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiConformanceTest {
  static final String TOKEN = "a-long-secret-token-1";
  /** Operations answered on the way in, before routing: a token, a rate limit and shutting down do not apply to them. */
  static final Set<String> PROBES = Set.of("health", "ready");
  /** Operations answered while shutting down. */
  static final Set<String> ALWAYS_OPEN = Set.of("health", "ready", "metrics", "openapi");

  static Vertx vertx;
  static JsonObject doc;
  static ResponseValidator validator;
  static final Set<String> answered = ConcurrentHashMap.newKeySet();
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /** One request of the document's operation {@code op}. */
  record Req(String op, String method, String path, String body, String contentType) {
    static Req of(String op, String method, String path) {
      return new Req(op, method, path, null, null);
    }

    static Req json(String op, String method, String path, Object body) {
      return new Req(op, method, path, body.toString(), "application/json");
    }
  }

  /** An answer: status, headers, body. */
  record Answer(int status, java.net.http.HttpHeaders headers, String body) {
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** A request of every operation, valid but for what the sweeps change (the token, the rate, the drain). */
  static List<Req> everyOperation() {
    String id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    return List.of(
        Req.json("submitTask", "POST", "/tasks", sleep(0)),
        Req.of("listTasks", "GET", "/tasks"),
        Req.of("getTask", "GET", "/tasks/" + id),
        Req.of("deleteTask", "DELETE", "/tasks/" + id),
        Req.of("cancelTask", "POST", "/tasks/" + id + "/cancel"),
        Req.of("redeliverCallback", "POST", "/tasks/" + id + "/callbacks/1/redeliver"),
        Req.json("waitTasks", "POST", "/wait", new JsonObject().put("tasks", new JsonArray().add(id))),
        Req.of("streamEvents", "GET", "/events"),
        Req.of("listLoops", "GET", "/loops"),
        Req.json("createLoop", "POST", "/loops", new JsonObject().put("name", "sweep")),
        Req.of("getLoop", "GET", "/loops/default"),
        Req.of("startLoop", "POST", "/loops/default/start"),
        Req.of("stopLoop", "POST", "/loops/nowhere/stop"),
        Req.of("closeLoop", "POST", "/loops/nowhere/close"),
        Req.of("health", "GET", "/health"),
        Req.of("ready", "GET", "/ready"),
        Req.of("metrics", "GET", "/metrics"),
        Req.of("openapi", "GET", "/openapi.yaml"));
  }

  @BeforeAll
  static void loadTheDocument() throws Exception {
    vertx = Vertx.vertx();
    doc = OpenApiDocument.yamlToJson(OpenApiDocument.load().yaml());
    OpenAPIContract contract = OpenAPIContract.from(vertx, strict(OpenApiDocument.forValidator(doc)))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    validator = ResponseValidator.create(vertx, contract);
  }

  @AfterAll
  static void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /**
   * {@code document} with every object schema that lists properties closed to others, recursively; and
   * the schemas of text answers ({@code type: string}) left out, as vertx-openapi 5.0.7 validates JSON
   * bodies only (it fails on a text body with a schema): {@link #conforms} checks those itself.
   */
  static JsonObject strict(JsonObject document) {
    JsonObject copy = document.copy();
    close(copy);
    JsonObject paths = copy.getJsonObject("paths");
    for (String p : paths.fieldNames()) {
      for (var op : paths.getJsonObject(p)) {
        if (op.getValue() instanceof JsonObject o && o.getValue("responses") instanceof JsonObject responses) {
          for (var r : responses) {
            if (r.getValue() instanceof JsonObject response && response.getValue("content") instanceof JsonObject content) {
              content.forEach(m -> {
                if (m.getKey().startsWith("text/")) {
                  ((JsonObject) m.getValue()).remove("schema");
                }
              });
            }
          }
        }
      }
    }
    return copy;
  }

  private static void close(Object node) {
    if (node instanceof JsonObject o) {
      if (o.getValue("properties") instanceof JsonObject && !o.containsKey("additionalProperties")) {
        o.put("additionalProperties", false);
      }
      o.forEach(e -> close(e.getValue()));
    } else if (node instanceof JsonArray a) {
      a.forEach(OpenApiConformanceTest::close);
    }
  }

  // ------------------------------------------------------------------ calling and checking

  static Answer send(ServiceHarness svc, Req r, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(svc.url(r.path()))).timeout(Duration.ofSeconds(30));
    headers.forEach(b::header);
    if (r.contentType() != null) {
      b.header("Content-Type", r.contentType());
    }
    b.method(r.method(), r.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(r.body()));
    try {
      if (r.op().equals("streamEvents")) {
        // the stream does not end: its head and first line (the opening comment) are the answer
        HttpResponse<InputStream> s = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = s.body()) {
          // up to the stream's opening comment (an error is answered whole)
          StringBuilder head = new StringBuilder();
          for (int c = in.read(); c >= 0; c = in.read()) {
            head.append((char) c);
            if (head.indexOf(": connected") >= 0 && c == '\n') {
              break;
            }
          }
          return new Answer(s.statusCode(), s.headers(), head.toString());
        }
      }
      HttpResponse<String> s = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(s.statusCode(), s.headers(), s.body());
    } catch (Exception e) {
      throw new AssertionError(r.method() + " " + r.path() + " failed: " + e, e);
    }
  }

  /** Sends {@code r}, checks the answer against the document, and returns it. */
  static Answer call(ServiceHarness svc, Req r) {
    return call(svc, r, Map.of());
  }

  static Answer call(ServiceHarness svc, Req r, Map<String, String> headers) {
    Answer a = send(svc, r, headers);
    conforms(r, a);
    return a;
  }

  /** Sends {@code r}, expecting {@code status}, and checks the answer against the document. */
  static Answer expect(ServiceHarness svc, int status, Req r) {
    return expect(svc, status, r, Map.of());
  }

  static Answer expect(ServiceHarness svc, int status, Req r, Map<String, String> headers) {
    Answer a = call(svc, r, headers);
    assertEquals(status, a.status(), () -> r.method() + " " + r.path() + " answered " + a.status() + ": " + a.body());
    return a;
  }

  /** The operation's response for {@code status} in the document as written ($ref followed), or null. */
  static JsonObject responseOf(String op, int status) {
    JsonObject paths = doc.getJsonObject("paths");
    for (String p : paths.fieldNames()) {
      for (var e : paths.getJsonObject(p)) {
        if (e.getValue() instanceof JsonObject o && op.equals(o.getString("operationId"))) {
          JsonObject r = o.getJsonObject("responses").getJsonObject(Integer.toString(status));
          if (r != null && r.containsKey("$ref")) {
            String ref = r.getString("$ref");
            r = doc.getJsonObject("components").getJsonObject("responses").getJsonObject(ref.substring(ref.lastIndexOf('/') + 1));
          }
          return r;
        }
      }
    }
    throw new AssertionError("the document has no operation " + op);
  }

  /** Every (operation, status) the document lists. */
  static Set<String> documented() {
    Set<String> all = new TreeSet<>();
    JsonObject paths = doc.getJsonObject("paths");
    for (String p : paths.fieldNames()) {
      for (var e : paths.getJsonObject(p)) {
        if (e.getValue() instanceof JsonObject o && o.containsKey("operationId")) {
          o.getJsonObject("responses").fieldNames().forEach(s -> all.add(o.getString("operationId") + " " + s));
        }
      }
    }
    return all;
  }

  static void conforms(Req r, Answer a) {
    String what = r.method() + " " + r.path() + " -> " + a.status() + " " + a.body();
    JsonObject response = responseOf(r.op(), a.status());
    assertNotNull(response, "the document does not list this status for " + r.op() + ": " + what);
    String contentType = a.header("Content-Type") == null ? null
        : a.header("Content-Type").split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    JsonObject content = response.getJsonObject("content");
    if (content == null) {
      assertTrue(a.body().isEmpty(), "a body the document does not describe: " + what);
    } else {
      assertTrue(content.containsKey(contentType), "Content-Type " + contentType + " is not the document's " + content.fieldNames()
          + ": " + what);
    }
    Map<String, String> headers = new HashMap<>();
    for (String h : List.of("Location", "Retry-After", "WWW-Authenticate")) {
      String value = a.header(h);
      if (value != null) {
        // vertx-openapi reads a header's value as JSON when it is not a bare word, and cannot read one with
        // quotes in it (Bearer realm="..."): given as a JSON string, it reads the value as sent
        headers.put(h, value.contains("\"") ? io.vertx.core.json.Json.encode(value) : value);
      }
    }
    // as OpenApiDocument.forValidator gives them to vertx-openapi
    String validated = "text/event-stream".equals(contentType) || "application/yaml".equals(contentType) ? "text/plain" : contentType;
    ValidatableResponse v = content == null ? ValidatableResponse.create(a.status(), headers)
        : ValidatableResponse.create(a.status(), headers, Buffer.buffer(a.body(), "UTF-8"), validated);
    try {
      validator.validate(v, r.op()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      String detail = e.getCause() instanceof SchemaValidationException s && s.getOutputUnit() != null
          ? s.getOutputUnit().toJson().encode() : String.valueOf(e.getCause());
      fail("the answer does not conform to the document: " + what + "\n  " + e.getCause().getMessage() + "\n  " + detail);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    answered.add(r.op() + " " + a.status());
  }

  static Map<String, String> bearer() {
    return Map.of("Authorization", "Bearer " + TOKEN);
  }

  // ------------------------------------------------------------------ the sweeps: one condition, every operation

  @Test
  @Order(1)
  void everyOperationRefusesAQueryParameterItDoesNotTakeWith400() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("store.type", "memory"))) {
      for (Req r : everyOperation()) {
        String sep = r.path().contains("?") ? "&" : "?";
        Answer a = expect(svc, 400, new Req(r.op(), r.method(), r.path() + sep + "bogus=1", r.body(), r.contentType()));
        assertEquals("invalid_request", a.json().getJsonObject("error").getString("code"));
      }
    }
  }

  @Test
  @Order(2)
  void withTokensEveryOperationButTheProbesAnswers401WithoutOne() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("store.type", "memory", "auth.tokens", TOKEN))) {
      for (Req r : everyOperation()) {
        if (PROBES.contains(r.op())) {
          expect(svc, 200, r);
        } else {
          Answer a = expect(svc, 401, r);
          assertNotNull(a.header("WWW-Authenticate"));
          expect(svc, 401, r, Map.of("Authorization", "Bearer not-the-token-at-all"));
        }
      }
      expect(svc, 200, Req.of("listTasks", "GET", "/tasks"), bearer());
    }
  }

  @Test
  @Order(3)
  void overTheRateLimitEveryOperationButTheProbesAnswers429() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of("store.type", "memory", "limits.rate.requests", 0.001,
        "limits.rate.burst", 1))) {
      expect(svc, 200, Req.of("listLoops", "GET", "/loops")); // the one request the bucket holds
      for (Req r : everyOperation()) {
        if (PROBES.contains(r.op())) {
          expect(svc, 200, r);
        } else {
          Answer a = expect(svc, 429, r);
          assertTrue(Integer.parseInt(a.header("Retry-After")) > 0, a.header("Retry-After"));
        }
      }
    }
  }

  @Test
  @Order(4)
  void whileShuttingDownEveryOperationButTheOpenOnesAnswers503() throws Exception {
    ServiceHarness svc = ServiceHarness.start(Map.of("store.type", "memory", "shutdown.tasks", "finish", "shutdown.timeout", 30));
    try {
      // a sleep the shutdown lets finish: the service drains for as long as it sleeps
      svc.submit(sleep(5));
      var shutdown = svc.running.service().shutdown();
      for (Req r : everyOperation()) {
        if (r.op().equals("ready")) {
          Answer a = expect(svc, 503, r);
          assertEquals("DOWN", a.json().getString("status"));
        } else if (ALWAYS_OPEN.contains(r.op())) {
          expect(svc, 200, r);
        } else {
          Answer a = expect(svc, 503, r);
          assertEquals("shutting_down", a.json().getJsonObject("error").getString("code"));
        }
      }
      shutdown.toCompletionStage().toCompletableFuture().get(40, TimeUnit.SECONDS);
    } finally {
      svc.close();
    }
  }

  // ------------------------------------------------------------------ each operation's own answers

  @Test
  @Order(5)
  void eachOperationsOwnAnswersConform() throws Exception {
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/ok", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    receiver.createContext("/later", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().add("Retry-After", "30");
      ex.sendResponseHeaders(503, -1);
      ex.close();
    });
    receiver.start();
    StoreFailuresTest.GatedStore[] store = new StoreFailuresTest.GatedStore[1];
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("loops", "default,other");
    config.put("limits.loops.max", 4);
    config.put("limits.body.max", 4096);
    config.put("webhooks.allow", "127.0.0.1");
    config.put("shutdown.timeout", 1);
    try (ServiceHarness svc = ServiceHarness.start(config, c -> store[0] = new StoreFailuresTest.GatedStore(TaskStore.of(c)))) {
      String hooks = "http://127.0.0.1:" + receiver.getAddress().getPort();
      tasks(svc, store[0], hooks);
      loops(svc);
      operations(svc);
    } finally {
      receiver.stop(0);
    }
  }

  private void tasks(ServiceHarness svc, StoreFailuresTest.GatedStore store, String hooks) throws Exception {
    JsonArray okHook = new JsonArray().add(new JsonObject().put("url", hooks + "/ok").put("secret", "whsec_c2VjcmV0LWtleQ=="));
    // 201: each kind, done, with a webhook delivered, a result, an exception, a timeout
    JsonObject slept = expect(svc, 201, Req.json("submitTask", "POST", "/tasks?wait=10",
        sleep(0).put("result", new JsonObject().put("any", "json")).put("name", "greet").put("callbacks", okHook))).json();
    String sleptId = slept.getString("id");
    expect(svc, 201, Req.json("submitTask", "POST", "/tasks?wait=10",
        new JsonObject().put("kind", "work").put("iterations", 3).put("input", "x").put("raise", "boom")));
    expect(svc, 201, Req.json("submitTask", "POST", "/tasks?wait=10", sleep(5).put("timeout", 0.05)));
    JsonObject gathered = expect(svc, 201, Req.json("submitTask", "POST", "/tasks?wait=10", new JsonObject().put("kind", "gather")
        .put("returnExceptions", true).put("tasks", new JsonArray().add(sleepSpec(0, "one")).add(sleptId)
            .add(new JsonObject().put("kind", "gather").put("tasks", new JsonArray().add(sleepSpec(0, "two").put("raise", "no"))))))).json();
    assertEquals("finished", gathered.getString("state"), gathered.encode());
    String pending = expect(svc, 201, Req.json("submitTask", "POST", "/tasks", sleep(60))).json().getString("id");
    // the webhook's log entry once delivered (a done task's entries come after its record entry)
    JsonObject sleptNow = poll(svc, sleptId, t -> t.getJsonArray("callbacks").size() == 2
        && "delivered".equals(t.getJsonArray("callbacks").getJsonObject(1).getString("outcome")));
    assertEquals("greet", sleptNow.getString("name"));
    // errors
    expect(svc, 400, Req.json("submitTask", "POST", "/tasks", new JsonObject().put("kind", "sleep").put("seconds", -1)));
    expect(svc, 400, Req.json("submitTask", "POST", "/tasks", sleep(1).put("iterations", 3)));
    expect(svc, 404, Req.json("submitTask", "POST", "/tasks", sleep(0).put("loop", "nowhere")));
    expect(svc, 413, Req.json("submitTask", "POST", "/tasks", sleep(0).put("result", "x".repeat(5000))));
    expect(svc, 415, new Req("submitTask", "POST", "/tasks", "kind=sleep", "text/plain"));
    store.fail = true;
    Answer unavailable = expect(svc, 503, Req.json("submitTask", "POST", "/tasks", sleep(0)));
    store.fail = false;
    assertEquals("store_unavailable", unavailable.json().getJsonObject("error").getString("code"));

    // an Idempotency-Key: the task made, answered again; the key with another body; a bad key; the key in use
    Map<String, String> keyed = Map.of("Idempotency-Key", "conformance-1");
    String madeOnce = expect(svc, 201, Req.json("submitTask", "POST", "/tasks", sleep(0)), keyed).json().getString("id");
    Answer replayed = expect(svc, 201, Req.json("submitTask", "POST", "/tasks", sleep(0)), keyed);
    assertEquals("true", replayed.headers().firstValue("Idempotent-Replayed").orElse(null));
    assertEquals(madeOnce, replayed.json().getString("id"));
    expect(svc, 422, Req.json("submitTask", "POST", "/tasks", sleep(1)), keyed);
    expect(svc, 400, Req.json("submitTask", "POST", "/tasks", sleep(0)), Map.of("Idempotency-Key", "k".repeat(300)));
    Map<String, String> held = Map.of("Idempotency-Key", "conformance-2");
    int holding = store.held.size();
    store.hold = true;
    CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> send(svc, Req.json("submitTask", "POST", "/tasks",
        sleep(0)), held));
    eventually("the first request's commit is held", Duration.ofSeconds(10), () -> store.held.size() > holding);
    Answer inUse = expect(svc, 409, Req.json("submitTask", "POST", "/tasks", sleep(0)), held);
    assertEquals("idempotency_key_in_use", inUse.json().getJsonObject("error").getString("code"));
    assertEquals("1", inUse.headers().firstValue("Retry-After").orElse(null));
    store.release();
    Answer firstAnswer = first.get(30, TimeUnit.SECONDS);
    conforms(Req.json("submitTask", "POST", "/tasks", sleep(0)), firstAnswer);
    assertEquals(201, firstAnswer.status(), firstAnswer.body());

    Answer list = expect(svc, 200, Req.of("listTasks", "GET", "/tasks?limit=2"));
    String cursor = list.json().getString("nextCursor");
    assertNotNull(cursor, list.body());
    expect(svc, 200, Req.of("listTasks", "GET", "/tasks?state=finished&kind=sleep&loop=default&name=greet&cursor=" + cursor));
    expect(svc, 400, Req.of("listTasks", "GET", "/tasks?limit=0"));

    expect(svc, 200, Req.of("getTask", "GET", "/tasks/" + sleptId + "?wait=1"));
    expect(svc, 200, Req.of("getTask", "GET", "/tasks/" + pending + "?wait=0.05"));
    expect(svc, 400, Req.of("getTask", "GET", "/tasks/" + sleptId + "?wait=-1"));
    expect(svc, 404, Req.of("getTask", "GET", "/tasks/NOPE"));

    expect(svc, 200, Req.json("waitTasks", "POST", "/wait", new JsonObject().put("tasks", new JsonArray().add(sleptId).add(pending))
        .put("returnWhen", "FIRST_COMPLETED").put("timeout", 0.05)));
    expect(svc, 400, Req.json("waitTasks", "POST", "/wait", new JsonObject().put("tasks", new JsonArray().add(sleptId))
        .put("returnWhen", "SOMETIME")));
    expect(svc, 404, Req.json("waitTasks", "POST", "/wait", new JsonObject().put("tasks", new JsonArray().add("NOPE"))));
    expect(svc, 413, Req.json("waitTasks", "POST", "/wait", new JsonObject().put("tasks", new JsonArray().add("x".repeat(5000)))));
    expect(svc, 415, new Req("waitTasks", "POST", "/wait", "tasks=x", "text/plain"));

    // redeliver: a delivered webhook again; a record entry is not one; no such entry; a delivery under way
    expect(svc, 202, Req.of("redeliverCallback", "POST", "/tasks/" + sleptId + "/callbacks/1/redeliver"));
    expect(svc, 400, Req.of("redeliverCallback", "POST", "/tasks/" + sleptId + "/callbacks/0/redeliver"));
    expect(svc, 404, Req.of("redeliverCallback", "POST", "/tasks/" + sleptId + "/callbacks/7/redeliver"));
    String retrying = expect(svc, 201, Req.json("submitTask", "POST", "/tasks", sleep(0)
        .put("callbacks", new JsonArray().add(new JsonObject().put("url", hooks + "/later"))))).json().getString("id");
    poll(svc, retrying, t -> t.getJsonArray("callbacks").size() == 2
        && !t.getJsonArray("callbacks").getJsonObject(1).getJsonArray("attempts").isEmpty());
    expect(svc, 409, Req.of("redeliverCallback", "POST", "/tasks/" + retrying + "/callbacks/1/redeliver"));

    expect(svc, 409, Req.of("deleteTask", "DELETE", "/tasks/" + pending));
    assertTrue(expect(svc, 200, Req.of("cancelTask", "POST", "/tasks/" + pending + "/cancel")).json().getBoolean("cancelled"));
    svc.awaitDone(pending);
    assertTrue(!expect(svc, 200, Req.of("cancelTask", "POST", "/tasks/" + pending + "/cancel")).json().getBoolean("cancelled"));
    expect(svc, 404, Req.of("cancelTask", "POST", "/tasks/NOPE/cancel"));
    expect(svc, 204, Req.of("deleteTask", "DELETE", "/tasks/" + pending));
    expect(svc, 404, Req.of("deleteTask", "DELETE", "/tasks/" + pending));

    Answer events = expect(svc, 200, Req.of("streamEvents", "GET", "/events?task=" + sleptId + "&lastEventId=1"));
    assertTrue(events.body().contains(": connected, stream "), events.body());
    expect(svc, 400, Req.of("streamEvents", "GET", "/events?lastEventId=soon"));
  }

  private void loops(ServiceHarness svc) {
    expect(svc, 200, Req.of("listLoops", "GET", "/loops"));
    expect(svc, 201, Req.json("createLoop", "POST", "/loops", new JsonObject().put("name", "io")));
    expect(svc, 400, Req.json("createLoop", "POST", "/loops", new JsonObject().put("name", "has space")));
    expect(svc, 409, Req.json("createLoop", "POST", "/loops", new JsonObject().put("name", "io")));
    expect(svc, 413, Req.json("createLoop", "POST", "/loops", new JsonObject().put("name", "x".repeat(5000))));
    expect(svc, 415, new Req("createLoop", "POST", "/loops", "name=x", "text/plain"));
    expect(svc, 201, Req.json("createLoop", "POST", "/loops", new JsonObject().put("name", "fourth")));
    Answer full = expect(svc, 409, Req.json("createLoop", "POST", "/loops", new JsonObject().put("name", "fifth")));
    assertEquals("loop_limit", full.json().getJsonObject("error").getString("code"));

    expect(svc, 200, Req.of("getLoop", "GET", "/loops/io"));
    expect(svc, 404, Req.of("getLoop", "GET", "/loops/nowhere"));
    expect(svc, 200, Req.of("stopLoop", "POST", "/loops/io/stop"));
    expect(svc, 404, Req.of("stopLoop", "POST", "/loops/nowhere/stop"));
    expect(svc, 200, Req.of("startLoop", "POST", "/loops/io/start"));
    Answer running = expect(svc, 409, Req.of("startLoop", "POST", "/loops/io/start"));
    assertEquals("loop_running", running.json().getJsonObject("error").getString("code"));
    expect(svc, 404, Req.of("startLoop", "POST", "/loops/nowhere/start"));
    expect(svc, 200, Req.of("closeLoop", "POST", "/loops/io/close"));
    expect(svc, 404, Req.of("closeLoop", "POST", "/loops/nowhere/close"));
    Answer closed = expect(svc, 409, Req.json("submitTask", "POST", "/tasks", sleep(0).put("loop", "io")));
    assertEquals("loop_closed", closed.json().getJsonObject("error").getString("code"));
  }

  private void operations(ServiceHarness svc) {
    Answer live = expect(svc, 200, Req.of("health", "GET", "/health"));
    JsonObject loopsCheck = live.json().getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> "eventLoops".equals(c.getString("id"))).findFirst().orElseThrow();
    assertEquals("running", loopsCheck.getJsonObject("data").getString("default"));
    expect(svc, 200, Req.of("ready", "GET", "/ready"));
    // the default loop stopped: not ready, and the check says why
    expect(svc, 200, Req.of("stopLoop", "POST", "/loops/default/stop"));
    Answer notReady = expect(svc, 503, Req.of("ready", "GET", "/ready"));
    assertTrue(notReady.body().contains("the default loop is not running"), notReady.body());
    expect(svc, 200, Req.of("startLoop", "POST", "/loops/default/start"));
    expect(svc, 200, Req.of("ready", "GET", "/ready"));
    expect(svc, 200, Req.of("metrics", "GET", "/metrics"));
    expect(svc, 200, Req.of("openapi", "GET", "/openapi.yaml"));
  }

  private static JsonObject sleepSpec(double seconds, String name) {
    return sleep(seconds).put("name", name);
  }

  /** The task once {@code until} holds of it (10 s at most). */
  private static JsonObject poll(ServiceHarness svc, String id, java.util.function.Predicate<JsonObject> until) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonObject t = null;
    while (System.nanoTime() < deadline) {
      t = svc.get("/tasks/" + id).expect(200).json();
      if (until.test(t)) {
        return t;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("task " + id + " did not come to the expected state in 10 s: " + t);
  }

  // ------------------------------------------------------------------ and nothing left out

  @Test
  @Order(6)
  void everyStatusTheDocumentListsWasAnswered() {
    Set<String> missing = new TreeSet<>(documented());
    missing.removeAll(answered);
    assertEquals(Set.of(), missing, "statuses the document lists that no test made the service answer (run the whole class)");
  }
}
