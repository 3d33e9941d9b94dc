package org.vertxasyncio.service.tasks;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * An immutable snapshot of a task, published by its {@link TaskRecord} at each change; what HTTP handlers
 * read from any thread. {@code result} is a JSON value that nobody mutates once published; {@code node} is
 * the node that runs the task, or ran it.
 */
public record TaskView(String id, String name, TaskSpec.Kind kind, String loop, String node, String parent, TaskState state,
    Object result, ExceptionInfo exception, Instant createdAt, Instant startedAt, Instant doneAt,
    List<String> children, List<CallbackEntry> callbacks, JsonObject spec, Double lateSeconds, int recoveries) {

  /** An exception as the API shows it: its type (the Java class's simple name) and message. */
  public record ExceptionInfo(String type, String message) {
    public static ExceptionInfo of(Throwable t) {
      if (t instanceof RecoveredError r) {
        return new ExceptionInfo(r.type(), r.getMessage());
      }
      return new ExceptionInfo(t.getClass().getSimpleName(), t.getMessage() == null ? "" : t.getMessage());
    }

    public JsonObject toJson() {
      return new JsonObject().put("type", type).put("message", message);
    }

    /** Null for null. */
    public static ExceptionInfo fromJson(JsonObject j) {
      return j == null ? null : new ExceptionInfo(j.getString("type"), j.getString("message", ""));
    }
  }

  /** True once the task is finished or cancelled. */
  public boolean done() {
    return state.done();
  }

  public JsonObject toJson() {
    JsonArray cbs = new JsonArray();
    callbacks.forEach(c -> cbs.add(c.toJson()));
    return new JsonObject()
        .put("id", id)
        .put("name", name)
        .put("kind", kind.label())
        .put("loop", loop)
        .put("node", node)
        .put("state", state.label())
        .put("done", done())
        .put("result", result)
        .put("exception", exception == null ? null : exception.toJson())
        .put("createdAt", Times.format(createdAt))
        .put("startedAt", Times.format(startedAt))
        .put("doneAt", Times.format(doneAt))
        .put("parent", parent)
        .put("children", new JsonArray(List.copyOf(children)))
        .put("callbacks", cbs)
        .put("spec", spec)
        .put("lateSeconds", lateSeconds)
        .put("recoveries", recoveries);
  }
}
