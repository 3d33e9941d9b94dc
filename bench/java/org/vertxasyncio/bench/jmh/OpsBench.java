package org.vertxasyncio.bench.jmh;

import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.asyncFuture;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.Asyncio;
import org.vertxasyncio.asyncio.Coroutine;
import org.vertxasyncio.asyncio.EventLoop;
import org.vertxasyncio.asyncio.Task;

/**
 * Per-operation costs of the library, each the twin of a function in {@code bench/python/ops.py}.
 *
 * <p>The loop runs on its Vert.x event-loop thread, and JMH's thread can only hand it work through
 * {@code runUntilComplete}; so each invocation is a batch of operations inside one driver coroutine, and
 * the score is per operation ({@link OperationsPerInvocation}). The hand-off itself is {@link #runEmpty}
 * (per invocation, not per operation): it is spread over the batch, so it adds
 * {@code runEmpty / batch} to each figure. ops.py has the same drivers and batches.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OpsBench {
  public static final int BATCH = 10_000;
  public static final int AWAIT_DONE_BATCH = 1_000_000;
  public static final int YIELD_TASKS = 100;
  public static final int YIELDS_PER_TASK = 1_000;
  public static final int CALL_SOON_BATCH = 100_000;
  public static final int DONE_FUTURES = 1024;

  EventLoop loop;
  /** Done futures, awaited in turn (one future only would let the JIT hoist the await out of the loop). */
  final AsyncFuture<Integer>[] doneFutures = newDoneFutureArray();

  @Setup(Level.Trial)
  public void setUp() {
    loop = Asyncio.newEventLoop();
    for (int i = 0; i < doneFutures.length; i++) {
      doneFutures[i] = loop.createFuture();
      doneFutures[i].setResult(i & 1);
    }
    if (!loop.coroutineRunner().equals("continuations")) {
      throw new IllegalStateException("these figures are for the continuations runner, not " + loop.coroutineRunner());
    }
  }

  @SuppressWarnings("unchecked")
  private static AsyncFuture<Integer>[] newDoneFutureArray() {
    return new AsyncFuture[DONE_FUTURES];
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    loop.close();
  }

  /** A pending future of the loop and a callback that finishes it after {@code n} calls, summing results. */
  static final class Countdown implements Consumer<AsyncFuture<Integer>> {
    final AsyncFuture<Long> all;
    int left;
    long sum;

    Countdown(EventLoop loop, int n) {
      all = loop.createFuture();
      left = n;
    }

    @Override
    public void accept(AsyncFuture<Integer> f) {
      sum += f.result();
      if (--left == 0) {
        all.setResult(sum);
      }
    }
  }

  /** The hand-off alone: {@code runUntilComplete} of a coroutine that returns at once (per invocation). */
  @Benchmark
  public Object runEmpty() {
    return loop.runUntilComplete(async(() -> 1));
  }

  /** createFuture + addDoneCallback + setResult, and the callback run by the loop. Python: ops.future_callback */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object futureCreateCompleteCallback() {
    return loop.runUntilComplete(async(() -> {
      Countdown cb = new Countdown(loop, BATCH);
      for (int i = 0; i < BATCH; i++) {
        AsyncFuture<Integer> f = loop.createFuture();
        f.addDoneCallback(cb);
        f.setResult(i);
      }
      return await(cb.all);
    }));
  }

  /** createTask of an await-style coroutine that returns at once + addDoneCallback, run to the callback. Python: ops.task_callback */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object taskCreateCompleteCallback() {
    return loop.runUntilComplete(async(() -> {
      Countdown cb = new Countdown(loop, BATCH);
      for (int i = 0; i < BATCH; i++) {
        int v = i;
        Task<Integer> t = loop.createTask(async(() -> v));
        t.addDoneCallback(cb);
      }
      return await(cb.all);
    }));
  }

  /** The same with a future-style coroutine (needs no fiber). */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object futureTaskCreateCompleteCallback() {
    return loop.runUntilComplete(async(() -> {
      Countdown cb = new Countdown(loop, BATCH);
      for (int i = 0; i < BATCH; i++) {
        int v = i;
        Task<Integer> t = loop.createTask(asyncFuture(() -> Future.succeededFuture(v)));
        t.addDoneCallback(cb);
      }
      return await(cb.all);
    }));
  }

  /** await of a future that is already done (no suspension), 1,024 of them in turn. Python: ops.await_done */
  @Benchmark
  @OperationsPerInvocation(AWAIT_DONE_BATCH)
  public Object awaitDoneFuture() {
    return loop.runUntilComplete(async(() -> {
      long s = 0;
      for (int i = 0; i < AWAIT_DONE_BATCH; i++) {
        s += await(doneFutures[i & (DONE_FUTURES - 1)]);
      }
      return s;
    }));
  }

  /**
   * await with a real suspend and resume: {@code await(sleep(0))}, which gives up one loop iteration, in
   * 100 concurrent tasks (so each iteration resumes 100 of them), gathered by a driver coroutine.
   * Python: ops.await_yield
   */
  @Benchmark
  @OperationsPerInvocation(YIELD_TASKS * YIELDS_PER_TASK)
  public Object awaitSuspendResume() {
    List<Coroutine<Void>> coros = new ArrayList<>(YIELD_TASKS);
    for (int t = 0; t < YIELD_TASKS; t++) {
      coros.add(async(() -> {
        for (int i = 0; i < YIELDS_PER_TASK; i++) {
          await(sleep(0));
        }
      }));
    }
    return loop.runUntilComplete(async(() -> await(gather(coros))));
  }

  /** callSoon of a callback, and the loop running it. Python: ops.call_soon */
  @Benchmark
  @OperationsPerInvocation(CALL_SOON_BATCH)
  public Object callSoon() {
    return loop.runUntilComplete(async(() -> {
      AsyncFuture<Integer> all = loop.createFuture();
      int[] left = {CALL_SOON_BATCH};
      Runnable cb = () -> {
        if (--left[0] == 0) {
          all.setResult(0);
        }
      };
      for (int i = 0; i < CALL_SOON_BATCH; i++) {
        loop.callSoon(cb);
      }
      return await(all);
    }));
  }

  /**
   * The floor for {@link #futureCreateCompleteCallback}: a plain Vert.x {@code Promise} + {@code onComplete}
   * + {@code complete}, on the JMH thread (Vert.x runs the handler inline, asyncio never does).
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long vertxPromiseCreateCompleteCallback() {
    long[] sum = {0};
    for (int i = 0; i < BATCH; i++) {
      Promise<Integer> p = Promise.promise();
      p.future().onComplete(ar -> sum[0] += ar.result());
      p.complete(i);
    }
    return sum[0];
  }
}
