package org.vertxasyncio.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

public class OpenApiDocumentTest {
  @Test
  void theDocumentIsReadFromTheClassPathAsWritten() throws Exception {
    OpenApiDocument doc = OpenApiDocument.load();
    assertTrue(doc.yaml().startsWith("openapi: "), doc.yaml().substring(0, 40));
    assertTrue(OpenApiDocument.yamlToJson(doc.yaml()).getJsonObject("paths").containsKey("/tasks"));
  }

  @Test
  void theValidatorGetsTextMediaTypesAsPlainTextAndNoSecurityNorServers() {
    JsonObject doc = OpenApiDocument.yamlToJson("""
        openapi: 3.1.0
        servers: [{url: 'http://{host}:{port}', variables: {host: {default: localhost}, port: {default: '8080'}}}]
        security: [{bearer: []}]
        paths:
          /events:
            get:
              security: [{bearer: []}]
              responses:
                200: {content: {text/event-stream: {schema: {type: string}}}}
          /openapi.yaml:
            get:
              responses:
                200: {content: {application/yaml: {schema: {type: string}}}}
        """);
    assertTrue(doc.getJsonObject("paths").getJsonObject("/events").getJsonObject("get").getJsonObject("responses")
        .containsKey("200"), "status codes become string keys");
    JsonObject v = OpenApiDocument.forValidator(doc);
    assertNull(v.getValue("security"));
    assertNull(v.getValue("servers"), "vertx-openapi refuses server variables; the routes are at the root");
    JsonObject events = v.getJsonObject("paths").getJsonObject("/events").getJsonObject("get");
    assertFalse(events.containsKey("security"));
    assertEquals(new JsonObject().put("text/plain", new JsonObject().put("schema", new JsonObject().put("type", "string"))),
        events.getJsonObject("responses").getJsonObject("200").getJsonObject("content"));
    assertTrue(v.getJsonObject("paths").getJsonObject("/openapi.yaml").getJsonObject("get").getJsonObject("responses")
        .getJsonObject("200").getJsonObject("content").containsKey("text/plain"));
    assertTrue(doc.containsKey("security"), "the document itself is left as it is");
  }
}
