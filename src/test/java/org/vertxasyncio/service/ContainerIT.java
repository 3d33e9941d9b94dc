package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vertxasyncio.service.config.ServiceConfig;

/**
 * The image's commands without Docker (no engine here to build it): the {@code ENTRYPOINT} + {@code CMD}
 * and the {@code HEALTHCHECK} command, as parsed from the Dockerfile, run by the same shells the image
 * has, in a directory laid out as the image's {@code /app} (the packaged jar, the repository's
 * {@code conf/}), with the image's environment. Also what the Dockerfile promises that needs no process:
 * the build stage uses the image's Maven, no {@code ENV} overrides a mounted configuration, and the
 * service's grace period fits inside {@code docker stop}'s.
 */
class ContainerIT {
  /** {@code docker stop}'s grace period before SIGKILL, when neither {@code -t} nor {@code --stop-timeout} is given. */
  static final double DOCKER_STOP_GRACE_SECONDS = 10;

  @TempDir
  Path dir;

  /** One instruction of the Dockerfile: its keyword and the rest, continuation lines joined. */
  record Instruction(String keyword, String args) {
  }

  static List<Instruction> dockerfile() throws Exception {
    List<Instruction> out = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String line : Files.readAllLines(Path.of("Dockerfile"))) {
      if (pending.isEmpty() && (line.isBlank() || line.stripLeading().startsWith("#"))) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1);
        continue;
      }
      pending.append(line);
      String text = pending.toString().strip();
      pending.setLength(0);
      int space = text.indexOf(' ');
      out.add(new Instruction(text.substring(0, space).toUpperCase(), text.substring(space + 1).strip()));
    }
    return out;
  }

  /** The instructions of the last stage (the image that runs). */
  static List<Instruction> runStage() throws Exception {
    List<Instruction> all = dockerfile();
    int from = 0;
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).keyword().equals("FROM")) {
        from = i;
      }
    }
    return all.subList(from, all.size());
  }

  static Instruction one(List<Instruction> stage, String keyword) {
    List<Instruction> found = stage.stream().filter(i -> i.keyword().equals(keyword)).toList();
    assertEquals(1, found.size(), "one " + keyword + " in the image");
    return found.get(0);
  }

  /** An exec-form ({@code ["sh", "-c", ...]}) argument list, as Docker reads it: JSON. */
  static List<String> execForm(String json) {
    return new JsonArray(json).stream().map(String::valueOf).toList();
  }

  /** The image's ENV, as {@code ENV k=v k2="v 2"} sets it. */
  static Map<String, String> env(List<Instruction> stage) {
    Map<String, String> env = new LinkedHashMap<>();
    Matcher m = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)").matcher("");
    for (Instruction i : stage) {
      if (i.keyword().equals("ENV")) {
        m.reset(i.args());
        while (m.find()) {
          String v = m.group(2);
          env.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
        }
      }
    }
    return env;
  }

  /** The HEALTHCHECK's command: what follows {@code CMD} after its options. */
  static List<String> healthcheck() throws Exception {
    String args = one(runStage(), "HEALTHCHECK").args();
    return execForm(args.substring(args.indexOf("CMD ") + 4).strip());
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Runs the health check in {@code app} with the image's environment plus {@code extra}; its exit status. */
  int runHealthcheck(Path app, Map<String, String> extra) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(healthcheck()).directory(app.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("healthcheck.log").toFile());
    pb.environment().remove("HTTP_PORT");
    pb.environment().putAll(env(runStage()));
    pb.environment().putAll(extra);
    Process p = pb.start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the health check ended");
    return p.exitValue();
  }

  @Test
  void theEntrypointRunsTheJarAsTheProcessItselfAndTheHealthcheckFindsItOnAMountedConfsPort() throws Exception {
    List<Instruction> stage = runStage();
    assertEquals("/app", one(stage, "WORKDIR").args());
    // /app as the image has it: the jar, the repository's conf/ (mounted over with another http.port)
    Path app = Files.createDirectories(dir.resolve("app"));
    Files.copy(ServiceProcess.jar(), app.resolve("vertx-asyncio.jar"));
    Path conf = Files.createDirectories(app.resolve("conf"));
    int port = freePort();
    JsonObject config = new JsonObject(Files.readString(Path.of("conf/config.json"))).put("http.port", port);
    Files.writeString(conf.resolve("config.json"), config.encodePrettily());
    Files.copy(Path.of("conf/logback.xml"), conf.resolve("logback.xml"));
    Files.copy(Path.of("conf/jvm.options"), conf.resolve("jvm.options"));
    Files.writeString(app.resolve("jvm.options"), "-XX:+UseSerialGC\n"); // the image's copy: not read while conf/ has one

    List<String> command = new ArrayList<>(execForm(one(stage, "ENTRYPOINT").args()));
    command.addAll(execForm(one(stage, "CMD").args()));
    ProcessBuilder pb = new ProcessBuilder(command).directory(app.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("service.log").toFile());
    Map<String, String> env = pb.environment();
    ServiceConfig.DEFAULTS.keySet().forEach(k -> env.remove(ServiceConfig.envName(k)));
    env.remove("JDK_JAVA_OPTIONS");
    env.putAll(env(stage));
    env.put("JAVA_OPTS", "-Xmx256m -Dcontainer.test=1"); // as docker run -e JAVA_OPTS=... would
    env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    Process p = pb.start();
    try {
      String log = awaitListening(p, dir.resolve("service.log"));
      assertTrue(log.contains("listening on http://0.0.0.0:" + port + " "), "the mounted conf/'s http.port holds:\n" + log);
      String exe = p.info().command().orElse("");
      assertTrue(exe.endsWith("/java"), "exec: the process Docker starts (PID 1) is java itself, not a shell: " + exe);
      List<String> args = List.of(p.info().arguments().orElse(new String[0]));
      assertTrue(args.containsAll(List.of("-Xmx256m", "-Dcontainer.test=1", "-jar", "vertx-asyncio.jar", "conf/config.json")),
          "JAVA_OPTS and CMD reach java: " + args);
      List<String> jvmArgs = jvmArgs(p.pid());
      assertEquals(List.of("-XX:+UseZGC", "-XX:ZCollectionIntervalMinor=1", "-Xmx256m", "-Dcontainer.test=1"), jvmArgs,
          "conf/jvm.options, then JAVA_OPTS, which can replace them");

      awaitHealthy(app);
      assertEquals(0, runHealthcheck(app, Map.of()), "healthy, on the port conf/config.json names");
      assertEquals(0, runHealthcheck(app, Map.of("HTTP_PORT", String.valueOf(port))), "healthy, on HTTP_PORT");
      assertNotEquals(0, runHealthcheck(app, Map.of("HTTP_PORT", String.valueOf(freePort()))), "nothing listens there");

      p.destroy(); // docker stop: SIGTERM to PID 1
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exited after SIGTERM");
      String out = Files.readString(dir.resolve("service.log"));
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.contains("within " + config.getDouble("shutdown.timeout") + " s"), "the grace period it keeps:\n" + out);
      assertNotEquals(0, runHealthcheck(app, Map.of()), "unhealthy once it is gone");
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  /** The JVM options of the running JVM {@code pid}, in their order, as {@code jcmd VM.command_line} says (argument files read). */
  static List<String> jvmArgs(long pid) throws Exception {
    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        String.valueOf(pid), "VM.command_line").redirectErrorStream(true).start();
    String out = new String(jcmd.getInputStream().readAllBytes());
    assertEquals(0, jcmd.waitFor(), out);
    String line = out.lines().filter(l -> l.startsWith("jvm_args:")).findFirst().orElseThrow(() -> new AssertionError(out));
    return List.of(line.substring("jvm_args:".length()).strip().split("\\s+"));
  }

  /**
   * What the entrypoint hands the JVM when {@code /app/conf} is a mounted directory: its own
   * {@code jvm.options} when it has one, else the image's copy of the repository's; {@code -version}
   * (through JAVA_OPTS) has the JVM say its flags and exit before it would run the jar.
   */
  @Test
  void aMountedConfWithoutJvmOptionsStartsTheJvmWithTheImagesCopy() throws Exception {
    List<Instruction> stage = runStage();
    Path app = Files.createDirectories(dir.resolve("app"));
    Path conf = Files.createDirectories(app.resolve("conf"));
    Files.copy(Path.of("conf/config.json"), conf.resolve("config.json"));
    assertTrue(stage.contains(new Instruction("COPY", "conf/jvm.options /app/jvm.options")), "the image's copy: " + stage);
    Files.copy(Path.of("conf/jvm.options"), app.resolve("jvm.options"));
    assertTrue(entrypointFlags(stage, app).contains("-XX:+UseZGC"), "the image's copy, without conf/jvm.options");
    Files.writeString(conf.resolve("jvm.options"), "# a mounted conf/'s own\n-XX:+UseSerialGC\n");
    String flags = entrypointFlags(stage, app);
    assertTrue(flags.contains("-XX:+UseSerialGC") && !flags.contains("-XX:+UseZGC"), "the mounted conf/jvm.options: " + flags);
  }

  /** The flags the JVM started by the image's ENTRYPOINT + CMD in {@code app} says it has ({@code -XX:+PrintCommandLineFlags}). */
  private String entrypointFlags(List<Instruction> stage, Path app) throws Exception {
    List<String> command = new ArrayList<>(execForm(one(stage, "ENTRYPOINT").args()));
    command.addAll(execForm(one(stage, "CMD").args()));
    ProcessBuilder pb = new ProcessBuilder(command).directory(app.toFile()).redirectErrorStream(true);
    pb.environment().remove("JDK_JAVA_OPTIONS");
    pb.environment().putAll(env(stage));
    pb.environment().put("JAVA_OPTS", "-XX:+PrintCommandLineFlags -version");
    pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + pb.environment().getOrDefault("PATH", "/usr/bin:/bin"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out.lines().filter(l -> l.startsWith("-XX:")).findFirst().orElseThrow(() -> new AssertionError(out));
  }

  private static String awaitListening(Process p, Path log) throws Exception {
    String text = eventually("the service says where it listens, or exits", Duration.ofSeconds(60),
        () -> Files.exists(log) ? Files.readString(log) : "", t -> t.contains("listening on") || !p.isAlive());
    if (!text.contains("listening on")) {
      throw new AssertionError("the entrypoint exited with " + p.exitValue() + ":\n" + Files.readString(log));
    }
    return text;
  }

  /** /ready goes up just after "listening on": the health check is retried as Docker would (start period). */
  private void awaitHealthy(Path app) {
    eventually("the health check passes", Duration.ofSeconds(20), () -> runHealthcheck(app, Map.of()) == 0);
  }

  @Test
  void theImageSetsNoEnvironmentThatWouldOverrideAMountedConfiguration() throws Exception {
    Map<String, String> env = env(runStage());
    for (String key : ServiceConfig.DEFAULTS.keySet()) {
      assertFalse(env.containsKey(ServiceConfig.envName(key)), "ENV " + ServiceConfig.envName(key)
          + " would win over conf/config.json's " + key);
    }
    assertTrue(env.containsKey("JAVA_OPTS"), "JAVA_OPTS is declared, empty: " + env);
  }

  @Test
  void theBuildStageUsesTheBuildImagesMavenAndDoesNotDownloadAnother() throws Exception {
    List<Instruction> all = dockerfile();
    List<Instruction> build = all.subList(0, all.indexOf(runStage().get(0)));
    assertTrue(build.get(0).args().startsWith("maven:"), "a Maven image: " + build.get(0));
    List<String> runs = build.stream().filter(i -> i.keyword().equals("RUN")).map(Instruction::args).toList();
    assertTrue(runs.stream().anyMatch(r -> r.startsWith("mvn ") && r.contains("package")), "mvn packages the jar: " + runs);
    assertTrue(build.stream().noneMatch(i -> i.args().contains("mvnw") || i.args().contains(".mvn")),
        "the wrapper (which downloads Maven) is not used: " + build);
  }

  @Test
  void theServicesGracePeriodFitsInsideDockerStops() throws Exception {
    assertEquals("SIGTERM", one(runStage(), "STOPSIGNAL").args());
    double fromDefaults = ((Number) ServiceConfig.DEFAULTS.get("shutdown.timeout")).doubleValue();
    double fromConf = new JsonObject(Files.readString(Path.of("conf/config.json"))).getDouble("shutdown.timeout");
    assertTrue(fromDefaults < DOCKER_STOP_GRACE_SECONDS, "default shutdown.timeout " + fromDefaults);
    assertTrue(fromConf < DOCKER_STOP_GRACE_SECONDS, "conf/config.json's shutdown.timeout " + fromConf);
  }
}
