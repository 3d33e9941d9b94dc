package org.vertxasyncio.asyncio.impl;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link FiberRunner}: system property {@code asyncio.coroutines} (or environment variable
 * {@code ASYNCIO_COROUTINES}) set to {@code continuations}, {@code threads} or {@code auto} (the default:
 * continuations when the JVM allows them, else threads).
 *
 * <p>Asking for {@code continuations} where they are unavailable fails at once with the reason and the
 * fix, never with a hang.
 */
public final class Runners {
  private static final Logger LOG = LoggerFactory.getLogger("asyncio");
  public static final String PROPERTY = "asyncio.coroutines";
  private static volatile FiberRunner defaultRunner;
  private static volatile String continuationProblem;
  private static volatile boolean probed;

  private Runners() {
  }

  /** The runner chosen by configuration; computed once. */
  public static FiberRunner defaultRunner() {
    FiberRunner r = defaultRunner;
    if (r == null) {
      synchronized (Runners.class) {
        r = defaultRunner;
        if (r == null) {
          r = byName(configured());
          defaultRunner = r;
        }
      }
    }
    return r;
  }

  /** The configured name, lower case: {@code auto}, {@code continuations} or {@code threads}. */
  public static String configured() {
    String v = System.getProperty(PROPERTY);
    if (v == null || v.isBlank()) {
      v = System.getenv("ASYNCIO_COROUTINES");
    }
    return v == null || v.isBlank() ? "auto" : v.trim().toLowerCase(Locale.ROOT);
  }

  /** A runner by name. */
  public static FiberRunner byName(String name) {
    switch (name) {
      case "threads":
        return new ThreadRunner();
      case "continuations": {
        String problem = continuationProblem();
        if (problem != null) {
          throw new IllegalStateException("asyncio.coroutines=continuations is not available: " + problem);
        }
        return new ContinuationRunner();
      }
      case "auto": {
        String problem = continuationProblem();
        if (problem == null) {
          return new ContinuationRunner();
        }
        LOG.debug("asyncio: coroutines run on virtual threads (slower): {}", problem);
        return new ThreadRunner();
      }
      default:
        throw new IllegalArgumentException("Invalid " + PROPERTY + " value: '" + name
            + "' (expected auto, continuations or threads)");
    }
  }

  /** Why JDK continuations cannot be used here, or null when they can. */
  public static String continuationProblem() {
    if (!probed) {
      synchronized (Runners.class) {
        if (!probed) {
          continuationProblem = probe();
          probed = true;
        }
      }
    }
    return continuationProblem;
  }

  private static String probe() {
    try {
      ContinuationRunner.selfTest();
      return null;
    } catch (IllegalAccessError | NoClassDefFoundError e) {
      return "the JVM does not export jdk.internal.vm to this code (" + e.getMessage() + "); run java with "
          + "--add-exports java.base/jdk.internal.vm=ALL-UNNAMED (java -jar target/vertx-asyncio.jar does it "
          + "through its manifest)";
    } catch (Throwable t) {
      return "JDK continuations failed a self-test on " + System.getProperty("java.vm.name") + " "
          + Runtime.version() + ": " + t;
    }
  }
}
