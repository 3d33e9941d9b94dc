package org.vertxasyncio.service.tasks;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.vertxasyncio.service.webhooks.Webhook;

/**
 * A {@link TaskSpec} as the store keeps it, to run the task again after a restart: every field, webhook
 * keys included (base64), and no nested specs: a gather's children are tasks of their own, named by the
 * gather's {@code children}. Not checked against the limits again: a task accepted once stays accepted
 * when the configuration changes.
 */
final class StoredSpec {
  private StoredSpec() {
  }

  /**
   * The spec as the store keeps it: the fields a task was given only ({@code kind}, {@code loop} and {@code echo}
   * always; a field that is null, false or empty is left out, and {@link #decode} reads it so), written straight
   * to a generator: the row is shorter, and the request's loop makes no JSON object for it.
   */
  static String encode(TaskSpec s) {
    return JsonText.write(g -> {
      g.writeStartObject();
      g.writeStringField("kind", s.kind().label());
      if (s.name() != null) {
        g.writeStringField("name", s.name());
      }
      g.writeStringField("loop", s.loop());
      if (s.seconds() != null) {
        g.writeNumberField("seconds", s.seconds());
      }
      if (s.result() != null) {
        g.writeFieldName("result");
        JacksonCodec.encodeJson(s.result(), g);
      }
      if (s.iterations() != null) {
        g.writeNumberField("iterations", s.iterations());
      }
      if (s.input() != null) {
        g.writeStringField("input", s.input());
      }
      if (s.returnExceptions()) {
        g.writeBooleanField("returnExceptions", true);
      }
      if (s.raise() != null) {
        g.writeStringField("raise", s.raise());
      }
      if (s.timeout() != null) {
        g.writeNumberField("timeout", s.timeout());
      }
      if (!s.callbacks().isEmpty()) {
        g.writeArrayFieldStart("callbacks");
        for (Webhook h : s.callbacks()) {
          g.writeStartObject();
          g.writeStringField("url", h.url());
          g.writeStringField("key", h.key() == null ? null : Base64.getEncoder().encodeToString(h.key()));
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeFieldName("echo");
      JacksonCodec.encodeJson(s.echo(), g);
      g.writeEndObject();
    });
  }

  static TaskSpec decode(String json) {
    JsonObject o = new JsonObject(json);
    List<Webhook> hooks = new ArrayList<>();
    for (Object h : o.getJsonArray("callbacks", new JsonArray())) {
      JsonObject j = (JsonObject) h;
      String key = j.getString("key");
      hooks.add(new Webhook(j.getString("url"), key == null ? null : Base64.getDecoder().decode(key)));
    }
    TaskSpec.Kind kind = TaskSpec.Kind.fromLabel(o.getString("kind"));
    Number seconds = o.getNumber("seconds");
    Number iterations = o.getNumber("iterations");
    Number timeout = o.getNumber("timeout");
    return new TaskSpec(kind, o.getString("name"), o.getString("loop"), seconds == null ? null : seconds.doubleValue(),
        o.getValue("result"), iterations == null ? null : iterations.longValue(), o.getString("input"),
        kind == TaskSpec.Kind.GATHER ? List.of() : null, o.getBoolean("returnExceptions", false), o.getString("raise"),
        timeout == null ? null : timeout.doubleValue(), List.copyOf(hooks), o.getJsonObject("echo", new JsonObject()));
  }
}
