package org.vertxasyncio.asyncio.impl;

/** Readable names for callbacks and values in reprs. */
public final class Describe {
  private Describe() {
  }

  /** A lambda's synthetic class name is noise; show the defining class and "lambda" instead. */
  public static String callback(Object callback) {
    if (callback == null) {
      return "null";
    }
    String n = callback.getClass().getName();
    int i = n.indexOf("$$Lambda");
    if (i >= 0) {
      String owner = n.substring(0, i);
      return owner.substring(owner.lastIndexOf('.') + 1) + ".lambda";
    }
    return callback.toString();
  }

  /** Like Python's {@code repr} for the values a future holds. */
  public static String value(Object v) {
    if (v instanceof CharSequence s) {
      return "'" + s + "'";
    }
    String r = String.valueOf(v);
    return r.length() > 80 ? r.substring(0, 77) + "..." : r;
  }

  /** Python's {@code repr} of a string: single quotes, double ones if it holds a single quote and no double one. */
  public static String repr(String s) {
    if (s == null) {
      return "None";
    }
    char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder sb = new StringBuilder(s.length() + 2).append(q);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c == q) {
            sb.append('\\');
          }
          sb.append(c);
        }
      }
    }
    return sb.append(q).toString();
  }

  /** Like Python's repr of an exception: {@code ValueError('boom')}. */
  public static String exception(Throwable t) {
    if (t == null) {
      return "None";
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + "(" + (m == null ? "" : "'" + m + "'") + ")";
  }
}
