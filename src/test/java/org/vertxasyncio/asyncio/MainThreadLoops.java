package org.vertxasyncio.asyncio;

import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

/**
 * asyncio's main-thread rules for {@code get_event_loop()}, run by {@code AsyncioRunTest} in a JVM of its
 * own (the test JVM's main thread has set loops already). Prints one line per step.
 */
public final class MainThreadLoops {
  private MainThreadLoops() {
  }

  public static void main(String[] args) {
    switch (args[0]) {
      case "first-use" -> {
        EventLoop a = Asyncio.getEventLoop(); // the main thread, no loop set yet: made and set
        System.out.println("same loop: " + (a == Asyncio.getEventLoop()));
        System.out.println("runs: " + a.runUntilComplete(async(() -> {
          await(sleep(0));
          return 42;
        })));
        Asyncio.setEventLoop(null);
        System.out.println("after setEventLoop(null): " + message());
        a.close();
      }
      case "after-run" -> {
        System.out.println("run: " + Asyncio.run(async(() -> 7)));
        System.out.println("after run: " + message());
      }
      default -> throw new IllegalArgumentException("unknown mode: " + args[0]);
    }
  }

  private static String message() {
    try {
      return "made " + Asyncio.getEventLoop();
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }
}
