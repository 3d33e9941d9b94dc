package org.vertxasyncio.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .ci/run}'s PostgreSQL step, run as CI runs it but with {@code pg_isready} and {@code pg_ctlcluster}
 * replaced by scripts the test controls: a server that answers is left alone, one that does not is
 * started and waited for, and one that cannot be started stops CI with a clear error.
 */
class CiPostgresTest {
  @TempDir
  Path dir;

  /** The step: the lines of .ci/run from its PostgreSQL comment to the README's test command. */
  static String step() throws Exception {
    String ci = Files.readString(Path.of(".ci/run"));
    int from = ci.indexOf("# The postgres store's tests need");
    int to = ci.indexOf("# The README's test command");
    assertTrue(from > 0 && to > from, ".ci/run checks PostgreSQL before it runs the tests");
    return ci.substring(from, to);
  }

  void stub(String name, String body) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, "#!/bin/bash\n" + body + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** Runs the step with the stubs first on PATH; exit status and output. */
  Map.Entry<Integer, String> run() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", "set -euo pipefail\n" + step() + "echo REACHED-TESTS\n")
        .redirectErrorStream(true);
    pb.environment().put("PATH", dir + ":/usr/bin:/bin");
    pb.environment().put("CI_PG_WAIT", "2");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    return Map.entry(p.waitFor(), out);
  }

  @Test
  void aServerThatAnswersIsLeftAlone() throws Exception {
    stub("pg_isready", "echo '127.0.0.1:5432 - accepting connections'; exit 0");
    stub("pg_ctlcluster", "echo started >> " + dir.resolve("calls") + "; exit 0");
    Map.Entry<Integer, String> r = run();
    assertEquals(0, r.getKey(), r.getValue());
    assertTrue(r.getValue().contains("REACHED-TESTS"), r.getValue());
    assertTrue(Files.notExists(dir.resolve("calls")), "pg_ctlcluster is not called");
  }

  @Test
  void aServerThatDoesNotAnswerIsStartedAndWaitedFor() throws Exception {
    Path up = dir.resolve("up");
    stub("pg_isready", "[ -f " + up + " ] && { echo 'accepting connections'; exit 0; }; exit 2");
    stub("pg_ctlcluster", "touch " + up + "; exit 0");
    Map.Entry<Integer, String> r = run();
    assertEquals(0, r.getKey(), r.getValue());
    assertTrue(r.getValue().contains("starting it (pg_ctlcluster 15 main start)"), r.getValue());
    assertTrue(r.getValue().contains("REACHED-TESTS"), r.getValue());
  }

  @Test
  void aServerThatCannotBeStartedStopsCiWithAClearError() throws Exception {
    stub("pg_isready", "exit 2");
    stub("pg_ctlcluster", "echo 'Error: cluster is not configured' >&2; exit 1");
    Map.Entry<Integer, String> r = run();
    assertEquals(1, r.getKey(), r.getValue());
    assertTrue(r.getValue().contains("error: PostgreSQL could not be started on 127.0.0.1:5432"), r.getValue());
    assertTrue(r.getValue().contains("cluster is not configured"), "the start's log is shown: " + r.getValue());
    assertTrue(!r.getValue().contains("REACHED-TESTS"), r.getValue());
  }
}
