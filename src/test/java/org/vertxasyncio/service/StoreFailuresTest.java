package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;
import static org.vertxasyncio.testing.Eventually.eventually;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.store.StoreException;
import org.vertxasyncio.service.store.Stored;
import org.vertxasyncio.service.store.StoredDelivery;
import org.vertxasyncio.service.store.StoredTask;
import org.vertxasyncio.service.store.TaskStore;

/**
 * The service over a real SQLite store whose commits the test holds back or fails: a task the store
 * cannot commit is refused with 503 (and does not run on), and a finish is told to nobody (long poll,
 * webhook) before it is committed.
 */
class StoreFailuresTest {

  /** A store that passes everything to a real one, but can fail or hold back the syncs (the commits' answers). */
  static final class GatedStore implements TaskStore {
    final TaskStore inner;
    volatile boolean fail;
    volatile boolean hold;
    final List<Promise<Void>> held = new CopyOnWriteArrayList<>();

    GatedStore(TaskStore inner) {
      this.inner = inner;
    }

    synchronized void release() {
      hold = false;
      held.forEach(Promise::tryComplete);
      held.clear();
    }

    @Override
    public synchronized Future<Void> sync() {
      if (fail) {
        return Future.failedFuture(new StoreException("the disk is full (a test)"));
      }
      if (!hold) {
        return inner.sync();
      }
      Promise<Void> p = Promise.promise();
      held.add(p);
      return inner.sync().compose(v -> p.future());
    }

    @Override
    public boolean durable() {
      return inner.durable();
    }

    @Override
    public String describe() {
      return "gated " + inner.describe();
    }

    @Override
    public Future<Stored> open() {
      return inner.open();
    }

    @Override
    public void put(StoredTask task) {
      inner.put(task);
    }

    @Override
    public void putAll(List<StoredTask> tasks) {
      inner.putAll(tasks);
    }

    @Override
    public void delete(String id) {
      inner.delete(id);
    }

    @Override
    public void putLoop(String name, String state) {
      inner.putLoop(name, state);
    }

    @Override
    public void putEventIdsReserved(long upTo) {
      inner.putEventIdsReserved(upTo);
    }

    @Override
    public Future<Long> reserveNames(int block) {
      return inner.reserveNames(block);
    }

    @Override
    public Future<KeyClaim> claimKey(String key, String fingerprint, String taskId, String node) {
      return inner.claimKey(key, fingerprint, taskId, node);
    }

    @Override
    public Future<Boolean> reclaimKey(String key, String staleTaskId, String fingerprint, String taskId, String node) {
      return inner.reclaimKey(key, staleTaskId, fingerprint, taskId, node);
    }

    @Override
    public Future<Void> releaseKey(String key, String taskId) {
      return inner.releaseKey(key, taskId);
    }

    @Override
    public Future<Integer> forgetKeys(long ageMillis) {
      return inner.forgetKeys(ageMillis);
    }

    @Override
    public void finish(StoredTask task, List<StoredDelivery> deliveries, double leaseSeconds) {
      inner.finish(task, deliveries, leaseSeconds);
    }

    @Override
    public Future<List<StoredDelivery>> claimDeliveries(String owner, int max, double leaseSeconds) {
      return inner.claimDeliveries(owner, max, leaseSeconds);
    }

    @Override
    public Future<Void> renewDeliveries(String owner, List<String> tokens, double leaseSeconds) {
      return inner.renewDeliveries(owner, tokens, leaseSeconds);
    }

    @Override
    public Future<Boolean> deliveryAttempted(StoredDelivery d, Long retryInMillis, String entryJson, double leaseSeconds) {
      return inner.deliveryAttempted(d, retryInMillis, entryJson, leaseSeconds);
    }

    @Override
    public Future<StoredDelivery> redeliver(String taskId, int entry, String owner, String token, double leaseSeconds) {
      return inner.redeliver(taskId, entry, owner, token, leaseSeconds);
    }

    @Override
    public Future<Void> close() {
      release();
      return inner.close();
    }
  }

  @Test
  void aTaskTheStoreCannotCommitIsRefusedWith503() throws Exception {
    GatedStore[] store = new GatedStore[1];
    try (ServiceHarness svc = ServiceHarness.start(Map.of(), c -> store[0] = new GatedStore(TaskStore.of(c)))) {
      store[0].fail = true;
      ServiceHarness.Resp r = svc.post("/tasks", sleep(30));
      JsonObject e = r.expectError(503, "store_unavailable", null);
      assertNotNull(r.header("Retry-After"), r.body());
      assertTrue(e.getString("message").contains("store"), e.encode());
      eventually("the refused task is forgotten", Duration.ofSeconds(10),
          () -> svc.get("/tasks").json().getJsonArray("tasks").isEmpty());
      assertEquals(new JsonArray(), svc.get("/tasks").json().getJsonArray("tasks"), "the refused task is cancelled and forgotten");
      store[0].fail = false;
      assertEquals("finished", svc.submitAndWait(sleep(0), 5).getString("state"), "accepted again once the store commits");
    }
  }

  @Test
  void aFinishIsToldToNobodyBeforeItIsCommitted() throws Exception {
    List<String> got = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", ex -> {
      got.add(ex.getRequestHeaders().getFirst("webhook-id"));
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    receiver.start();
    GatedStore[] store = new GatedStore[1];
    // the receiver is on loopback, which the webhook guard refuses unless allowed
    try (ServiceHarness svc = ServiceHarness.start(Map.of("webhooks.allow", "127.0.0.1", "loops", "default,held"),
        c -> store[0] = new GatedStore(TaskStore.of(c)))) {
      String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
      // on a stopped loop the task cannot finish before the commits are held back
      svc.post("/loops/held/stop").expect(200);
      String id = svc.submit(sleep(0.05).put("loop", "held")
          .put("callbacks", new JsonArray().add(new JsonObject().put("url", url)))).getString("id");
      store[0].hold = true;
      svc.post("/loops/held/start").expect(200);
      CompletableFuture<HttpResponse<String>> longPoll = svc.client().sendAsync(
          HttpRequest.newBuilder(URI.create(svc.url("/tasks/" + id + "?wait=20"))).build(), HttpResponse.BodyHandlers.ofString());
      eventually("the task is done", Duration.ofSeconds(10), () -> svc.get("/tasks/" + id).json().getBoolean("done"));
      assertTrue(svc.get("/tasks/" + id).json().getBoolean("done"), "the task is done");
      Thread.sleep(500); // time enough for a delivery, were it allowed
      assertTrue(got.isEmpty(), "no webhook before the commit: " + got);
      assertFalse(longPoll.isDone(), "no long-poll answer before the commit");
      store[0].release();
      HttpResponse<String> answer = longPoll.get(10, TimeUnit.SECONDS);
      assertEquals("finished", new JsonObject(answer.body()).getString("state"));
      eventually("the webhook is delivered", Duration.ofSeconds(10), () -> !got.isEmpty());
      assertEquals(List.of("msg_" + id + "_1"), got, "delivered once committed, under its stable id");
    } finally {
      receiver.stop(0);
    }
  }
}
