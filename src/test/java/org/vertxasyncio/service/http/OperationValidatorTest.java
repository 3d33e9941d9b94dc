package org.vertxasyncio.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import io.vertx.openapi.validation.impl.ValidatableRequestImpl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.ServiceHarness;

/**
 * The prepared validation decides every request as vertx-openapi's validator does (the same validated
 * values, or the same error and so the same answer), checks a task spec against the branch its kind names,
 * and hands on the body it was given already decoded.
 */
class OperationValidatorTest {
  static Vertx vertx;
  static OpenAPIContract contract;
  static RequestValidatorImpl library;

  @BeforeAll
  static void load() throws Exception {
    vertx = Vertx.vertx();
    contract = OpenApiDocument.load().contract(vertx).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    library = new RequestValidatorImpl(vertx, contract);
  }

  @AfterAll
  static void close() {
    vertx.close();
  }

  /** A request to {@code op} as vertx-openapi extracts one: every declared parameter, given or null. */
  private static ValidatableRequest request(Operation op, Map<String, String> params, String body, String contentType) {
    Map<String, RequestParameter> cookies = new HashMap<>();
    Map<String, RequestParameter> headers = new HashMap<>();
    Map<String, RequestParameter> path = new HashMap<>();
    Map<String, RequestParameter> query = new HashMap<>();
    for (Parameter p : op.getParameters()) {
      RequestParameter v = new RequestParameterImpl(params.get(p.getName()));
      switch (p.getIn()) {
        case COOKIE -> cookies.put(p.getName(), v);
        case HEADER -> headers.put(p.getName(), v);
        case PATH -> path.put(p.getName(), v);
        case QUERY -> query.put(p.getName(), v);
      }
    }
    if (op.getRequestBody() == null) {
      return new ValidatableRequestImpl(cookies, headers, path, query);
    }
    return new ValidatableRequestImpl(cookies, headers, path, query,
        new RequestParameterImpl(body == null ? null : Buffer.buffer(body)), contentType);
  }

  /** What a client is told about a validation outcome: the validated values, or the error answer. */
  private static String outcome(ValidatedRequest ok, Throwable failed) {
    if (failed != null) {
      ApiError e = Errors.toApiError(new HttpException(400, failed.getMessage(), failed), 400);
      return failed.getClass().getName() + ": " + failed.getMessage() + " -> " + e.status() + " " + e.toJson().encode();
    }
    return "path " + values(ok.getPathParameters()) + " query " + values(ok.getQuery()) + " body "
        + (ok.getBody() == null || ok.getBody().isNull() ? null : Json.encode(ok.getBody().get()));
  }

  private static Map<String, Object> values(Map<String, RequestParameter> m) {
    Map<String, Object> out = new java.util.TreeMap<>();
    m.forEach((k, v) -> out.put(k, v == null ? null : v.get()));
    return out;
  }

