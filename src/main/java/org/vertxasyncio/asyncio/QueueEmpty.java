package org.vertxasyncio.asyncio;

/** {@link Queue#getNowait()} on an empty queue. Python: {@code asyncio.QueueEmpty} */
public class QueueEmpty extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public QueueEmpty() {
    super();
  }
}
