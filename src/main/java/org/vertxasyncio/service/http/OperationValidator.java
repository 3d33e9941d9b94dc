package org.vertxasyncio.service.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.json.schema.common.dsl.SchemaType;
import io.vertx.openapi.contract.Location;
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
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import io.vertx.openapi.validation.impl.ValidatableRequestImpl;
import io.vertx.openapi.validation.impl.ValidatedRequestImpl;
import io.vertx.openapi.validation.transformer.FormTransformer;
import io.vertx.openapi.validation.transformer.LabelTransformer;
import io.vertx.openapi.validation.transformer.MatrixTransformer;
import io.vertx.openapi.validation.transformer.ParameterTransformer;
import io.vertx.openapi.validation.transformer.SimpleTransformer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
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
 * <p>What it does not redo per request, where vertx-openapi 5.0.7's validator does: each parameter's schema
 * and each JSON body's is compiled once into a {@link SchemaCheck}, which walks a value once (a schema that
 * uses a keyword it does not know gets a vertx-json-schema validator, built once: that library's
 * constructor copies the whole schema repository); the body is decoded once (its JSON is validated, then
 * handed to the handler; a body that {@link Routes} has decoded already, under {@link #DECODED_BODY}, is
 * not decoded again). A request found invalid goes through vertx-openapi's own validator, which throws the
 * exception the error answer is made from: the answers to bad requests are the library's, by construction.
 *
 * <p>Threading: immutable once built, but for a concurrent map of the media type each {@code Content-Type}
 * value names; its validators keep no state between calls. Requests whose body is at most
 * {@link #INLINE_BODY_MAX} bytes are validated on the calling event loop (a few microseconds); larger
 * ones on a worker, as vertx-openapi does for every request, since a validation's time grows with
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
  /** Whether this class extracts the operation's parameters itself: each a path, header or primitive query parameter. */
  private final boolean extractHere;
  /** The operation's parameters, in the document's order. */
  private final Parameter[] params;
  /** The segment of the request's path each path parameter is (1 for the first), as vertx-openapi counts them. */
  private final Map<Parameter, Integer> pathSegments = new IdentityHashMap<>();
  /** Each parameter's compiled schema, or (a schema {@link SchemaCheck} does not compile) the library's validator. */
  private final Map<Parameter, SchemaCheck.Check> parameters = new IdentityHashMap<>();
  private final Map<MediaType, SchemaCheck.Check> bodies = new IdentityHashMap<>();
  /** The media type each {@code Content-Type} value seen names; a few values, from the clients in use. */
  private final Map<String, MediaType> mediaTypes = new java.util.concurrent.ConcurrentHashMap<>();
  /** The most {@code Content-Type} values {@link #mediaTypes} keeps (a header is the client's to choose). */
  private static final int MEDIA_TYPES_KEPT = 32;

  OperationValidator(Vertx vertx, OpenAPIContract contract, Operation operation, RequestValidatorImpl library) {
    this.vertx = vertx;
    this.operation = operation;
    this.library = library;
    transformers.putAll(transformers());
    params = operation.getParameters().toArray(Parameter[]::new);
    extractHere = operation.getParameters().stream().allMatch(p -> switch (p.getIn()) {
      case PATH, HEADER -> true;
      case QUERY -> p.getSchemaType() != SchemaType.OBJECT && p.getSchemaType() != SchemaType.ARRAY;
      default -> false;
    });
    for (Parameter p : operation.getParameters()) {
      if (p.getIn() == Location.PATH) {
        pathSegments.put(p, RequestUtils.findPathSegment(operation.getAbsoluteOpenAPIPath(), p.getName()));
      }
    }
    SchemaRepository repo = contract.getSchemaRepository();
    for (Parameter p : operation.getParameters()) {
      if (p.getSchema() != null) {
        parameters.put(p, check(repo, p.getSchema()));
      }
    }
    RequestBody body = operation.getRequestBody();
    if (body != null) {
      for (MediaType mt : body.getContent().values()) {
        if (JSON_MEDIA_TYPES.contains(mt.getIdentifier()) && schemaValidationRequired(mt)) {
          bodies.put(mt, check(repo, mt.getSchema()));
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

  /** The names of the parameters whose schema {@link SchemaCheck} compiled (the others go through the schema library). */
  Set<String> compiledParameters() {
    Set<String> names = new java.util.TreeSet<>();
    parameters.forEach((p, c) -> {
      if (!(c instanceof LibraryCheck)) {
        names.add(p.getName());
      }
    });
    return names;
  }

  /** The media types of the bodies whose schema {@link SchemaCheck} compiled. */
  Set<String> compiledBodies() {
    Set<String> types = new java.util.TreeSet<>();
    bodies.forEach((mt, c) -> {
      if (!(c instanceof LibraryCheck)) {
        types.add(mt.getIdentifier());
      }
    });
    return types;
  }

  /** As vertx-web-openapi-router fails a request: a validation error is a 400 that carries it. */
  private static void fail(RoutingContext rc, Throwable e) {
    if (e instanceof ValidatorException) {
      rc.fail(new HttpException(400, e.getMessage(), e));
    } else {
      rc.fail(e);
    }
  }

  /**
   * The request's parameters and body as vertx-openapi's {@code RequestUtils.extract} makes them; on the event loop.
   * For path, header and primitive query parameters it does the same here, with each path parameter's segment
   * counted once, not at every request; an operation with others goes through {@code RequestUtils}.
   */
  ValidatableRequest extract(RoutingContext rc) {
    Buffer raw = rc.body() == null ? null : rc.body().buffer();
    HttpServerRequest req = rc.request();
    if (!extractHere) {
      Future<ValidatableRequest> extracted = RequestUtils.extract(req, operation, () -> Future.succeededFuture(raw));
      if (extracted.failed()) {
        throw extracted.cause() instanceof RuntimeException re ? re : new IllegalStateException(extracted.cause());
      }
      return extracted.result();
    }
    Map<String, RequestParameter> cookies = new HashMap<>(4);
    Map<String, RequestParameter> headers = new HashMap<>(4);
    Map<String, RequestParameter> path = new HashMap<>(4);
    Map<String, RequestParameter> query = new HashMap<>(4);
    for (Parameter p : params) {
      switch (p.getIn()) {
        case PATH -> path.put(p.getName(), new RequestParameterImpl(decodeUrl(pathSegment(req.path(), pathSegments.get(p)))));
        case HEADER -> headers.put(p.getName(), new RequestParameterImpl(decodeUrl(req.getHeader(p.getName()))));
        case QUERY -> {
          List<String> values = req.params().getAll(p.getName());
          query.put(p.getName(), new RequestParameterImpl(values.isEmpty() ? null : decodeUrl(values.get(0))));
        }
        default -> throw new IllegalStateException("parameter " + p.getName() + " in " + p.getIn()); // see extractHere
      }
    }
    if (operation.getRequestBody() == null) {
      return new ValidatableRequestImpl(cookies, headers, path, query);
    }
    return new ValidatableRequestImpl(cookies, headers, path, query, new RequestParameterImpl(raw),
        req.headers().get(HttpHeaders.CONTENT_TYPE));
  }

  /**
   * Segment {@code n} (from 1) of {@code path} after its first character, as {@code path.substring(1).split("/")}
   * numbers them, which drops the empty segments at the end (null: no such segment); without the array.
   */
  static String pathSegment(String path, int n) {
    if (path.length() == 1) {
      return n == 1 ? "" : null; // "".split("/") is [""]
    }
    int start = 1;
    for (int i = 1; i < n; i++) {
      int slash = path.indexOf('/', start);
      if (slash < 0) {
        return null;
      }
      start = slash + 1;
    }
    int end = path.indexOf('/', start);
    if (end < 0) {
      end = path.length();
    }
    if (end > start) {
      return path.substring(start, end);
    }
    for (int i = end; i < path.length(); i++) {
      if (path.charAt(i) != '/') {
        return ""; // an empty segment that a non-empty one follows
      }
    }
    return null;
  }

  /** As vertx-openapi's {@code RequestUtils.decodeUrl}: the same value, or the same error (its cause left out). */
  private static String decodeUrl(String encoded) {
    try {
      return encoded == null ? null : URLDecoder.decode(encoded, StandardCharsets.UTF_8);
    } catch (Exception e) {
      throw new ValidatorException("Can't decode URL value: " + encoded, ValidatorErrorType.ILLEGAL_VALUE);
    }
  }

  /**
   * vertx-openapi's parameter transformers, but for a string parameter whose value is a word ({@code \w+}): the
   * library tests that with {@code String.matches}, compiling the pattern at every call; this tests it in place.
   */
  static Map<Style, ParameterTransformer> transformers() {
    Map<Style, ParameterTransformer> t = new EnumMap<>(Style.class);
    t.put(Style.SIMPLE, new SimpleTransformer() {
      @Override
      public Object transformPrimitive(Parameter parameter, String rawValue) {
        return stringWord(parameter, rawValue) ? rawValue : super.transformPrimitive(parameter, rawValue);
      }
    });
    t.put(Style.LABEL, new LabelTransformer() {
      @Override
      public Object transformPrimitive(Parameter parameter, String rawValue) {
        return stringWord(parameter, rawValue) ? rawValue : super.transformPrimitive(parameter, rawValue);
      }
    });
    t.put(Style.MATRIX, new MatrixTransformer() {
      @Override
      public Object transformPrimitive(Parameter parameter, String rawValue) {
        return stringWord(parameter, rawValue) ? rawValue : super.transformPrimitive(parameter, rawValue);
      }
    });
    t.put(Style.FORM, new FormTransformer() {
      @Override
      public Object transformPrimitive(Parameter parameter, String rawValue) {
        return stringWord(parameter, rawValue) ? rawValue : super.transformPrimitive(parameter, rawValue);
      }
    });
    return t;
  }

  /** Whether a string parameter's value matches {@code \w+}: one or more of {@code [a-zA-Z_0-9]}. */
  private static boolean stringWord(Parameter parameter, String value) {
    if (parameter.getSchemaType() != SchemaType.STRING || value.isEmpty()) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return true;
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
    for (Parameter p : params) {
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
    SchemaCheck.Check v = parameters.get(p);
    ParameterTransformer t = transformers.get(p.getStyle());
    if (value == null || value.isNull() || v == null || t == null) {
      return library.validateParameter(p, value); // no schema to apply: the library's answer is cheap
    }
    Object transformed = t.transform(p, String.valueOf(value.get()));
    if (v.test(transformed)) {
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
    SchemaCheck.Check schema = mt == null ? null : bodies.get(mt);
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
    if (schema.test(decoded)) {
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

  /** {@code schema} compiled, or else vertx-json-schema's validator of it. */
  private static SchemaCheck.Check check(SchemaRepository repo, JsonSchema schema) {
    SchemaCheck.Check compiled = SchemaCheck.compile(schema);
    return compiled != null ? compiled : new LibraryCheck(repo.validator(schema));
  }

  /** vertx-json-schema's validator of a schema that {@link SchemaCheck} does not compile. */
  private record LibraryCheck(Validator validator) implements SchemaCheck.Check {
    @Override
    public boolean test(Object value) {
      return validator.validate(value).getValid();
    }
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
