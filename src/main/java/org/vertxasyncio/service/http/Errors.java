package org.vertxasyncio.service.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.asyncio.CancelledError;
import org.vertxasyncio.service.ServiceError;

/**
 * Turns every failure into the API's JSON error, with the fitting status and never a stack trace:
 * {@link ApiError}s as they are, the service's {@link ServiceError}s by their type (not found 404,
 * invalid 400, conflict and closed loop 409, limit reached 429, store unavailable 503), OpenAPI validation
 * errors as 400s naming the field, vertx-web's own (413 from the body limit, 404, 405) with their status,
 * and anything unexpected as a 500 whose details go to the log only.
 */
public final class Errors {
  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);
  private static final Pattern REQUIRED = Pattern.compile("required property \"?([^\"\\s]+)\"?");
  private static final Pattern PARAM = Pattern.compile("(?:query|path|header|cookie) parameter ([^\\s.]+)");

  private Errors() {
  }

  /** The router's failure handler. */
  public static void handle(RoutingContext rc) {
    send(rc, toApiError(rc.failure(), rc.statusCode()));
  }

  /**
   * The router's handler for a {@code status} it decided on by itself: vertx-web calls it without
   * recording the status nor the failure in the context (a path it cannot decode is such a 400).
   */
  public static io.vertx.core.Handler<RoutingContext> routerStatus(int status) {
    return rc -> send(rc, toApiError(rc.failure(), rc.statusCode() > 0 ? rc.statusCode() : status));
  }

  /**
   * The router's handler for a 500 it decided on by itself. With no failure in the context, that is
   * vertx-web failing to match the request's path against the routes (a path it cannot decode, such as
   * {@code /tasks/%zz}): the request's fault, so a 400.
   */
  public static void handleRouter500(RoutingContext rc) {
    if (rc.failure() == null) {
      send(rc, ApiError.invalid("path", "cannot be decoded (malformed percent-encoding)"));
    } else {
      handle(rc);
    }
  }

  /**
   * The HTTP server's handler for requests its decoder could not read (a header too large, a bad
   * request line): the status Vert.x would give them, with a JSON body, and the connection closed.
   */
  public static void invalidRequest(io.vertx.core.http.HttpServerRequest req) {
    Throwable cause = req.decoderResult() == null ? null : req.decoderResult().cause();
    int status = cause instanceof io.netty.handler.codec.http.TooLongHttpLineException ? 414
        : cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException ? 431 : 400;
    ApiError e = forStatus(status, status == 400 ? "Malformed HTTP request" : null);
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
        .end(e.toJson().encode());
    req.connection().close();
  }

  /** Answers {@code rc} with {@code e}, unless an answer has already begun. */
  public static void send(RoutingContext rc, ApiError e) {
    HttpServerResponse r = rc.response();
    if (r.headWritten() || r.ended() || r.closed()) {
      if (!r.ended() && !r.closed()) {
        r.reset();
      }
      return;
    }
    r.setStatusCode(e.status()).putHeader("Content-Type", "application/json");
    if (e.retryAfterSeconds() != null) {
      r.putHeader("Retry-After", Integer.toString(e.retryAfterSeconds()));
    }
    if (e.status() == 405) {
      List<String> allow = rc.get("allow");
      if (allow != null) {
        r.putHeader("Allow", String.join(", ", allow));
      }
    }
    r.end(e.toJson().encode());
  }

  /** The API error for a failure (or a bare status code when there is no exception). */
  public static ApiError toApiError(Throwable failure, int status) {
    if (failure instanceof ApiError e) {
      return e;
    }
    if (failure instanceof ServiceError e) {
      return fromService(e);
    }
    if (failure instanceof HttpException he) {
      Throwable cause = he.getCause();
      if (cause instanceof ValidatorException ve) {
        return fromValidator(ve);
      }
      if (cause instanceof ApiError ae) {
        return ae;
      }
      if (cause instanceof ServiceError se) {
        return fromService(se);
      }
      return forStatus(he.getStatusCode(), he.getPayload());
    }
    if (failure instanceof ValidatorException ve) {
      return fromValidator(ve);
    }
    if (failure instanceof CancelledError) {
      return ApiError.loopClosed();
    }
    if (failure == null) {
      return forStatus(status, null);
    }
    if (failure instanceof io.vertx.core.http.HttpClosedException) {
      // the client went away before its request was read: nobody to answer, nothing gone wrong here
      LOG.debug("client closed the connection: {}", failure.getMessage());
      return forStatus(400, "Connection closed");
    }
    if (isMalformedRequest(failure)) {
      // the request's bytes could not be read as HTTP: the client's fault, and nothing to log loudly
      LOG.debug("malformed request: {}", failure.toString());
      return forStatus(400, "Malformed HTTP request");
    }
    if (status >= 400 && status < 500) {
      // vertx-web refused the request before our handlers (no Host header, an empty path): its message
      // is meant for clients; other exceptions' are not shown
      String detail = failure instanceof io.vertx.core.VertxException && failure.getCause() == null ? failure.getMessage() : null;
      return forStatus(status, detail);
    }
    LOG.error("unexpected error while handling a request", failure);
    return ApiError.of(500, "internal", "Internal error; see the service log");
  }

  /** The status and code of each of the service's errors. */
  static ApiError fromService(ServiceError e) {
    return switch (e) {
      case ServiceError.NotFound n -> ApiError.notFound(n.field(), n.getMessage());
      case ServiceError.Invalid i -> ApiError.invalid(i.field(), i.getMessage());
      case ServiceError.Conflict c -> c.reason() == ServiceError.Conflict.Reason.IDEMPOTENCY_KEY_IN_USE
          ? new ApiError(409, c.reason().code(), null, 1, c.getMessage()) : ApiError.conflict(c.reason().code(), c.getMessage());
      case ServiceError.KeyReused k -> new ApiError(422, "idempotency_key_reused", k.field(), null, k.getMessage());
      case ServiceError.LoopClosed c -> ApiError.loopClosed();
      case ServiceError.LimitReached l -> ApiError.tooMany(l.retryAfterSeconds(), l.getMessage());
      case ServiceError.StoreUnavailable s -> ApiError.storeUnavailable(s.getMessage());
    };
  }

  /** A failure of Netty's HTTP decoder: bytes that are not a valid HTTP request (a bad chunk size, ...). */
  static boolean isMalformedRequest(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof io.netty.handler.codec.DecoderException || c instanceof io.netty.handler.codec.TooLongFrameException) {
        return true;
      }
      StackTraceElement[] st = c.getStackTrace();
      if (st.length > 0 && st[0].getClassName().startsWith("io.netty.handler.codec.")) {
        return true;
      }
    }
    return false;
  }

  static ApiError forStatus(int status, String detail) {
    return switch (status) {
      case 400 -> ApiError.invalid(null, detail != null && !detail.isBlank() && !detail.equals("Bad Request")
          ? detail : "Malformed request");
      case 404 -> ApiError.notFound(null, "No such resource");
      case 405 -> ApiError.of(405, "method_not_allowed", "Method not allowed on this resource");
      case 413 -> ApiError.of(413, "payload_too_large", "Request body too large (limits.body.max)");
      case 415 -> ApiError.of(415, "unsupported_media_type", "Request bodies must be application/json");
      case 414 -> ApiError.of(414, "uri_too_long", "The request line is too long");
      case 417 -> ApiError.of(417, "expectation_failed", "Only 'Expect: 100-continue' is understood");
      case 431 -> ApiError.of(431, "headers_too_large", "The request headers are too large");
      case 503 -> ApiError.shuttingDown();
      default -> {
        if (status >= 400 && status < 500) {
          yield ApiError.of(status, "client_error", "Request refused (" + status + ")");
        }
        yield ApiError.of(500, "internal", "Internal error; see the service log");
      }
    };
  }

  /** A validation error: which field, and why, from the validator's most specific error. */
  static ApiError fromValidator(ValidatorException ve) {
    String msg = ve.getMessage() == null ? "invalid request" : ve.getMessage();
    if (ve.type() == ValidatorErrorType.UNSUPPORTED_VALUE_FORMAT && msg.contains("body")) {
      return ApiError.of(415, "unsupported_media_type", "Request bodies must be application/json");
    }
    if (ve.type() == ValidatorErrorType.ILLEGAL_VALUE && msg.contains("body")) {
      return ApiError.invalid("body", "is not valid JSON");
    }
    if (ve instanceof SchemaValidationException sve && sve.getOutputUnit() != null) {
      ApiError e = fromOutput(sve.getOutputUnit());
      if (e != null) {
        Matcher p = PARAM.matcher(msg);
        if (p.find() && !msg.contains(" body ")) {
          // a parameter: its name is the field, whatever the pointer inside its value says
          return ApiError.invalid(p.group(1), e.getMessage());
        }
        return e;
      }
    }
    Matcher p = PARAM.matcher(msg);
    if (p.find()) {
      return ApiError.invalid(p.group(1), msg);
    }
    if (msg.contains("required body")) {
      return ApiError.invalid("body", "is required (a JSON object)");
    }
    return ApiError.invalid(null, msg);
  }

  private static final List<String> CONTAINERS = List.of("/properties", "/items", "/oneOf", "/anyOf", "/allOf", "/$ref",
      "/additionalProperties", "/prefixItems", "/not");

  /**
   * The most specific errors of a schema validation: a property the schema does not know, else the
   * leaf errors at the deepest place in the instance (several, from the branches of a {@code oneOf},
   * are joined with "or"). vertx-json-schema also reports each invalid known property under
   * {@code additionalProperties}; such reports are ignored.
   */
  static ApiError fromOutput(OutputUnit top) {
    List<OutputUnit> all = top.getErrors() == null || top.getErrors().isEmpty() ? List.of(top) : top.getErrors();
    ApiError discriminator = discriminatorError(all);
    if (discriminator != null) {
      return discriminator;
    }
    List<OutputUnit> errors = withoutRuledOutBranches(all);
    java.util.Set<String> knownBad = new java.util.HashSet<>();
    for (OutputUnit u : errors) {
      if (u.getKeywordLocation() != null && u.getKeywordLocation().endsWith("/properties")) {
        knownBad.add(u.getInstanceLocation());
      }
    }
    for (OutputUnit u : errors) {
      String k = u.getKeywordLocation();
      if (k != null && k.endsWith("/additionalProperties") && !knownBad.contains(u.getInstanceLocation())) {
        return ApiError.invalid(pointerToField(u.getInstanceLocation()), "is not a known field");
      }
    }
    int depth = -1;
    List<OutputUnit> leaves = new java.util.ArrayList<>();
    for (OutputUnit u : errors) {
      String k = u.getKeywordLocation() == null ? "" : u.getKeywordLocation();
      if (CONTAINERS.stream().anyMatch(k::endsWith)) {
        continue;
      }
      String loc = u.getInstanceLocation() == null ? "" : u.getInstanceLocation();
      int d = loc.split("/").length;
      if (d > depth) {
        depth = d;
        leaves.clear();
      }
      if (d == depth) {
        leaves.add(u);
      }
    }
    if (leaves.isEmpty()) {
      OutputUnit last = errors.get(errors.size() - 1);
      return last.getError() == null ? null : ApiError.invalid(orBody(pointerToField(last.getInstanceLocation())), last.getError());
    }
    String field = pointerToField(leaves.get(0).getInstanceLocation());
    StringBuilder reason = new StringBuilder();
    for (OutputUnit u : leaves) {
      String r = u.getError();
      Matcher req = REQUIRED.matcher(r == null ? "" : r);
      if (req.find()) {
        return ApiError.invalid(field == null ? req.group(1) : field + "." + req.group(1), "is required");
      }
      if (reason.indexOf(String.valueOf(r)) >= 0) {
        continue; // the same reason from several branches
      }
      if (reason.length() > 0) {
        reason.append(", or ");
      }
      reason.append(r);
    }
    return ApiError.invalid(orBody(field), reason.toString());
  }

  /** A branch of a {@code oneOf} whose {@code const} property (a discriminator such as {@code kind}) did not match. */
  private static final Pattern RULED_OUT = Pattern.compile("^(.*/oneOf/\\d+)(?:/\\$ref)?/properties/([^/]+)/const$");
  /** A branch of a {@code oneOf} that misses a required property. */
  private static final Pattern BRANCH_REQUIRED = Pattern.compile("^(.*/oneOf/)(\\d+)(?:/\\$ref)?/required$");
  private static final Pattern BRANCH = Pattern.compile("^(.*/oneOf/)(\\d+)(?:/.*)?$");
  private static final Pattern CONST_VALUE = Pattern.compile("does not match (\"[^\"]*\")");

  /**
   * The error to give when a discriminated {@code oneOf} (each branch fixing a property, such as
   * {@code kind}, with {@code const}) failed for want of the discriminator itself: every branch misses the
   * same required property ("kind is required"), or every branch's constant was refused ("kind must be
   * one of ..."); null otherwise. vertx-json-schema reports each branch's errors, and ignores the
   * OpenAPI {@code discriminator}.
   */
  static ApiError discriminatorError(List<OutputUnit> errors) {
    java.util.Set<String> ruledOut = ruledOut(errors);
    java.util.Map<String, java.util.Set<String>> branches = new java.util.HashMap<>();
    java.util.Map<String, java.util.Map<String, java.util.Set<String>>> missing = new java.util.HashMap<>();
    java.util.Map<String, java.util.Set<String>> refused = new java.util.HashMap<>();
    java.util.Map<String, java.util.List<OutputUnit>> constErrors = new java.util.HashMap<>();
    for (OutputUnit u : errors) {
      String k = u.getKeywordLocation() == null ? "" : u.getKeywordLocation();
      Matcher b = BRANCH.matcher(k);
      if (!b.matches()) {
        continue;
      }
      // the innermost oneOf the keyword is under
      int at = k.lastIndexOf("/oneOf/");
      String oneOf = k.substring(0, at + "/oneOf/".length());
      String branch = k.substring(at + "/oneOf/".length()).split("/", 2)[0];
      if (ruledOut.stream().anyMatch(r -> oneOf.startsWith(r + "/"))) {
        continue; // inside a branch the client did not mean
      }
      branches.computeIfAbsent(oneOf, x -> new java.util.HashSet<>()).add(branch);
      Matcher req = REQUIRED.matcher(u.getError() == null ? "" : u.getError());
      Matcher br = BRANCH_REQUIRED.matcher(k);
      if (br.matches() && br.group(1).equals(oneOf) && req.find()) {
        missing.computeIfAbsent(oneOf, x -> new java.util.HashMap<>()).computeIfAbsent(req.group(1), x -> new java.util.HashSet<>())
            .add(branch);
      }
      Matcher c = RULED_OUT.matcher(k);
      if (c.matches() && c.group(1).startsWith(oneOf) && c.group(1).length() == oneOf.length() + branch.length()) {
        refused.computeIfAbsent(oneOf, x -> new java.util.HashSet<>()).add(branch);
        constErrors.computeIfAbsent(oneOf, x -> new java.util.ArrayList<>()).add(u);
      }
    }
    for (var e : branches.entrySet()) {
      for (var m : missing.getOrDefault(e.getKey(), java.util.Map.of()).entrySet()) {
        if (m.getValue().equals(e.getValue())) {
          OutputUnit any = errors.stream().filter(u -> u.getKeywordLocation() != null && u.getKeywordLocation().startsWith(e.getKey()))
              .findFirst().orElseThrow();
          String at = pointerToField(instanceOfBranch(any, errors, e.getKey()));
          return ApiError.invalid(at == null ? m.getKey() : at + "." + m.getKey(), "is required");
        }
      }
      if (refused.getOrDefault(e.getKey(), java.util.Set.of()).equals(e.getValue())) {
        java.util.List<OutputUnit> cs = constErrors.get(e.getKey());
        java.util.Set<String> values = new java.util.LinkedHashSet<>();
        for (OutputUnit u : cs) {
          Matcher v = CONST_VALUE.matcher(u.getError() == null ? "" : u.getError());
          if (v.find()) {
            values.add(v.group(1));
          }
        }
        return ApiError.invalid(orBody(pointerToField(cs.get(0).getInstanceLocation())), "must be one of " + String.join(", ", values));
      }
    }
    return null;
  }

  /** The instance a {@code oneOf} (its keyword location {@code oneOf}, ending "/oneOf/") applies to. */
  private static String instanceOfBranch(OutputUnit any, List<OutputUnit> errors, String oneOf) {
    String container = oneOf.substring(0, oneOf.length() - 1);
    for (OutputUnit u : errors) {
      if (container.equals(u.getKeywordLocation())) {
        return u.getInstanceLocation();
      }
    }
    return any.getInstanceLocation();
  }

  /**
   * {@code errors} without those of the {@code oneOf} branches a discriminator ruled out: a branch whose
   * {@code const} property the instance does not match is not the one the client meant (a {@code sleep}
   * is not held against the {@code work} branch's fields), so only the matching branch's errors are left.
   */
  static List<OutputUnit> withoutRuledOutBranches(List<OutputUnit> errors) {
    java.util.Set<String> ruledOut = ruledOut(errors);
    if (ruledOut.isEmpty()) {
      return errors;
    }
    List<OutputUnit> kept = new java.util.ArrayList<>();
    for (OutputUnit u : errors) {
      String k = u.getKeywordLocation() == null ? "" : u.getKeywordLocation();
      if (ruledOut.stream().noneMatch(b -> k.equals(b) || k.startsWith(b + "/"))) {
        kept.add(u);
      }
    }
    return kept;
  }

  /** The keyword locations of the {@code oneOf} branches whose {@code const} property the instance does not match. */
  private static java.util.Set<String> ruledOut(List<OutputUnit> errors) {
    java.util.Set<String> ruledOut = new java.util.HashSet<>();
    for (OutputUnit u : errors) {
      Matcher m = RULED_OUT.matcher(u.getKeywordLocation() == null ? "" : u.getKeywordLocation());
      if (m.matches()) {
        ruledOut.add(m.group(1));
      }
    }
    return ruledOut;
  }

  private static String orBody(String field) {
    return field == null ? "body" : field;
  }

  /** {@code #/tasks/0/seconds} or {@code /tasks/0/seconds} → {@code tasks[0].seconds}; the root → null. */
  static String pointerToField(String pointer) {
    if (pointer == null) {
      return null;
    }
    String p = pointer.startsWith("#") ? pointer.substring(1) : pointer;
    StringBuilder sb = new StringBuilder();
    for (String seg : p.split("/")) {
      if (seg.isEmpty()) {
        continue;
      }
      seg = seg.replace("~1", "/").replace("~0", "~");
      if (seg.matches("\\d+")) {
        sb.append('[').append(seg).append(']');
      } else {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(seg);
      }
    }
    return sb.length() == 0 ? null : sb.toString();
  }

}
