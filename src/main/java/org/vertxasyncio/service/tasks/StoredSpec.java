package org.vertxasyncio.service.tasks;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

  static String encode(TaskSpec s) {
    JsonArray hooks = new JsonArray();
    for (Webhook h : s.callbacks()) {
      hooks.add(new JsonObject().put("url", h.url()).put("key", h.key() == null ? null : Base64.getEncoder().encodeToString(h.key())));
    }
    return new JsonObject()
        .put("kind", s.kind().label())
        .put("name", s.name())
        .put("loop", s.loop())
        .put("seconds", s.seconds())
        .put("result", s.result())
        .put("iterations", s.iterations())
        .put("input", s.input())
        .put("returnExceptions", s.returnExceptions())
        .put("raise", s.raise())
        .put("timeout", s.timeout())
        .put("callbacks", hooks)
        .put("echo", s.echo())
        .encode();
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
