package org.vertxasyncio.service;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * A generator of hostile HTTP requests for the fuzz test: request {@code i} of seed {@code s} is always
 * the same, whatever order they are sent in. Some are valid, most are mutated: broken JSON, deep
 * nesting, huge arrays and strings, wrong types and out-of-range numbers in every field of every
 * operation, unknown fields and query parameters, odd methods, paths and headers. It never aims at the
 * loops the service needs ({@code default}) nor at tasks it did not make itself.
 */
final class HostileRequests {
  /** One request: method, path with query, headers, body (null: none). */
  record Req(String method, String path, Map<String, String> headers, byte[] body, String kind) {
  }

  private final long seed;
  private final Supplier<List<String>> knownTaskIds;

  /** @param knownTaskIds ids of tasks the fuzz made (it may cancel, delete and wait on those) */
  HostileRequests(long seed, Supplier<List<String>> knownTaskIds) {
    this.seed = seed;
    this.knownTaskIds = knownTaskIds;
  }

  Req request(int i) {
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
    int pick = r.nextInt(100);
    if (pick < 30) {
      return post("/tasks" + maybeQuery(r, "wait"), json(r, mutatedSpec(r, 0)), r, "spec");
    }
    if (pick < 42) {
      return post("/tasks", brokenJson(r), r, "broken-json");
    }
    if (pick < 47) {
      return post("/tasks", deep(r), r, "deep");
    }
    if (pick < 52) {
      return post("/tasks", huge(r), r, "huge");
    }
    if (pick < 60) {
      return post("/wait", json(r, mutatedWait(r)), r, "wait");
    }
    if (pick < 64) {
      return post("/loops", json(r, r.nextBoolean() ? new JsonObject().put("name", anyValue(r, 0)) : mutate(r, new JsonObject().put("name", "fz" + r.nextInt(50)))), r, "loops");
    }
    if (pick < 76) {
      return new Req(pick(r, "GET", "GET", "GET", "DELETE", "POST", "HEAD"), pathWithQuery(r), headers(r, null), r.nextInt(10) == 0 ? brokenJson(r) : null, "path");
    }
    if (pick < 86) {
      return new Req(oddMethod(r), pathWithQuery(r), headers(r, null), r.nextBoolean() ? json(r, mutatedSpec(r, 0)) : null, "method");
    }
    if (pick < 96) {
      return new Req("POST", pick(r, "/tasks", "/wait", "/loops"), oddHeaders(r), r.nextBoolean() ? json(r, mutatedSpec(r, 0)) : brokenJson(r), "headers");
    }
    return new Req("GET", "/events" + eventsQuery(r), headers(r, null), null, "events");
  }

  // ------------------------------------------------------------------ bodies

  private Req post(String path, byte[] body, SplittableRandom r, String kind) {
    return new Req("POST", path, headers(r, "application/json"), body, kind);
  }

