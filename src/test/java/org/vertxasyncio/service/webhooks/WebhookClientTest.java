package org.vertxasyncio.service.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One webhook POST against a real receiver on loopback: the connection goes to the address the guard
 * checked (the name resolved once), with the name in {@code Host}; redirects are not followed; a long
 * answer is cut at the cap; a silent receiver is given up at the request timeout.
 */
class WebhookClientTest {
  static Vertx vertx;
  static HttpServer receiver;
  static final Map<String, String> hostHeaders = new ConcurrentHashMap<>();
  static final AtomicInteger hits = new AtomicInteger();
  static final AtomicInteger redirectTargetHits = new AtomicInteger();
  static final AtomicLong bigWritten = new AtomicLong();
  static final AtomicBoolean bigClosed = new AtomicBoolean();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    receiver = vertx.createHttpServer().requestHandler(req -> {
      hits.incrementAndGet();
      hostHeaders.put(req.path(), String.valueOf(req.getHeader("Host")));
      switch (req.path()) {
        case "/redirect" -> req.response().setStatusCode(302).putHeader("Location", "/target").end();
        case "/target" -> {
          redirectTargetHits.incrementAndGet();
          req.response().setStatusCode(204).end();
        }
        case "/big" -> {
          // a 200 followed by an answer that never ends: written until the client lets go
          var resp = req.response().setStatusCode(200).setChunked(true);
          Buffer chunk = Buffer.buffer(new byte[16 * 1024]);
          long timer = vertx.setPeriodic(1, t -> {
            if (resp.closed() || bigWritten.get() > 64L * 1024 * 1024) {
              vertx.cancelTimer(t);
              return;
            }
            if (!resp.writeQueueFull()) {
              resp.write(chunk);
              bigWritten.addAndGet(chunk.length());
            }
          });
          resp.closeHandler(v -> {
            vertx.cancelTimer(timer);
            bigClosed.set(true);
          });
        }
        case "/silent" -> {
          // never answers
        }
        default -> req.response().setStatusCode(204).end();
      }
    });
    receiver.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static WebhookClient.Outcome post(WebhookClient c, String url) throws Exception {
    return c.post(url, MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"), Buffer.buffer("{}"))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void connectsToTheCheckedAddressAndKeepsTheNameInTheHostHeader() throws Exception {
    // the name resolves to loopback (allowed by address); were it resolved a second time, it would go nowhere
    AtomicInteger lookups = new AtomicInteger();
    WebhookGuard guard = new WebhookGuard(List.of("127.0.0.1"), host -> {
      if (!host.equals("receiver.test")) {
        throw new UnknownHostException(host);
      }
      return lookups.getAndIncrement() == 0 ? List.of(InetAddress.getByName("127.0.0.1")) : List.of(InetAddress.getByName("10.255.255.1"));
    });
    WebhookClient c = new WebhookClient(vertx, guard, 2, 5, 65536, 16);
    int port = receiver.actualPort();
    WebhookClient.Outcome o = post(c, "http://receiver.test:" + port + "/named");
    assertEquals(204, o.status(), String.valueOf(o));
    assertEquals(1, lookups.get(), "resolved once");
    assertEquals("receiver.test:" + port, hostHeaders.get("/named"));
    // the next attempt resolves again, and its answer is checked again: refused, nothing sent
    int before = hits.get();
    WebhookClient.Outcome second = post(c, "http://receiver.test:" + port + "/named-again");
    assertTrue(second.refused(), String.valueOf(second));
    assertTrue(second.error().contains("private address (10.255.255.1)"), second.error());
    assertEquals(before, hits.get());
    c.close();
  }

  @Test
  void aNameThatResolvesToLoopbackIsRefusedWithoutAConnection() throws Exception {
    WebhookClient c = new WebhookClient(vertx, WebhookGuard.withSystemResolver(List.of()), 2, 5, 65536, 16);
    int before = hits.get();
    WebhookClient.Outcome o = post(c, "http://localhost:" + receiver.actualPort() + "/x");
    assertTrue(o.refused(), String.valueOf(o));
    assertNull(o.status());
    assertTrue(o.error().startsWith("refused: localhost resolves to a loopback address"), o.error());
    assertEquals(before, hits.get(), "nothing reached the receiver");
    c.close();
  }

  @Test
  void redirectsAreNotFollowed() throws Exception {
    WebhookClient c = new WebhookClient(vertx, WebhookGuard.withSystemResolver(List.of("127.0.0.1")), 2, 5, 65536, 16);
    WebhookClient.Outcome o = post(c, "http://127.0.0.1:" + receiver.actualPort() + "/redirect");
    assertEquals(302, o.status());
    assertEquals(0, redirectTargetHits.get());
    c.close();
  }

  @Test
  void aLongAnswerIsCutAtTheCap() throws Exception {
    WebhookClient c = new WebhookClient(vertx, WebhookGuard.withSystemResolver(List.of("127.0.0.1")), 2, 30, 100_000, 16);
    long t0 = System.nanoTime();
    WebhookClient.Outcome o = post(c, "http://127.0.0.1:" + receiver.actualPort() + "/big");
    assertEquals(200, o.status());
    assertTrue((System.nanoTime() - t0) / 1e9 < 20, "the answer was not read to its end (it has none)");
    eventually("the client closes the endless answer", Duration.ofSeconds(5), bigClosed::get);
    assertTrue(bigWritten.get() < 64L * 1024 * 1024, "the receiver was cut off after " + bigWritten.get() + " bytes");
    c.close();
  }

  @Test
  void aSilentReceiverIsGivenUpAtTheRequestTimeout() throws Exception {
    WebhookClient c = new WebhookClient(vertx, WebhookGuard.withSystemResolver(List.of("127.0.0.1")), 1, 0.5, 65536, 16);
    WebhookClient.Outcome o = post(c, "http://127.0.0.1:" + receiver.actualPort() + "/silent");
    assertNull(o.status());
    assertFalse(o.refused());
    assertTrue(o.error().contains("timed out"), o.error());
    c.close();
  }
}
