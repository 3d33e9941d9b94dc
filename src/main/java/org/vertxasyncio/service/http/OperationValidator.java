package org.vertxasyncio.service.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.RequestBody;
import io.vertx.openapi.contract.Style;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.RequestUtils;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import io.vertx.openapi.validation.impl.ValidatedRequestImpl;
import io.vertx.openapi.validation.transformer.FormTransformer;
import io.vertx.openapi.validation.transformer.LabelTransformer;
import io.vertx.openapi.validation.transformer.MatrixTransformer;
import io.vertx.openapi.validation.transformer.ParameterTransformer;
import io.vertx.openapi.validation.transformer.SimpleTransformer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validation of one operation's requests against the OpenAPI document, prepared once when the router
 * is built: the handler that takes the place of vertx-web-openapi-router's own, with the same outcome (the
 * same {@link ValidatedRequest} under {@link RouterBuilder#KEY_META_DATA_VALIDATED_REQUEST} for the
 * handlers, the same {@link ValidatorException}, as a 400 {@link HttpException}, for {@link Errors}).
 *
 * <p>What it does not redo per request, where vertx-openapi 5.0.7's validator does: a schema validator is
 * built once per parameter and per body media type (vertx-json-schema's copies the whole schema repository
 * when built); the body is decoded once (its JSON is validated, then handed to the handler; a body that
 * {@link Routes} has decoded already, under {@link #DECODED_BODY}, is not decoded again); a body whose schema
 * is a {@code oneOf} with a {@code discriminator} whose branches each fix the discriminating property with a
 * distinct {@code const} (the task specs by {@code kind}) is validated against the branch its value names
 * only: with distinct constants, the other branches cannot match, so the {@code oneOf} holds exactly when
 * that branch does; a parameter whose schema is only a string's length bounds (a task's id) is checked here
 * when its value is within them ({@link StringBounds}). A request found invalid goes through vertx-openapi's
 * own validator, which throws the exception the error answer is made from: the answers to bad requests are
 * the library's, by construction.
 *
 * <p>Threading: immutable once built, but for a concurrent map of the media type each {@code Content-Type}
 * value names; its validators keep no state between calls. Requests whose body is at most
 * {@link #INLINE_BODY_MAX} bytes are validated on the calling event loop (a few microseconds); larger
 * ones on a worker, as vertx-openapi does for every request, since the schema validator's time grows with
 * every element of a body.
 */
final class OperationValidator {
  /** Where {@link Routes} leaves a body it has decoded (a JSON value) for the validation to reuse. */
  static final String DECODED_BODY = "vertx-asyncio.decoded-body";
  /** Bodies larger than this, in bytes, are validated on a worker rather than on the event loop. */
  static final int INLINE_BODY_MAX = 8192;

  private static final Set<String> JSON_MEDIA_TYPES = Set.of(MediaType.APPLICATION_JSON, MediaType.APPLICATION_JSON_UTF8,
      MediaType.APPLICATION_HAL_JSON);

  private final Vertx vertx;
  private final Operation operation;
  /** vertx-openapi's validator: what produces the error of an invalid request. */
  private final RequestValidatorImpl library;
  private final Map<Style, ParameterTransformer> transformers = new EnumMap<>(Style.class);
  private final Map<Parameter, Validator> parameters = new IdentityHashMap<>();
  /** The parameters whose schema is a string's length bounds alone, checked here when they hold. */
  private final Map<Parameter, StringBounds> strings = new IdentityHashMap<>();
  private final Map<MediaType, BodySchema> bodies = new IdentityHashMap<>();
  /** The media type each {@code Content-Type} value seen names; a few values, from the clients in use. */
  private final Map<String, MediaType> mediaTypes = new java.util.concurrent.ConcurrentHashMap<>();
  /** The most {@code Content-Type} values {@link #mediaTypes} keeps (a header is the client's to choose). */
  private static final int MEDIA_TYPES_KEPT = 32;

  /**
   * A parameter schema that says only {@code type: string} and at most {@code minLength} and {@code maxLength}
   * (a task's id): a value within the bounds, counted in chars and in code points alike, is valid whichever
   * way the schema library counts, and is not run through it; any other value is.
   */
  record StringBounds(long min, long max) {
    private static final Set<String> KEYWORDS = Set.of("type", "minLength", "maxLength");

    /** The bounds of {@code schema}, or null when it says anything else. */
    static StringBounds of(JsonSchema schema) {
      if (!KEYWORDS.containsAll(schema.fieldNames()) || !"string".equals(schema.get("type"))) {
        return null;
      }
      Object min = schema.get("minLength");
      Object max = schema.get("maxLength");
      if ((min != null && !(min instanceof Integer || min instanceof Long)) || (max != null && !(max instanceof Integer || max instanceof Long))) {
        return null;
      }
      return new StringBounds(min == null ? 0 : ((Number) min).longValue(), max == null ? Long.MAX_VALUE : ((Number) max).longValue());
    }

    boolean holds(Object value) {
      if (!(value instanceof String s)) {
        return false;
      }
      int chars = s.length();
      return chars >= min && chars <= max && s.codePointCount(0, chars) >= min;
    }
  }

  /** A body media type's prepared validation: the whole schema, and its branches by discriminator value (or none). */
  private record BodySchema(Validator full, String discriminator, Map<String, Validator> branches) {
  }

  OperationValidator(Vertx vertx, OpenAPIContract contract, Operation operation, RequestValidatorImpl library) {
    this.vertx = vertx;
    this.operation = operation;
    this.library = library;
    transformers.put(Style.SIMPLE, new SimpleTransformer());
    transformers.put(Style.LABEL, new LabelTransformer());
    transformers.put(Style.MATRIX, new MatrixTransformer());
    transformers.put(Style.FORM, new FormTransformer());
    SchemaRepository repo = contract.getSchemaRepository();
    for (Parameter p : operation.getParameters()) {
      if (p.getSchema() != null) {
        parameters.put(p, repo.validator(p.getSchema()));
        StringBounds b = StringBounds.of(p.getSchema());
        if (b != null) {
          strings.put(p, b);
        }
      }
    }
    RequestBody body = operation.getRequestBody();
    if (body != null) {
      for (MediaType mt : body.getContent().values()) {
        if (JSON_MEDIA_TYPES.contains(mt.getIdentifier()) && schemaValidationRequired(mt)) {
          bodies.put(mt, prepare(repo, mt.getSchema()));
        }
      }
    }
  }

  /** The operation's validation handler: the validated request for the next handlers, or a 400. */
  Handler<RoutingContext> handler() {
    return rc -> {
      ValidatableRequest request;
      try {
        request = extract(rc);
      } catch (RuntimeException e) {
        fail(rc, e);
        return;
      }
      Object decoded = rc.get(DECODED_BODY);
      RequestParameter body = request.getBody();
      if (body != null && !body.isEmpty() && body.getBuffer().length() > INLINE_BODY_MAX) {
        vertx.executeBlocking(() -> validate(request, decoded)).onComplete(ar -> {
          if (ar.succeeded()) {
            rc.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, ar.result());
            rc.next();
          } else {
            fail(rc, ar.cause());
          }
        });
        return;
      }
      ValidatedRequest validated;
      try {
        validated = validate(request, decoded);
      } catch (RuntimeException e) {
        fail(rc, e);
        return;
      }
      rc.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, validated);
      rc.next();
    };
  }

  /**
   * The values of the discriminating property whose branch alone is checked, for bodies of media type
   * {@code mediaType}; empty when its bodies are checked against the whole schema.
   */
  /** The names of the parameters checked here when their value is within their schema's bounds. */
  Set<String> checkedHere() {
    Set<String> names = new java.util.TreeSet<>();
    strings.keySet().forEach(p -> names.add(p.getName()));
    return names;
  }

    Set<String> discriminated(String mediaType) {
    for (var e : bodies.entrySet()) {
      if (e.getKey().getIdentifier().equals(mediaType) && e.getValue().branches() != null) {
        return e.getValue().branches().keySet();
      }
    }
    return Set.of();
  }

  /** As vertx-web-openapi-router fails a request: a validation error is a 400 that carries it. */
  private static void fail(RoutingContext rc, Throwable e) {
    if (e instanceof ValidatorException) {
      rc.fail(new HttpException(400, e.getMessage(), e));
    } else {
      rc.fail(e);
    }
  }

  /** The request's parameters and body as vertx-openapi extracts them; on the event loop. */
  private ValidatableRequest extract(RoutingContext rc) {
    Buffer raw = rc.body() == null ? null : rc.body().buffer();
    Future<ValidatableRequest> extracted = RequestUtils.extract(rc.request(), operation, () -> Future.succeededFuture(raw));
    if (extracted.failed()) {
      throw extracted.cause() instanceof RuntimeException re ? re : new IllegalStateException(extracted.cause());
    }
    return extracted.result();
  }

  /**
   * The request's parameters and body, transformed and validated; {@code decoded}: its body as JSON, when
   * already decoded (else null).
   *
   * @throws ValidatorException the one vertx-openapi's validator throws for this request
   */
  ValidatedRequest validate(ValidatableRequest request, Object decoded) {
    Map<String, RequestParameter> cookies = new HashMap<>(4);
    Map<String, RequestParameter> headers = new HashMap<>(4);
    Map<String, RequestParameter> path = new HashMap<>(4);
    Map<String, RequestParameter> query = new HashMap<>(4);
    for (Parameter p : operation.getParameters()) {
      switch (p.getIn()) {
        case COOKIE -> cookies.put(p.getName(), parameter(p, request.getCookies().get(p.getName())));
        case HEADER -> headers.put(p.getName(), parameter(p, request.getHeaders().get(p.getName())));
        case PATH -> path.put(p.getName(), parameter(p, request.getPathParameters().get(p.getName())));
        case QUERY -> query.put(p.getName(), parameter(p, request.getQuery().get(p.getName())));
      }
    }
    return new ValidatedRequestImpl(cookies, headers, path, query, body(request, decoded));
  }

  private RequestParameter parameter(Parameter p, RequestParameter value) {
    Validator v = parameters.get(p);
    ParameterTransformer t = transformers.get(p.getStyle());
    if (value == null || value.isNull() || v == null || t == null) {
      return library.validateParameter(p, value); // no schema to apply: the library's answer is cheap
    }
    Object transformed = t.transform(p, String.valueOf(value.get()));
    StringBounds b = strings.get(p);
    if ((b != null && b.holds(transformed)) || v.validate(transformed).getValid()) {
      return new RequestParameterImpl(transformed);
    }
    return library.validateParameter(p, value); // throws the error of this value
  }

  private RequestParameter body(ValidatableRequest request, Object decoded) {
    RequestBody spec = operation.getRequestBody();
    if (spec == null) {
      return new RequestParameterImpl(null);
    }
    RequestParameter raw = request.getBody();
    MediaType mt = raw == null || raw.isEmpty() ? null : mediaType(spec, request.getContentType());
    BodySchema schema = mt == null ? null : bodies.get(mt);
    if (schema == null) {
      return library.validateBody(spec, request); // none, or not JSON: as the library does it
    }
    if (decoded == null) {
      try {
        decoded = Json.decodeValue(raw.getBuffer());
      } catch (DecodeException e) {
        return library.validateBody(spec, request); // throws its "can't be decoded"
      }
    }
    if (valid(schema, decoded)) {
      return new RequestParameterImpl(decoded);
    }
    return library.validateBody(spec, request); // throws the error of this body
  }

  /**
   * {@code spec.determineContentType(contentType)}, remembered per {@code Content-Type} value (up to
   * {@link #MEDIA_TYPES_KEPT} of them): the library strips and compares the header's text at every call.
   */
  private MediaType mediaType(RequestBody spec, String contentType) {
    if (contentType == null) {
      return spec.determineContentType(null);
    }
    MediaType mt = mediaTypes.get(contentType);
    if (mt == null) {
      mt = spec.determineContentType(contentType);
      if (mt != null && mediaTypes.size() < MEDIA_TYPES_KEPT) {
        mediaTypes.put(contentType, mt);
      }
    }
    return mt;
  }

  private static boolean valid(BodySchema schema, Object body) {
    if (schema.branches() != null && body instanceof JsonObject o && o.getValue(schema.discriminator()) instanceof String value) {
      Validator branch = schema.branches().get(value);
      if (branch != null && branch.validate(body).getValid()) {
        return true;
      }
    }
    return schema.full().validate(body).getValid();
  }

  /**
   * The validators of a body schema: the whole, and when it is a discriminated {@code oneOf} whose branches
   * each fix the property with a distinct {@code const}, each branch by that constant.
   */
  private static BodySchema prepare(SchemaRepository repo, JsonSchema schema) {
    Validator full = repo.validator(schema);
    Object discriminator = schema.get("discriminator");
    Object oneOf = schema.get("oneOf");
    if (!(discriminator instanceof JsonObject d) || !(d.getValue("propertyName") instanceof String property)
        || !(oneOf instanceof io.vertx.core.json.JsonArray branches) || branches.isEmpty()) {
      return new BodySchema(full, null, null);
    }
    Map<String, Validator> byValue = new HashMap<>();
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < branches.size(); i++) {
      JsonSchema branch = JsonSchema.of(branches.getJsonObject(i));
      if (!(constant(repo, branches.getJsonObject(i), property) instanceof String c) || seen.contains(c)) {
        return new BodySchema(full, null, null); // a branch that does not fix it, or two that fix it alike
      }
      seen.add(c);
      byValue.put(c, repo.validator(branch));
    }
    return new BodySchema(full, property, Map.copyOf(byValue));
  }

  /** The {@code const} that a branch (or the schema its {@code $ref} names) gives {@code property}, or null. */
  private static Object constant(SchemaRepository repo, JsonObject branch, String property) {
    Object properties;
    if (branch.getValue("$ref") instanceof String ref) {
      JsonSchema target = repo.find(ref);
      properties = target == null ? null : target.get("properties");
    } else {
      properties = branch.getValue("properties");
    }
    return properties instanceof JsonObject props && props.getValue(property) instanceof JsonObject p ? p.getValue("const") : null;
  }

  /** As vertx-openapi decides it: a schema other than a bare binary string is to be validated. */
  private static boolean schemaValidationRequired(MediaType mt) {
    JsonSchema s = mt.getSchema();
    if (s == null) {
      return false;
    }
    return !("string".equalsIgnoreCase(s.get("type")) && "binary".equalsIgnoreCase(s.get("format")) && s.fieldNames().size() == 2);
  }
}
