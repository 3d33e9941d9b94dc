package org.vertxasyncio.service.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes log lines to stdout from a thread of its own, many lines per write: the thread that logs (an
 * event loop, most often) only queues the event, and neither formats the line nor makes a system call.
 * The lines are the encoder's, byte for byte, in the order they were logged.
 *
 * <p>Invariants: the writer thread alone encodes and writes; a logging thread never waits, and takes the
 * parts of the event that could change before the writer gets to it (the thread's name, the MDC, and the
 * message unless all its arguments are strings, boxed numbers, booleans, characters or enum values). Once the
 * queue holds {@code queueSize} events, events below {@code WARN} are dropped and counted, and the next
 * write says how many were ({@code N log line(s) dropped: ...}); {@code WARN} and {@code ERROR} are
 * always queued. A line reaches stdout within about {@code lingerMillis} of being logged (the writer
 * gathers what comes meanwhile into the same write). At the JVM's exit (a shutdown hook) and at
 * {@link #stop()} what is queued is written, and from then on each event is written as it comes, by the
 * thread that logs it.
 *
 * <pre>{@code
 * <appender name="STDOUT" class="org.vertxasyncio.service.logging.BatchingConsoleAppender">
 *   <encoder><pattern>%d %-5level [%thread] %logger{0} - %msg%n</pattern></encoder>
 * </appender>
 * }</pre>
 */
public final class BatchingConsoleAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  /** Bytes gathered before a write even if more lines are queued. */
  private static final int WRITE_MAX = 64 * 1024;

  private final ConcurrentLinkedQueue<ILoggingEvent> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  /** Dropped since the last write, which reports them. */
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong droppedTotal = new AtomicLong();
  private final ByteArrayOutputStream batch = new ByteArrayOutputStream(WRITE_MAX + 1024);
  private final Object writeLock = new Object();
  private Encoder<ILoggingEvent> encoder;
  private int queueSize = 16_384;
  private int lingerMillis = 2;
  private OutputStream out;
  private Thread writer;
  private Thread exitHook;
  /** Set by the writer before it parks with nothing queued: a logging thread then wakes it. */
  private volatile boolean idle;
  /** After stop or at the JVM's exit: events are written at once, by the thread that logs them. */
  private volatile boolean direct;

  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  public Encoder<ILoggingEvent> getEncoder() {
    return encoder;
  }

  /** The events queued beyond which those below {@code WARN} are dropped (default 16384). */
  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  /** How long the writer gathers lines after the first one arrives, in milliseconds (default 2). */
  public void setLingerMillis(int lingerMillis) {
    this.lingerMillis = lingerMillis;
  }

  /** Where the lines go instead of stdout (tests); before {@link #start()}. */
  public void setOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("No encoder set for the appender named \"" + name + "\"");
      return;
    }
    if (queueSize < 1) {
      addError("queueSize must be at least 1, got " + queueSize);
      return;
    }
    if (lingerMillis < 0) {
      addError("lingerMillis cannot be negative, got " + lingerMillis);
      return;
    }
    if (out == null) {
      out = System.out;
    }
    direct = false;
    writer = new Thread(this::writeLoop, "log-writer");
    writer.setDaemon(true);
    super.start();
    writer.start();
    exitHook = new Thread(this::flushForExit, "log-writer-exit");
    try {
      Runtime.getRuntime().addShutdownHook(exitHook);
    } catch (IllegalStateException shuttingDown) {
      direct = true;
    }
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    flushForExit();
    super.stop();
    try {
      Runtime.getRuntime().removeShutdownHook(exitHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs or ran: it wrote what was queued
    }
  }

  /** Events dropped because the queue was full, since the start. */
  public long droppedCount() {
    return droppedTotal.get();
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (direct) {
      synchronized (writeLock) {
        writeBatch(event);
      }
      return;
    }
    if (queued.incrementAndGet() > queueSize && !event.getLevel().isGreaterOrEqual(Level.WARN)) {
      queued.decrementAndGet();
      dropped.incrementAndGet();
      droppedTotal.incrementAndGet();
      return;
    }
    // the thread's name and the MDC as they are now; the message too, unless its arguments cannot change
    // (strings, numbers, ...), when the writer formats it with the rest of the line
    event.getThreadName();
    event.getMDCPropertyMap();
    if (!immutableArguments(event.getArgumentArray())) {
      event.getFormattedMessage();
    }
    queue.offer(event);
    if (idle) {
      LockSupport.unpark(writer);
    }
  }

  /** True if formatting the message later gives what formatting it now would: no argument can change. */
  static boolean immutableArguments(Object[] args) {
    if (args == null) {
      return true;
    }
    for (Object a : args) {
      if (!(a == null || a instanceof String || a instanceof Integer || a instanceof Long || a instanceof Double
          || a instanceof Boolean || a instanceof Character || a instanceof Enum<?>)) {
        return false;
      }
    }
    return true;
  }

  private void writeLoop() {
    long linger = TimeUnit.MILLISECONDS.toNanos(lingerMillis);
    while (!direct) {
      if (queue.isEmpty()) {
        idle = true;
        // a logging thread that queued before seeing idle is caught by this second look
        if (queue.isEmpty() && !direct) {
          LockSupport.park(this);
        }
        idle = false;
        if (linger > 0 && !direct) {
          LockSupport.parkNanos(this, linger);
        }
      }
      synchronized (writeLock) {
        if (!direct) {
          writeBatch(null);
        }
      }
    }
  }

  /** Writes what is queued, then {@code then} if not null; under {@link #writeLock}. */
  private void writeBatch(ILoggingEvent then) {
    batch.reset();
    long d = dropped.getAndSet(0);
    if (d > 0) {
      batch.writeBytes((d + " log line(s) dropped: the log could not keep up (below WARN only; queueSize "
          + queueSize + ")" + System.lineSeparator()).getBytes(StandardCharsets.UTF_8));
    }
    ILoggingEvent e;
    while ((e = queue.poll()) != null) {
      queued.decrementAndGet();
      encodeInto(e);
      if (batch.size() >= WRITE_MAX) {
        write();
      }
    }
    if (then != null) {
      encodeInto(then);
    }
    write();
  }

  private void encodeInto(ILoggingEvent e) {
    try {
      batch.writeBytes(encoder.encode(e));
    } catch (RuntimeException failed) {
      addError("could not encode a log event", failed);
    }
  }

  private void write() {
    if (batch.size() == 0) {
      return;
    }
    try {
      batch.writeTo(out);
      out.flush();
    } catch (IOException failed) {
      addError("could not write the log", failed);
    }
    batch.reset();
  }

  /** Writes what is queued and switches to writing each event at once; on stop and at the JVM's exit. */
  private void flushForExit() {
    direct = true;
    LockSupport.unpark(writer);
    synchronized (writeLock) {
      writeBatch(null);
    }
  }
}
