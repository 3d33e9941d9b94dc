package org.vertxasyncio.asyncio;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.createTask;
import static org.vertxasyncio.asyncio.Asyncio.sleep;
import static org.vertxasyncio.asyncio.Asyncio.waitFor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link StreamReader} on its own, fed by hand as CPython's {@code test_streams.py} feeds it: the
 * buffer, the limit, the end of the stream, and what a cancelled or timed-out read leaves behind. The
 * messages are CPython's (3.11-3.13).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamReaderTest extends LoopTestBase {

  private static byte[] b(String s) {
    return s.getBytes(US_ASCII);
  }

  private static String s(byte[] b) {
    return new String(b, US_ASCII);
  }

  private <T> T run(CoroutineBody<T> body) {
    return loop.runUntilComplete(async(body));
  }

  @Test
  void readGivesWhatIsBufferedUpToN() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      r.feedData(b("line1\nline2\n"));
      assertEquals("line1", s(await(r.read(5))));
      assertEquals("\nline2\n", s(await(r.read(100))));
      return null;
    });
  }

  @Test
  void readWaitsForTheFirstByteOnly() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      loop.callSoon(() -> r.feedData(b("abc")));
      assertEquals("abc", s(await(r.read(30))));
      return null;
    });
  }

  @Test
  void readOfZeroGivesEmptyAtOnce() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      assertArrayEquals(new byte[0], await(r.read(0)));
      return null;
    });
  }

  @Test
  void readOfMinusOneReadsUntilTheEndEvenBeyondTheLimit() {
    run(() -> {
      StreamReader r = new StreamReader(3, loop);
      loop.callSoon(() -> {
        r.feedData(b("chunk1\n"));
        r.feedData(b("chunk2"));
        r.feedEof();
      });
      assertEquals("chunk1\nchunk2", s(await(r.read())));
      assertArrayEquals(new byte[0], await(r.read()));
      assertTrue(r.atEof());
      return null;
    });
  }

  @Test
  void readAtTheEndGivesEmpty() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      loop.callSoon(r::feedEof);
      assertArrayEquals(new byte[0], await(r.read(100)));
      return null;
    });
  }

  @Test
  void readlineGivesOneLineWithItsNewline() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      r.feedData(b("chk"));
      loop.callSoon(() -> {
        r.feedData(b("chunk2 "));
        r.feedData(b("chunk3 "));
        r.feedData(b("\n chunk4"));
      });
      assertEquals("chkchunk2 chunk3 \n", s(await(r.readline())));
      assertEquals(" chunk4", s(await(r.read(100))));
      return null;
    });
  }

  @Test
  void readlineAtTheEndGivesThePartialLineThenEmpty() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      r.feedData(b("some data"));
      r.feedEof();
      assertEquals("some data", s(await(r.readline())));
      assertArrayEquals(new byte[0], await(r.readline()));
      assertTrue(r.atEof());
      return null;
    });
  }

  @Test
  void readlineOfALineBeyondTheLimitRaisesValueErrorAndDropsTheLine() {
    run(() -> {
      StreamReader r = new StreamReader(4, loop);
      r.feedData(b("abcdefgh\nxy\n"));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> await(r.readline()));
      assertEquals("Separator is found, but chunk is longer than limit", e.getMessage());
      assertEquals("xy\n", s(await(r.readline())), "the long line, newline included, is dropped");
      return null;
    });
  }

  @Test
  void readlineWithoutANewlineWithinTheLimitClearsTheBuffer() {
    run(() -> {
      StreamReader r = new StreamReader(4, loop);
      r.feedData(b("abcdefgh"));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> await(r.readline()));
      assertEquals("Separator is not found, and chunk exceed the limit", e.getMessage());
      r.feedData(b("ij\n"));
      assertEquals("ij\n", s(await(r.readline())), "what came before the error is gone");
      return null;
    });
  }

  @Test
  void readuntilFindsAMultiByteSeparator() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      r.feedData(b("lineAAA"));
      loop.callSoon(() -> r.feedData(b("line2A\r\nrest")));
      assertEquals("lineAAA", s(await(r.readuntil(b("AAA")))));
      assertEquals("line2A\r\n", s(await(r.readuntil(b("\r\n")))));
      assertEquals("rest", s(await(r.read(10))));
      return null;
    });
  }

  @Test
  void readuntilOfSeveralSeparatorsStopsAtTheOneThatEndsFirst() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      r.feedData(b("ab\r\ncd\n"));
      assertEquals("ab\r\n", s(await(r.readuntil(b("\n"), b("\r\n")))));
      assertEquals("cd\n", s(await(r.readuntil(b("\n"), b("d\n")))));
      IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> await(r.readuntil(new byte[0][])));
      assertEquals("Separator should contain at least one element", none.getMessage());
      return null;
    });
  }

  @Test
  void readuntilRefusesAnEmptySeparator() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> await(r.readuntil(new byte[0])));
      assertEquals("Separator should be at least one-byte string", e.getMessage());
      return null;
    });
  }

  @Test
  void readuntilBeyondTheLimitRaisesLimitOverrunErrorAndKeepsTheData() {
    run(() -> {
      StreamReader r = new StreamReader(4, loop);
      r.feedData(b("abcdefgh"));
      LimitOverrunError e = assertThrows(LimitOverrunError.class, () -> await(r.readuntil(b("\n"))));
      assertEquals("Separator is not found, and chunk exceed the limit", e.getMessage());
      assertEquals(8, e.consumed());
      r.feedEof();
      assertEquals("abcdefgh", s(await(r.read())), "the data stays in the buffer");
      return null;
    });
  }

  @Test
  void readuntilAtTheEndRaisesIncompleteReadErrorWithThePartialData() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      r.feedData(b("no separator"));
      r.feedEof();
      IncompleteReadError e = assertThrows(IncompleteReadError.class, () -> await(r.readuntil(b("!"))));
      assertEquals("no separator", s(e.partial()));
      assertNull(e.expected());
      assertEquals("12 bytes read on a total of undefined expected bytes", e.getMessage());
      assertTrue(r.atEof());
      return null;
    });
  }

  @Test
  void readexactlyWaitsForAllNBytes() {
    run(() -> {
      StreamReader r = new StreamReader(2, loop); // the limit does not apply
      loop.callSoon(() -> r.feedData(b("12345")));
      loop.callLater(0.01, () -> r.feedData(b("67890abc")));
      assertEquals("1234567890", s(await(r.readexactly(10))));
      assertEquals("abc", s(await(r.read(10))));
      return null;
    });
  }

  @Test
  void readexactlyAtTheEndRaisesIncompleteReadError() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      loop.callSoon(() -> {
        r.feedData(b("abcdefgh"));
        r.feedEof();
      });
      IncompleteReadError e = assertThrows(IncompleteReadError.class, () -> await(r.readexactly(20)));
      assertEquals("8 bytes read on a total of 20 expected bytes", e.getMessage());
      assertEquals("abcdefgh", s(e.partial()));
      assertEquals(20, e.expected());
      assertTrue(r.atEof(), "the partial data left the buffer");
      return null;
    });
  }

  @Test
  void readexactlyRefusesANegativeSize() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> await(r.readexactly(-1)));
      assertEquals("readexactly size can not be less than zero", e.getMessage());
      assertArrayEquals(new byte[0], await(r.readexactly(0)));
      return null;
    });
  }

  @Test
  void twoCoroutinesWaitingForDataAtOnceIsRefused() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      Task<byte[]> first = createTask(r.read(10));
      await(sleep(0));
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> await(r.readline()));
      assertEquals("readuntil() called while another coroutine is already waiting for incoming data", e.getMessage());
      r.feedData(b("x"));
      assertEquals("x", s(await(first)));
      return null;
    });
  }

  @Test
  void anExceptionSetOnTheReaderIsRaisedByTheWaitingReadAndEveryLaterOne() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      ConnectionResetError boom = new ConnectionResetError("Connection reset by peer");
      Task<byte[]> waiting = createTask(r.readline());
      await(sleep(0));
      r.setException(boom);
      r.feedData(b("buffered"));
      assertSame(boom, assertThrows(ConnectionResetError.class, () -> await(waiting)));
      assertSame(boom, assertThrows(ConnectionResetError.class, () -> await(r.read(5))));
      assertSame(boom, assertThrows(ConnectionResetError.class, () -> await(r.readexactly(5))));
      assertSame(boom, r.exception());
      return null;
    });
  }

  @Test
  void theLimitMustBeAboveZero() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StreamReader(0, loop));
    assertEquals("Limit cannot be <= 0", e.getMessage());
    assertEquals(65536, StreamReader.DEFAULT_LIMIT);
  }

  @Test
  void atEofOnlyOnceTheEndCameAndTheBufferIsEmpty() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      r.feedData(b("x"));
      r.feedEof();
      assertFalse(r.atEof());
      await(r.read(1));
      assertTrue(r.atEof());
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.feedData(b("late")));
      assertEquals("feed_data after feed_eof", e.getMessage());
      return null;
    });
  }

  @Test
  void aCancelledReadLeavesTheBufferedDataForTheNextRead() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      r.feedData(b("1234"));
      Task<byte[]> t = createTask(r.readexactly(10));
      await(sleep(0));
      assertTrue(t.cancel());
      assertThrows(CancelledError.class, () -> await(t));
      r.feedData(b("567890"));
      assertEquals("1234567890", s(await(r.readexactly(10))));
      return null;
    });
  }

  @Test
  void aTimeoutAtReadexactlyRaisesTimeoutErrorAndLosesNothing() {
    run(() -> {
      StreamReader r = new StreamReader(StreamReader.DEFAULT_LIMIT, loop);
      r.feedData(b("12"));
      assertThrows(TimeoutError.class, () -> await(waitFor(r.readexactly(4), 0.01)));
      r.feedData(b("34"));
      assertEquals("1234", s(await(waitFor(r.readexactly(4), 5.0))));
      return null;
    });
  }

  @Test
  void aReaderPausesItsTransportAboveTwiceTheLimitAndResumesAtTheLimit() {
    run(() -> {
      List<String> calls = new ArrayList<>();
      StreamReader r = new StreamReader(3, loop);
      r.setTransport(new RecordingTransport(calls));
      r.feedData(b("123456"));
      assertEquals(List.of(), calls, "6 bytes is not above twice the limit");
      r.feedData(b("7"));
      assertEquals(List.of("pause_reading"), calls);
      await(r.read(3));
      assertEquals(List.of("pause_reading"), calls, "4 bytes left: still above the limit");
      await(r.read(1));
      assertEquals(List.of("pause_reading", "resume_reading"), calls);
      IllegalStateException twice = assertThrows(IllegalStateException.class, () -> r.setTransport(new RecordingTransport(calls)));
      assertEquals("Transport already set", twice.getMessage());
      return null;
    });
  }

  @Test
  void waitingForMoreThanTheLimitResumesAPausedTransport() {
    run(() -> {
      List<String> calls = new ArrayList<>();
      StreamReader r = new StreamReader(1, loop);
      r.setTransport(new RecordingTransport(calls));
      r.feedData(b("123"));
      Task<byte[]> t = createTask(r.readexactly(5));
      await(sleep(0));
      assertEquals(List.of("pause_reading", "resume_reading"), calls, "a read that must wait would wait forever if paused");
      r.feedData(b("45"));
      assertEquals("12345", s(await(t)));
      return null;
    });
  }

  @Test
  void itsReprShowsItsState() {
    StreamReader r = new StreamReader(10, loop);
    r.feedData(b("12345"));
    r.feedEof();
    assertEquals("<StreamReader 5 bytes eof limit=10>", r.toString());
    assertEquals("<StreamReader>", new StreamReader(StreamReader.DEFAULT_LIMIT, loop).toString());
  }

  /** A transport that records the pauses and resumes a reader asks for. */
  private record RecordingTransport(List<String> calls) implements Transport {
    @Override
    public void write(byte[] data) {
    }

    @Override
    public void writeEof() {
    }

    @Override
    public boolean canWriteEof() {
      return false;
    }

    @Override
    public void close() {
    }

    @Override
    public boolean isClosing() {
      return false;
    }

    @Override
    public void pauseReading() {
      calls.add("pause_reading");
    }

    @Override
    public void resumeReading() {
      calls.add("resume_reading");
    }

    @Override
    public boolean isReading() {
      return true;
    }

    @Override
    public <T> T getExtraInfo(String name, T defaultValue) {
      return defaultValue;
    }
  }
}
