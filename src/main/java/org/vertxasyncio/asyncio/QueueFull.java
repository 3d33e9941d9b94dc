package org.vertxasyncio.asyncio;

/** {@link Queue#putNowait} on a full queue. Python: {@code asyncio.QueueFull} */
public class QueueFull extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public QueueFull() {
    super();
  }
}