  private static byte[] json(SplittableRandom r, Object value) {
    String s = value instanceof JsonObject o ? o.encode() : value instanceof JsonArray a ? a.encode() : String.valueOf(value);
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A task spec that may be valid, with some of its fields mutated. */
  private JsonObject mutatedSpec(SplittableRandom r, int depth) {
    JsonObject o = new JsonObject();
    String kind = pick(r, "sleep", "work", "gather", "sleep", "nap", "");
    o.put("kind", kind);
    switch (kind) {
      case "sleep" -> o.put("seconds", r.nextDouble() * 0.3).put("result", anyValue(r, 0));
      case "work" -> o.put("iterations", 1 + r.nextInt(200)).put("input", text(r, 20));
      case "gather" -> {
        JsonArray tasks = new JsonArray();
        int n = r.nextInt(depth > 2 ? 2 : 5);
        for (int k = 0; k < n; k++) {
          List<String> ids = knownTaskIds.get();
          tasks.add(r.nextInt(4) == 0 && !ids.isEmpty() ? ids.get(r.nextInt(ids.size())) : mutatedSpec(r, depth + 1));
        }
        o.put("tasks", tasks).put("returnExceptions", r.nextBoolean());
      }
      default -> o.put("seconds", 0);
    }
    if (r.nextInt(4) == 0) {
      o.put("name", text(r, 30));
    }
    if (r.nextInt(6) == 0) {
      o.put("raise", text(r, 20));
    }
    if (r.nextInt(6) == 0) {
      o.put("timeout", r.nextDouble());
    }
    if (r.nextInt(8) == 0) {
      o.put("callbacks", callbacks(r));
    }
    return r.nextInt(3) == 0 ? o : mutate(r, o);
  }

  private static final String[] SPEC_FIELDS = {"kind", "name", "loop", "seconds", "result", "iterations", "input", "tasks",
      "returnExceptions", "raise", "timeout", "callbacks"};

  /** Replaces, removes or adds one to three fields, with values of any type and range. */
  private static JsonObject mutate(SplittableRandom r, JsonObject o) {
    int n = 1 + r.nextInt(3);
    for (int k = 0; k < n; k++) {
      String f = r.nextInt(5) == 0 ? text(r, 12) : SPEC_FIELDS[r.nextInt(SPEC_FIELDS.length)];
      switch (r.nextInt(4)) {
        case 0 -> o.remove(f);
        case 1 -> o.put(f, badNumber(r));
        default -> o.put(f, anyValue(r, 0));
      }
    }
    return o;
  }

  private static JsonArray callbacks(SplittableRandom r) {
    JsonArray a = new JsonArray();
    int n = r.nextInt(20) == 0 ? 200 : r.nextInt(3);
    for (int k = 0; k < n; k++) {
      JsonObject h = new JsonObject().put("url", pick(r, "http://127.0.0.1:1/x", "http://[::1]/", "http://169.254.169.254/latest/meta-data/",
          "http://10.0.0.1/", "http://2130706433/", "http://0x7f.1/", "ftp://example.com/", "http://user:pw@example.com/",
          "javascript:alert(1)", "http://", "http://[::ffff:127.0.0.1]/", "http://localhost:1/", "http://fuzz.invalid/",
          "https://example.invalid:99999/", text(r, 40)));
      if (r.nextBoolean()) {
        h.put("secret", pick(r, "s3cret", "whsec_!!", "whsec_", "", "whsec_c2VjcmV0"));
      }
      if (r.nextInt(5) == 0) {
        h.put(text(r, 5), anyValue(r, 0));
      }
      a.add(r.nextInt(10) == 0 ? anyValue(r, 0) : h);
    }
    return a;
  }

  private JsonObject mutatedWait(SplittableRandom r) {
    JsonObject o = new JsonObject();
    JsonArray ids = new JsonArray();
    List<String> known = knownTaskIds.get();
    int n = r.nextInt(4);
    for (int k = 0; k < n; k++) {
      ids.add(!known.isEmpty() && r.nextBoolean() ? known.get(r.nextInt(known.size())) : text(r, 26));
    }
    o.put("tasks", ids);
    o.put("returnWhen", pick(r, "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED", "first_completed", ""));
    o.put("timeout", r.nextDouble() * 0.2);
    if (r.nextInt(2) == 0) {
      String f = pick(r, "tasks", "returnWhen", "timeout", text(r, 6));
      o.put(f, r.nextBoolean() ? badNumber(r) : anyValue(r, 0));
    }
    return o;
  }

  /** Any JSON value: strings, numbers at the edges, booleans, null, small arrays and objects. */
  private static Object anyValue(SplittableRandom r, int depth) {
    switch (r.nextInt(depth > 2 ? 6 : 8)) {
      case 0:
        return text(r, 40);
      case 1:
        return badNumber(r);
      case 2:
        return r.nextBoolean();
      case 3:
        return null;
      case 4:
        return r.nextInt();
      case 5:
        return r.nextDouble() * 10;
      case 6: {
        JsonArray a = new JsonArray();
        int n = r.nextInt(4);
        for (int k = 0; k < n; k++) {
          a.add(anyValue(r, depth + 1));
        }
        return a;
      }
      default: {
        JsonObject o = new JsonObject();
        int n = r.nextInt(4);
        for (int k = 0; k < n; k++) {
          o.put(text(r, 8), anyValue(r, depth + 1));
        }
        return o;
      }
    }
  }

  /** Numbers a careless parser mishandles; JSON-encodable ones only (NaN and Infinity go in broken JSON). */
  private static Object badNumber(SplittableRandom r) {
    return switch (r.nextInt(10)) {
      case 0 -> -1;
      case 1 -> 0;
      case 2 -> Long.MAX_VALUE;
      case 3 -> Long.MIN_VALUE;
      case 4 -> 1e308;
      case 5 -> -1e-308;
      case 6 -> 4.9e-324;
      case 7 -> new java.math.BigInteger("9".repeat(40));
      case 8 -> -0.0;
      default -> 1.5;
    };
  }

  /** Text with letters, digits, punctuation, quotes, escapes, control characters and non-ASCII. */
  static String text(SplittableRandom r, int max) {
    int n = r.nextInt(max + 1);
    StringBuilder sb = new StringBuilder(n);
    String pool = "abcxyzABCXYZ0123456789 _-./:;'\"\\{}[]<>%&?=#@!$*+,\t\n\r\u0000\u0007\u00e9\u00df\u4e2d\u2028\ud83d\ude00";
    for (int k = 0; k < n; k++) {
      char c = pool.charAt(r.nextInt(pool.length()));
      if (Character.isHighSurrogate(c)) {
        sb.append("\ud83d\ude00");
      } else if (!Character.isLowSurrogate(c)) {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Not JSON, or JSON with something wrong in the bytes. */
  private byte[] brokenJson(SplittableRandom r) {
    String valid = mutatedSpec(r, 0).encode();
    return switch (r.nextInt(14)) {
      case 0 -> valid.substring(0, r.nextInt(valid.length())).getBytes(StandardCharsets.UTF_8);
      case 1 -> "{\"kind\":\"sleep\",\"seconds\":NaN}".getBytes(StandardCharsets.UTF_8);
      case 2 -> "{\"kind\":\"sleep\",\"seconds\":Infinity}".getBytes(StandardCharsets.UTF_8);
      case 3 -> "{\"kind\":\"sleep\",\"seconds\":-Infinity,}".getBytes(StandardCharsets.UTF_8);
      case 4 -> "{'kind':'sleep'}".getBytes(StandardCharsets.UTF_8);
      case 5 -> ("{\"kind\":\"sleep\",\"seconds\":1e" + (300 + r.nextInt(400)) + "}").getBytes(StandardCharsets.UTF_8);
      case 6 -> ("\ufeff" + valid).getBytes(StandardCharsets.UTF_8);
      case 7 -> new byte[] {(byte) 0xff, (byte) 0xfe, '{', '}'};
      case 8 -> ("{\"kind\":\"sleep\",/*c*/\"seconds\":0}").getBytes(StandardCharsets.UTF_8);
      case 9 -> (valid + valid).getBytes(StandardCharsets.UTF_8);
      case 10 -> ("{\"kind\":\"sleep\",\"kind\":\"work\",\"seconds\":0}").getBytes(StandardCharsets.UTF_8);
      case 11 -> {
        byte[] b = valid.getBytes(StandardCharsets.UTF_8);
        for (int k = 0; k < 1 + r.nextInt(4); k++) {
          b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
        yield b;
      }
      case 12 -> ("{\"kind\":\"sleep\",\"seconds\":" + "9".repeat(400) + "}").getBytes(StandardCharsets.UTF_8);
      default -> {
        byte[] b = new byte[r.nextInt(200)];
        for (int k = 0; k < b.length; k++) {
          b[k] = (byte) r.nextInt(256);
        }
        yield b;
      }
    };
  }

  /** Deep nesting: of arrays or objects in {@code result}, or of gathers. */
  private static byte[] deep(SplittableRandom r) {
    int depth = pickInt(r, 100, 1_000, 2_000, 10_000, 30_000);
    StringBuilder sb = new StringBuilder();
    switch (r.nextInt(3)) {
      case 0 -> {
        sb.append("{\"kind\":\"sleep\",\"seconds\":0,\"result\":");
        sb.append("[".repeat(depth)).append("]".repeat(depth)).append('}');
      }
      case 1 -> {
        sb.append("{\"kind\":\"sleep\",\"seconds\":0,\"result\":");
        sb.append("{\"a\":".repeat(depth)).append("1").append("}".repeat(depth)).append('}');
      }
      default -> {
        int d = Math.min(depth, 2_000);
        sb.append("{\"kind\":\"gather\",\"tasks\":[".repeat(d)).append("{\"kind\":\"sleep\",\"seconds\":0}").append("]}".repeat(d));
      }
    }
    if (r.nextInt(4) == 0) {
      sb.setLength(sb.length() / 2); // and unbalanced
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Huge arrays and strings, at and beyond the body limit. */
  private static byte[] huge(SplittableRandom r) {
    int n = pickInt(r, 1_000, 5_000, 20_000, 100_000);
    StringBuilder sb = new StringBuilder();
    switch (r.nextInt(4)) {
      case 0 -> {
        sb.append("{\"kind\":\"gather\",\"tasks\":[");
        for (int k = 0; k < n; k++) {
          sb.append(k == 0 ? "" : ",").append("\"01ARZ3NDEKTSV4RRFFQ69G5FAV\"");
        }
        sb.append("]}");
      }
      case 1 -> {
        sb.append("{\"kind\":\"sleep\",\"seconds\":0,\"result\":[");
        for (int k = 0; k < n; k++) {
          sb.append(k == 0 ? "" : ",").append(k);
        }
        sb.append("]}");
      }
      case 2 -> sb.append("{\"kind\":\"sleep\",\"seconds\":0,\"name\":\"").append("n".repeat(n)).append("\"}");
      default -> {
        sb.append("{\"kind\":\"gather\",\"tasks\":[");
        for (int k = 0; k < Math.min(n, 2_000); k++) {
          sb.append(k == 0 ? "" : ",").append("{\"kind\":\"sleep\",\"seconds\":0}");
        }
        sb.append("]}");
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ paths, methods, headers

  private String pathWithQuery(SplittableRandom r) {
    List<String> ids = knownTaskIds.get();
    String id = !ids.isEmpty() && r.nextBoolean() ? ids.get(r.nextInt(ids.size())) : pick(r, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "x",
        "%00", "..%2f..%2fetc%2fpasswd", "a".repeat(70), "%F0%9F%98%80", "%zz", "-1", "");
    String p = switch (r.nextInt(18)) {
      case 0 -> "/tasks";
      case 1 -> "/tasks/" + id;
      case 2 -> "/tasks/" + id + "/cancel";
      case 3 -> "/tasks/" + id + "/callbacks/" + pick(r, "0", "1", "-1", "99999999999", "x", "1.5") + "/redeliver";
      case 4 -> "/loops/" + pick(r, "fz1", "fz2", "nowhere", "%2F", "a".repeat(80)) + pick(r, "", "/stop", "/start", "/close");
      case 5 -> "/loops";
      case 6 -> "/health";
      case 7 -> "/ready";
      case 8 -> "/metrics";
      case 9 -> "/openapi.yaml";
      case 10 -> "/../../etc/passwd";
      case 11 -> "//tasks//" + id;
      case 12 -> "/TASKS";
      case 13 -> "/tasks;jsessionid=1";
      case 14 -> "/" + "x/".repeat(r.nextInt(1, 400));
      case 15 -> "/tasks/%2e%2e/%2e%2e";
      case 16 -> "/wait";
      default -> "/no/such/" + text(r, 10).replaceAll("[^a-z0-9]", "");
    };
    return p + query(r);
  }

  private static String query(SplittableRandom r) {
    if (r.nextInt(3) == 0) {
      return "";
    }
    StringBuilder q = new StringBuilder("?");
    int n = 1 + r.nextInt(3);
    for (int k = 0; k < n; k++) {
      String name = pick(r, "wait", "limit", "cursor", "state", "kind", "loop", "name", "task", "lastEventId", "access_token", "x", "wait[]", "%00");
      String value = pick(r, "0", "-1", "1e999", "NaN", "Infinity", "abc", "", "0.5", "99999999999999999999", "pending", "%ZZ",
          "%E2%82", "a".repeat(300), "1&wait=2", "null");
      q.append(k == 0 ? "" : "&").append(name).append('=').append(value);
    }
    return q.toString();
  }

  private static String maybeQuery(SplittableRandom r, String param) {
    return r.nextInt(5) == 0 ? "?" + param + "=" + pick(r, "0", "0.05", "-1", "abc", "1e9", "NaN") : "";
  }

  private static String eventsQuery(SplittableRandom r) {
    return pick(r, "", "?task=x", "?lastEventId=0", "?lastEventId=-1", "?lastEventId=99999999999999999999", "?lastEventId=abc",
        "?access_token=nope", "?task=" + "x".repeat(100), "?unknown=1");
  }

  private static String oddMethod(SplittableRandom r) {
    return pick(r, "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "HEAD", "PROPFIND", "FOO", "get", "MKCOL", "LINK", "POST", "GET");
  }

  private static Map<String, String> headers(SplittableRandom r, String contentType) {
    Map<String, String> h = new LinkedHashMap<>();
    if (contentType != null) {
      h.put("Content-Type", r.nextInt(15) == 0 ? pick(r, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1",
          "application/vnd.api+json", "multipart/form-data; boundary=x", "", "application/jsonx") : contentType);
    }
    if (r.nextInt(20) == 0) {
      h.put("Last-Event-ID", pick(r, "abc", "-5", "1".repeat(40), "7"));
    }
    return h;
  }

  /** Headers a careless server mishandles. */
  private static Map<String, String> oddHeaders(SplittableRandom r) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/json");
    switch (r.nextInt(12)) {
      case 0 -> h.put("Content-Encoding", "gzip");
      case 1 -> h.put("Content-Type", "application/json; charset=\"utf-16\"");
      case 2 -> h.put("Accept", "*/*;q=x, text/event-stream;q=-1");
      case 3 -> h.put("Authorization", pick(r, "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer " + "t".repeat(5000), "bearer x y"));
      case 4 -> h.put("X-Forwarded-For", "127.0.0.1, ::1, 169.254.169.254");
      case 5 -> h.put("X-Filler", "f".repeat(pickInt(r, 100, 4000, 7000)));
      case 6 -> h.put("Expect", pick(r, "100-continue", "200-ok"));
      case 7 -> h.put("Content-Type", "application/json;;;;");
      case 8 -> h.put("Accept-Encoding", "gzip, deflate, br, zstd, x");
      case 9 -> h.put("Origin", "http://evil.example");
      case 10 -> h.remove("Content-Type");
      default -> h.put("Range", "bytes=0-1,-5");
    }
    return h;
  }

  @SafeVarargs
  private static <T> T pick(SplittableRandom r, T... options) {
    return options[r.nextInt(options.length)];
  }

  private static int pickInt(SplittableRandom r, int... options) {
    return options[r.nextInt(options.length)];
  }

  /**
   * Requests no well-behaved HTTP client sends, written as raw bytes: bad request lines, broken
   * framing, conflicting lengths (request smuggling), oversized lines and headers, NUL bytes.
   */
  static List<byte[]> rawRequests(long seed, int count) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> fixed = List.of(
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /tasks\r\n\r\n",
        "GET /tasks HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /tasks HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}",
        "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}{",
        "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /tasks HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
        "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{}",
        "GET /tasks HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n",
        "GET /tasks HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
        "GET /tasks HTTP/1.1\r\nHost: x\r\n: novalue\r\n\r\n",
        "GET /tasks\u0000 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /tasks HTTP/1.1\nHost: x\n\n",
        "GET /tasks HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        "GET http://169.254.169.254/latest HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n",
        "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n",
        "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /tasks HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n",
        "GET /tasks HTTP/1.1\r\nHost: x\r\n" + "X-Many: y\r\n".repeat(2_000) + "\r\n",
        "GET /tasks?wait=1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "GET /tasks HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
        "\r\n\r\n\r\n",
        "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"kind\":");
    List<byte[]> out = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      String base = fixed.get(k % fixed.size());
      byte[] b = base.getBytes(StandardCharsets.ISO_8859_1);
      if (k >= fixed.size()) {
        // mutate a few bytes of a fixed one
        b = b.clone();
        for (int m = 0; m < 1 + r.nextInt(3); m++) {
          b[r.nextInt(b.length)] = (byte) pickInt(r, 0, ' ', '\r', '\n', ':', '/', '%', 0x7f, 0xff, 'A');
        }
      }
      out.add(b);
    }
    return out;
  }
}
