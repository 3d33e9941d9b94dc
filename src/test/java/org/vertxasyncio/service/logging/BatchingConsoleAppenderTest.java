package org.vertxasyncio.service.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchingConsoleAppenderTest {
  private final LoggerContext context = new LoggerContext();
  private final Sink sink = new Sink();

  @AfterEach
  void stop() {
    context.stop();
  }

  private Logger logger(int queueSize, OutputStream out) {
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%-5level [%thread] %logger{0} - %msg%n");
    encoder.start();
    BatchingConsoleAppender appender = new BatchingConsoleAppender();
    appender.setContext(context);
    appender.setName("test");
    appender.setEncoder(encoder);
    appender.setQueueSize(queueSize);
    appender.setOutputStream(out);
    appender.start();
    assertTrue(appender.isStarted());
    Logger log = context.getLogger("Things");
    log.setLevel(Level.INFO);
    log.addAppender(appender);
    return log;
  }

  private static List<String> lines(String text) {
    return text.isEmpty() ? List.of() : List.of(text.split("\n"));
  }

  @Test
  void linesComeOutAsTheEncoderMakesThemInTheOrderLogged() {
    Logger log = logger(1000, sink);
    for (int i = 0; i < 500; i++) {
      log.info("task {} created", i);
    }
    List<String> out = eventually("500 lines written", Duration.ofSeconds(10), () -> lines(sink.text()), l -> l.size() >= 500);
    assertEquals(500, out.size());
    for (int i = 0; i < 500; i++) {
      assertEquals("INFO  [" + Thread.currentThread().getName() + "] Things - task " + i + " created", out.get(i));
    }
    assertTrue(sink.writes.get() < 500, "many lines per write, got " + sink.writes.get() + " writes");
  }

  @Test
  void aLoneLineIsWrittenWithoutWaitingForMore() {
    Logger log = logger(1000, sink);
    log.info("one");
    eventually("the line is written", Duration.ofSeconds(5), () -> sink.text().equals("INFO  [" + Thread.currentThread().getName()
        + "] Things - one\n"));
    log.warn("two");
    eventually("the second is written", Duration.ofSeconds(5), () -> sink.text().endsWith("WARN  ["
        + Thread.currentThread().getName() + "] Things - two\n"));
  }

  @Test
  void theMessageIsTakenAsItWasWhenLogged() {
    Logger log = logger(1000, sink);
    List<String> list = new ArrayList<>(List.of("a"));
    log.info("list {}", list);
    list.add("b");
    eventually("the line is written", Duration.ofSeconds(5), () -> sink.text().contains("list [a]\n"));
  }

  @Test
  void onlyAMessageWhoseArgumentsCannotChangeIsLeftForTheWriterToFormat() {
    assertTrue(BatchingConsoleAppender.immutableArguments(null));
    assertTrue(BatchingConsoleAppender.immutableArguments(new Object[] {"id", 3, 4L, 0.5, true, 'c', Level.class.getName(), null,
        java.util.concurrent.TimeUnit.SECONDS}));
    assertTrue(!BatchingConsoleAppender.immutableArguments(new Object[] {"id", new ArrayList<>()}));
    assertTrue(!BatchingConsoleAppender.immutableArguments(new Object[] {new StringBuilder("x")}));
  }

  @Test
  void beyondTheQueueInfoLinesAreDroppedAndCountedWarningsNever() throws Exception {
    Sink blocked = new Sink();
    blocked.hold = new CountDownLatch(1);
    Logger log = logger(10, blocked);
    BatchingConsoleAppender appender = (BatchingConsoleAppender) log.getAppender("test");
    log.info("first"); // the writer takes it and is held in its write
    eventually("the writer is writing", Duration.ofSeconds(5), () -> blocked.entered.get() > 0);
    for (int i = 0; i < 30; i++) {
      log.info("info {}", i);
    }
    for (int i = 0; i < 5; i++) {
      log.warn("warning {}", i);
    }
    assertEquals(20, appender.droppedCount());
    blocked.hold.countDown();
    List<String> out = eventually("the queued lines are written", Duration.ofSeconds(10), () -> lines(blocked.text()),
        l -> l.stream().anyMatch(s -> s.contains("warning 4")));
    assertTrue(out.contains("20 log line(s) dropped: the log could not keep up (below WARN only; queueSize 10)"), out.toString());
    assertEquals(10, out.stream().filter(s -> s.contains("Things - info ")).count());
    assertEquals(5, out.stream().filter(s -> s.contains("Things - warning ")).count());
  }

  @Test
  void stopWritesWhatIsQueuedAndLaterLinesAreWrittenAtOnce() {
    Sink slow = new Sink();
    Logger log = logger(100_000, slow);
    BatchingConsoleAppender appender = (BatchingConsoleAppender) log.getAppender("test");
    for (int i = 0; i < 10_000; i++) {
      log.info("line {}", i);
    }
    appender.stop();
    List<String> out = lines(slow.text());
    assertEquals(10_000, out.size());
    assertTrue(out.get(9_999).endsWith("line 9999"), out.get(9_999));
  }

  /** Collects what is written; counts the writes; can hold the writer inside a write. */
  private static final class Sink extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger entered = new AtomicInteger();
    volatile CountDownLatch hold;

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      entered.incrementAndGet();
      CountDownLatch h = hold;
      if (h != null) {
        try {
          h.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      synchronized (bytes) {
        bytes.write(b, off, len);
      }
      writes.incrementAndGet();
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
