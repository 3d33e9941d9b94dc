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

  /** Like Python's repr of an exception: {@code ValueError('boom')}. */
  public static String exception(Throwable t) {
    if (t == null) {
      return "None";
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + "(" + (m == null ? "" : "'" + m + "'") + ")";
  }
}
