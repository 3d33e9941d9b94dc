package org.vertxasyncio.service.tasks;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * An immutable snapshot of a task, published by its {@link TaskRecord} at each change; what HTTP handlers,
 * the event stream, webhooks and the store read, from any thread. {@code result} and {@code spec} are JSON
 * values that nobody mutates once published; {@code node} is the node that runs the task, or ran it.
 *
 * <p>Its JSON text ({@link #json()}) is made once, by the first reader that needs it, and every other reader
 * of this snapshot (each {@code GET}, list, event, webhook delivery and store write) gets the same string: a
 * task's JSON is encoded once per change of state, not once per reader. Racing first readers may each encode
 * it; they make equal strings, and one is kept.
 */
public final class TaskView {
  private final String id;
  private final String name;
  private final TaskSpec.Kind kind;
  private final String loop;
  private final String node;
  private final String parent;
  private final TaskState state;
  private final Object result;
  private final ExceptionInfo exception;
  private final Instant createdAt;
  private final Instant startedAt;
  private final Instant doneAt;
  private final List<String> children;
  private final List<CallbackEntry> callbacks;
  private final JsonObject spec;
  private final Double lateSeconds;
  private final int recoveries;
  /** The encoded {@link #toJson()}, made on first use. */
  private volatile String json;

  public TaskView(String id, String name, TaskSpec.Kind kind, String loop, String node, String parent, TaskState state,
      Object result, ExceptionInfo exception, Instant createdAt, Instant startedAt, Instant doneAt,
      List<String> children, List<CallbackEntry> callbacks, JsonObject spec, Double lateSeconds, int recoveries) {
    this.id = id;
    this.name = name;
    this.kind = kind;
    this.loop = loop;
    this.node = node;
    this.parent = parent;
    this.state = state;
    this.result = result;
    this.exception = exception;
    this.createdAt = createdAt;
    this.startedAt = startedAt;
    this.doneAt = doneAt;
    this.children = children;
    this.callbacks = callbacks;
    this.spec = spec;
    this.lateSeconds = lateSeconds;
    this.recoveries = recoveries;
  }

  public String id() {
    return id;
  }

  public String name() {
    return name;
  }

  public TaskSpec.Kind kind() {
    return kind;
  }

  public String loop() {
    return loop;
  }

  public String node() {
    return node;
  }

  public String parent() {
    return parent;
  }

  public TaskState state() {
    return state;
  }

  public Object result() {
    return result;
  }

  public ExceptionInfo exception() {
    return exception;
  }

  public Instant createdAt() {
    return createdAt;
  }

  public Instant startedAt() {
    return startedAt;
  }

  public Instant doneAt() {
    return doneAt;
  }

  public List<String> children() {
    return children;
  }

  public List<CallbackEntry> callbacks() {
    return callbacks;
  }

  public JsonObject spec() {
    return spec;
  }

  public Double lateSeconds() {
    return lateSeconds;
  }

  public int recoveries() {
    return recoveries;
  }

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

  /** The task as the API shows it, as JSON text: encoded on first use, then the same string for every caller. */
  public String json() {
    String j = json;
    if (j == null) {
      j = encode();
      json = j;
    }
    return j;
  }

  /**
   * {@code toJson().encode()}, the same text, without building the object first: the fields are written
   * in {@link #toJson()}'s order, and the JSON values among them (result, spec, callbacks, ...) by
   * Vert.x's own encoder.
   */
  private String encode() {
    return JsonText.write(this::write);
  }

  /** Writes what {@link #toJson()} holds, field for field, straight to a generator. */
  private void write(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    g.writeStringField("name", name);
    g.writeStringField("kind", kind.label());
    g.writeStringField("loop", loop);
    g.writeStringField("node", node);
    g.writeStringField("state", state.label());
    g.writeBooleanField("done", done());
    g.writeFieldName("result");
    JacksonCodec.encodeJson(result, g);
    g.writeFieldName("exception");
    JacksonCodec.encodeJson(exception == null ? null : exception.toJson(), g);
    g.writeStringField("createdAt", Times.format(createdAt));
    g.writeStringField("startedAt", Times.format(startedAt));
    g.writeStringField("doneAt", Times.format(doneAt));
    g.writeStringField("parent", parent);
    g.writeArrayFieldStart("children");
    for (String c : children) {
      g.writeString(c);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("callbacks");
    for (CallbackEntry c : callbacks) {
      JacksonCodec.encodeJson(c.toJson(), g);
    }
    g.writeEndArray();
    g.writeFieldName("spec");
    JacksonCodec.encodeJson(spec, g);
    g.writeFieldName("lateSeconds");
    JacksonCodec.encodeJson(lateSeconds, g);
    g.writeNumberField("recoveries", recoveries);
    g.writeEndObject();
  }

  /** The task as the API shows it: a new object at each call (see {@link #json()} for its text). */
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

  @Override
  public String toString() {
    return "<TaskView " + id + " " + state.label() + ">";
  }
}