  private static String theLibrarys(String operationId, ValidatableRequest request) throws InterruptedException {
    try {
      return outcome(library.validate(request, operationId).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS), null);
    } catch (ExecutionException e) {
      return outcome(null, e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  private static String ours(OperationValidator v, ValidatableRequest request) {
    try {
      return outcome(v.validate(request, null), null);
    } catch (RuntimeException e) {
      return outcome(null, e);
    }
  }

  private static void sameAsTheLibrary(String operationId, List<Map<String, String>> paramSets, List<String> bodies,
      String contentType) throws Exception {
    Operation op = contract.operation(operationId);
    OperationValidator v = new OperationValidator(vertx, contract, op, library);
    int failures = 0;
    for (Map<String, String> params : paramSets) {
      for (String body : bodies) {
        ValidatableRequest r = request(op, params, body, contentType);
        String expected = theLibrarys(operationId, r);
        assertEquals(expected, ours(v, r), operationId + " " + params + " " + body);
        failures += expected.contains("Exception") ? 1 : 0;
      }
    }
    assertTrue(failures > 0, "the cases of " + operationId + " include invalid ones");
  }

  @Test
  void taskSpecsAreDecidedAsTheLibraryDecidesThem() throws Exception {
    List<String> bodies = List.of(
        "{\"kind\":\"sleep\",\"seconds\":1}",
        "{\"kind\":\"sleep\",\"seconds\":0.5,\"result\":{\"a\":[1,2]},\"name\":\"n\",\"loop\":\"default\",\"timeout\":3}",
        "{\"kind\":\"sleep\",\"seconds\":1,\"callbacks\":[{\"url\":\"http://example.com/h\",\"secret\":\"s\"}]}",
        "{\"kind\":\"work\",\"iterations\":10,\"input\":\"abc\"}",
        "{\"kind\":\"work\"}",
        "{\"kind\":\"gather\",\"tasks\":[{\"kind\":\"sleep\",\"seconds\":1},\"01ABC\",{\"kind\":\"work\"}],\"returnExceptions\":true}",
        "{\"kind\":\"gather\",\"tasks\":[{\"kind\":\"gather\",\"tasks\":[{\"kind\":\"sleep\",\"seconds\":1}]}]}",
        // invalid ones: each way a spec can be wrong
        "{\"seconds\":1}",
        "{\"kind\":\"nap\",\"seconds\":1}",
        "{\"kind\":7,\"seconds\":1}",
        "{\"kind\":null}",
        "{\"kind\":\"sleep\"}",
        "{\"kind\":\"sleep\",\"seconds\":\"1\"}",
        "{\"kind\":\"sleep\",\"seconds\":-1}",
        "{\"kind\":\"sleep\",\"seconds\":1,\"iterations\":3}",
        "{\"kind\":\"sleep\",\"seconds\":1,\"colour\":\"red\"}",
        "{\"kind\":\"sleep\",\"seconds\":1,\"name\":\"" + "x".repeat(300) + "\"}",
        "{\"kind\":\"sleep\",\"seconds\":1,\"callbacks\":[{\"secret\":\"s\"}]}",
        "{\"kind\":\"work\",\"iterations\":0}",
        "{\"kind\":\"work\",\"iterations\":1.5}",
        "{\"kind\":\"gather\"}",
        "{\"kind\":\"gather\",\"tasks\":[{\"kind\":\"sleep\"}]}",
        "{\"kind\":\"gather\",\"tasks\":[\"\"]}",
        "{\"kind\":\"gather\",\"tasks\":[{\"kind\":\"gather\",\"tasks\":[{\"kind\":\"work\",\"iterations\":-2}]}]}",
        "[]", "[{\"kind\":\"sleep\",\"seconds\":1}]", "\"sleep\"", "42", "null", "{}",
        "{\"kind\":\"sleep\",", "not json", "");
    List<Map<String, String>> params = List.of(Map.of(), Map.of("wait", "5"), Map.of("wait", "0.25"), Map.of("wait", "abc"),
        Map.of("wait", "-1"), Map.of("wait", "1e9"));
    sameAsTheLibrary("submitTask", params, bodies, "application/json");
    sameAsTheLibrary("submitTask", List.of(Map.of()), List.of("{\"kind\":\"sleep\",\"seconds\":1}", "{\"kind\":\"nap\"}"),
        "application/json; charset=utf-8");
    sameAsTheLibrary("submitTask", List.of(Map.of()), List.of("{\"kind\":\"sleep\",\"seconds\":1}", "x"), "text/plain");
  }

  @Test
  void otherBodiesAndParametersAreDecidedAsTheLibraryDecidesThem() throws Exception {
    sameAsTheLibrary("waitTasks", List.of(Map.of()), List.of("{\"tasks\":[\"a\",\"b\"]}",
        "{\"tasks\":[\"a\"],\"returnWhen\":\"FIRST_COMPLETED\",\"timeout\":null}", "{\"tasks\":[]}",
        "{\"tasks\":[\"a\"],\"returnWhen\":\"SOMETIMES\"}", "{\"tasks\":[\"a\"],\"timeout\":-1}", "{}", "[1]"), "application/json");
    sameAsTheLibrary("createLoop", List.of(Map.of()), List.of("{\"name\":\"io\"}", "{\"name\":\"\"}", "{\"name\":3}", "{}",
        "{\"name\":\"io\",\"x\":1}"), "application/json");
    sameAsTheLibrary("getTask", List.of(Map.of("id", "01ABC"), Map.of("id", "01ABC", "wait", "2"), Map.of("id", "x".repeat(65)),
        Map.of("id", "01ABC", "wait", "soon")), List.of(""), null);
    sameAsTheLibrary("listTasks", List.of(Map.of(), Map.of("state", "finished", "kind", "sleep", "limit", "10"),
        Map.of("state", "asleep"), Map.of("limit", "0"), Map.of("limit", "ten"), Map.of("cursor", "ab-c"),
        Map.of("cursor", "01ABC", "loop", "default", "name", "n")), List.of(""), null);
    sameAsTheLibrary("redeliverCallback", List.of(Map.of("id", "01ABC", "n", "0"), Map.of("id", "01ABC", "n", "-1"),
        Map.of("id", "01ABC", "n", "one")), List.of(""), null);
  }

  @Test
  void oneValidatorDecidesEachContentTypeAsTheLibraryEveryTimeItComesBack() throws Exception {
    Operation op = contract.operation("submitTask");
    OperationValidator v = new OperationValidator(vertx, contract, op, library);
    List<String> types = List.of("application/json", "application/json; charset=utf-8", "text/plain", "application/json ;charset=UTF-8",
        "application/hal+json", "application/xml");
    for (int round = 0; round < 2; round++) {
      for (String type : types) {
        for (String body : List.of("{\"kind\":\"sleep\",\"seconds\":1}", "{\"kind\":\"nap\"}")) {
          ValidatableRequest r = request(op, Map.of(), body, type);
          assertEquals(theLibrarys("submitTask", r), ours(v, r), "round " + round + " " + type + " " + body);
        }
      }
    }
  }

  @Test
  void everyTaskIdIsDecidedAsTheLibraryDecidesIt() throws Exception {
    String smile = new String(Character.toChars(0x1F600));
    List<Map<String, String>> ids = new ArrayList<>();
    for (String id : List.of("", "a", "01ABC", "x".repeat(64), "x".repeat(65), smile, smile.repeat(32), smile.repeat(33),
        smile.repeat(64), smile.repeat(65), "\u00e9".repeat(64), "a b", "%2F")) {
      ids.add(Map.of("id", id));
    }
    for (String op : List.of("getTask", "deleteTask", "cancelTask")) {
      sameAsTheLibrary(op, ids, List.of(""), null);
    }
  }

  @Test
  void everyParameterAndJsonBodyOfTheDocumentIsCheckedByItsCompiledSchema() {
    for (Operation op : contract.operations()) {
      OperationValidator v = new OperationValidator(vertx, contract, op, library);
      Set<String> params = new java.util.TreeSet<>();
      op.getParameters().forEach(p -> params.add(p.getName()));
      assertEquals(params, v.compiledParameters(), op.getOperationId());
      Set<String> bodies = op.getRequestBody() == null ? Set.of() : Set.of("application/json");
      assertEquals(bodies, v.compiledBodies(), op.getOperationId());
    }
    assertEquals(Set.of("id", "wait"), new OperationValidator(vertx, contract, contract.operation("getTask"), library).compiledParameters());
  }

  @Test
  void aBodyDecodedBeforeIsValidatedAndHandedOnAsItIs() {
    Operation op = contract.operation("submitTask");
    OperationValidator v = new OperationValidator(vertx, contract, op, library);
    String text = "{\"kind\":\"sleep\",\"seconds\":1}";
    JsonObject decoded = new JsonObject(text);
    ValidatedRequest ok = v.validate(request(op, Map.of(), text, "application/json"), decoded);
    assertSame(decoded, ok.getBody().get());
    // without it, the body is decoded once here
    ValidatedRequest again = v.validate(request(op, Map.of(), text, "application/json"), null);
    assertEquals(decoded, again.getBody().get());
  }

  @Test
  void aLargeBodyIsValidatedOffTheEventLoopWithTheSameOutcome() throws Exception {
    try (ServiceHarness svc = ServiceHarness.start(Map.of())) {
      JsonArray children = new JsonArray();
      while (children.encode().length() <= OperationValidator.INLINE_BODY_MAX) {
        children.add(new JsonObject().put("kind", "sleep").put("seconds", 0).put("result", "r".repeat(60)));
      }
      JsonObject gather = new JsonObject().put("kind", "gather").put("tasks", children);
      JsonObject done = svc.submitAndWait(gather, 30);
      assertEquals("finished", done.getString("state"));
      assertEquals(children.size(), done.getJsonArray("result").size());
      List<Object> bad = new ArrayList<>(children.getList());
      bad.add(new JsonObject().put("kind", "sleep").put("seconds", "soon"));
      JsonObject err = svc.post("/tasks", new JsonObject().put("kind", "gather").put("tasks", new JsonArray(bad)))
          .expectError(400, "invalid_request", "tasks[" + children.size() + "].seconds");
      assertNotNull(err.getString("message"));
    }
  }

  @Test
  void theTransformersGiveWhatTheLibrarysGive() {
    Map<io.vertx.openapi.contract.Style, io.vertx.openapi.validation.transformer.ParameterTransformer> theirs = Map.of(
        io.vertx.openapi.contract.Style.SIMPLE, new io.vertx.openapi.validation.transformer.SimpleTransformer(),
        io.vertx.openapi.contract.Style.LABEL, new io.vertx.openapi.validation.transformer.LabelTransformer(),
        io.vertx.openapi.contract.Style.MATRIX, new io.vertx.openapi.validation.transformer.MatrixTransformer(),
        io.vertx.openapi.contract.Style.FORM, new io.vertx.openapi.validation.transformer.FormTransformer());
    var ours = OperationValidator.transformers();
    List<String> raws = List.of("", "abc", "a_b", "A1", "01ABC", "a b", "a-b", "123", "1.5", "-1", "true", "null", "\"q\"", "\"",
        "\u00e9t\u00e9", "x".repeat(65), "[1]", "{}", ";id=a", ".a");
    int params = 0;
    for (Operation op : contract.operations()) {
      for (Parameter p : op.getParameters()) {
        params++;
        for (String raw : raws) {
          assertEquals(transformed(theirs.get(p.getStyle()), p, raw), transformed(ours.get(p.getStyle()), p, raw),
              op.getOperationId() + " " + p.getName() + " " + raw);
        }
      }
    }
    assertTrue(params > 5);
  }

  private static String transformed(io.vertx.openapi.validation.transformer.ParameterTransformer t, Parameter p, String raw) {
    try {
      Object v = t.transform(p, raw);
      return v == null ? "null" : v.getClass().getSimpleName() + " " + Json.encode(v);
    } catch (RuntimeException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  /** What an extraction gave: every parameter's value and the body, or the error. */
  private static String extracted(java.util.function.Supplier<ValidatableRequest> extract) {
    try {
      ValidatableRequest r = extract.get();
      return "cookies " + values(r.getCookies()) + " headers " + values(r.getHeaders()) + " path " + values(r.getPathParameters())
          + " query " + values(r.getQuery()) + " body " + (r.getBody() == null ? "none" : String.valueOf(r.getBody().get()))
          + " type " + r.getContentType();
    } catch (RuntimeException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  @Test
  void parametersAreExtractedAsTheLibraryExtractsThem() throws Exception {
    io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
    router.route().handler(io.vertx.ext.web.handler.BodyHandler.create(false));
    for (Operation op : contract.operations()) {
      OperationValidator v = new OperationValidator(vertx, contract, op, library);
      String path = op.getOpenAPIPath().replaceAll("\\{([^}]+)}", ":$1");
      router.route(io.vertx.core.http.HttpMethod.valueOf(op.getHttpMethod().name()), path).handler(rc -> {
        String theirs = extracted(() -> io.vertx.openapi.validation.RequestUtils.extract(rc.request(), op,
            () -> io.vertx.core.Future.succeededFuture(rc.body().buffer())).toCompletionStage().toCompletableFuture().join());
        String ours = extracted(() -> v.extract(rc));
        rc.response().setStatusCode(theirs.equals(ours) ? 200 : 500).end(op.getOperationId() + "\n" + theirs + "\n" + ours);
      });
    }
    var server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    try {
      String base = "http://127.0.0.1:" + server.actualPort();
      List<String[]> requests = List.of(
          new String[] {"GET", "/tasks/01ABC"}, new String[] {"GET", "/tasks/01ABC?wait=2"}, new String[] {"GET", "/tasks/a%2Fb"},
          new String[] {"GET", "/tasks/a+b%20c?wait=1&wait=2"}, new String[] {"GET", "/tasks/%C3%A9t%C3%A9"},
          new String[] {"DELETE", "/tasks/x"}, new String[] {"POST", "/tasks/x/cancel"},
          new String[] {"POST", "/tasks/x/callbacks/3/redeliver"}, new String[] {"POST", "/tasks/x/callbacks/%33/redeliver"},
          new String[] {"GET", "/tasks?state=finished&kind=sleep&limit=10&cursor=x%41&loop=a+b&name=%25"},
          new String[] {"GET", "/tasks?state=finished&state=pending&name="}, new String[] {"GET", "/tasks?name=%E0%A4"},
          new String[] {"GET", "/events?task=t1&lastEventId=5"}, new String[] {"GET", "/events"},
          new String[] {"POST", "/tasks?wait=1.5"}, new String[] {"POST", "/wait"}, new String[] {"POST", "/loops"},
          new String[] {"GET", "/loops/io"}, new String[] {"POST", "/loops/io/stop"});
      int checked = 0;
      for (String[] r : requests) {
        for (String header : List.of("", "5", "%41", "%zz")) {
          var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + r[1]));
          if (!header.isEmpty()) {
            b.header("Last-Event-ID", header);
          }
          b.method(r[0], r[0].equals("POST") ? java.net.http.HttpRequest.BodyPublishers.ofString("{\"kind\":\"sleep\",\"seconds\":1}")
              : java.net.http.HttpRequest.BodyPublishers.noBody());
          if (r[0].equals("POST")) {
            b.header("Content-Type", "application/json; charset=utf-8");
          }
          var resp = client.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
          assertEquals(200, resp.statusCode(), r[0] + " " + r[1] + " Last-Event-ID " + header + ": " + resp.body());
          checked++;
        }
      }
      assertEquals(requests.size() * 4, checked);
    } finally {
      client.close();
      server.close();
    }
  }
  @Test
  void aPathSegmentIsTheOneSplittingThePathWouldGive() {
    List<String> paths = new ArrayList<>(List.of("/", "//", "///", "/tasks", "/tasks/", "/tasks//", "/tasks/a", "/tasks/a/",
        "/tasks//a", "/tasks/a/cancel", "/tasks/a//cancel", "/loops/x/start/", "//tasks/a", "/a/b/c/d/e"));
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 2_000; i++) {
      StringBuilder b = new StringBuilder("/");
      int n = random.nextInt(8);
      for (int j = 0; j < n; j++) {
        b.append("ab/".charAt(random.nextInt(3)));
      }
      paths.add(b.toString());
    }
    for (String path : paths) {
      String[] split = path.substring(1).split("/");
      for (int n = 1; n <= 6; n++) {
        assertEquals(split.length < n ? null : split[n - 1], OperationValidator.pathSegment(path, n), path + " segment " + n);
      }
    }
  }
}
