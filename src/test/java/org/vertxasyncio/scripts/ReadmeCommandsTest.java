package org.vertxasyncio.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's commands, as a newcomer and {@code .ci/run} read them: the two marked ones
 * ({@code <!-- run-command -->}, {@code <!-- test-command -->}), each in a code block of its own and both
 * through {@code bin/with-jdk}, so that a {@code java} 17 first on PATH does not build or run them; and
 * the tour, shown as {@code tour/tour.sh} is (which {@code TourIT} runs).
 */
class ReadmeCommandsTest {
  static List<String> readme() throws Exception {
    return Files.readAllLines(Path.of("README.md"));
  }

  /** The first line of the code block after {@code marker}, as .ci/run reads it; the marker must be there once. */
  static String command(String marker) throws Exception {
    List<String> lines = readme();
    int at = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).strip().equals(marker)) {
        assertEquals(-1, at, marker + " appears once");
        at = i;
      }
    }
    assertTrue(at >= 0, "README.md has " + marker);
    assertTrue(lines.get(at + 1).startsWith("```"), "a code block follows " + marker);
    assertTrue(lines.get(at + 3).startsWith("```"), "the block after " + marker + " holds one line");
    return lines.get(at + 2);
  }

  @Test
  void theRunCommandBuildsAndRunsTheJarWithTheSameJdkFinder() throws Exception {
    assertEquals("bin/with-jdk ./mvnw -B -q package -DskipTests && bin/with-jdk java -XX:+UseZGC -XX:ZCollectionIntervalMinor=1 -jar target/vertx-asyncio.jar",
        command("<!-- run-command -->"));
  }

  /** The JVM flags between {@code java} and {@code -jar} in {@code line}, less {@code $JAVA_OPTS} (the user's own). */
  static List<String> jvmFlags(String line) {
    int java = line.lastIndexOf("java ");
    int jar = line.indexOf(" -jar ", java);
    assertTrue(java >= 0 && jar > java, "java ... -jar in: " + line);
    return List.of(line.substring(java + "java ".length(), jar).strip().split("\\s+")).stream()
        .filter(f -> !f.equals("$JAVA_OPTS")).toList();
  }

  @Test
  void theRunCommandAndTheImageStartTheJvmWithTheSameFlags() throws Exception {
    String entrypoint = Files.readAllLines(Path.of("Dockerfile")).stream().filter(l -> l.startsWith("ENTRYPOINT "))
        .findFirst().orElseThrow();
    List<String> flags = jvmFlags(command("<!-- run-command -->"));
    assertEquals(List.of("-XX:+UseZGC", "-XX:ZCollectionIntervalMinor=1"), flags,
        "ZGC (its pauses stay under a millisecond), its young generation collected at least once a second");
    assertEquals(flags, jvmFlags(entrypoint), "the image runs the jar as the README does: " + entrypoint);
  }

  @Test
  void theTestCommandRunsTheWholeBuildThroughTheJdkFinder() throws Exception {
    assertEquals("bin/with-jdk ./mvnw -B verify", command("<!-- test-command -->"));
  }

  @Test
  void ciReadsThatSameTestCommandAndFindsItsJdkAsTheReadmeDoes() throws Exception {
    List<String> ci = Files.readAllLines(Path.of(".ci/run"));
    String read = ci.stream().filter(l -> l.startsWith("cmd=$(")).findFirst().orElseThrow();
    // CI's own line that reads the command, run on this README
    Process p = new ProcessBuilder("bash", "-c", read + "; printf '%s' \"$cmd\"").redirectErrorStream(true).start();
    String got = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor());
    assertEquals(command("<!-- test-command -->"), got);
    assertTrue(ci.contains("jdk=$(bin/with-jdk) || exit 1"), "CI finds its JDK with bin/with-jdk");
    assertTrue(Files.isExecutable(Path.of("bin/with-jdk")), "bin/with-jdk is executable");
  }

  @Test
  void theReadmeShowsTheTourScriptAsItIs() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    String start = "<!-- tour/tour.sh:start -->\n```bash\n";
    String end = "```\n<!-- tour/tour.sh:end -->";
    int from = readme.indexOf(start);
    int to = readme.indexOf(end);
    assertTrue(from >= 0 && to > from, "README.md shows tour/tour.sh between its markers");
    assertEquals(Files.readString(Path.of("tour/tour.sh")), readme.substring(from + start.length(), to),
        "the README's copy of tour/tour.sh is the script itself");
  }
}
