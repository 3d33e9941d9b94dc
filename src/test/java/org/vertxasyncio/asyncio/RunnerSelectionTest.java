package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RunnerSelectionTest extends LoopTestBase {

  @Test
  void loopUsesTheConfiguredCoroutineRunner() {
    String configured = System.getProperty("asyncio.coroutines", "auto");
    if (!configured.equals("auto")) {
      assertEquals(configured, loop.coroutineRunner());
    }
  }
}
