package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Choosing the coroutine mechanism: by configuration, with a clear failure when the fast one is unavailable. */
class RunnerSelectionTest extends LoopTestBase {

  /** Runs a coroutine and prints the loop's runner: the program the child JVMs run. */
  public static void main(String[] args) {
    EventLoop loop = Asyncio.newEventLoop();
    String r = loop.runUntilComplete(Asyncio.async(() -> {
      Asyncio.await(Asyncio.sleep(0.01));
      return loop.coroutineRunner();
    }));
    System.out.println("runner=" + r);
  }

  record Run(int exit, String out, String err) {
  }

  private static Run childJvm(String... jvmArgs) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(List.of(jvmArgs));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RunnerSelectionTest.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("ASYNCIO_COROUTINES");
    pb.environment().remove("JDK_JAVA_OPTIONS");
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child JVM hung: " + cmd);
    }
    return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void loopUsesTheConfiguredCoroutineRunner() {
    String configured = System.getProperty("asyncio.coroutines", "auto");
    if (!configured.equals("auto")) {
      assertEquals(configured, loop.coroutineRunner());
    }
  }

  @Test
  void askingForContinuationsWithoutTheExportFailsWithTheFix() throws Exception {
    Run r = childJvm("-Dasyncio.coroutines=continuations");
    assertNotEquals(0, r.exit());
    assertTrue(r.err().contains("asyncio.coroutines=continuations is not available: the JVM does not export jdk.internal.vm"),
        r.err());
    assertTrue(r.err().contains("--add-exports java.base/jdk.internal.vm=ALL-UNNAMED"), r.err());
  }

  @Test
  void autoFallsBackToVirtualThreadsWithoutTheExport() throws Exception {
    Run r = childJvm();
    assertEquals(0, r.exit(), r.err());
    assertEquals("runner=threads", r.out().trim());
  }

  @Test
  void autoUsesContinuationsWithTheExport() throws Exception {
    Run r = childJvm("--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED");
    assertEquals(0, r.exit(), r.err());
    assertEquals("runner=continuations", r.out().trim());
  }

  @Test
  void threadsCanBeChosenExplicitly() throws Exception {
    Run r = childJvm("--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "-Dasyncio.coroutines=threads");
    assertEquals(0, r.exit(), r.err());
    assertEquals("runner=threads", r.out().trim());
  }

  @Test
  void anUnknownRunnerNameIsRefusedByName() throws Exception {
    Run r = childJvm("-Dasyncio.coroutines=fibers");
    assertNotEquals(0, r.exit());
    assertTrue(r.err().contains("Invalid asyncio.coroutines value: 'fibers' (expected auto, continuations or threads)"), r.err());
  }
}
