package org.vertxasyncio.service.config;

import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One configuration key: its name in the file ({@code http.port}), the environment variable that
 * overrides it ({@code HTTP_PORT}), its default, the values it takes (type and bounds, for people), what
 * it means, and how a raw value is read and checked. Declared once, in {@link ConfigKeys}; the parsing,
 * the defaults, the check of {@code conf/config.json} and the README's configuration table all come from
 * the declarations.
 *
 * <p>Immutable. {@link #read} throws a {@link ConfigException} whose message starts with the key and its
 * variable: {@code "http.port (HTTP_PORT) must be an integer between 0 and 65535, got 'eighty'"}.
 *
 * @param <T> the type of the value once read
 */
public final class ConfigKey<T> {
  /** Reads and checks a raw value (a JSON value from the file, or a string from the environment). */
  @FunctionalInterface
  interface Reader<T> {
    T read(ConfigKey<T> key, Object raw);
  }

  private final String name;
  private final Object defaultValue;
  private final String values;
  private final String description;
  private final boolean secret;
  private final Reader<T> reader;

  ConfigKey(String name, Object defaultValue, String values, String description, boolean secret, Reader<T> reader) {
    this.name = name;
    this.defaultValue = defaultValue;
    this.values = values;
    this.description = description;
    this.secret = secret;
    this.reader = reader;
  }

  /** The key as the file writes it: {@code http.port}. */
  public String name() {
    return name;
  }

  /** The environment variable that overrides it: the name in upper case, dots as underscores. */
  public String envName() {
    return envName(name);
  }

  /** {@code http.port} → {@code HTTP_PORT}. */
  public static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  /** The default, as the file would write it (a string, a number or a boolean). */
  public Object defaultValue() {
    return defaultValue;
  }

  /** The values it takes, for people: {@code "an integer, 0 to 65535"}. */
  public String values() {
    return values;
  }

  /** What it means (Markdown, one line). */
  public String description() {
    return description;
  }

  /** True for a key whose values are never shown (in errors, logs, or {@link ServiceConfig#toJson()}). */
  public boolean secret() {
    return secret;
  }

  /**
   * Reads and checks {@code raw}.
   *
   * @throws ConfigException naming this key, the value (unless secret) and what was expected
   */
  public T read(Object raw) {
    if (raw == null) {
      throw new ConfigException(label() + " must have a value, got null");
    }
    return reader.read(this, raw);
  }

  /** {@code http.port (HTTP_PORT)}: the key and the variable that overrides it, as messages name them. */
  String label() {
    return name + " (" + envName() + ")";
  }

  ConfigException invalid(String what, Object raw) {
    return new ConfigException(label() + " " + what + ", got " + shown(raw));
  }

  /** The value as an error shows it: quoted if a string; a secret's is not shown. */
  String shown(Object raw) {
    if (secret) {
      return raw instanceof String ? "a value that is not shown" : "a value that is not a string (not shown)";
    }
    return raw instanceof String s ? "'" + s + "'" : String.valueOf(raw);
  }

  @Override
  public String toString() {
    return name;
  }

  // ------------------------------------------------------------------ readers

  static String string(ConfigKey<String> k, Object o) {
    if (!(o instanceof String s) || s.isBlank()) {
      throw k.invalid("must be a non-empty string", o);
    }
    return s.trim();
  }

  static long integer(ConfigKey<?> k, Object o, long min, long max) {
    long n;
    if (o instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue()) && !(o instanceof Double d && d.isInfinite())) {
      n = num.longValue();
    } else if (o instanceof String s && s.trim().matches("[+-]?\\d{1,18}")) {
      n = Long.parseLong(s.trim());
    } else {
      throw k.invalid("must be an integer between " + min + " and " + max, o);
    }
    if (n < min || n > max) {
      throw k.invalid("must be an integer between " + min + " and " + max, n);
    }
    return n;
  }

  static double number(ConfigKey<?> k, Object o, double min, boolean minInclusive, double max) {
    double d;
    if (o instanceof Number num) {
      d = num.doubleValue();
    } else if (o instanceof String s) {
      try {
        d = Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        d = Double.NaN;
      }
    } else {
      d = Double.NaN;
    }
    boolean ok = !Double.isNaN(d) && (minInclusive ? d >= min : d > min) && d <= max;
    if (!ok) {
      throw k.invalid("must be a number " + (minInclusive ? ">= " : "> ") + num(min) + " and <= " + num(max)
          + " (seconds where it is a duration)", o);
    }
    return d;
  }

  static boolean bool(ConfigKey<Boolean> k, Object o) {
    if (o instanceof Boolean b) {
      return b;
    }
    if (o instanceof String s && (s.trim().equalsIgnoreCase("true") || s.trim().equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s.trim());
    }
    throw k.invalid("must be true or false", o);
  }

  /** A comma-separated string (or a JSON array of strings), trimmed, empty parts dropped. */
  static List<String> list(ConfigKey<?> k, Object o) {
    List<String> out = new ArrayList<>();
    if (o instanceof String s) {
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    } else if (o instanceof JsonArray a) {
      for (Object e : a) {
        if (!(e instanceof String s)) {
          throw new ConfigException(k.label() + " must be a comma-separated string, got an array with " + k.shown(e));
        }
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    } else {
      throw k.invalid("must be a comma-separated string", o);
    }
    return List.copyOf(out);
  }

  /** One of the constants of {@code type}, written in lower case ({@code 'keep'}). */
  static <E extends Enum<E>> E choice(ConfigKey<E> k, Object o, Class<E> type) {
    if (o instanceof String s) {
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(s.trim())) {
          return e;
        }
      }
    }
    throw k.invalid("must be one of " + String.join(", ", choices(type, "'")), o);
  }

  /** The constants of {@code type} in lower case, each between {@code quote}s. */
  static <E extends Enum<E>> List<String> choices(Class<E> type, String quote) {
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(quote + e.name().toLowerCase(Locale.ROOT) + quote);
    }
    return names;
  }

  /** A bound as people write it: {@code 3600}, not {@code 3600.0}; {@code 0.001}. */
  static String num(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
