package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged service and its store at start-up: a corrupt database stops it with a message naming
 * the file and a non-zero exit status (it never starts empty over it); the {@code memory} store keeps
 * nothing across a restart, by design, and writes no file.
 */
class StoreStartupIT {
  @TempDir
  Path dir;

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  Path config() throws Exception {
    Path config = dir.resolve("config.json");
    Files.writeString(config, new JsonObject().put("http.host", "127.0.0.1").put("http.port", 0)
        .put("store.path", dir.resolve("data").toString()).encodePrettily());
    return config;
  }

  @Test
  void aCorruptDatabaseStopsStartUpWithAMessageNamingTheFile() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Path db = data.resolve("tasks.db");
    byte[] junk = "SQLite format 3\0 but then the bytes of something else entirely. ".repeat(400).getBytes(StandardCharsets.UTF_8);
    Files.write(db, junk);
    try (ServiceProcess p = ServiceProcess.start(config(), Map.of(), dir.resolve("corrupt.log"))) {
      assertTrue(p.process.waitFor(60, TimeUnit.SECONDS), "the service refuses to start:\n" + p.output());
      String out = p.output();
      assertNotEquals(0, p.process.exitValue(), out);
      assertTrue(out.contains("cannot open the task store"), out);
      assertTrue(out.contains(db.toString()), "the message names the file:\n" + out);
      assertFalse(out.contains("listening on"), "it never listened:\n" + out);
      assertEquals(junk.length, Files.size(db), "the file is left as it was");
    }
  }

  /**
   * A data directory this process may not write, as a host directory bind-mounted at {@code /app/data}
   * is for the image's user: owned by root and run as another user ({@code setpriv}, when the tests run as
   * root), or made read-only (otherwise). Start-up stops with a message that says whose the directory is
   * and what to do, not with a bare {@code AccessDeniedException}.
   */
  @Test
  void aDataDirectoryThisUserMayNotWriteStopsStartUpSayingWhatToDo() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Path log = dir.resolve("unwritable.log");
    boolean root = "0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")));
    List<String> cmd = new ArrayList<>();
    if (root) {
      // the service as uid 65534 (nobody) on a directory of root's, readable to it as a mount would be
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      cmd.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
    } else {
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("r-xr-xr-x"));
    }
    Path config = config();
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        ServiceProcess.jar().toAbsolutePath().toString(), config.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("JDK_JAVA_OPTIONS");
    Process p = pb.start();
    try {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the service refuses to start");
      String out = Files.readString(log);
      assertEquals(1, p.exitValue(), out);
      String uid = root ? "65534" : String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
      assertTrue(out.contains("cannot open the task store: The data directory " + data.toAbsolutePath()
          + " (store.path) is not writable by this process: the service runs as uid " + uid), out);
      assertTrue(out.contains("chown -R " + uid + " <that directory>"), "it says what to do:\n" + out);
      assertTrue(out.contains("docker run --user "), out);
      assertTrue(out.contains("set store.path (STORE_PATH) to a writable directory"), out);
      if (root) {
        assertTrue(out.contains(data.toAbsolutePath() + " belongs to uid 0"), out);
      }
      assertFalse(out.contains("AccessDeniedException"), "no bare exception:\n" + out);
      assertFalse(out.contains("listening on"), out);
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void theMemoryStoreKeepsNothingAcrossARestartByDesign() throws Exception {
    Map<String, String> env = Map.of("STORE_TYPE", "memory");
    String id;
    try (ServiceProcess p = ServiceProcess.start(config(), env, dir.resolve("memory1.log"))) {
      String base = p.awaitReady(http);
      HttpResponse<String> r = post(base + "/tasks", "{\"kind\":\"sleep\",\"seconds\":30}");
      assertEquals(201, r.statusCode(), r.body());
      id = new JsonObject(r.body()).getString("id");
      assertTrue(p.output().contains("memory (nothing is kept across restarts)"), p.output());
      p.kill();
    }
    try (ServiceProcess p = ServiceProcess.start(config(), env, dir.resolve("memory2.log"))) {
      String base = p.awaitReady(http);
      assertEquals(404, get(base + "/tasks/" + id).statusCode());
      assertEquals(0, new JsonObject(get(base + "/tasks").body()).getJsonArray("tasks").size());
      assertEquals(0, p.stop());
    }
    assertFalse(Files.exists(dir.resolve("data").resolve("tasks.db")), "the memory store writes no file");
  }

  HttpResponse<String> post(String url, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
