package org.vertxasyncio.asyncio;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
    Map<Awaitable<?>, AsyncFuture<?>> argToFut = new IdentityHashMap<>(args.size());
    List<AsyncFuture<?>> children = new ArrayList<>(args.size());
    List<AsyncFuture<?>> distinct = new ArrayList<>();
    EventLoop loop = null;
    for (Awaitable<?> arg : args) {
      AsyncFuture<?> fut = argToFut.get(arg);
      if (fut == null) {
        fut = loop == null ? Asyncio.ensureFuture(arg) : Asyncio.ensureFuture(arg, loop);
        if (loop == null) {
          loop = fut.getLoop();
        }
        argToFut.put(arg, fut);
        distinct.add(fut);
      }
      children.add(fut);
    }
    GatheringFuture outer = new GatheringFuture((VertxEventLoop) loop, children, distinct.size(), returnExceptions);
    Consumer<AsyncFuture<?>> cb = outer::childDone;
    for (AsyncFuture<?> f : distinct) {
      f.addDoneCallback(cb);
    }
    return outer;
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
          results.add(new CancelledError(f.cancelMessage == null ? "" : f.cancelMessage));
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
