package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's tour, run whole against the packaged jar as the README's run command starts it (in the
 * repository, with {@code conf/}), so the README cannot drift from the service: {@code tour/tour.sh},
 * {@code tour/webhooks.sh} (the service with {@code WEBHOOKS_ALLOW=127.0.0.1}, a receiver of the
 * script's own) and {@code tour/restart.sh} (which starts and kills a service of its own). Each script
 * stops with a non-zero status when an answer lacks what the tour says of it; these tests check that it
 * ran to its end, and a few answers in its output.
 */
class TourIT {
  @TempDir
  Path dir;

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  record Run(int status, String output) {
  }

  /** Runs a tour script with bash, as a user would, and its output (stdout and stderr, in order). */
  Run tour(String script, Map<String, String> env, String... args) throws Exception {
    Path out = dir.resolve(Path.of(script).getFileName() + ".out");
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", script));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(script + " did not end within 180 s:\n" + Files.readString(out));
    }
    return new Run(p.exitValue(), Files.readString(out));
  }

  /** The jar as the README's run command starts it: conf/config.json, on a free port of 127.0.0.1, its data here. */
  ServiceProcess service(Map<String, String> extra) throws Exception {
    Map<String, String> env = new java.util.HashMap<>(Map.of("HTTP_HOST", "127.0.0.1", "HTTP_PORT", "0",
        "STORE_PATH", dir.resolve("data").toString()));
    env.putAll(extra);
    return ServiceProcess.start(Path.of("conf/config.json"), env, dir.resolve("service.log"));
  }

  static void contains(String output, String... texts) {
    for (String t : texts) {
      assertTrue(output.contains(t), "the tour's output has " + t + ":\n" + output);
    }
  }

  @Test
  void theTourRunsWholeAgainstTheServiceAsTheReadmeStartsIt() throws Exception {
    try (ServiceProcess s = service(Map.of())) {
      String base = s.awaitReady(http);
      Run r = tour("tour/tour.sh", Map.of(), base);
      assertEquals(0, r.status(), r.output());
      contains(r.output(),
          "$ curl -si -XPOST " + base + "/tasks -H 'content-type: application/json' -d '{\"kind\":\"sleep\",\"seconds\":1,",
          "HTTP/1.1 201 Created",
          "\"result\":\"431e815125923125af4197c42861a4ec01b4901e7917cd7db1f98c7debdf22c5\"",
          "\"result\":[1,2,{\"exception\":{\"type\":\"RaisedError\",\"message\":\"boom\"}}]",
          "{\"type\":\"TimeoutError\"",
          "event: task.created",
          "HTTP/1.1 409 Conflict",
          "{\"cancelled\":true}",
          "{\"cancelled\":false}",
          "HTTP/1.1 204 No Content",
          "\"field\":\"callbacks[0].url\"",
          "{\"error\":{\"code\":\"loop_closed\",\"message\":\"Event loop is closed\"}}",
          "asyncio_tasks{node=\"",
          "openapi: 3.1.0",
          "# the end");
      assertTrue(Pattern.compile("\\{\"done\":\\[],\"pending\":\\[\"[0-9A-Z]{26}\"]}").matcher(r.output()).find(), r.output());
      // no literal placeholders: every id in a request is a real one
      assertTrue(r.output().lines().filter(l -> l.startsWith("$ ")).noneMatch(l -> l.contains("/ID") || l.contains("$ID")), r.output());
      assertEquals(0, s.stop(), "the service is fine after the tour");
    }
  }

  @Test
  void theTourSaysWhatToDoWhenNoServiceIsThere() throws Exception {
    Run r = tour("tour/tour.sh", Map.of(), "http://127.0.0.1:9");
    assertEquals(1, r.status(), r.output());
    contains(r.output(), "tour: no service is ready at http://127.0.0.1:9; start it first (the README's run command)");
  }

  @Test
  void theWebhooksTourDeliversToItsReceiverWithARetryAndARedelivery() throws Exception {
    try (ServiceProcess s = service(Map.of("WEBHOOKS_ALLOW", "127.0.0.1"))) {
      String base = s.awaitReady(http);
      Run r = tour("tour/webhooks.sh", Map.of(), base);
      assertEquals(0, r.status(), r.output());
      contains(r.output(),
          "# started a webhook receiver at http://127.0.0.1:",
          "signature valid",
          "(seen 1 time(s)), signature valid, task ",
          "answering 503",
          "(seen 2 time(s))",
          "answering 200",
          "(seen 3 time(s))",
          "\"status\":503",
          "\"outcome\":\"delivered\"",
          "HTTP/1.1 202 Accepted",
          "\"attempt\":3",
          "answering 410",
          "\"outcome\":\"failed\"",
          "# the end");
      assertTrue(!r.output().contains("INVALID"), r.output());
      assertEquals(0, s.stop());
    }
  }

  @Test
  void theWebhooksTourSaysHowToStartTheServiceWhenWebhooksToThisMachineAreRefused() throws Exception {
    try (ServiceProcess s = service(Map.of())) {
      Run r = tour("tour/webhooks.sh", Map.of(), s.awaitReady(http));
      assertEquals(1, r.status(), r.output());
      contains(r.output(), "tour: the service refuses webhooks to this machine; start it with WEBHOOKS_ALLOW=127.0.0.1");
    }
  }

  @Test
  void theRestartTourKeepsItsTasksAcrossAKill() throws Exception {
    Run r = tour("tour/restart.sh", Map.of("JAR", ServiceProcess.jar().toAbsolutePath().toString(),
        "JAVA_HOME", System.getProperty("java.home")));
    assertEquals(0, r.status(), r.output());
    contains(r.output(),
        "# starting a service of its own: ",
        "opened: 2 task(s)",
        "\"result\":\"late\"",
        "\"result\":\"kept\"",
        "\"recoveries\":1",
        "exit status 0",
        "# the end");
  }
}
