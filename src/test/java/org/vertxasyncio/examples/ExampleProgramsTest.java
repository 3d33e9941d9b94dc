package org.vertxasyncio.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vertxasyncio.asyncio.AsyncFuture;
import org.vertxasyncio.asyncio.Asyncio;
import org.vertxasyncio.asyncio.CancelledError;
import org.vertxasyncio.asyncio.EventLoop;

/**
 * asyncio's classic example programs, run the way their users run them: each Java twin in a JVM of its own
 * ({@code java -cp <classpath> org.vertxasyncio.examples.<Name>}) and, where {@code python3} is on the
 * PATH, each Python original ({@code src/test/resources/examples-python/<Name>.py}) under CPython. Every stdout line
 * is stamped with the time it arrived; the lines, their order and their times are checked against what
 * CPython prints ({@link #PROGRAMS}), and the two transcripts against each other.
 *
 * <p>Times are seconds after the program's first line when that line is due at once, so the JVM's
 * start-up costs nothing; a program whose first line is due later ({@code Timer}) is timed from the start
 * of its process, with {@link #STARTUP} more allowed. Bounds are generous: a line due at {@code d} s must
 * appear in {@code [d - 0.3, d + 30]}. Where the behaviour is an order of events (two gathered coroutines
 * start together, before the shorter sleep ends), a bound in time would tell a loaded machine from a
 * sequential run only by luck: the order is checked on a loop in this JVM instead, against a timer's mark.
 * Nothing here asserts speed.
 *
 * <p>The runs go through a small pool ({@link #PARALLEL} at a time), all started before the first test,
 * so the class takes about a quarter of the programs' summed run time; each run's clock starts when its
 * own process starts.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ExampleProgramsTest {
  /** How much earlier than due a line may appear (the first line, the anchor, may itself be late). */
  private static final double EARLY = 0.3;
  /**
   * How much later than due a line or the exit may come. Early is the behaviour under test (a timer never
   * fires before its delay); late only tells a lost timer or a hang from a slow machine, so it is wide:
   * on shared, busy cores a JVM start-up, a line or an exit can trail by many seconds.
   */
  private static final double LATE = 30.0;
  /** Extra time allowed when the clock is the process start: JVM and Vert.x start-up on busy cores. */
  private static final double STARTUP = 5.0;
  /** How much earlier than CPython's line a Java twin's line may come, in seconds. */
  private static final double VS_PYTHON = 1.0;
  /** How much earlier than CPython a Java twin may exit (closing Vert.x varies more than a line). */
  private static final double EXIT_VS_PYTHON = 2.0;
  /** Runs at the same time. */
  private static final int PARALLEL = 4;
  /** A program still running after this long is killed and reported as hung. */
  private static final long RUN_LIMIT_SECONDS = 60;

  /** A line the program prints: its text, when it is due, and the latest it may come. */
  record Expect(String text, double due, double latest) {
  }

  /** An example program: the lines CPython prints, when it exits, and whether it fails. */
  record Program(String name, List<Expect> lines, double exitDue, boolean fails) {
    /** The clock starts at the first line when that line is due at once, else at the process start. */
    boolean timedFromFirstLine() {
      return lines.get(0).due() == 0;
    }
  }

  private static Expect line(String text, double due) {
    return new Expect(text, due, due + LATE);
  }

  /** What CPython prints for each example program, and when. */
  private static final List<Program> PROGRAMS = List.of(
      new Program("RunUntilComplete", List.of(line("Waiting 3", 0)), 3, false),
      new Program("EnsureFuture", List.of(line("Waiting 3", 0)), 3, false),
      new Program("DoneCallback", List.of(line("Waiting 3", 0), line("Done", 3)), 3, false),
      // "Waiting 3" before do_some_work(1)'s sleep could end (3 s in all, not 4): the order is checked on a loop
      // here (gatherStartsBothCoroutinesBeforeTheShorterSleepCanEnd), not by the time of the line
      new Program("Gather", List.of(line("Waiting 1", 0), line("Waiting 3", 0)), 3, false),
      new Program("GatherList", List.of(line("Waiting 1", 0), line("Waiting 3", 0)), 3, false),
      new Program("RunUntilCompleteDone", List.of(line("Waiting 3", 0), line("Done", 3)), 3, false),
      new Program("RunForeverStop", List.of(line("Waiting 3", 0), line("Done", 3)), 3, false),
      // the first "Done" after "Waiting 3": the order of the lines shows the coroutines ran at once
      new Program("RunForeverGather",
          List.of(line("Waiting 1", 0), line("Waiting 3", 0), line("Done", 1), line("Done", 3)), 3, false),
      new Program("LoopClose", List.of(line("Waiting 1", 0), line("Done", 1)), 1, true),
      new Program("Timer", List.of(line("Done", 3)), 3, false));

  /** A stdout line and when it arrived, in seconds after the process started. */
  record Line(String text, double at) {
  }

  /** What a run printed, when, and how it ended. {@code exitAt} is seconds after the process started. */
  record Transcript(String command, List<Line> lines, double exitAt, int exitCode, boolean hung, String stderr) {
    List<String> texts() {
      return lines.stream().map(Line::text).toList();
    }

    /** When the clock of {@code program} starts, in seconds after the process started. */
    double anchor(Program program) {
      return program.timedFromFirstLine() && !lines.isEmpty() ? lines.get(0).at() : 0;
    }

    String show(Program program) {
      double anchor = anchor(program);
      StringBuilder sb = new StringBuilder(command).append('\n');
      for (Line l : lines) {
        sb.append(String.format(Locale.ROOT, "  %6.3f s  %s%n", l.at() - anchor, l.text()));
      }
      sb.append(String.format(Locale.ROOT, "  %6.3f s  <%s>%n", exitAt - anchor,
          hung ? "hung, killed" : "exit " + exitCode));
      sb.append(String.format(Locale.ROOT, "  (times after the %s; process start at %.3f s)%n",
          program.timedFromFirstLine() ? "first line" : "process start", -anchor));
      if (!stderr.isBlank()) {
        sb.append("  stderr: ").append(stderr.strip().replace("\n", "\n          ")).append('\n');
      }
      return sb.toString();
    }
  }

  private static final Optional<Path> PYTHON = onPath("python3");
  private static final Map<String, CompletableFuture<Transcript>> JAVA_RUNS = new ConcurrentHashMap<>();
  private static final Map<String, CompletableFuture<Transcript>> PYTHON_RUNS = new ConcurrentHashMap<>();
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static ExecutorService pool;

  @BeforeAll
  static void startAllRuns() {
    pool = Executors.newFixedThreadPool(PARALLEL, r -> {
      Thread t = new Thread(r, "example-program-run");
      t.setDaemon(true);
      return t;
    });
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String classpath = System.getProperty("java.class.path");
    for (Program p : PROGRAMS) {
      String mainClass = "org.vertxasyncio.examples." + p.name();
      JAVA_RUNS.put(p.name(), CompletableFuture.supplyAsync(() -> run(
          List.of(java, "-cp", classpath, mainClass), "java -cp <test classpath> " + mainClass), pool));
      // -u: unbuffered stdout, so that each line arrives when it is printed
      PYTHON.ifPresent(python -> PYTHON_RUNS.put(p.name(), CompletableFuture.supplyAsync(() -> run(
          List.of(python.toString(), "-u", pythonOriginal(p.name()).toString()),
          "python3 -u examples-python/" + p.name() + ".py"), pool)));
    }
  }

  @AfterAll
  static void stopRuns() {
    pool.shutdownNow();
    LIVE.forEach(Process::destroyForcibly);
  }

  // ------------------------------------------------------------------ the twins, one by one

  @Test
  void runUntilCompleteBlocksUntilTheCoroutineIsDone() {
    assertTwinBehavesAsCPython("RunUntilComplete");
  }

  @Test
  void ensureFutureWrapsTheCoroutineIntoATaskThatRunsToTheEnd() {
    assertTwinBehavesAsCPython("EnsureFuture");
  }

  @Test
  void doneCallbackRunsWhenTheTaskFinishes() {
    assertTwinBehavesAsCPython("DoneCallback");
  }

  @Test
  void gatherRunsBothCoroutinesConcurrently() {
    assertTwinBehavesAsCPython("Gather");
  }

  @Test
  void gatherOfAListRunsTheCoroutinesConcurrently() {
    assertTwinBehavesAsCPython("GatherList");
  }

  @Test
  void runUntilCompleteReturnsAfterTheCoroutinesLastLine() {
    assertTwinBehavesAsCPython("RunUntilCompleteDone");
  }

  @Test
  void runForeverReturnsWhenTheCoroutineStopsTheLoop() {
    assertTwinBehavesAsCPython("RunForeverStop");
  }

  @Test
  void runForeverEndsWhenTheGatherDoneCallbackStopsTheLoop() {
    assertTwinBehavesAsCPython("RunForeverGather");
  }

  @Test
  void loopCloseFailsWithEventLoopIsClosed() {
    Transcript t = assertTwinBehavesAsCPython("LoopClose");
    assertTrue(t.stderr().contains("Exception in thread \"main\" java.lang.IllegalStateException: Event loop is closed"),
        "the second run must end the program with an uncaught IllegalStateException: Event loop is closed\n"
            + t.show(program("LoopClose")));
  }

  @Test
  void timerCallsItsCallbackAfterTheDelay() {
    assertTwinBehavesAsCPython("Timer");
  }

  // ------------------------------------------------------------------ the gathers' order, on a loop here

  /** The mark of a timer armed before the program's loop runs. */
  private static final String MARK = "<0.5 s>";

  /**
   * The lines {@code program} prints on a fresh loop of this JVM until a timer of 0.5 s, armed before the loop
   * runs (so due before any sleep of 1 s the program starts), adds {@link #MARK} and cancels the program. A
   * line before the mark came before any sleep of 1 s could end: an order of the loop's events (due timers
   * join the ready queue behind what is ready already), which no stall of the machine changes.
   */
  private static List<String> linesBeforeHalfASecond(java.util.function.Supplier<AsyncFuture<?>> program) {
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    PrintStream out = System.out;
    EventLoop loop = Asyncio.newEventLoop();
    Asyncio.setEventLoop(loop);
    System.setOut(new PrintStream(out, true) {
      @Override
      public void println(String x) {
        seen.add(x);
      }
    });
    try {
      AsyncFuture<?> all = program.get();
      loop.callLater(0.5, () -> {
        seen.add(MARK);
        all.cancel();
      });
      try {
        loop.runUntilComplete(all);
      } catch (CancelledError expected) {
        // the mark ended the program
      }
    } finally {
      System.setOut(out);
      Asyncio.setEventLoop(null);
      loop.close();
    }
    return seen;
  }

  @Test
  void gatherStartsBothCoroutinesBeforeTheShorterSleepCanEnd() {
    assertEquals(List.of("Waiting 1", "Waiting 3", MARK),
        linesBeforeHalfASecond(() -> Asyncio.gather(Gather.doSomeWork(1), Gather.doSomeWork(3))));
  }

  @Test
  void gatherOfAListStartsBothCoroutinesBeforeTheShorterSleepCanEnd() {
    assertEquals(List.of("Waiting 1", "Waiting 3", MARK),
        linesBeforeHalfASecond(() -> Asyncio.gather(List.of(GatherList.doSomeWork(1), GatherList.doSomeWork(3)))));
  }

  // ------------------------------------------------------------------ the twins beside CPython

  static Stream<String> programNames() {
    return PROGRAMS.stream().map(Program::name);
  }

  @ParameterizedTest(name = "{0} prints what CPython prints, at the same times")
  @MethodSource("programNames")
  void javaTwinPrintsWhatCPythonPrints(String name) {
    if (PYTHON.isEmpty() && "true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("CI=true but python3 is not on PATH (" + System.getenv("PATH") + "): CI must compare the Java twins"
          + " with CPython");
    }
    Assumptions.assumeTrue(PYTHON.isPresent(),
        "python3 not on PATH: the comparison of the Java twins with CPython is skipped");
    Program program = program(name);
    Transcript python = transcript(PYTHON_RUNS, name);
    Transcript java = transcript(JAVA_RUNS, name);
    String both = "\nCPython: " + python.show(program) + "Java:    " + java.show(program);
    System.out.println("== " + name + both);

    assertFollows(program, python, "CPython"); // the table itself is CPython's behaviour
    assertEquals(python.texts(), java.texts(), "the twin must print the same lines in the same order" + both);
    assertEquals(python.exitCode() != 0, java.exitCode() != 0, "the twin must fail exactly when CPython does" + both);
    if (program.fails()) {
      assertTrue(python.stderr().contains("RuntimeError: Event loop is closed"), "CPython's failure" + both);
    }
    // Times on each program's own clock; from a process start, Java may also spend its start-up.
    double javaAnchor = java.anchor(program);
    double pythonAnchor = python.anchor(program);
    double startup = program.timedFromFirstLine() ? 0 : STARTUP;
    for (int i = 0; i < java.lines().size(); i++) {
      double j = java.lines().get(i).at() - javaAnchor;
      double p = python.lines().get(i).at() - pythonAnchor;
      assertWithin(j, p - VS_PYTHON, p + LATE + startup,
          "line " + (i + 1) + " '" + java.lines().get(i).text() + "' must come no earlier than " + VS_PYTHON
              + " s before CPython's" + both);
    }
    assertWithin(java.exitAt() - javaAnchor, python.exitAt() - pythonAnchor - EXIT_VS_PYTHON,
        python.exitAt() - pythonAnchor + LATE + startup,
        "the twin must exit no earlier than " + EXIT_VS_PYTHON + " s before CPython" + both);
  }

  // ------------------------------------------------------------------ checks

  private static Transcript assertTwinBehavesAsCPython(String name) {
    Transcript t = transcript(JAVA_RUNS, name);
    assertFollows(program(name), t, "Java twin");
    return t;
  }

  /** {@code t} prints the program's lines in order, each within its time bounds, and exits as it should. */
  private static void assertFollows(Program program, Transcript t, String who) {
    String shown = "\n" + who + ": " + t.show(program);
    assertFalse(t.hung(), "did not exit within " + RUN_LIMIT_SECONDS + " s" + shown);
    assertEquals(program.lines().stream().map(Expect::text).toList(), t.texts(), "lines and their order" + shown);
    if (program.fails()) {
      assertNotEquals(0, t.exitCode(), "must fail" + shown);
      assertTrue(t.stderr().contains("Event loop is closed"), "must fail with 'Event loop is closed'" + shown);
    } else {
      assertEquals(0, t.exitCode(), "exit status" + shown);
    }
    double anchor = t.anchor(program);
    double startup = program.timedFromFirstLine() ? 0 : STARTUP;
    for (int i = 0; i < program.lines().size(); i++) {
      Expect e = program.lines().get(i);
      assertWithin(t.lines().get(i).at() - anchor, e.due() - EARLY, e.latest() + startup,
          "line " + (i + 1) + " '" + e.text() + "' is due at " + e.due() + " s" + shown);
    }
    assertWithin(t.exitAt() - anchor, program.exitDue() - EARLY, program.exitDue() + LATE + startup,
        "the program should end at " + program.exitDue() + " s" + shown);
  }

  private static void assertWithin(double actual, double min, double max, String message) {
    assertTrue(actual >= min && actual <= max,
        String.format(Locale.ROOT, "%.3f s is outside [%.3f, %.3f] s: %s", actual, min, max, message));
  }

  private static Program program(String name) {
    return PROGRAMS.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
  }

  private static Transcript transcript(Map<String, CompletableFuture<Transcript>> runs, String name) {
    try {
      return runs.get(name).get(4, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new AssertionError("running " + name + " failed: " + e, e);
    }
  }

  // ------------------------------------------------------------------ running a program

  /**
   * Runs {@code command}, stamping each stdout line with the time it arrived; the clock starts when the
   * process does. Kills the process if it runs longer than {@link #RUN_LIMIT_SECONDS}.
   */
  private static Transcript run(List<String> command, String shown) {
    List<Line> lines = Collections.synchronizedList(new ArrayList<>());
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    long t0 = System.nanoTime();
    Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command, e);
    }
    LIVE.add(process);
    try {
      Thread out = daemon(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
          for (String l; (l = r.readLine()) != null; ) {
            lines.add(new Line(l, seconds(System.nanoTime() - t0)));
          }
        }
      });
      Thread err = daemon(() -> {
        try (InputStream in = process.getErrorStream()) {
          in.transferTo(stderr);
        }
      });
      boolean exited = process.waitFor(RUN_LIMIT_SECONDS, TimeUnit.SECONDS);
      double exitAt = seconds(System.nanoTime() - t0);
      if (!exited) {
        process.destroyForcibly().waitFor();
      }
      out.join(TimeUnit.SECONDS.toMillis(10));
      err.join(TimeUnit.SECONDS.toMillis(10));
      return new Transcript(shown, List.copyOf(lines), exitAt, exited ? process.exitValue() : -1, !exited,
          stderr.toString(UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    } finally {
      process.destroyForcibly();
      LIVE.remove(process);
    }
  }

  private interface IoBody {
    void run() throws IOException;
  }

  private static Thread daemon(IoBody body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (IOException e) {
        // the stream closed under us: the process was killed
      }
    }, "example-program-stream");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static Path pythonOriginal(String name) {
    URL url = ExampleProgramsTest.class.getResource("/examples-python/" + name + ".py");
    if (url == null) {
      throw new IllegalStateException("missing src/test/resources/examples-python/" + name + ".py");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Optional<Path> onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, program);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }
}
