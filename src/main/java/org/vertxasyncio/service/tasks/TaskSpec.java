package org.vertxasyncio.service.tasks;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.vertxasyncio.service.ServiceError;
import org.vertxasyncio.service.config.ServiceConfig;
import org.vertxasyncio.service.webhooks.Webhook;
import org.vertxasyncio.service.webhooks.WebhookGuard;
import org.vertxasyncio.service.webhooks.WebhookSignature;

/**
 * A submitted task, checked: what {@code POST /tasks} asked for. The OpenAPI document checks the shape
 * of the body; this class checks what depends on the kind and on the configured limits, and names the
 * field at fault ({@code tasks[1].seconds}).
 *
 * @param items for a gather: each a {@link TaskSpec} (a new child task) or a {@link String} (the id of an
 *              existing task of the same loop)
 */
public record TaskSpec(Kind kind, String name, String loop, Double seconds, Object result, Long iterations,
    String input, List<Object> items, boolean returnExceptions, String raise, Double timeout,
    List<Webhook> callbacks, JsonObject echo) {

  /** What the task's coroutine does. */
  public enum Kind {
    SLEEP, WORK, GATHER;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The name in JSON: {@code sleep}, {@code work}, {@code gather}. */
    public String label() {
      return label;
    }

    /**
     * The kind named {@code label}.
     *
     * @throws IllegalArgumentException for a name that is none of them
     */
    public static Kind fromLabel(String label) {
      for (Kind k : values()) {
        if (k.label.equals(label)) {
          return k;
        }
      }
      throw new IllegalArgumentException("Unknown task kind '" + label + "'");
    }
  }

  /** The number of new tasks this spec makes: itself and its nested specs. */
  public int newTaskCount() {
    int n = 1;
    if (items != null) {
      for (Object o : items) {
        if (o instanceof TaskSpec s) {
          n += s.newTaskCount();
        }
      }
    }
    return n;
  }

  /** The number of new tasks this spec makes without a name of their own (each gets {@code Task-N}). */
  public int unnamedCount() {
    int n = name == null ? 1 : 0;
    if (items != null) {
      for (Object o : items) {
        if (o instanceof TaskSpec s) {
          n += s.unnamedCount();
        }
      }
    }
    return n;
  }

  /**
   * Reads a task spec.
   *
   * @param guard checks each webhook's URL (the service's one guard)
   * @throws ServiceError.Invalid naming the field and the reason
   */
  public static TaskSpec parse(JsonObject body, ServiceConfig config, WebhookGuard guard) {
    int[] budget = {config.maxGatherChildren};
    return parse(body, config, guard, "", null, budget, 0);
  }

  private static final int MAX_DEPTH = 8;

  /**
   * The size limits, checked on any JSON before the full validation: how deep gathers nest, how many
   * tasks a gather lists and makes in all, how many webhooks a task has; and that a task of a known kind
   * carries no field of another kind ("iterations is not a field of kind sleep", which the schema, a
   * {@code oneOf} by kind, could only call an unknown field). Cheap (it looks at nothing else), so a
   * request far over a limit is refused before the schema validator spends time on every element of it.
   * Fields of the wrong type are left for the validation to name.
   *
   * @throws ServiceError.Invalid naming the field, as {@link #parse} does
   */
  public static void checkSizes(JsonObject body, ServiceConfig config) {
    checkSizes(body, config, "", new int[] {config.maxGatherChildren}, 0);
  }

  private static void checkSizes(JsonObject o, ServiceConfig config, String at, int[] budget, int depth) {
    if (depth > MAX_DEPTH) {
      throw new ServiceError.Invalid(at.isEmpty() ? "tasks" : at, "gathers nest at most " + MAX_DEPTH + " deep");
    }
    if (o.getValue("callbacks") instanceof JsonArray hooks && hooks.size() > config.maxWebhooksPerTask) {
      throw tooManyWebhooks(at, hooks.size(), config);
    }
    if (o.getValue("kind") instanceof String k) {
      switch (k) {
        case "sleep" -> only(o, at, Kind.SLEEP, "seconds", "result");
        case "work" -> only(o, at, Kind.WORK, "iterations", "input");
        case "gather" -> only(o, at, Kind.GATHER, "tasks", "returnExceptions");
        default -> {
          // the validation says which kinds there are
        }
      }
    }
    if (o.getValue("tasks") instanceof JsonArray arr) {
      if (arr.size() > config.maxGatherChildren) {
        throw tooManyItems(at, arr.size(), config);
      }
      for (int i = 0; i < arr.size(); i++) {
        if (arr.getValue(i) instanceof JsonObject child) {
          String here = at + "tasks[" + i + "]";
          if (--budget[0] < 0) {
            throw tooManyChildren(here, config);
          }
          checkSizes(child, config, here + ".", budget, depth + 1);
        }
      }
    }
  }

  private static ServiceError.Invalid tooManyWebhooks(String at, int n, ServiceConfig config) {
    return new ServiceError.Invalid(at + "callbacks", "at most " + config.maxWebhooksPerTask + " webhooks per task (limits.webhooks.max), got " + n);
  }

  private static ServiceError.Invalid tooManyItems(String at, int n, ServiceConfig config) {
    return new ServiceError.Invalid(at + "tasks", "a gather takes at most " + config.maxGatherChildren
        + " tasks (limits.gather.children.max), got " + n);
  }

  private static ServiceError.Invalid tooManyChildren(String here, ServiceConfig config) {
    return new ServiceError.Invalid(here, "a gather makes at most " + config.maxGatherChildren + " child tasks (limits.gather.children.max)");
  }

  private static TaskSpec parse(JsonObject o, ServiceConfig config, WebhookGuard guard, String at, String parentLoop,
      int[] budget, int depth) {
    if (depth > MAX_DEPTH) {
      throw new ServiceError.Invalid(at.isEmpty() ? "tasks" : at, "gathers nest at most " + MAX_DEPTH + " deep");
    }
    for (String f : o.fieldNames()) {
      if (!KNOWN.contains(f)) {
        throw new ServiceError.Invalid(at + f, "unknown field '" + f + "'");
      }
    }
    String kindText = str(o, at, "kind", true);
    Kind kind;
    try {
      kind = Kind.fromLabel(kindText);
    } catch (IllegalArgumentException e) {
      throw new ServiceError.Invalid(at + "kind", "must be one of sleep, work, gather, got '" + kindText + "'");
    }
    String name = str(o, at, "name", false);
    if (name != null && (name.isEmpty() || name.length() > 200)) {
      throw new ServiceError.Invalid(at + "name", "must be 1 to 200 characters");
    }
    String loop = str(o, at, "loop", false);
    if (parentLoop != null && loop != null && !loop.equals(parentLoop)) {
      throw new ServiceError.Invalid(at + "loop", "a gather's children run on the gather's loop ('" + parentLoop + "'), got '" + loop + "'");
    }
    if (loop == null) {
      loop = parentLoop != null ? parentLoop : "default";
    }
    JsonObject echo = new JsonObject();
    Double seconds = null;
    Object result = null;
    Long iterations = null;
    String input = null;
    List<Object> items = null;
    boolean returnExceptions = false;
    switch (kind) {
      case SLEEP -> {
        only(o, at, kind, "seconds", "result");
        seconds = num(o, at, "seconds", true);
        if (seconds < 0 || seconds > config.maxSleepSeconds) {
          throw new ServiceError.Invalid(at + "seconds", "must be between 0 and " + fmt(config.maxSleepSeconds) + " (limits.sleep.max), got " + fmt(seconds));
        }
        result = o.getValue("result");
        echo.put("seconds", seconds).put("result", result);
      }
      case WORK -> {
        only(o, at, kind, "iterations", "input");
        Object it = o.getValue("iterations");
        if (it == null) {
          iterations = 1L;
        } else if (it instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
          iterations = n.longValue();
        } else {
          throw new ServiceError.Invalid(at + "iterations", "must be an integer, got " + it);
        }
        if (iterations < 1 || iterations > config.maxWorkIterations) {
          throw new ServiceError.Invalid(at + "iterations", "must be between 1 and " + config.maxWorkIterations + " (limits.work.iterations.max), got " + iterations);
        }
        input = str(o, at, "input", false);
        if (input == null) {
          input = "";
        }
        if (input.length() > 10_000) {
          throw new ServiceError.Invalid(at + "input", "must be at most 10000 characters");
        }
        echo.put("iterations", iterations).put("input", input);
      }
      case GATHER -> {
        only(o, at, kind, "tasks", "returnExceptions");
        Object t = o.getValue("tasks");
        if (!(t instanceof JsonArray arr)) {
          throw new ServiceError.Invalid(at + "tasks", t == null ? "is required for kind gather" : "must be an array of task specs or task ids");
        }
        if (arr.size() > config.maxGatherChildren) {
          throw tooManyItems(at, arr.size(), config);
        }
        items = new ArrayList<>(arr.size());
        JsonArray echoItems = new JsonArray();
        for (int i = 0; i < arr.size(); i++) {
          String here = at + "tasks[" + i + "]";
          Object e = arr.getValue(i);
          if (e instanceof String id) {
            if (id.isEmpty() || id.length() > 64) {
              throw new ServiceError.Invalid(here, "a task id must be 1 to 64 characters");
            }
            items.add(id);
            echoItems.add(id);
          } else if (e instanceof JsonObject child) {
            if (--budget[0] < 0) {
              throw tooManyChildren(here, config);
            }
            TaskSpec c = parse(child, config, guard, here + ".", loop, budget, depth + 1);
            items.add(c);
            echoItems.add(c.echo());
          } else {
            throw new ServiceError.Invalid(here, "must be a task spec (object) or a task id (string)");
          }
        }
        Object re = o.getValue("returnExceptions");
        if (re != null && !(re instanceof Boolean)) {
          throw new ServiceError.Invalid(at + "returnExceptions", "must be a boolean");
        }
        returnExceptions = Boolean.TRUE.equals(re);
        echo.put("tasks", echoItems).put("returnExceptions", returnExceptions);
      }
      default -> throw new IllegalStateException();
    }
    String raise = str(o, at, "raise", false);
    if (raise != null && raise.length() > 1000) {
      throw new ServiceError.Invalid(at + "raise", "must be at most 1000 characters");
    }
    Double timeout = o.getValue("timeout") == null ? null : num(o, at, "timeout", false);
    if (timeout != null && (timeout < 0 || timeout > 1e9)) {
      throw new ServiceError.Invalid(at + "timeout", "must be a number of seconds >= 0, got " + fmt(timeout));
    }
    List<Webhook> hooks = webhooks(o, at, echo, config, guard);
    echo.put("kind", kind.label()).put("loop", loop);
    if (name != null) {
      echo.put("name", name);
    }
    if (raise != null) {
      echo.put("raise", raise);
    }
    if (timeout != null) {
      echo.put("timeout", timeout);
    }
    return new TaskSpec(kind, name, loop, seconds, result, iterations, input, items, returnExceptions, raise, timeout, hooks,
        FrozenJson.freeze(echo));
  }

  private static final List<String> KNOWN = List.of("kind", "name", "loop", "seconds", "result", "iterations", "input",
      "tasks", "returnExceptions", "raise", "timeout", "callbacks");
  private static final List<String> KIND_FIELDS = List.of("seconds", "result", "iterations", "input", "tasks", "returnExceptions");

  private static void only(JsonObject o, String at, Kind kind, String... allowed) {
    List<String> ok = List.of(allowed);
    for (String f : KIND_FIELDS) {
      if (o.containsKey(f) && !ok.contains(f)) {
        throw new ServiceError.Invalid(at + f, "is not a field of kind " + kind.label() + " (it takes " + String.join(", ", allowed) + ")");
      }
    }
  }

  private static List<Webhook> webhooks(JsonObject o, String at, JsonObject echo, ServiceConfig config, WebhookGuard guard) {
    Object c = o.getValue("callbacks");
    if (c == null) {
      return List.of();
    }
    if (!(c instanceof JsonArray arr)) {
      throw new ServiceError.Invalid(at + "callbacks", "must be an array of {url, secret}");
    }
    if (arr.size() > config.maxWebhooksPerTask) {
      throw tooManyWebhooks(at, arr.size(), config);
    }
    List<Webhook> out = new ArrayList<>();
    JsonArray echoHooks = new JsonArray();
    for (int i = 0; i < arr.size(); i++) {
      String here = at + "callbacks[" + i + "].";
      if (!(arr.getValue(i) instanceof JsonObject h)) {
        throw new ServiceError.Invalid(at + "callbacks[" + i + "]", "must be an object {url, secret}");
      }
      for (String f : h.fieldNames()) {
        if (!f.equals("url") && !f.equals("secret")) {
          throw new ServiceError.Invalid(here + f, "unknown field '" + f + "'");
        }
      }
      String url = str(h, here, "url", true);
      String refused = url.length() > 2000 ? "must be at most 2000 characters" : guard.checkUrl(url);
      if (refused != null) {
        throw new ServiceError.Invalid(here + "url", refused + ", got '" + url + "'");
      }
      String secret = str(h, here, "secret", false);
      byte[] key = null;
      if (secret != null) {
        if (secret.isEmpty()) {
          throw new ServiceError.Invalid(here + "secret", "must not be empty (leave it out for unsigned deliveries)");
        }
        try {
          key = WebhookSignature.key(secret);
        } catch (IllegalArgumentException e) {
          throw new ServiceError.Invalid(here + "secret", e.getMessage());
        }
      }
      out.add(new Webhook(url, key));
      echoHooks.add(new JsonObject().put("url", url).put("signed", key != null));
    }
    echo.put("callbacks", echoHooks);
    return List.copyOf(out);
  }

  private static String str(JsonObject o, String at, String f, boolean required) {
    Object v = o.getValue(f);
    if (v == null) {
      if (required) {
        throw new ServiceError.Invalid(at + f, "is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new ServiceError.Invalid(at + f, "must be a string");
    }
    return s;
  }

  private static double num(JsonObject o, String at, String f, boolean required) {
    Object v = o.getValue(f);
    if (v == null && required) {
      throw new ServiceError.Invalid(at + f, "is required for this kind");
    }
    if (!(v instanceof Number n) || Double.isNaN(n.doubleValue()) || Double.isInfinite(n.doubleValue())) {
      throw new ServiceError.Invalid(at + f, "must be a number of seconds");
    }
    return n.doubleValue();
  }

  static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
