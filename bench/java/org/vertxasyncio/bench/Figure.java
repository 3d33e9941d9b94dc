package org.vertxasyncio.bench;

/**
 * One measured figure of one peer: the median of {@code samples} repetitions (each its own process, or
 * JMH's measurement iterations), with their spread.
 *
 * @param suite the suite that measured it
 * @param figure what was measured, without the peer ({@code 1m.overhead})
 * @param peer who was measured ({@code asyncio-await}, {@code vertx}, {@code cpython}, ...)
 * @param value the median
 * @param unit its unit ({@code s}, {@code ms}, {@code MB}, {@code ns/op}, {@code ops/s})
 * @param min the smallest sample
 * @param max the largest sample
 * @param samples how many samples the median is of
 */
public record Figure(String suite, String figure, String peer, double value, String unit, double min, double max,
    int samples) {

  /** The name in a RESULT line: the figure, then the peer. */
  public String name() {
    return figure + "." + peer;
  }

  /** Whether more is better (throughput); otherwise less is (time, memory, lateness). */
  public boolean higherIsBetter() {
    return unit.endsWith("/s");
  }
}
