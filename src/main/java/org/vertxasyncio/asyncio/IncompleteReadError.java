package org.vertxasyncio.asyncio;

/**
 * The stream ended before a read got what it asked for: {@link StreamReader#readexactly} before
 * {@link #expected()} bytes came, {@link StreamReader#readuntil} before the separator came. The bytes
 * that did come are in {@link #partial()}, and no longer in the reader's buffer.
 *
 * <p>Python: {@code asyncio.IncompleteReadError} (an {@code EOFError})
 */
public class IncompleteReadError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final byte[] partial;
  private final Integer expected;

  /**
   * @param partial the bytes read before the end of the stream
   * @param expected how many bytes were expected in all, or null when that is unknown
   */
  public IncompleteReadError(byte[] partial, Integer expected) {
    super(partial.length + " bytes read on a total of " + (expected == null ? "undefined" : expected.toString())
        + " expected bytes");
    this.partial = partial;
    this.expected = expected;
  }

  /** The bytes read before the end of the stream (the array itself, not a copy). */
  public byte[] partial() {
    return partial;
  }

  /** How many bytes were expected in all, or null when that is unknown (a {@code readuntil}). */
  public Integer expected() {
    return expected;
  }
}
