package org.vertxasyncio.asyncio;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.createTask;
import static org.vertxasyncio.asyncio.Asyncio.currentTask;
import static org.vertxasyncio.asyncio.Asyncio.getRunningLoop;
import static org.vertxasyncio.asyncio.Asyncio.openConnection;
import static org.vertxasyncio.asyncio.Asyncio.sleep;
import static org.vertxasyncio.asyncio.Asyncio.startServer;
import static org.vertxasyncio.asyncio.Asyncio.waitFor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * asyncio's streams over real sockets on loopback: {@link Asyncio#openConnection} and
 * {@link Asyncio#startServer} against each other and against plain blocking {@link Socket}s (run on the
 * loop's executor) that read slowly, end their data, close mid-line or reset. Where real time is the
 * point (a writer stuck in {@code drain}), the tests wait for a state with generous bounds; none asserts
 * speed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamsTest extends LoopTestBase {
  private static final int CHUNK = 64 * 1024;

  private static byte[] b(String s) {
    return s.getBytes(US_ASCII);
  }

  private static String s(byte[] b) {
    return new String(b, US_ASCII);
  }

  private <T> T run(CoroutineBody<T> body) {
    return loop.runUntilComplete(async(body));
  }

  private static int port(Server server) {
    return server.sockets().get(0).getsockname().port();
  }

  /** Echoes what it reads until the end of the stream, then closes. */
  static Coroutine<Void> echo(StreamReader reader, StreamWriter writer) {
    return async(() -> {
      while (true) {
        byte[] data = await(reader.read(CHUNK));
        if (data.length == 0) {
          break;
        }
        writer.write(data);
        await(writer.drain());
      }
      writer.close();
      await(writer.waitClosed());
    });
  }

  /** A chunk whose every byte is its index: a reader can tell a lost, doubled or reordered chunk. */
  private static byte[] chunk(int index) {
    byte[] c = new byte[CHUNK];
    java.util.Arrays.fill(c, (byte) index);
    return c;
  }

  /** Reads a socket to its end, checking that byte {@code p} is {@code (byte) (p / CHUNK)}; gives the count. */
  private static long readChunks(InputStream in) throws IOException {
    byte[] buf = new byte[8192];
    long p = 0;
    for (int n; (n = in.read(buf)) > 0; ) {
      for (int i = 0; i < n; i++, p++) {
        if (buf[i] != (byte) (p / CHUNK)) {
          throw new AssertionError("byte " + p + " is " + buf[i] + ", not " + (byte) (p / CHUNK));
        }
      }
    }
    return p;
  }

  /** Waits, polling the loop's clock, until {@code condition} holds; fails after {@code seconds}. */
  private static void eventually(String what, double seconds, BooleanSupplier condition) {
    EventLoop l = getRunningLoop();
    double deadline = l.time() + seconds;
    while (!condition.getAsBoolean()) {
      if (l.time() > deadline) {
        fail("not within " + seconds + " s: " + what);
      }
      await(sleep(0.02));
    }
  }

  /** A writer's progress: bytes that {@code drain} let through, and whether it is in {@code drain} now. */
  private static final class Progress {
    final AtomicLong drained = new AtomicLong();
    volatile boolean inDrain;
    volatile boolean done;

    /** Waits until the writer has sat in {@code drain} with no progress for a while: the peer holds it back. */
    void awaitStuckInDrain(String who) {
      long[] last = {-1};
      int[] still = {0};
      eventually(who + " waits in drain()", 60, () -> {
        long now = drained.get();
        still[0] = inDrain && now == last[0] ? still[0] + 1 : 0;
        last[0] = now;
        return still[0] >= 15; // 0.3 s or more without progress, inside drain()
      });
    }
  }

  /** Writes {@code chunks} chunks with a drain after each, then closes. */
  private static Coroutine<Void> writeChunks(StreamWriter writer, int chunks, Progress progress) {
    return async(() -> {
      for (int i = 0; i < chunks; i++) {
        writer.write(chunk(i));
        progress.inDrain = true;
        await(writer.drain());
        progress.inDrain = false;
        progress.drained.addAndGet(CHUNK);
      }
      progress.done = true;
      writer.close();
      await(writer.waitClosed());
    });
  }

  // ------------------------------------------------------------------ a server and a client

  @Test
  void anEchoServerAndItsClientTalkOverLoopback() {
    run(() -> {
      List<Object> seenByTheServer = new ArrayList<>();
      Server server = await(startServer((r, w) -> {
        seenByTheServer.add(w.getExtraInfo("peername"));
        seenByTheServer.add(getRunningLoop()); // the callback runs in a loop iteration
        return async(() -> {
          seenByTheServer.add(currentTask());
          await(echo(r, w));
        });
      }, "127.0.0.1", 0));
      int port = port(server);
      assertTrue(server.isServing());
      assertSame(loop, server.getLoop());
      assertEquals(new Address("127.0.0.1", port), server.sockets().get(0).getsockname());
      assertEquals("<Server sockets=[<TransportSocket laddr=('127.0.0.1', " + port + ")>]>", server.toString());

      StreamPair c = await(openConnection("127.0.0.1", port));
      c.writer().write(b("Hello World!\n"));
      await(c.writer().drain());
      assertEquals("Hello World!\n", s(await(c.reader().readline())));

      Address sockname = c.writer().getExtraInfo("sockname");
      assertEquals(new Address("127.0.0.1", port), c.writer().getExtraInfo("peername"));
      assertEquals("127.0.0.1", sockname.host());
      assertEquals(sockname, seenByTheServer.get(0), "the server's peer is the client's socket");
      assertSame(loop, seenByTheServer.get(1));
      assertInstanceOf(Task.class, seenByTheServer.get(2), "the handler's coroutine runs as a task");
      assertNull(c.writer().getExtraInfo("nosuch"));
      assertEquals("dflt", c.writer().getExtraInfo("nosuch", "dflt"));
      assertEquals("('127.0.0.1', " + port + ")", c.writer().getExtraInfo("peername").toString());

      c.writer().close();
      assertTrue(c.writer().isClosing());
      await(c.writer().waitClosed());
      server.close();
      await(server.waitClosed());
      assertEquals(List.of(), server.sockets());
      assertFalse(server.isServing());
      return null;
    });
  }

  // ------------------------------------------------------------------ backpressure

  @Test
  void drainWaitsWhileThePeerDoesNotReadAndResumesWhenItDoes() {
    int chunks = 256; // 16 MiB: more than the kernel and Vert.x buffer when the peer reads nothing
    Progress progress = new Progress();
    CountDownLatch mayRead = new CountDownLatch(1);
    run(() -> {
      Server server = await(startServer((r, w) -> writeChunks(w, chunks, progress), "127.0.0.1", 0));
      int port = port(server);
      AsyncFuture<Long> peer = loop.runInExecutor(() -> {
        try (Socket s = new Socket()) {
          s.setReceiveBufferSize(16 * 1024);
          s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
          mayRead.await();
          return readChunks(s.getInputStream());
        }
      });
      progress.awaitStuckInDrain("the server's writer");
      assertFalse(progress.done);
      assertTrue(progress.drained.get() < (long) chunks * CHUNK, "drain() let everything through: " + progress.drained);

      mayRead.countDown(); // the peer starts reading: drain must let the writer go on
      assertEquals((long) chunks * CHUNK, await(waitFor(peer, 60.0)));
      assertTrue(progress.done);
      server.close();
      await(server.waitClosed());
      return null;
    });
  }

  @Test
  void aReaderHoldingMoreThanTwiceItsLimitPausesTheSocketSoThePeersDrainWaits() {
    int chunks = 1024; // 64 MiB: beyond what the kernel buffers on loopback
    int limit = 1024;
    Progress progress = new Progress();
    run(() -> {
      Server server = await(startServer((r, w) -> writeChunks(w, chunks, progress), "127.0.0.1", 0));
      StreamPair c = await(openConnection("127.0.0.1", port(server), limit));
      eventually("the client's transport is paused", 30, () -> !c.writer().transport().isReading());
      progress.awaitStuckInDrain("the server's writer");
      assertTrue(c.reader().bufferedSize() <= 2 * limit + 1024 * 1024,
          "the reader stopped taking data soon after twice its limit: " + c.reader().bufferedSize());
      assertTrue(c.reader().toString().endsWith(" paused>"), c.reader().toString());

      long p = 0;
      while (true) {
        byte[] data = await(c.reader().read(CHUNK));
        if (data.length == 0) {
          break;
        }
        for (byte x : data) {
          assertEquals((byte) (p / CHUNK), x, "byte " + p);
          p++;
        }
      }
      assertEquals((long) chunks * CHUNK, p);
      assertTrue(progress.done);
      server.close();
      await(server.waitClosed());
      return null;
    });
  }

  @Test
  void aCancelledOrTimedOutDrainLeavesTheWrittenDataQueued() {
    CountDownLatch mayRead = new CountDownLatch(1);
    run(() -> {
      long[] written = {0};
      AsyncFuture<Void> handlerDone = loop.createFuture();
      Server server = await(startServer((r, w) -> async(() -> {
        while (true) { // write until drain() holds the writer back
          w.write(chunk((int) (written[0] / CHUNK)));
          written[0] += CHUNK;
          try {
            await(waitFor(w.drain(), 0.5));
          } catch (TimeoutError e) {
            break;
          }
        }
        Task<Void> d = createTask(w.drain());
        await(sleep(0.05));
        d.cancel();
        assertThrows(CancelledError.class, () -> await(d));
        w.close(); // what was written still goes out, then the connection closes
        handlerDone.setResult(null);
      }), "127.0.0.1", 0));
      int port = port(server);
      AsyncFuture<Long> peer = loop.runInExecutor(() -> {
        try (Socket s = new Socket()) {
          s.setReceiveBufferSize(16 * 1024);
          s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
          mayRead.await();
          return readChunks(s.getInputStream());
        }
      });
      await(waitFor(handlerDone, 60.0));
      mayRead.countDown();
      assertEquals(written[0], await(waitFor(peer, 60.0)), "every byte written before the cancelled drain arrives");
      server.close();
      await(server.waitClosed());
      return null;
    });
  }

  // ------------------------------------------------------------------ the end of the stream

  @Test
  void aPeerThatClosesMidLineGivesThePartialLineThenTheEnd() {
    run(() -> {
      try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        AsyncFuture<Void> peer = loop.runInExecutor(() -> {
          try (Socket s = ss.accept()) {
            s.getOutputStream().write(b("first line\nsecond, unfin"));
          }
          return null;
        });
        StreamPair c = await(openConnection("127.0.0.1", ss.getLocalPort()));
        assertEquals("first line\n", s(await(c.reader().readline())));
        assertEquals("second, unfin", s(await(c.reader().readline())));
        assertArrayEquals(new byte[0], await(c.reader().readline()));
        assertTrue(c.reader().atEof());
        await(peer);
        c.writer().close();
        await(c.writer().waitClosed());
      }
      return null;
    });
  }

  @Test
  void readexactlyFromAPeerThatClosesEarlyRaisesIncompleteReadError() {
    run(() -> {
      AsyncFuture<IncompleteReadError> seen = loop.createFuture();
      Server server = await(startServer((r, w) -> async(() -> {
        try {
          await(r.readexactly(10));
          seen.setException(new AssertionError("readexactly(10) returned"));
        } catch (IncompleteReadError e) {
          seen.setResult(e);
        }
        w.close();
      }), "127.0.0.1", 0));
      int port = port(server);
      await(loop.runInExecutor(() -> {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
          s.getOutputStream().write(b("abcd"));
        }
        return null;
      }));
      IncompleteReadError e = await(waitFor(seen, 30.0));
      assertEquals("abcd", s(e.partial()));
      assertEquals(10, e.expected());
      assertEquals("4 bytes read on a total of 10 expected bytes", e.getMessage());
      server.close();
      await(server.waitClosed());
      return null;
    });
  }

  @Test
  void aPeerThatEndsItsDataStillGetsTheAnswer() {
    run(() -> {
      Server server = await(startServer((r, w) -> async(() -> {
        byte[] question = await(r.read()); // up to the end of the peer's data
        w.write(b("answer to " + s(question)));
        await(w.drain());
        w.close();
      }), "127.0.0.1", 0));
      int port = port(server);
      String answer = await(loop.runInExecutor(() -> {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
          s.getOutputStream().write(b("question"));
          s.shutdownOutput(); // a FIN: asyncio keeps the connection open to answer
          return s(s.getInputStream().readAllBytes());
        }
      }));
      assertEquals("answer to question", answer);
      server.close();
      await(server.waitClosed());
      return null;
    });
  }

  @Test
  void writeEofEndsThisSidesDataAndTheOtherWayStaysOpen() {
    run(() -> {
      Server server = await(startServer((r, w) -> async(() -> {
        byte[] all = await(r.read());
        w.write(b("got " + s(all)));
        w.close();
      }), "127.0.0.1", 0));
      StreamPair c = await(openConnection("127.0.0.1", port(server)));
      assertTrue(c.writer().canWriteEof());
      c.writer().write(b("ping"));
      c.writer().writeEof();
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.writer().write(b("more")));
      assertEquals("Cannot call write() after write_eof()", e.getMessage());
      assertEquals("got ping", s(await(c.reader().read())));
      c.writer().close();
      await(c.writer().waitClosed());
      server.close();
      await(server.waitClosed());
      return null;
    });
  }

  // ------------------------------------------------------------------ cancellation and timeouts

  @Test
  void aReadCancelledOrTimedOutOnASocketLosesNoData() {
    run(() -> {
      Event more = new Event();
      Server server = await(startServer((r, w) -> async(() -> {
        w.write(b("1234"));
        await(more.await());
        w.write(b("567890"));
        await(w.drain());
        w.close();
      }), "127.0.0.1", 0));
      StreamPair c = await(openConnection("127.0.0.1", port(server)));
      StreamReader reader = c.reader();
      eventually("the first 4 bytes arrive", 30, () -> reader.bufferedSize() == 4);

      Task<byte[]> t = createTask(reader.readexactly(10));
      await(sleep(0.01));
      assertTrue(t.cancel());
      assertThrows(CancelledError.class, () -> await(t));
      assertThrows(TimeoutError.class, () -> await(waitFor(reader.readexactly(10), 0.05)));
      assertEquals(4, reader.bufferedSize(), "the cancelled and the timed-out read took nothing");

      more.set();
      assertEquals("1234567890", s(await(waitFor(reader.readexactly(10), 30.0))));
      c.writer().close();
      server.close();
      await(server.waitClosed());
      return null;
    });
  }

  // ------------------------------------------------------------------ errors

  @Test
  void drainAfterTheConnectionClosedRaisesConnectionResetError() {
    run(() -> {
      Server server = await(startServer(StreamsTest::echo, "127.0.0.1", 0));
      StreamPair c = await(openConnection("127.0.0.1", port(server)));
      c.writer().close();
      await(c.writer().waitClosed());
      ConnectionResetError e = assertThrows(ConnectionResetError.class, () -> await(c.writer().drain()));
      assertEquals("Connection lost", e.getMessage());
      c.writer().write(b("dropped")); // as asyncio: no error, the data goes nowhere
      assertArrayEquals(new byte[0], await(c.reader().read(10)));
      server.close();
      await(server.waitClosed());
      return null;
    });
  }

  @Test
  void aPeerThatResetsTheConnectionFailsReadsAndWaitClosedWithConnectionResetError() {
    run(() -> {
      try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        CountDownLatch connected = new CountDownLatch(1);
        AsyncFuture<Void> peer = loop.runInExecutor(() -> {
          try (Socket s = ss.accept()) {
            connected.await();
            s.setSoLinger(true, 0); // close with a RST
          }
          return null;
        });
        StreamPair c = await(openConnection("127.0.0.1", ss.getLocalPort()));
        connected.countDown();
        await(peer);
        ConnectionResetError e = assertThrows(ConnectionResetError.class, () -> await(c.reader().read(10)));
        assertNotNull(e.getCause(), "Vert.x's exception is the cause");
        assertSame(e, assertThrows(ConnectionResetError.class, () -> await(c.writer().waitClosed())));
        assertSame(e, assertThrows(ConnectionResetError.class, () -> await(c.writer().drain())));
        assertTrue(c.writer().isClosing());
      }
      return null;
    });
  }

  @Test
  void openConnectionWhereNobodyListensRaisesConnectionRefusedError() {
    run(() -> {
      int port;
      try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = ss.getLocalPort();
      }
      ConnectionRefusedError e = assertThrows(ConnectionRefusedError.class, () -> await(openConnection("127.0.0.1", port)));
      assertEquals("Connect call failed ('127.0.0.1', " + port + ")", e.getMessage());
      assertInstanceOf(java.net.ConnectException.class, e.getCause());
      IllegalArgumentException noHost = assertThrows(IllegalArgumentException.class, () -> await(openConnection(null, port)));
      assertEquals("host and port was not specified and no sock specified", noHost.getMessage());
      assertThrows(IllegalArgumentException.class, () -> await(openConnection("127.0.0.1", 70000)));
      return null;
    });
  }

  @Test
  void aHandlerThatFailsIsReportedToTheLoopAndItsConnectionClosed() {
    List<Map<String, Object>> reported = new ArrayList<>();
    loop.setExceptionHandler((l, context) -> reported.add(context));
    run(() -> {
      IllegalStateException boom = new IllegalStateException("boom");
      Server server = await(startServer((r, w) -> async(() -> {
        await(r.readline());
        throw boom;
      }), "127.0.0.1", 0));
      StreamPair c = await(openConnection("127.0.0.1", port(server)));
      c.writer().write(b("go\n"));
      assertArrayEquals(new byte[0], await(waitFor(c.reader().read(10), 30.0)), "the server closed the connection");
      assertEquals(1, reported.size());
      assertEquals("Unhandled exception in client_connected_cb", reported.get(0).get("message"));
      assertSame(boom, reported.get(0).get("exception"));
      assertNotNull(reported.get(0).get("transport"));
      c.writer().close();
      server.close();
      await(server.waitClosed());
      return null;
    });
  }

  // ------------------------------------------------------------------ the server's life

  @Test
  void closingTheServerStopsListeningAndWaitClosedWaitsForItsConnections() {
    run(() -> {
      Server server = await(startServer(StreamsTest::echo, "127.0.0.1", 0));
      int port = port(server);
      StreamPair c = await(openConnection("127.0.0.1", port));
      c.writer().write(b("one\n"));
      assertEquals("one\n", s(await(c.reader().readline())));

      server.close();
      assertEquals(List.of(), server.sockets());
      assertFalse(server.isServing());
      Task<Void> waitClosed = createTask(server.waitClosed());
      await(sleep(0.2));
      assertFalse(waitClosed.done(), "a connection of the server is still open");
      c.writer().write(b("two\n"));
      assertEquals("two\n", s(await(c.reader().readline())), "a closed server's connections stay open");
      eventually("new connections are refused", 30, () -> {
        try {
          StreamPair late = await(openConnection("127.0.0.1", port));
          late.writer().close();
          return false;
        } catch (ConnectionRefusedError refused) {
          return true;
        }
      });

      c.writer().close();
      await(waitFor(waitClosed, 30.0));
      await(server.waitClosed()); // closed with no connection: at once

      Server again = await(startServer(StreamsTest::echo, "127.0.0.1", port)); // the port is free again
      again.close();
      await(again.waitClosed());
      return null;
    });
  }

  @Test
  void serveForeverEndsWhenCancelledAndClosesTheServer() {
    run(() -> {
      Server server = await(startServer(StreamsTest::echo, "127.0.0.1", 0));
      Task<Void> serving = createTask(server.serveForever());
      await(sleep(0));
      IllegalStateException twice = assertThrows(IllegalStateException.class, () -> await(server.serveForever()));
      assertEquals("server " + server + " is already being awaited on serve_forever()", twice.getMessage());
      serving.cancel();
      assertThrows(CancelledError.class, () -> await(serving));
      assertEquals(List.of(), server.sockets());
      IllegalStateException closed = assertThrows(IllegalStateException.class, () -> await(server.serveForever()));
      assertEquals("server <Server sockets=[]> is closed", closed.getMessage());
      return null;
    });
  }

  @Test
  void closingTheServerEndsServeForeverWithCancelledError() {
    run(() -> {
      Server server = await(startServer(StreamsTest::echo, "127.0.0.1", 0));
      Task<Void> serving = createTask(server.serveForever());
      await(sleep(0));
      server.close();
      assertThrows(CancelledError.class, () -> await(serving));
      assertTrue(serving.cancelled());
      return null;
    });
  }

  @Test
  void asyncWithClosesTheServerAndWaitsForItsConnectionsWhateverTheBodyDoes() {
    run(() -> {
      Server server = await(startServer(StreamsTest::echo, "127.0.0.1", 0));
      StreamPair c = await(openConnection("127.0.0.1", port(server)));
      Task<String> block = createTask(async(() -> server.asyncWith(() -> {
        c.writer().write(b("in the block\n"));
        return s(await(c.reader().readline()));
      })));
      await(sleep(0.2));
      assertFalse(block.done(), "the block waits for the server's connection to close");
      assertEquals(List.of(), server.sockets(), "the server is closed at the end of the block");
      c.writer().close();
      assertEquals("in the block\n", await(waitFor(block, 30.0)));

      Server failing = await(startServer(StreamsTest::echo, "127.0.0.1", 0));
      IllegalStateException boom = new IllegalStateException("boom");
      assertSame(boom, assertThrows(IllegalStateException.class, () -> failing.asyncWith(() -> {
        throw boom;
      })));
      assertFalse(failing.isServing());
      return null;
    });
  }

  @Test
  void closeClientsClosesTheConnectionsOfTheServer() {
    run(() -> {
      Server server = await(startServer(StreamsTest::echo, "127.0.0.1", 0));
      StreamPair c = await(openConnection("127.0.0.1", port(server)));
      c.writer().write(b("x\n"));
      assertEquals("x\n", s(await(c.reader().readline())));
      server.close();
      server.closeClients();
      await(waitFor(server.waitClosed(), 30.0));
      assertArrayEquals(new byte[0], await(waitFor(c.reader().read(), 30.0)));
      return null;
    });
  }
}
