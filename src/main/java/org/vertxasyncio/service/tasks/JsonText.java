package org.vertxasyncio.service.tasks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.json.EncodeException;
import java.io.IOException;
import java.io.Writer;
import java.util.Arrays;

/**
 * JSON text written by a Jackson generator into a buffer its thread keeps from one text to the next: what is left
 * of a text is its {@code String} only (a {@link java.io.StringWriter} would leave its own buffer, and copy it).
 * A task's snapshot ({@link TaskView#json()}) and its stored spec ({@link StoredSpec}) are written so, on the
 * request's loop and on the store's writer alike.
 */
final class JsonText extends Writer {
  /** What writes the text's value to a generator. */
  @FunctionalInterface
  interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static final JsonFactory JSON = new JsonFactory();
  private static final ThreadLocal<JsonText> BUFFERS = ThreadLocal.withInitial(JsonText::new);
  /** A buffer grown beyond this (a large result) is not kept. */
  private static final int KEEP = 16 * 1024;

  private char[] buf = new char[1024];
  private int len;
  private boolean inUse;

  private JsonText() {
  }

  /** The text {@code body} writes. */
  static String write(Body body) {
    JsonText out = BUFFERS.get();
    if (out.inUse) {
      out = new JsonText(); // a text written while another is (not done here, but then each has its own buffer)
    }
    out.inUse = true;
    try {
      try (JsonGenerator g = JSON.createGenerator(out)) {
        body.write(g);
      }
      return new String(out.buf, 0, out.len);
    } catch (IOException e) {
      throw new EncodeException("Failed to encode as JSON: " + e.getMessage(), e);
    } finally {
      out.len = 0;
      out.inUse = false;
      if (out.buf.length > KEEP) {
        out.buf = new char[1024];
      }
    }
  }

  private void room(int n) {
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }

  @Override
  public void write(char[] c, int off, int n) {
    room(n);
    System.arraycopy(c, off, buf, len, n);
    len += n;
  }

  @Override
  public void write(int c) {
    room(1);
    buf[len++] = (char) c;
  }

  @Override
  public void write(String s, int off, int n) {
    room(n);
    s.getChars(off, off + n, buf, len);
    len += n;
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
  }
}
