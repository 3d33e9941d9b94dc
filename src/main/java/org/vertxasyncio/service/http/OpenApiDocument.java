package org.vertxasyncio.service.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The API's OpenAPI document, {@code openapi.yaml} on the class path: as written (what
 * {@code GET /openapi.yaml} serves) and as the contract the router validates requests against
 * ({@link #contract}). Immutable.
 */
public final class OpenApiDocument {
  /** Where the document is on the class path. */
  public static final String RESOURCE = "openapi.yaml";

  private final String yaml;

  private OpenApiDocument(String yaml) {
    this.yaml = yaml;
  }

  /**
   * Reads the document from the class path.
   *
   * @throws IOException when it is not there
   */
  public static OpenApiDocument load() throws IOException {
    try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException(RESOURCE + " is not on the class path");
      }
      return new OpenApiDocument(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** The document as written. */
  public String yaml() {
    return yaml;
  }

  /** The contract the router is built from: the document as vertx-openapi accepts it ({@link #forValidator}). */
  public Future<OpenAPIContract> contract(Vertx vertx) {
    return OpenAPIContract.from(vertx, forValidator(yamlToJson(yaml)));
  }

  /**
   * The document as vertx-openapi 5.0.7 accepts it: it refuses response media types other than JSON,
   * multipart, octet-stream and text/plain, so {@code text/event-stream} and {@code application/yaml}
   * responses are given to it as {@code text/plain}. Responses are not validated, so nothing is lost;
   * {@code GET /openapi.yaml} serves the document as written. Its {@code servers} are left out:
   * vertx-openapi 5.0.7 refuses server variables, and would take a server's path as the routes' base path,
   * while the service serves at the root wherever it runs. The {@code security} requirements are
   * left out too: vertx-web-openapi-router would want a vertx-auth handler for them, and the bearer
   * check is the router's own platform handler (see {@link Routes}), which applies them only when
   * {@code auth.tokens} is set. Public for the tests that validate the service's answers against it.
   */
  public static JsonObject forValidator(JsonObject doc) {
    JsonObject copy = doc.copy();
    copy.remove("security");
    copy.remove("servers");
    JsonObject paths = copy.getJsonObject("paths", new JsonObject());
    for (String p : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(p);
      for (String method : item.fieldNames()) {
        if (item.getValue(method) instanceof JsonObject op) {
          op.remove("security");
        }
        if (!(item.getValue(method) instanceof JsonObject op) || !(op.getValue("responses") instanceof JsonObject responses)) {
          continue;
        }
        for (String code : responses.fieldNames()) {
          if (responses.getValue(code) instanceof JsonObject r && r.getValue("content") instanceof JsonObject content) {
            for (String mt : List.copyOf(content.fieldNames())) {
              if (mt.equals("text/event-stream") || mt.equals("application/yaml")) {
                content.put("text/plain", content.remove(mt));
              }
            }
          }
        }
      }
    }
    return copy;
  }

  /** YAML to JSON, with every map key a string (YAML would make {@code 200:} an integer). */
  public static JsonObject yamlToJson(String yaml) {
    Object tree = new Yaml(new LoaderOptions()).load(yaml);
    return (JsonObject) toJson(tree);
  }

  private static Object toJson(Object o) {
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), toJson(v)));
      return new JsonObject(out);
    }
    if (o instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(toJson(x)));
      return new JsonArray(out);
    }
    if (o instanceof java.util.Date d) {
      return d.toInstant().toString();
    }
    return o;
  }
}
