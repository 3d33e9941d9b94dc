package org.vertxasyncio.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A compiled schema decides every value as vertx-json-schema's validator decides it: the API's request bodies
 * over many generated values, valid and not, and each keyword's edge cases; a schema with a keyword the
 * compiler does not know is not compiled.
 */
class SchemaCheckTest {
  static Vertx vertx;
  static OpenAPIContract contract;

  @BeforeAll
  static void load() throws Exception {
    vertx = Vertx.vertx();
    contract = OpenApiDocument.load().contract(vertx).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void close() {
    vertx.close();
  }

  private static JsonSchema body(String operationId) {
    Operation op = contract.operation(operationId);
    return op.getRequestBody().getContent().get("application/json").getSchema();
  }

  /** Each value decided alike by the check and the library; how many the library found valid. */
  private static int sameAsTheLibrary(SchemaCheck.Check check, Validator library, List<Object> values) {
    int valid = 0;
    for (Object v : values) {
      boolean expected = library.validate(v).getValid();
      assertEquals(expected, check.test(v), () -> "value " + Json.encode(v));
      valid += expected ? 1 : 0;
    }
    return valid;
  }

  @Test
  void generatedTaskSpecsAreDecidedAsTheLibraryDecidesThem() {
    SchemaRepository repo = contract.getSchemaRepository();
    JsonSchema spec = body("submitTask");
    SchemaCheck.Check check = SchemaCheck.compile(spec);
    assertNotNull(check, "the task spec's schema compiles");
    Random random = new Random(20261207);
    List<Object> values = new java.util.ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      // through JSON text, as a request's body arrives: the number types are the decoder's
      values.add(Json.decodeValue(Json.encode(taskSpec(random, 0))));
    }
    int valid = sameAsTheLibrary(check, repo.validator(spec), values);
    assertTrue(valid > 1_000 && valid < 9_000, "valid and invalid ones both: " + valid + " valid of 10000");
  }

