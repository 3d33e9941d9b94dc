package org.vertxasyncio.service;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/** {@link IdempotencyKeyTest}'s behaviour on the memory store, which keeps its keys in this process. */
class IdempotencyKeyMemoryTest extends IdempotencyKeyTest {

  @BeforeAll
  static void start() throws Exception {
    Map<String, Object> c = config();
    c.put("store.type", "memory");
    svc = ServiceHarness.start(c);
  }
}
