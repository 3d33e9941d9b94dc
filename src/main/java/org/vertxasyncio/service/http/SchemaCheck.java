package org.vertxasyncio.service.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A JSON schema compiled once into a tree of checks that walks a decoded JSON value once and says whether it
 * is valid, with vertx-json-schema 5.0.7's rules for the keywords it knows: {@code type}, {@code const} and
 * {@code enum} of strings or booleans, {@code properties}, {@code required}, {@code additionalProperties},
 * {@code items}, {@code minItems}, {@code maxItems}, {@code minLength}, {@code maxLength} (in code points),
 * {@code pattern} ({@link java.util.regex.Matcher#find()}), {@code minimum}, {@code maximum},
 * {@code exclusiveMinimum}, {@code exclusiveMaximum} (numbers, compared as that library does) and {@code oneOf},
 * in schemas whose {@code $ref}s are resolved (vertx-json-schema's resolution makes each a view of the schema it
 * names). Annotations ({@code description}, {@code discriminator}, ...) are ignored, as the library ignores
 * them.
 *
 * <p>{@link #compile} gives null for a schema that uses any other keyword anywhere within its reach: such a
 * schema is left to the library. A value this check finds invalid is handed to the library too, for its
 * error (see {@link OperationValidator}); so a check that were stricter than the library would cost time,
 * never an answer, while one that were laxer would let a bad request through, which is what the tests of
 * this class compare against the library.
 *
 * <p>Threading: immutable once compiled; {@link #test} may run on any thread.
 */
final class SchemaCheck {
  /** Keywords that say nothing about validity (vertx-json-schema reads none of them when validating). */
  private static final Set<String> ANNOTATIONS = Set.of("description", "title", "summary", "examples", "example", "default",
      "deprecated", "$comment", "discriminator");
  private static final int NULL = 1;
  private static final int BOOLEAN = 2;
  private static final int NUMBER = 4;
  private static final int INTEGER = 8;
  private static final int STRING = 16;
  private static final int OBJECT = 32;
  private static final int ARRAY = 64;
  private static final Map<String, Integer> TYPES = Map.of("null", NULL, "boolean", BOOLEAN, "number", NUMBER,
      "integer", INTEGER, "string", STRING, "object", OBJECT, "array", ARRAY);

  /** A compiled (sub)schema. */
  interface Check {
    boolean test(Object value);
  }

  /** The schema {@code true}, or one of annotations only. */
  private static final Check ANY = v -> true;
  /** The schema {@code false}. */
  private static final Check NONE = v -> false;

  private SchemaCheck() {
  }

  /**
   * {@code schema} compiled (its {@code $ref}s resolved, as vertx-openapi's contract gives its schemas); null
   * when it, or a schema within it, uses a keyword this class does not check or an unresolved {@code $ref}.
   */
  static Check compile(JsonSchema schema) {
    try {
      return new Compiler().compile(fields(schema));
    } catch (Unsupported e) {
      return null;
    }
  }

  /** A schema as JSON: {@code true} or {@code false}, or its own fields as an object (its nested values are the schema's own). */
  private static Object fields(JsonSchema schema) {
    if (schema == JsonSchema.of(true) || schema == JsonSchema.of(false)) {
      return schema == JsonSchema.of(true);
    }
    JsonObject o = new JsonObject();
    for (String k : schema.fieldNames()) {
      o.put(k, (Object) schema.get(k));
    }
    return o;
  }

  /** A keyword, or a form of one, that this class does not check. */
  private static final class Unsupported extends Exception {
    Unsupported(String what) {
      super(what, null, false, false);
    }
  }

  private static final class Compiler {
    /**
     * The check of each schema object compiled so far, by the identity of its map: a resolved {@code $ref}
     * is a view of the map of the schema it names, so a schema that refers to itself (a task spec's gather
     * holds task specs) is compiled once, its inner references made to a {@link Forward} set once it is.
     */
    private final Map<Map<String, Object>, Check> compiled = new IdentityHashMap<>();

    Check compile(Object schema) throws Unsupported {
      if (schema instanceof Boolean b) {
        return b ? ANY : NONE;
      }
      if (!(schema instanceof JsonObject s)) {
        throw new Unsupported("schema " + schema);
      }
      Check known = compiled.get(s.getMap());
      if (known != null) {
        return known;
      }
      Forward forward = new Forward();
      compiled.put(s.getMap(), forward);
      Check check = compileObject(s);
      forward.target = check;
      compiled.put(s.getMap(), check);
      return check;
    }

    private Check compileObject(JsonObject s) throws Unsupported {
      Node n = new Node();
      boolean constraints = false;
      for (String k : s.fieldNames()) {
        if (ANNOTATIONS.contains(k) || k.startsWith("x-") || k.startsWith("__")) {
          continue; // __absolute_uri__ and the like: vertx-json-schema's bookkeeping
        }
        constraints = true;
        Object v = s.getValue(k);
        switch (k) {
          case "type" -> n.types = types(v);
          case "const" -> {
            if (!(v instanceof String || v instanceof Boolean)) {
              throw new Unsupported("const " + v);
            }
            n.constant = v;
          }
          case "enum" -> n.strings = strings(v);
          case "oneOf" -> {
            if (!(v instanceof JsonArray branches) || branches.isEmpty()) {
              throw new Unsupported("oneOf " + v);
            }
            n.oneOf = new Check[branches.size()];
            for (int i = 0; i < branches.size(); i++) {
              n.oneOf[i] = compile(branches.getValue(i));
            }
          }
          case "properties" -> {
            if (!(v instanceof JsonObject props)) {
              throw new Unsupported("properties " + v);
            }
            n.names = props.fieldNames().toArray(new String[0]);
            n.properties = new Check[n.names.length];
            for (int i = 0; i < n.names.length; i++) {
              n.properties[i] = compile(props.getValue(n.names[i]));
            }
            n.known = Set.of(n.names);
          }
          case "required" -> n.required = strings(v).toArray(new String[0]);
          case "additionalProperties" -> n.additional = compile(v);
          case "items" -> {
            if (!(v instanceof JsonObject || v instanceof Boolean)) {
              throw new Unsupported("items " + v); // the array form (draft 7's tuples)
            }
            n.items = compile(v);
          }
          case "minItems" -> n.minItems = count(k, v);
          case "maxItems" -> n.maxItems = count(k, v);
          case "minLength" -> n.minLength = count(k, v);
          case "maxLength" -> n.maxLength = count(k, v);
          case "pattern" -> {
            try {
              n.pattern = Pattern.compile((String) v);
            } catch (ClassCastException | PatternSyntaxException e) {
              throw new Unsupported("pattern " + v);
            }
          }
          case "minimum" -> n.minimum = number(k, v);
          case "maximum" -> n.maximum = number(k, v);
          case "exclusiveMinimum" -> n.exclusiveMinimum = number(k, v);
          case "exclusiveMaximum" -> n.exclusiveMaximum = number(k, v);
          default -> throw new Unsupported(k);
        }
      }
      return constraints ? n : ANY;
    }

    private static int types(Object v) throws Unsupported {
      List<Object> names = v instanceof JsonArray a ? a.getList() : List.of(v);
      int mask = 0;
      for (Object t : names) {
        Integer bit = t instanceof String s ? TYPES.get(s) : null;
        if (bit == null) {
          throw new Unsupported("type " + v);
        }
        mask |= bit;
      }
      if (mask == 0) {
        throw new Unsupported("type " + v);
      }
      return mask;
    }

    private static Set<String> strings(Object v) throws Unsupported {
      if (!(v instanceof JsonArray a)) {
        throw new Unsupported("list " + v);
      }
      Set<String> out = new java.util.LinkedHashSet<>();
      for (Object o : a) {
        if (!(o instanceof String s)) {
          throw new Unsupported("list " + v);
        }
        out.add(s);
      }
      return out;
    }

    /** A count bound: an Integer as the library reads it ({@code schema.<Integer>get}). */
    private static long count(String k, Object v) throws Unsupported {
      if (!(v instanceof Integer i) || i < 0) {
        throw new Unsupported(k + " " + v);
      }
      return i;
    }

    private static Number number(String k, Object v) throws Unsupported {
      if (!(v instanceof Integer || v instanceof Long || v instanceof Double || v instanceof BigInteger || v instanceof BigDecimal)) {
        throw new Unsupported(k + " " + v); // a boolean: draft 4's exclusive bounds
      }
      return (Number) v;
    }
  }

  /** A schema met again while it is being compiled: its check, set once compiled. */
  private static final class Forward implements Check {
    private Check target;

    @Override
    public boolean test(Object value) {
      return target.test(value);
    }
  }

  /** A schema's constraints; each applies to the values of its JSON type only, as in JSON Schema. */
  private static final class Node implements Check {
    int types;
    Object constant;
    Set<String> strings;
    Check[] oneOf;
    String[] names;
    Check[] properties;
    Set<String> known = Set.of();
    String[] required;
    Check additional;
    Check items;
    long minItems = -1;
    long maxItems = -1;
    long minLength = -1;
    long maxLength = -1;
    Pattern pattern;
    Number minimum;
    Number maximum;
    Number exclusiveMinimum;
    Number exclusiveMaximum;

    @Override
    public boolean test(Object v) {
      if (types != 0 && !typeHolds(types, v)) {
        return false;
      }
      if (constant != null && !constant.equals(v)) {
        return false; // a string or boolean constant: the library's Objects.equals, for any value
      }
      if (strings != null && !(v instanceof String s && strings.contains(s))) {
        return false;
      }
      if (oneOf != null) {
        int matches = 0;
        for (Check c : oneOf) {
          if (c.test(v) && ++matches > 1) {
            return false;
          }
        }
        if (matches != 1) {
          return false;
        }
      }
      if (v instanceof JsonObject o) {
        return objectHolds(o);
      } else if (v instanceof JsonArray a) {
        return arrayHolds(a);
      } else if (v instanceof String s) {
        return stringHolds(s);
      } else if (v instanceof Number n) {
        return numberHolds(n);
      }
      return true;
    }

    private boolean objectHolds(JsonObject o) {
      if (required != null) {
        for (String r : required) {
          if (!o.containsKey(r)) {
            return false;
          }
        }
      }
      if (names != null) {
        for (int i = 0; i < names.length; i++) {
          if (o.containsKey(names[i]) && !properties[i].test(o.getValue(names[i]))) {
            return false;
          }
        }
      }
      if (additional != null) {
        for (String k : o.fieldNames()) {
          if (!known.contains(k) && !additional.test(o.getValue(k))) {
            return false;
          }
        }
      }
      return true;
    }

    private boolean arrayHolds(JsonArray a) {
      int size = a.size();
      if ((maxItems >= 0 && size > maxItems) || (minItems >= 0 && size < minItems)) {
        return false;
      }
      if (items != null) {
        for (int i = 0; i < size; i++) {
          if (!items.test(a.getValue(i))) {
            return false;
          }
        }
      }
      return true;
    }

    private boolean stringHolds(String s) {
      if (minLength >= 0 || maxLength >= 0) {
        int length = s.codePointCount(0, s.length()); // the library's ucs2length: a surrogate pair counts once
        if ((minLength >= 0 && length < minLength) || (maxLength >= 0 && length > maxLength)) {
          return false;
        }
      }
      return pattern == null || pattern.matcher(s).find();
    }

    private boolean numberHolds(Number n) {
      return (minimum == null || !lt(n, minimum)) && (maximum == null || !gt(n, maximum))
          && (exclusiveMinimum == null || !lte(n, exclusiveMinimum)) && (exclusiveMaximum == null || !gte(n, exclusiveMaximum));
    }
  }

  /** Whether {@code v} is of one of the types in {@code mask}: an integer is a number whose value has no fraction. */
  private static boolean typeHolds(int mask, Object v) {
    int t;
    if (v == null) {
      t = NULL;
    } else if (v instanceof Boolean) {
      t = BOOLEAN;
    } else if (v instanceof Number n) {
      t = NUMBER;
      if ((mask & INTEGER) != 0 && isInteger(n)) {
        return true;
      }
    } else if (v instanceof String) {
      t = STRING;
    } else if (v instanceof JsonObject) {
      t = OBJECT;
    } else if (v instanceof JsonArray) {
      t = ARRAY;
    } else {
      return false; // not a JSON value: the library's error, not ours to decide
    }
    return (mask & t) != 0;
  }

  /** As vertx-json-schema's {@code Numbers.isInteger}. */
  private static boolean isInteger(Number n) {
    if (n instanceof Byte || n instanceof Short || n instanceof Integer || n instanceof Long || n instanceof BigInteger) {
      return true;
    }
    if (n instanceof Float f) {
      return f % 1 == 0.0f;
    }
    if (n instanceof Double d) {
      return d % 1 == 0.0;
    }
    if (n instanceof BigDecimal b) {
      return b.remainder(BigDecimal.ONE).equals(BigDecimal.ZERO);
    }
    return false;
  }

  // vertx-json-schema's Numbers.lt, lte, gt, gte: exact when either is a big number, else as doubles

  private static boolean isBig(Number a, Number b) {
    return a instanceof BigDecimal || b instanceof BigDecimal || a instanceof BigInteger || b instanceof BigInteger;
  }

  private static boolean lt(Number a, Number b) {
    return isBig(a, b) ? big(a).compareTo(big(b)) < 0 : a.doubleValue() < b.doubleValue();
  }

  private static boolean lte(Number a, Number b) {
    return isBig(a, b) ? big(a).compareTo(big(b)) <= 0 : a.doubleValue() <= b.doubleValue();
  }

  private static boolean gt(Number a, Number b) {
    return isBig(a, b) ? big(a).compareTo(big(b)) > 0 : a.doubleValue() > b.doubleValue();
  }

  private static boolean gte(Number a, Number b) {
    return isBig(a, b) ? big(a).compareTo(big(b)) >= 0 : a.doubleValue() >= b.doubleValue();
  }

  private static BigDecimal big(Number n) {
    if (n instanceof BigDecimal b) {
      return b;
    }
    if (n instanceof BigInteger i) {
      return new BigDecimal(i);
    }
    if (n instanceof Float f) {
      return BigDecimal.valueOf(f.floatValue());
    }
    if (n instanceof Double d) {
      return BigDecimal.valueOf(d);
    }
    return BigDecimal.valueOf(n.longValue());
  }
}
