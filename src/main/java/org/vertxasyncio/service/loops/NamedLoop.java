package org.vertxasyncio.service.loops;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import org.vertxasyncio.asyncio.EventLoop;
import org.vertxasyncio.service.ServiceError;

/**
 * One of the service's named asyncio event loops, with what the service tracks about it.
 *
 * <p>Invariants: the loop and its tasks are touched only on {@link EventLoop#context()} (see
 * {@link #call}); {@code closing} turns true once and then refuses new tasks; the lag fields are
 * written by the probe on the loop's thread and read anywhere.
 */
public final class NamedLoop {
  private final String name;
  private final EventLoop loop;
  private volatile boolean closing;
  /** Completes when the current run stops; touched on the loop's context. */
  private Future<Void> run = Future.succeededFuture();
  private volatile double lagSeconds;
  private volatile long probeSentNanos;
  private volatile long lastStartNanos;

  NamedLoop(String name, EventLoop loop) {
    this.name = name;
    this.loop = loop;
  }

  public String name() {
    return name;
  }

  /** The asyncio loop: use it only on its context. */
  public EventLoop loop() {
    return loop;
  }

  /** True once a close has begun (or finished): new tasks are refused with "Event loop is closed". */
  public boolean closing() {
    return closing || loop.isClosed();
  }

  void markClosing() {
    closing = true;
  }

  /** Running, stopped or closed; any thread. */
  public LoopState state() {
    return loop.isClosed() ? LoopState.CLOSED : loop.isRunning() ? LoopState.RUNNING : LoopState.STOPPED;
  }

  /**
   * Runs {@code fn} on the loop's context and gives its outcome; the returned future completes on that
   * context, so a caller on another context should move back to its own before touching its state.
   * When {@code fn} fails because the loop is closed (the loop refuses work with an
   * {@code IllegalStateException}), the future fails with {@link ServiceError.LoopClosed}.
   */
  public <T> Future<T> call(Callable<T> fn) {
    Promise<T> p = Promise.promise();
    loop.context().runOnContext(v -> {
      try {
        p.complete(fn.call());
      } catch (IllegalStateException e) {
        p.fail(loop.isClosed() ? new ServiceError.LoopClosed() : e);
      } catch (Throwable t) {
        p.fail(t);
      }
    });
    return p.future();
  }

  /** Starts the loop (non-blocking run_forever); on the loop's context. */
  void startOnContext() {
    lastStartNanos = System.nanoTime();
    probeSentNanos = 0;
    run = loop.start();
  }

  /** Completes when the current run has stopped; on the loop's context. */
  Future<Void> runFuture() {
    return run;
  }

  /** Sends a lag probe, unless one is on its way; from any thread. */
  void probe() {
    if (!loop.isRunning() || loop.isClosed() || probeSentNanos != 0) {
      return;
    }
    long sent = System.nanoTime();
    probeSentNanos = sent;
    try {
      loop.callSoonThreadsafe(() -> {
        long now = System.nanoTime();
        if (sent >= lastStartNanos) {
          lagSeconds = (now - sent) / 1e9;
        }
        probeSentNanos = 0;
      });
    } catch (IllegalStateException closed) {
      probeSentNanos = 0;
    }
  }

  /** The delay of the last lag probe, in seconds. */
  public double lagSeconds() {
    return lagSeconds;
  }

  /** The loop as {@code GET /loops/{name}} shows it; any thread (the fields read are thread-safe). */
  public JsonObject toJson(int pending, int done) {
    return new JsonObject()
        .put("name", name)
        .put("running", loop.isRunning())
        .put("closed", loop.isClosed())
        .put("time", loop.time())
        .put("pending", pending)
        .put("done", done)
        .put("lagSeconds", lagSeconds)
        .put("coroutineRunner", loop.coroutineRunner());
  }

  @Override
  public String toString() {
    return "<NamedLoop " + name + " " + loop + ">";
  }
}
