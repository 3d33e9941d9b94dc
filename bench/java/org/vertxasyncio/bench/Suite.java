package org.vertxasyncio.bench;

/**
 * One suite of benchmarks: it runs its peers through {@link Bench} (each peer its own process, the same
 * JVM flags for every Java peer), and records a {@link Figure} per measured value, with the baseline each
 * of ours is compared with ({@link Bench#compare}).
 *
 * <p>To add a suite (the service suites, for example), implement this and list it in
 * {@link Runner#SUITES}; {@link Bench#command} runs any program (wrk, node) with the same logging and
 * time limits as the Java and CPython peers.
 */
public interface Suite {
  /** The name used on the command line and in RESULT lines. */
  String name();

  /** One line on what it measures. */
  String about();

  /** Runs the suite; {@code bench.quick()} asks for the short version. */
  void run(Bench bench) throws Exception;
}
