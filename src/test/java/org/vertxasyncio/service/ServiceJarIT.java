package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: {@code java -jar target/vertx-asyncio.jar config.json} as a separate process, as the
 * README and the container run it; the environment overrides the file; SIGTERM shuts it down cleanly
 * with exit status 0, cancelling the task still running and answering the request waiting on it.
 */
class ServiceJarIT {
  @TempDir
  Path dir;

  @Test
  void runsFromTheJarAndExitsCleanlyOnSigterm() throws Exception {
    String jar = System.getProperty("app.jar", "target/vertx-asyncio.jar");
    assertTrue(Files.isRegularFile(Path.of(jar)), "no jar at " + jar + " (run mvn verify)");
    Path config = dir.resolve("config.json");
    Files.writeString(config, new JsonObject().put("http.host", "127.0.0.1").put("http.port", 0).put("loops", "default")
        .put("shutdown.tasks", "cancel").put("shutdown.timeout", 5).put("store.path", dir.resolve("data").toString())
        .encodePrettily());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path outFile = dir.resolve("service.log");
    ProcessBuilder pb = new ProcessBuilder(java, "-jar", jar, config.toString()).redirectErrorStream(true)
        .redirectOutput(outFile.toFile());
    pb.environment().put("LOOPS", "default,fromenv"); // the environment wins over the file
    pb.environment().put("NODE_ID", "jar-node.1");
    pb.environment().remove("JDK_JAVA_OPTIONS");
    Process p = pb.start();
    try {
      int portNumber = waitForPort(outFile, p);
      String base = "http://127.0.0.1:" + portNumber;
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

      int ready = eventually("/ready answers 200", Duration.ofSeconds(30), () -> http.send(
          HttpRequest.newBuilder(URI.create(base + "/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode(), s -> s == 200);
      assertEquals(200, ready, "/ready");

      JsonObject loops = new JsonObject(get(http, base + "/loops"));
      assertTrue(loops.encode().contains("\"fromenv\""), "LOOPS from the environment: " + loops);

      JsonObject quick = new JsonObject(post(http, base + "/tasks?wait=10", "{\"kind\":\"work\",\"iterations\":10,\"input\":\"it\"}"));
      assertEquals("finished", quick.getString("state"), quick.encode());
      assertEquals(64, quick.getString("result").length());
      assertEquals("jar-node.1", quick.getString("node"), "NODE_ID: " + quick.encode());
      assertTrue(Files.readString(outFile).contains("node jar-node.1 listening on http://127.0.0.1:" + portNumber + " "),
          "the start line names the node:\n" + Files.readString(outFile));

      JsonObject slow = new JsonObject(post(http, base + "/tasks", "{\"kind\":\"sleep\",\"seconds\":60,\"loop\":\"fromenv\"}"));
      String id = slow.getString("id");
      CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
          HttpRequest.newBuilder(URI.create(base + "/tasks/" + id + "?wait=50")).build(), HttpResponse.BodyHandlers.ofString());
      // the long poll and the scrape that counts it
      eventually("the long poll is being answered", Duration.ofSeconds(10), () -> activeRequests(http, base) >= 2);

      long t0 = System.nanoTime();
      p.destroy(); // SIGTERM
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exited after SIGTERM");
      double took = (System.nanoTime() - t0) / 1e9;
      String log = Files.readString(outFile);
      assertEquals(0, p.exitValue(), "exit status after SIGTERM; output:\n" + log);
      assertTrue(took < 20, "shutdown took " + took + " s");

      HttpResponse<String> answered = inFlight.get(5, TimeUnit.SECONDS);
      assertEquals(200, answered.statusCode(), answered.body());
      assertEquals("cancelled", new JsonObject(answered.body()).getString("state"), "the running task was cancelled");

      assertTrue(log.contains("SIGTERM received"), log);
      assertTrue(log.contains("task " + id + " cancelled"), "one log line per lifecycle event, with the task id:\n" + log);
      assertTrue(log.contains("shutdown complete"), log);
      assertNotNull(quick.getString("id"));
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void startedFromADirectoryWithoutConfItStillSaysWhereItListens() throws Exception {
    String jar = Path.of(System.getProperty("app.jar", "target/vertx-asyncio.jar")).toAbsolutePath().toString();
    Path bare = Files.createDirectories(dir.resolve("bare")); // no conf/ here: the defaults, the jar's own logging
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path outFile = dir.resolve("bare.log");
    ProcessBuilder pb = new ProcessBuilder(java, "-jar", jar).directory(bare.toFile()).redirectErrorStream(true)
        .redirectOutput(outFile.toFile());
    pb.environment().put("HTTP_HOST", "127.0.0.1");
    pb.environment().put("HTTP_PORT", "0");
    pb.environment().remove("JDK_JAVA_OPTIONS");
    Process p = pb.start();
    try {
      int port = waitForPort(outFile, p);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      int ready = eventually("/ready answers 200", Duration.ofSeconds(30), () -> http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(), HttpResponse.BodyHandlers.ofString())
          .statusCode(), s -> s == 200);
      assertEquals(200, ready, "/ready");
      assertTrue(Files.isRegularFile(bare.resolve("data/tasks.db")), "the default store.path, data/, under the working directory");
      p.destroy();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exited after SIGTERM");
      String log = Files.readString(outFile);
      assertEquals(0, p.exitValue(), log);
      assertTrue(log.contains("INFO  [") && log.contains("shutdown complete"), "the service's own log format and lines:\n" + log);
      assertTrue(Pattern.compile("node [A-Za-z0-9_-]+-[0-9a-f]{4} listening on http://127\\.0\\.0\\.1:" + port + " ").matcher(log).find(),
          "no node.id: the host name and a random suffix name the node:\n" + log);
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void anInvalidNodeIdStopsStartUpAsAnyInvalidConfigurationDoes() throws Exception {
    String jar = Path.of(System.getProperty("app.jar", "target/vertx-asyncio.jar")).toAbsolutePath().toString();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path outFile = dir.resolve("invalid.log");
    ProcessBuilder pb = new ProcessBuilder(java, "-jar", jar).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(outFile.toFile());
    pb.environment().put("HTTP_PORT", "0");
    pb.environment().put("NODE_ID", "web 1");
    pb.environment().remove("JDK_JAVA_OPTIONS");
    Process p = pb.start();
    try {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "it stops at once");
      String log = Files.readString(outFile);
      assertEquals(2, p.exitValue(), "the status of an invalid configuration:\n" + log);
      assertTrue(log.contains("vertx-asyncio: invalid configuration: node.id (NODE_ID) must be 1 to 64 of A-Z a-z 0-9 . _ -"),
          log);
      assertTrue(!log.contains("listening on"), log);
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  /** The port from the service's "listening on" log line. */
  private static int waitForPort(Path log, Process p) throws Exception {
    Pattern listening = Pattern.compile("listening on http://[^:]+:(\\d+)");
    String text = eventually("the service says where it listens, or exits", Duration.ofSeconds(60),
        () -> Files.exists(log) ? Files.readString(log) : "", t -> listening.matcher(t).find() || !p.isAlive());
    Matcher m = listening.matcher(text);
    if (!m.find()) {
      throw new AssertionError("the service exited with " + p.exitValue() + ":\n" + Files.readString(log));
    }
    return Integer.parseInt(m.group(1));
  }

  /** The requests the service is answering, by its own gauge (the scrape that reads it included). */
  private static int activeRequests(HttpClient http, String base) throws Exception {
    Matcher m = Pattern.compile("(?m)^asyncio_http_requests_active\\{node=\"[^\"]+\"} (\\S+)").matcher(get(http, base + "/metrics"));
    return m.find() ? (int) Double.parseDouble(m.group(1)) : 0;
  }

  private static String get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String post(HttpClient http, String url, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
    return r.body();
  }
}
