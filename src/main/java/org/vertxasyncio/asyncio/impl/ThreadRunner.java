package org.vertxasyncio.asyncio.impl;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.ContextVars;

/**
 * The portable runner: each fiber is a virtual thread, and the loop thread hands control to it and
 * waits until it suspends or ends. It works on any JDK 21+ without flags; a suspend/resume costs two
 * thread switches, so it is much slower than {@link ContinuationRunner} (see BENCHMARKS.md).
 *
 * <p>Invariants: at any instant either the resuming thread (the loop's, or the fiber that started this
 * one eagerly) or the fiber's thread runs, never both ({@code turn} says which); all fields are handed
 * over through the volatile {@code turn}, the resumer's current context ({@link CurrentContext}) with
 * them; a fiber whose thread has started and not ended is in its loop's list of such fibers, which the
 * loop unwinds when it is closed.
 */
public final class ThreadRunner implements FiberRunner {
  private static final ThreadFactory THREADS = Thread.ofVirtual().name("asyncio-fiber-", 0).factory();

  @Override
  public String name() {
    return "threads";
  }

  @Override
  public <T> Fiber<T> newFiber(VertxEventLoop loop, Object body) {
    return new ThreadFiber<>(loop, body);
  }

  /** Thrown inside a fiber that its loop abandons (closed with the fiber still suspended), to unwind it. */
  static final class Abandoned extends Error {
    private static final long serialVersionUID = 1L;

    Abandoned() {
      super("the event loop was closed while this coroutine was suspended", null, false, false);
    }
  }

  static final class ThreadFiber<T> extends AbstractFrame<T> implements Fiber<T> {
    private static final int LOOP = 0;
    private static final int FIBER = 1;
    private static final ThreadLocal<ThreadFiber<?>> CURRENT = new ThreadLocal<>();
    private static final int SPINS = Integer.getInteger("asyncio.threads.spins", 2000);

    private final VertxEventLoop loop;
    private final Object body;
    private volatile int turn = LOOP;
    private Thread thread;
    private Thread caller;
    private Throwable sendExc;
    /** The context current where the fiber was resumed: the fiber's thread takes it on. */
    private ContextVars context;
    ThreadFiber<?> prevOfLoop;
    ThreadFiber<?> nextOfLoop;

    ThreadFiber(VertxEventLoop loop, Object body) {
      this.loop = loop;
      this.body = body;
    }

    @Override
    public void resume(Throwable exc) {
      sendExc = exc;
      caller = Thread.currentThread();
      context = CurrentContext.get();
      turn = FIBER;
      if (thread == null) {
        link();
        thread = THREADS.newThread(this::runBody);
        thread.start();
      } else {
        LockSupport.unpark(thread);
      }
      for (int spins = SPINS; turn == FIBER && spins > 0; spins--) {
        Thread.onSpinWait(); // most steps are short: catch the hand-back before paying for a park
      }
      while (turn == FIBER) {
        LockSupport.park(this);
      }
    }

    private void link() {
      nextOfLoop = loop.threadFibers;
      if (nextOfLoop != null) {
        nextOfLoop.prevOfLoop = this;
      }
      loop.threadFibers = this;
    }

    private void unlink() {
      if (prevOfLoop != null) {
        prevOfLoop.nextOfLoop = nextOfLoop;
      } else if (loop.threadFibers == this) {
        loop.threadFibers = nextOfLoop;
      }
      if (nextOfLoop != null) {
        nextOfLoop.prevOfLoop = prevOfLoop;
      }
      prevOfLoop = null;
      nextOfLoop = null;
    }

    private void runBody() {
      CURRENT.set(this);
      VertxEventLoop.runningOnThisThread(loop);
      CurrentContext.set(context);
      try {
        Throwable t = sendExc;
        sendExc = null;
        if (t != null) {
          throw t;
        }
        result = Bodies.call(body);
      } catch (Abandoned a) {
        error = a;
      } catch (Throwable t) {
        error = t;
      } finally {
        done = true;
        waiter = null;
        unlink();
        Thread c = caller;
        turn = LOOP;
        LockSupport.unpark(c);
      }
    }

    @Override
    public Throwable suspend(AsyncFuture<?> on) {
      waiter = on;
      Thread c = caller;
      turn = LOOP;
      LockSupport.unpark(c);
      while (turn == LOOP) {
        LockSupport.park(this);
      }
      CurrentContext.set(context);
      Throwable t = sendExc;
      sendExc = null;
      return t;
    }

    @Override
    public boolean isCurrent() {
      return CURRENT.get() == this;
    }

    @Override
    public void abandon() {
      if (thread != null && !done) {
        resume(new Abandoned());
      }
    }

    @Override
    public StackTraceElement[] suspendedStack() {
      Thread t = thread;
      return t == null || done ? new StackTraceElement[0] : t.getStackTrace();
    }
  }
}