  @Test
  void otherBodiesAreDecidedAsTheLibraryDecidesThem() {
    SchemaRepository repo = contract.getSchemaRepository();
    Random random = new Random(7);
    for (String op : List.of("waitTasks", "createLoop")) {
      JsonSchema schema = body(op);
      SchemaCheck.Check check = SchemaCheck.compile(schema);
      assertNotNull(check, op);
      List<Object> values = new java.util.ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        JsonObject o = new JsonObject();
        for (String k : List.of("tasks", "returnWhen", "timeout", "name", "extra")) {
          if (random.nextInt(3) > 0) {
            o.put(k, k.equals("tasks") && random.nextBoolean() ? ids(random) : anyValue(random));
          }
        }
        values.add(Json.decodeValue(o.encode()));
      }
      values.addAll(List.of(new JsonObject().put("tasks", new JsonArray().add("a")).put("returnWhen", "FIRST_COMPLETED"),
          new JsonObject().put("name", "io"), new JsonObject().put("name", "a b"), new JsonObject().put("name", "io\n")));
      assertTrue(sameAsTheLibrary(check, repo.validator(schema), values) > 0, op);
    }
  }

  @Test
  void eachKeywordDecidesItsEdgesAsTheLibrary() {
    SchemaRepository repo = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("app:///"));
    List<Object> values = List.of(0, -1, 1, 2, 1.0, 1.5, -0.0, 10, 10.0, 10.5, 9007199254740993L, new BigInteger("1" + "0".repeat(30)),
        "", "a", "ab", "abc", "\ud83d\ude00", "\ud83d\ude00\ud83d\ude00", "\ud83d", "x\n", "A1", "a1b", true, false,
        new JsonObject(), new JsonObject().put("a", 1), new JsonObject().put("a", "x").put("b", 2), new JsonObject().put("a", null),
        new JsonArray(), new JsonArray().add(1).add(2), new JsonArray().add("x").add(2).add(3));
    values = new java.util.ArrayList<>(values);
    values.add(null);
    for (String schema : List.of(
        "{\"type\":\"integer\"}", "{\"type\":\"number\",\"minimum\":0,\"maximum\":10}",
        "{\"type\":[\"integer\",\"string\"]}", "{\"type\":[\"string\",\"null\"]}", "{\"type\":\"boolean\"}",
        "{\"exclusiveMinimum\":0,\"exclusiveMaximum\":10}", "{\"minimum\":1,\"maximum\":9007199254740992}",
        "{\"type\":\"string\",\"minLength\":1,\"maxLength\":2}", "{\"minLength\":2}", "{\"pattern\":\"^[a-z]+$\"}",
        "{\"pattern\":\"[0-9]\"}", "{\"const\":\"a\"}", "{\"const\":true}", "{\"enum\":[\"a\",\"abc\"]}",
        "{\"type\":\"object\",\"required\":[\"a\"],\"properties\":{\"a\":{\"type\":\"integer\"}},\"additionalProperties\":false}",
        "{\"properties\":{\"a\":{\"type\":\"string\"}},\"additionalProperties\":{\"type\":\"integer\"}}",
        "{\"properties\":{\"a\":true,\"b\":false}}", "{\"required\":[\"a\",\"b\"]}",
        "{\"type\":\"array\",\"minItems\":1,\"maxItems\":2,\"items\":{\"type\":\"integer\"}}", "{\"items\":{\"type\":\"string\"}}",
        "{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"number\",\"maximum\":1}]}",
        "{\"oneOf\":[{\"type\":\"string\"},{\"minLength\":2}]}", "{\"description\":\"anything\"}")) {
      JsonSchema s = JsonSchema.of(new JsonObject(schema));
      SchemaCheck.Check check = SchemaCheck.compile(s);
      assertNotNull(check, schema);
      for (Object v : values) {
        boolean expected = repo.validator(s).validate(v).getValid();
        assertEquals(expected, check.test(v), () -> schema + " on " + Json.encode(v));
      }
    }
  }

  @Test
  void aSchemaWithAKeywordItDoesNotKnowIsLeftToTheLibrary() {
    for (String schema : List.of("{\"format\":\"date-time\"}", "{\"anyOf\":[{\"type\":\"string\"}]}",
        "{\"properties\":{\"a\":{\"uniqueItems\":true}}}", "{\"const\":1}", "{\"enum\":[1,2]}", "{\"items\":[{\"type\":\"string\"}]}",
        "{\"patternProperties\":{\"^a\":{}}}", "{\"$ref\":\"#/$defs/a\",\"$defs\":{\"a\":{}}}", "{\"type\":\"decimal\"}", "{\"exclusiveMinimum\":true,\"minimum\":0}")) {
      assertNull(SchemaCheck.compile(JsonSchema.of(new JsonObject(schema))), schema);
    }
  }

  // ------------------------------------------------------------------ generated values

  private static final List<String> KINDS = List.of("sleep", "work", "gather", "nap", "");
  private static final List<String> KEYS = List.of("seconds", "result", "name", "loop", "raise", "timeout", "callbacks",
      "iterations", "input", "tasks", "returnExceptions", "colour");

  /** A task spec of a random kind with random fields: mostly well-formed, often not. */
  private static Object taskSpec(Random r, int depth) {
    if (r.nextInt(30) == 0) {
      return anyValue(r);
    }
    JsonObject o = new JsonObject();
    String kind = KINDS.get(r.nextInt(10) < 8 ? r.nextInt(3) : r.nextInt(KINDS.size()));
    if (r.nextInt(20) > 0) {
      o.put("kind", r.nextInt(40) == 0 ? anyValue(r) : kind);
    }
    switch (kind) {
      case "sleep" -> {
        if (r.nextInt(10) > 0) {
          o.put("seconds", r.nextInt(5) > 0 ? r.nextInt(100) / 10.0 : anyValue(r));
        }
      }
      case "gather" -> {
        if (r.nextInt(10) > 0 && depth < 3) {
          JsonArray tasks = new JsonArray();
          for (int i = r.nextInt(4); i > 0; i--) {
            tasks.add(r.nextInt(4) == 0 ? string(r) : taskSpec(r, depth + 1));
          }
          o.put("tasks", tasks);
        }
      }
      default -> {
      }
    }
    for (int i = r.nextInt(4); i > 0; i--) {
      String k = KEYS.get(r.nextInt(KEYS.size()));
      o.put(k, valueFor(r, k));
    }
    return o;
  }

  /** A value for field {@code k}: usually of its type and within its bounds, sometimes not. */
  private static Object valueFor(Random r, String k) {
    if (r.nextInt(4) == 0) {
      return anyValue(r);
    }
    return switch (k) {
      case "seconds", "timeout" -> r.nextBoolean() ? r.nextInt(5) : r.nextDouble() * 3 - 0.5;
      case "iterations" -> r.nextBoolean() ? r.nextInt(5) : (Object) 9007199254740991L;
      case "name", "raise", "input", "loop" -> string(r);
      case "returnExceptions" -> r.nextBoolean();
      case "callbacks" -> {
        JsonArray a = new JsonArray();
        for (int i = r.nextInt(3); i > 0; i--) {
          JsonObject w = new JsonObject();
          if (r.nextInt(5) > 0) {
            w.put("url", r.nextInt(5) > 0 ? "http://example.com/h" : anyValue(r));
          }
          if (r.nextBoolean()) {
            w.put(r.nextInt(5) > 0 ? "secret" : "colour", string(r));
          }
          a.add(w);
        }
        yield a;
      }
      case "tasks" -> ids(r);
      default -> anyValue(r);
    };
  }

  private static JsonArray ids(Random r) {
    JsonArray a = new JsonArray();
    for (int i = r.nextInt(4); i > 0; i--) {
      a.add(r.nextInt(5) > 0 ? string(r) : anyValue(r));
    }
    return a;
  }

  private static final List<String> STRINGS = List.of("", "a", "default", "io-1", "a b", "x\n", "\ud83d\ude00", "01ABC",
      "FIRST_COMPLETED", "ALL_COMPLETED", "sleep");

  private static String string(Random r) {
    int pick = r.nextInt(STRINGS.size() + 3);
    if (pick < STRINGS.size()) {
      return STRINGS.get(pick);
    }
    int[] lengths = {64, 65, 200, 201, 1000, 1001};
    String unit = r.nextBoolean() ? "x" : "\ud83d\ude00";
    return unit.repeat(lengths[r.nextInt(lengths.length)] - r.nextInt(2));
  }

  private static Object anyValue(Random r) {
    return switch (r.nextInt(12)) {
      case 0 -> null;
      case 1 -> r.nextBoolean();
      case 2 -> r.nextInt(2001) - 1000;
      case 3 -> r.nextDouble() * 10 - 1;
      case 4 -> 1.0;
      case 5 -> 1e10;
      case 6 -> new BigInteger("9".repeat(25));
      case 7 -> string(r);
      case 8 -> new JsonArray().add(string(r));
      case 9 -> new JsonObject().put("kind", "sleep");
      case 10 -> -0.0;
      default -> new JsonObject();
    };
  }
}
