package org.vertxasyncio.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The twins of the Python documentation's TCP echo client and server ({@link TcpEchoClient},
 * {@link TcpEchoServer}) run as their users run them, each in a process of its own, beside the Python
 * originals ({@code src/test/resources/docs/*.py}) where {@code python3} is on the PATH: every client
 * against every server, Java and CPython, on free ports. What each prints must be what the original
 * prints, line for line; the only thing that differs between runs, the client's port in the server's
 * {@code Received ... from ('127.0.0.1', <port>)}, is compared as {@code <port>}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TcpEchoTest {
  private static final long LIMIT_SECONDS = 60;
  private static final Pattern SERVING = Pattern.compile("Serving on \\('127\\.0\\.0\\.1', (\\d+)\\)");
  private static final List<String> CLIENT_LINES = List.of(
      "Send: 'Hello World!'", "Received: 'Hello World!'", "Close the connection");
  private static final List<String> SERVER_LINES_PER_CLIENT = List.of(
      "Received 'Hello World!' from ('127.0.0.1', <port>)", "Send: 'Hello World!'", "Close the connection");

  private static final Optional<Path> PYTHON = onPath("python3");
  private static final List<Process> LIVE = new ArrayList<>();
  private static EchoServer javaServer;
  private static EchoServer pythonServer;

  /** A server process, its port, and the stdout lines it has printed so far. */
  record EchoServer(String name, Process process, int port, LinkedBlockingQueue<String> lines) {
    /** The next {@code n} lines, the client's port replaced by {@code <port>}. */
    List<String> next(int n) throws InterruptedException {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String l = lines.poll(LIMIT_SECONDS, TimeUnit.SECONDS);
        if (l == null) {
          fail(name + " printed " + out + " and then nothing for " + LIMIT_SECONDS + " s");
        }
        out.add(l.replaceAll("\\('127\\.0\\.0\\.1', \\d+\\)", "('127.0.0.1', <port>)"));
      }
      return out;
    }
  }

  /** What a client printed and how it ended. */
  record Run(List<String> lines, int exitCode, String stderr) {
  }

  @BeforeAll
  static void startServers() throws Exception {
    javaServer = startServer("the Java TcpEchoServer", java("TcpEchoServer", "0"));
    if (PYTHON.isPresent()) {
      pythonServer = startServer("CPython's TcpEchoServer.py", python("TcpEchoServer.py", "0"));
    }
  }

  @AfterAll
  static void stopServers() {
    LIVE.forEach(Process::destroyForcibly);
  }

  @Test
  void theJavaClientAndServerPrintWhatTheDocsProgramsPrint() throws Exception {
    Run client = runClient(java("TcpEchoClient", String.valueOf(javaServer.port())));
    assertEquals(0, client.exitCode(), "the client's exit status; stderr: " + client.stderr());
    assertEquals(CLIENT_LINES, client.lines());
    assertEquals(SERVER_LINES_PER_CLIENT, javaServer.next(3));
  }

  @Test
  void theJavaTwinsPrintWhatCPythonsOriginalsPrint() throws Exception {
    requirePython();
    Run pyClient = runClient(python("TcpEchoClient.py", String.valueOf(pythonServer.port())));
    assertEquals(0, pyClient.exitCode(), "CPython's client; stderr: " + pyClient.stderr());
    List<String> pyServerLines = pythonServer.next(3);

    Run javaClient = runClient(java("TcpEchoClient", String.valueOf(javaServer.port())));
    List<String> javaServerLines = javaServer.next(3);

    assertEquals(pyClient.lines(), javaClient.lines(), "the clients print the same lines");
    assertEquals(pyServerLines, javaServerLines, "the servers print the same lines");
    assertEquals(CLIENT_LINES, javaClient.lines());
  }

  @Test
  void eachTwinTalksToTheOtherLanguagesProgram() throws Exception {
    requirePython();
    Run javaToPython = runClient(java("TcpEchoClient", String.valueOf(pythonServer.port())));
    assertEquals(0, javaToPython.exitCode(), "the Java client against CPython's server; stderr: " + javaToPython.stderr());
    assertEquals(CLIENT_LINES, javaToPython.lines());
    assertEquals(SERVER_LINES_PER_CLIENT, pythonServer.next(3));

    Run pythonToJava = runClient(python("TcpEchoClient.py", String.valueOf(javaServer.port())));
    assertEquals(0, pythonToJava.exitCode(), "CPython's client against the Java server; stderr: " + pythonToJava.stderr());
    assertEquals(CLIENT_LINES, pythonToJava.lines());
    assertEquals(SERVER_LINES_PER_CLIENT, javaServer.next(3));
  }

  // ------------------------------------------------------------------ processes

  private static void requirePython() {
    if (PYTHON.isEmpty() && "true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("CI=true but python3 is not on PATH: CI must compare the Java twins with CPython");
    }
    Assumptions.assumeTrue(PYTHON.isPresent(), "python3 not on PATH: the comparison with CPython is skipped");
  }

  private static List<String> java(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
        "-cp", System.getProperty("java.class.path"), "org.vertxasyncio.examples." + mainClass));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static List<String> python(String script, String... args) {
    // -u: unbuffered stdout, so that each line arrives when it is printed
    List<String> cmd = new ArrayList<>(List.of(PYTHON.orElseThrow().toString(), "-u", original(script).toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Starts a server on a free port and waits for its {@code Serving on ...} line. */
  private static EchoServer startServer(String name, List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    LIVE.add(p);
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8))) {
        for (String l; (l = r.readLine()) != null; ) {
          lines.add(l);
        }
      } catch (IOException e) {
        // the process was stopped
      }
    }, "echo-server-stdout");
    reader.setDaemon(true);
    reader.start();
    String first = lines.poll(LIMIT_SECONDS, TimeUnit.SECONDS);
    if (first == null) {
      fail(name + " printed nothing within " + LIMIT_SECONDS + " s" + (p.isAlive() ? "" : " (exit " + p.exitValue() + ")"));
    }
    Matcher m = SERVING.matcher(first);
    assertTrue(m.matches(), name + "'s first line: " + first);
    return new EchoServer(name, p, Integer.parseInt(m.group(1)), lines);
  }

  private static Run runClient(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).start();
    LIVE.add(p);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread outReader = drain(p.getInputStream(), out);
    Thread errReader = drain(p.getErrorStream(), err);
    if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      outReader.join(TimeUnit.SECONDS.toMillis(10));
      fail(cmd + " did not end within " + LIMIT_SECONDS + " s; it printed: " + out.toString(UTF_8));
    }
    outReader.join(TimeUnit.SECONDS.toMillis(10));
    errReader.join(TimeUnit.SECONDS.toMillis(10));
    return new Run(out.toString(UTF_8).lines().toList(), p.exitValue(), err.toString(UTF_8));
  }

  private static Thread drain(InputStream in, ByteArrayOutputStream to) {
    Thread t = new Thread(() -> {
      try (in) {
        in.transferTo(to);
      } catch (IOException e) {
        // the process was killed
      }
    }, "echo-client-output");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static Path original(String script) {
    URL url = TcpEchoTest.class.getResource("/docs/" + script);
    if (url == null) {
      throw new IllegalStateException("missing src/test/resources/docs/" + script);
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
