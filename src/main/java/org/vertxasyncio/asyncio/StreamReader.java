package org.vertxasyncio.asyncio;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.Comparator;
import org.vertxasyncio.asyncio.impl.Sneaky;

/**
 * The reading side of a connection: a buffer that the transport fills ({@link #feedData}, {@link #feedEof})
 * and coroutines read from ({@link #read}, {@link #readline}, {@link #readexactly}, {@link #readuntil}).
 * {@link Asyncio#openConnection} and the callback of {@link Asyncio#startServer} give one.
 *
 * <pre>{@code
 * var pair = await(openConnection("127.0.0.1", 8888));
 * byte[] line = await(pair.reader().readline());
 * }</pre>
 *
 * <p>Invariants, as in asyncio: at most one coroutine waits for data ({@code waiter}), and it is woken by
 * the next {@link #feedData}, {@link #feedEof} or {@link #setException}; a read takes bytes out of the
 * buffer only when it returns, so a read cancelled or timed out while it waits loses nothing; the
 * transport is paused when the buffer grows beyond twice the limit and resumed when a read brings it back
 * to the limit or less, or when a read must wait for more.
 *
 * <p>Not thread-safe, as in asyncio: use it from its loop's coroutines and callbacks.
 *
 * <p>Python: {@code asyncio.StreamReader}
 */
public final class StreamReader {
  /** The default limit: 64 KiB. Python: {@code asyncio.streams._DEFAULT_LIMIT} */
  public static final int DEFAULT_LIMIT = 1 << 16;

  private static final byte[] EMPTY = new byte[0];
  private static final byte[] NEWLINE = {'\n'};

  private final int limit;
  private final EventLoop loop;
  /** The buffered bytes are {@code buf[head, tail)}. */
  private byte[] buf = EMPTY;
  private int head;
  private int tail;
  private boolean eof;
  private AsyncFuture<Void> waiter;
  private Throwable exception;
  private Transport transport;
  private boolean paused;

  /** A reader with the default limit, on the current loop ({@link Asyncio#getEventLoop()}). */
  public StreamReader() {
    this(DEFAULT_LIMIT);
  }

  /** A reader with {@code limit}, on the current loop ({@link Asyncio#getEventLoop()}). */
  public StreamReader(int limit) {
    this(checkLimit(limit), Asyncio.getEventLoop());
  }

  /**
   * A reader on {@code loop}. The limit bounds the line {@link #readline} and {@link #readuntil} return
   * (the separator not counted), and half the buffer the reader keeps before it pauses the transport.
   *
   * <p>Python: {@code asyncio.StreamReader(limit=limit, loop=loop)}
   *
   * @throws IllegalArgumentException {@code "Limit cannot be <= 0"}
   */
  public StreamReader(int limit, EventLoop loop) {
    this.limit = checkLimit(limit);
    this.loop = java.util.Objects.requireNonNull(loop, "loop");
  }

