package org.vertxasyncio.asyncio;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.vertxasyncio.asyncio.impl.VertxEventLoop;

/**
 * The future {@link Asyncio#gather} returns: results in argument order; cancelling it cancels its children.
 *
 * <p>Invariants: {@code children} holds one future per argument (the same future for repeated
 * arguments); {@code nfinished} counts the distinct children that are done.
 *
 * <p>Python: {@code asyncio.tasks._GatheringFuture} and {@code gather}
 */
final class GatheringFuture extends AsyncFuture<List<Object>> {
  private final List<AsyncFuture<?>> children;
  private final boolean returnExceptions;
  private final int nfuts;
  private int nfinished;
  private boolean cancelRequested;

  private GatheringFuture(VertxEventLoop loop, List<AsyncFuture<?>> children, int nfuts, boolean returnExceptions) {
    super(loop);
    this.children = children;
    this.nfuts = nfuts;
    this.returnExceptions = returnExceptions;
  }

  static AsyncFuture<List<Object>> gather(List<? extends Awaitable<?>> args, boolean returnExceptions) {
    if (args.isEmpty()) {
      AsyncFuture<List<Object>> outer = Asyncio.getEventLoop().createFuture();
      outer.setResult(new ArrayList<>());
      return outer;
    }
    // Python dedupes the arguments with a dict; here a future remembers the gather that saw it last, and
    // a coroutine already wrapped in a task is looked up among this gather's tasks (a rare case)
    int token = TOKENS.incrementAndGet();
    List<AsyncFuture<?>> children = new ArrayList<>(args.size());
    List<AsyncFuture<?>> distinct = new ArrayList<>(args.size());
    EventLoop loop = null;
    for (Awaitable<?> arg : args) {
      AsyncFuture<?> fut;
      if (arg instanceof AsyncFuture<?> f) {
        if (f.gatherToken == token) {
          children.add(f);
          continue;
        }
        fut = loop == null ? f : Asyncio.ensureFuture(f, loop);
        f.gatherToken = token;
      } else {
        Coroutine<?> c = (Coroutine<?>) arg;
        AsyncFuture<?> seen = c.scheduled ? taskOf(distinct, c) : null;
        if (seen != null) {
          children.add(seen);
          continue;
        }
        fut = loop == null ? Asyncio.ensureFuture(c) : loop.createTask(c);
      }
      if (loop == null) {
        loop = fut.getLoop();
      }
      distinct.add(fut);
      children.add(fut);
    }
    GatheringFuture outer = new GatheringFuture((VertxEventLoop) loop, children, distinct.size(), returnExceptions);
    Consumer<AsyncFuture<?>> cb = outer::childDone;
    for (AsyncFuture<?> f : distinct) {
      f.addLibraryCallback(cb);
    }
    return outer;
  }

  private static final java.util.concurrent.atomic.AtomicInteger TOKENS = new java.util.concurrent.atomic.AtomicInteger();

  /** The task of this gather that wraps {@code c}, or null. */
  private static AsyncFuture<?> taskOf(List<AsyncFuture<?>> futures, Coroutine<?> c) {
    for (AsyncFuture<?> f : futures) {
      if (f instanceof Task<?> t && t.getCoro() == c) {
        return t;
      }
    }
    return null;
  }

  private void childDone(AsyncFuture<?> fut) {
    nfinished++;
    if (done()) {
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        fail(fut.makeCancelledError());
        return;
      }
      Throwable exc = fut.exceptionRaw();
      if (exc != null) {
        fail(exc);
        return;
      }
    }
    if (nfinished == nfuts) {
      List<Object> results = new ArrayList<>(children.size());
      for (AsyncFuture<?> f : children) {
        if (f.cancelled()) {
          results.add(new CancelledError(f.cancelMessage() == null ? "" : f.cancelMessage()));
        } else if (f.exceptionRaw() != null) {
          results.add(f.exceptionRaw());
        } else {
          results.add(f.resultRaw());
        }
      }
      if (cancelRequested) {
        fail(fut.makeCancelledError());
      } else {
        finish(results);
      }
    }
  }

  /** Cancels every child; the gather itself ends when they do. Python: {@code _GatheringFuture.cancel} */
  @Override
  public boolean cancel(String message) {
    if (done()) {
      return false;
    }
    boolean ret = false;
    for (AsyncFuture<?> child : children) {
      if (child.cancel(message)) {
        ret = true;
      }
    }
    if (ret) {
      cancelRequested = true;
    }
    return ret;
  }

  @Override
  String reprName() {
    return "GatheringFuture";
  }
}
