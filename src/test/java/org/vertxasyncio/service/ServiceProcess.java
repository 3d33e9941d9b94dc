package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged service as a separate process ({@code java -jar target/vertx-asyncio.jar config.json}, the
 * jar from the system property {@code app.jar}), its output in a file, for the tests that kill it.
 */
final class ServiceProcess implements AutoCloseable {
  final Process process;
  final Path log;
  private int port = -1;

  private ServiceProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("app.jar", "target/vertx-asyncio.jar"));
    assertTrue(Files.isRegularFile(jar), "no jar at " + jar + " (run mvn verify)");
    return jar;
  }

  /**
   * Starts the jar with {@code config} and extra environment variables, in the project directory (where
   * {@code conf/logback.xml} is, as in the quick start).
   */
  static ServiceProcess start(Path config, Map<String, String> env, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-jar", jar().toAbsolutePath().toString(), config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("JDK_JAVA_OPTIONS");
    pb.environment().putAll(env);
    return new ServiceProcess(pb.start(), log);
  }

  String output() throws Exception {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** The port from the "listening on" line, once it is there; fails if the process ends first. */
  int awaitPort() throws Exception {
    if (port > 0) {
      return port;
    }
    Pattern listening = Pattern.compile("listening on http://[^:]+:(\\d+)");
    // -1: the process ended without saying
    int p = eventually("the service says where it listens", Duration.ofSeconds(60), () -> {
      Matcher m = listening.matcher(output());
      if (m.find()) {
        return Integer.valueOf(m.group(1));
      }
      return process.isAlive() ? null : Integer.valueOf(-1);
    }, n -> n != null);
    if (p < 0) {
      throw new AssertionError("the service exited with " + process.exitValue() + ":\n" + output());
    }
    port = p;
    return port;
  }

  /** Waits for {@code /ready} to answer 200. */
  String awaitReady(HttpClient http) throws Exception {
    String base = "http://127.0.0.1:" + awaitPort();
    try {
      eventually("/ready answers 200", Duration.ofSeconds(30), () -> http.send(HttpRequest.newBuilder(URI.create(base + "/ready"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the service's output:\n" + output(), e);
    }
    return base;
  }

  /** SIGKILL ({@code destroyForcibly} on Linux), and wait for the end. */
  void kill() throws Exception {
    process.destroyForcibly();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "killed");
  }

  /** SIGTERM, and the exit status. */
  int stop() throws Exception {
    process.destroy();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exited after SIGTERM");
    return process.exitValue();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
