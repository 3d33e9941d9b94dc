package org.vertxasyncio.asyncio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Gives each test a fresh event loop, set as the thread's current loop, and closes it afterwards. */
abstract class LoopTestBase {
  protected EventLoop loop;

  @BeforeEach
  void newLoop() {
    loop = Asyncio.newEventLoop();
    Asyncio.setEventLoop(loop);
  }

  @AfterEach
  void closeLoop() {
    Asyncio.setEventLoop(null);
    if (loop.isRunning()) {
      loop.stop();
      for (int i = 0; i < 200 && loop.isRunning(); i++) {
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    if (!loop.isRunning()) {
      loop.close();
    }
  }

  /** Seconds since {@code startNanos}. */
  static double since(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
