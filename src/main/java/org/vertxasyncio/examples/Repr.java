package org.vertxasyncio.examples;

/** Python's {@code repr()}, as the twins of f-strings with {@code !r} need it. */
final class Repr {
  private Repr() {
  }

  /**
   * A {@code str} as Python shows it: in single quotes (double quotes when it holds a single quote and no
   * double one), with backslashes, the quote and control characters escaped. Anything else: its
   * {@code toString()} (an {@code Address} already prints as Python's tuple).
   */
  static String repr(Object o) {
    if (!(o instanceof String s)) {
      return String.valueOf(o);
    }
    char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder sb = new StringBuilder().append(q);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c == q) {
            sb.append('\\').append(c);
          } else if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\x%02x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append(q).toString();
  }
}