  private static int checkLimit(int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("Limit cannot be <= 0");
    }
    return limit;
  }

  /** The limit. Python: {@code reader._limit} */
  public int limit() {
    return limit;
  }

  /** The exception set by {@link #setException}, or null. Python: {@code reader.exception()} */
  public Throwable exception() {
    return exception;
  }

  /**
   * Makes every later read raise {@code exc} (the same object), and the read waiting now, if any. The
   * transport sets it when the connection is lost with an error.
   *
   * <p>Python: {@code reader.set_exception(exc)}
   */
  public void setException(Throwable exc) {
    exception = exc;
    AsyncFuture<Void> w = waiter;
    if (w != null) {
      waiter = null;
      if (!w.cancelled()) {
        w.setException(exc);
      }
    }
  }

  private void wakeupWaiter() {
    AsyncFuture<Void> w = waiter;
    if (w != null) {
      waiter = null;
      if (!w.cancelled()) {
        w.setResult(null);
      }
    }
  }

  /**
   * Attaches the transport that the reader pauses and resumes.
   *
   * <p>Python: {@code reader.set_transport(transport)}
   *
   * @throws IllegalStateException {@code "Transport already set"}
   */
  public void setTransport(Transport transport) {
    if (this.transport != null) {
      throw new IllegalStateException("Transport already set");
    }
    this.transport = transport;
  }

  private void maybeResumeTransport() {
    if (paused && size() <= limit) {
      paused = false;
      transport.resumeReading();
    }
  }

  /** Marks the end of the stream: reads return what is left, then the end. Python: {@code reader.feed_eof()} */
  public void feedEof() {
    eof = true;
    wakeupWaiter();
  }

  /**
   * Whether the stream has ended and the buffer is empty.
   *
   * <p>Python: {@code reader.at_eof()}
   */
  public boolean atEof() {
    return eof && size() == 0;
  }

  /**
   * Appends {@code data} to the buffer (a copy) and wakes the read waiting for it.
   *
   * <p>Python: {@code reader.feed_data(data)}
   *
   * @throws IllegalStateException {@code "feed_data after feed_eof"}
   */
  public void feedData(byte[] data) {
    if (eof) {
      throw new IllegalStateException("feed_data after feed_eof");
    }
    int n = data.length;
    if (n == 0) {
      return;
    }
    ensureRoom(n);
    System.arraycopy(data, 0, buf, tail, n);
    tail += n;
    fed();
  }

  /** Like {@link #feedData(byte[])}, for a Vert.x buffer (its bytes are copied). */
  public void feedData(Buffer data) {
    if (eof) {
      throw new IllegalStateException("feed_data after feed_eof");
    }
    int n = data.length();
    if (n == 0) {
      return;
    }
    ensureRoom(n);
    data.getBytes(0, n, buf, tail);
    tail += n;
    fed();
  }

  private void fed() {
    wakeupWaiter();
    if (transport != null && !paused && size() > 2 * limit) {
      try {
        transport.pauseReading();
        paused = true;
      } catch (UnsupportedOperationException e) {
        transport = null; // it cannot pause: buffer everything, and stop trying
      }
    }
  }

  /** Waits until {@link #feedData} or {@link #feedEof} is called, resuming a paused transport first. */
  private void waitForData(String funcName) {
    if (waiter != null) {
      throw new IllegalStateException(funcName + "() called while another coroutine is already waiting for incoming data");
    }
    if (eof) {
      throw new IllegalStateException("_wait_for_data after EOF");
    }
    // waiting while paused would never end (readexactly(n) with n above the limit needs this)
    if (paused) {
      paused = false;
      transport.resumeReading();
    }
    AsyncFuture<Void> w = loop.createFuture();
    waiter = w;
    try {
      Asyncio.await(w);
    } finally {
      waiter = null;
    }
  }

  /**
   * A coroutine that reads one line: up to and including a newline ({@code \n}); at the end of the
   * stream, what is left without a newline, and then an empty array.
   *
   * <p>Failure path: {@link IllegalArgumentException} when the line is longer than the limit (the line is
   * then dropped from the buffer if its newline came, else the whole buffer is); the exception set on the
   * reader, if any.
   *
   * <p>Python: {@code reader.readline()}
   */
  public Coroutine<byte[]> readline() {
    return Asyncio.async("StreamReader.readline", () -> {
      try {
        return readuntilNow(new byte[][] {NEWLINE});
      } catch (IncompleteReadError e) {
        return e.partial();
      } catch (LimitOverrunError e) {
        if (startsWith(NEWLINE, e.consumed())) {
          drop(e.consumed() + NEWLINE.length);
        } else {
          clear();
        }
        maybeResumeTransport();
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    });
  }

  /** {@link #readuntil(byte[]...)} of a newline. Python: {@code reader.readuntil()} */
  public Coroutine<byte[]> readuntil() {
    return readuntil(NEWLINE);
  }

  /**
   * A coroutine that reads up to and including a separator; with several, up to the one that ends first
   * (the shortest result). The data before the separator may be at most {@link #limit()} bytes long.
   *
   * <p>Failure path: {@link IncompleteReadError} when the stream ends first (its {@code partial} has the
   * bytes, which leave the buffer); {@link LimitOverrunError} when no separator comes within the limit
   * ({@code "Separator is not found, and chunk exceed the limit"}) or one comes beyond it
   * ({@code "Separator is found, but chunk is longer than limit"}), the data staying in the buffer;
   * {@link IllegalArgumentException} {@code "Separator should be at least one-byte string"} or
   * {@code "Separator should contain at least one element"}; the exception set on the reader, if any.
   *
   * <p>Python: {@code reader.readuntil(separator)} (several separators: Python 3.13)
   */
  public Coroutine<byte[]> readuntil(byte[]... separators) {
    byte[][] seps = separators.clone();
    return Asyncio.async("StreamReader.readuntil", () -> readuntilNow(seps));
  }

  private byte[] readuntilNow(byte[][] separators) {
    if (separators.length == 0) {
      throw new IllegalArgumentException("Separator should contain at least one element");
    }
    byte[][] seps = separators.clone();
    Arrays.sort(seps, Comparator.comparingInt(s -> s.length)); // the shortest match wins
    int minSeplen = seps[0].length;
    int maxSeplen = seps[seps.length - 1].length;
    if (minSeplen == 0) {
      throw new IllegalArgumentException("Separator should be at least one-byte string");
    }
    if (exception != null) {
      throw Sneaky.rethrow(exception);
    }
    // offset: how far from the start of the buffer no separator can start (see CPython's comments)
    int offset = 0;
    int matchStart;
    int matchEnd;
    while (true) {
      int buflen = size();
      if (buflen - offset >= minSeplen) {
        matchStart = -1;
        matchEnd = -1;
        for (byte[] sep : seps) {
          int isep = find(sep, offset);
          if (isep != -1) {
            int end = isep + sep.length;
            if (matchEnd == -1 || end < matchEnd) {
              matchEnd = end;
              matchStart = isep;
            }
          }
        }
        if (matchEnd != -1) {
          break;
        }
        offset = Math.max(0, buflen + 1 - maxSeplen);
        if (offset > limit) {
          throw new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
        }
      }
      // a complete separator may be in the buffer with EOF already set: check EOF after the buffer
      if (eof) {
        byte[] chunk = take(size());
        throw new IncompleteReadError(chunk, null);
      }
      waitForData("readuntil");
    }
    if (matchStart > limit) {
      throw new LimitOverrunError("Separator is found, but chunk is longer than limit", matchStart);
    }
    byte[] chunk = take(matchEnd);
    maybeResumeTransport();
    return chunk;
  }

  /** {@link #read(int)} of -1: everything up to the end of the stream. Python: {@code reader.read()} */
  public Coroutine<byte[]> read() {
    return read(-1);
  }

  /**
   * A coroutine that reads up to {@code n} bytes: as soon as at least one byte is buffered, up to
   * {@code n} of them; an empty array at the end of the stream; an empty array at once for {@code n} of
   * 0; for {@code n} below 0, everything until the end of the stream. The limit does not apply.
   *
   * <p>Failure path: the exception set on the reader, if any.
   *
   * <p>Python: {@code reader.read(n)}
   */
  public Coroutine<byte[]> read(int n) {
    return Asyncio.async("StreamReader.read", () -> readNow(n));
  }

  private byte[] readNow(int n) {
    if (exception != null) {
      throw Sneaky.rethrow(exception);
    }
    if (n == 0) {
      return EMPTY;
    }
    if (n < 0) {
      // read(limit) until the end, not one wait for everything: a peer sending more than the limit would deadlock
      java.io.ByteArrayOutputStream blocks = new java.io.ByteArrayOutputStream();
      while (true) {
        byte[] block = readNow(limit);
        if (block.length == 0) {
          break;
        }
        blocks.writeBytes(block);
      }
      return blocks.toByteArray();
    }
    if (size() == 0 && !eof) {
      waitForData("read");
    }
    byte[] data = take(Math.min(n, size()));
    maybeResumeTransport();
    return data;
  }

  /**
   * A coroutine that reads exactly {@code n} bytes; 0 gives an empty array. The limit does not apply.
   *
   * <p>Failure path: {@link IncompleteReadError} when the stream ends first (its {@code partial} has the
   * bytes that came, which leave the buffer); {@link IllegalArgumentException}
   * {@code "readexactly size can not be less than zero"}; the exception set on the reader, if any.
   *
   * <p>Python: {@code reader.readexactly(n)}
   */
  public Coroutine<byte[]> readexactly(int n) {
    return Asyncio.async("StreamReader.readexactly", () -> {
      if (n < 0) {
        throw new IllegalArgumentException("readexactly size can not be less than zero");
      }
      if (exception != null) {
        throw Sneaky.rethrow(exception);
      }
      if (n == 0) {
        return EMPTY;
      }
      while (size() < n) {
        if (eof) {
          byte[] incomplete = take(size());
          throw new IncompleteReadError(incomplete, n);
        }
        waitForData("readexactly");
      }
      byte[] data = take(n);
      maybeResumeTransport();
      return data;
    });
  }

  // ------------------------------------------------------------------ the buffer

  private int size() {
    return tail - head;
  }

  /** How many bytes are buffered (for tests; Python's tests read {@code len(reader._buffer)}). */
  int bufferedSize() {
    return size();
  }

  private void ensureRoom(int n) {
    if (buf.length - tail >= n) {
      return;
    }
    int size = size();
    if (head > 0 && buf.length - size >= n && size < buf.length / 2) {
      System.arraycopy(buf, head, buf, 0, size); // compact in place: cheap while little is buffered
    } else {
      byte[] bigger = new byte[Math.max(Math.max(buf.length * 2, size + n), 256)];
      System.arraycopy(buf, head, bigger, 0, size);
      buf = bigger;
    }
    head = 0;
    tail = size;
  }

  /** Takes the first {@code n} bytes out of the buffer. */
  private byte[] take(int n) {
    if (n == 0) {
      return EMPTY;
    }
    byte[] out = Arrays.copyOfRange(buf, head, head + n);
    drop(n);
    return out;
  }

  private void drop(int n) {
    head += n;
    if (head == tail) {
      clear();
    }
  }

  private void clear() {
    head = 0;
    tail = 0;
    if (buf.length > 4 * limit + 4096) {
      buf = EMPTY; // a burst made it large: let it go
    }
  }

  /** Where {@code sep} starts in the buffer at or after {@code from} (both relative to the buffer's start), or -1. */
  private int find(byte[] sep, int from) {
    int last = tail - sep.length;
    byte first = sep[0];
    for (int i = head + from; i <= last; i++) {
      if (buf[i] != first) {
        continue;
      }
      int j = 1;
      while (j < sep.length && buf[i + j] == sep[j]) {
        j++;
      }
      if (j == sep.length) {
        return i - head;
      }
    }
    return -1;
  }

  private boolean startsWith(byte[] sep, int at) {
    if (size() - at < sep.length) {
      return false;
    }
    for (int j = 0; j < sep.length; j++) {
      if (buf[head + at + j] != sep[j]) {
        return false;
      }
    }
    return true;
  }

  /** Python's repr: {@code <StreamReader 5 bytes eof limit=10 waiter=... transport=... paused>}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("<StreamReader");
    if (size() > 0) {
      sb.append(' ').append(size()).append(" bytes");
    }
    if (eof) {
      sb.append(" eof");
    }
    if (limit != DEFAULT_LIMIT) {
      sb.append(" limit=").append(limit);
    }
    if (waiter != null) {
      sb.append(" waiter=").append(waiter);
    }
    if (exception != null) {
      sb.append(" exception=").append(exception);
    }
    if (transport != null) {
      sb.append(" transport=").append(transport);
    }
    if (paused) {
      sb.append(" paused");
    }
    return sb.append('>').toString();
  }
}
