package org.vertxasyncio.service.store;

/** The memory store against the store contract: it reads back nothing, by design, and reserves names without overlap. */
class MemoryTaskStoreTest extends TaskStoreContract {
  @Override
  TaskStore store() {
    return new MemoryTaskStore();
  }

  @Override
  boolean keeps() {
    return false;
  }
}
