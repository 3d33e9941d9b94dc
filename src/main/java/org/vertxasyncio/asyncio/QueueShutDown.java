package org.vertxasyncio.asyncio;

/**
 * A put on a queue that was shut down, or a get on one that was shut down and is empty (or shut down
 * immediately). Python: {@code asyncio.QueueShutDown} (3.13)
 */
public class QueueShutDown extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public QueueShutDown() {
    super();
  }
}
