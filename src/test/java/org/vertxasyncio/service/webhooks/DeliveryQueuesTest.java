package org.vertxasyncio.service.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** The endpoint queues: per-endpoint and per-host limits, order, turns, and nothing once closed. */
class DeliveryQueuesTest {
  /** Runs what it is given at once, on the caller's thread. */
  static final Executor NOW = Runnable::run;

  final List<String> started = new ArrayList<>();

  void submit(DeliveryQueues q, String url, String name) {
    q.submit(url, NOW, () -> started.add(name));
  }

  @Test
  void anEndpointRunsAtMostItsLimitAndTheRestWaitInOrder() {
    DeliveryQueues q = new DeliveryQueues(2, 100);
    for (int i = 1; i <= 5; i++) {
      submit(q, "http://a.example/hook", "a" + i);
    }
    assertEquals(List.of("a1", "a2"), started);
    assertEquals(3, q.waiting());
    assertEquals(2, q.active());
    q.release("http://a.example/hook");
    assertEquals(List.of("a1", "a2", "a3"), started);
    q.release("http://a.example/hook");
    q.release("http://a.example/hook");
    assertEquals(List.of("a1", "a2", "a3", "a4", "a5"), started);
    assertEquals(0, q.waiting());
  }

  @Test
  void aFullEndpointDoesNotHoldBackAnotherOnTheSameHost() {
    DeliveryQueues q = new DeliveryQueues(1, 100);
    submit(q, "http://h.example/slow", "slow1");
    submit(q, "http://h.example/slow", "slow2");
    submit(q, "http://h.example/fast", "fast1");
    assertEquals(List.of("slow1", "fast1"), started);
    q.release("http://h.example/fast");
    submit(q, "http://h.example/fast", "fast2");
    assertEquals(List.of("slow1", "fast1", "fast2"), started, "the slow endpoint's queue is its own");
  }

  @Test
  void aHostsLimitIsSharedAndItsEndpointsTakeTurns() {
    DeliveryQueues q = new DeliveryQueues(10, 2);
    submit(q, "http://h.example/a", "a1");
    submit(q, "http://h.example/a", "a2");
    submit(q, "http://h.example/a", "a3");
    submit(q, "http://h.example/a", "a4");
    submit(q, "http://h.example:80/b", "b1");
    submit(q, "http://other.example/c", "c1");
    assertEquals(List.of("a1", "a2", "c1"), started, "another host has its own limit");
    q.release("http://h.example/a");
    q.release("http://h.example/a");
    assertEquals(List.of("a1", "a2", "c1", "a3", "b1"), started, "endpoints waiting for their host take turns");
  }

  @Test
  void theHostIsSchemeNameAndPort() {
    assertEquals("http://h.example:80", DeliveryQueues.hostOf("http://H.example/x?y=1"));
    assertEquals("https://h.example:443", DeliveryQueues.hostOf("https://h.example/x"));
    assertEquals("http://h.example:8080", DeliveryQueues.hostOf("http://h.example:8080/"));
    assertEquals("not a url", DeliveryQueues.hostOf("not a url"));
  }

  @Test
  void nothingStartsOnceClosedAndAReleaseWithoutAnAttemptIsABug() {
    DeliveryQueues q = new DeliveryQueues(1, 1);
    submit(q, "http://h.example/a", "a1");
    submit(q, "http://h.example/a", "a2");
    q.close();
    q.release("http://h.example/a");
    submit(q, "http://h.example/a", "a3");
    assertEquals(List.of("a1"), started);
    assertThrows(IllegalStateException.class, () -> q.release("http://h.example/a"));
  }

  @Test
  void idleEndpointsAreForgotten() {
    DeliveryQueues q = new DeliveryQueues(1, 1);
    submit(q, "http://h.example/a", "a1");
    q.release("http://h.example/a");
    assertThrows(IllegalStateException.class, () -> q.release("http://h.example/a"));
    assertEquals(0, q.active());
  }
}
