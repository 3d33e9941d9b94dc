package org.vertxasyncio.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
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
    assertEquals("bin/with-jdk ./mvnw -B -q package -DskipTests && bin/with-jdk java @conf/jvm.options -jar target/vertx-asyncio.jar",
        command("<!-- run-command -->"));
  }

  /** The JVM flags between {@code java} and {@code -jar} in {@code line}, less {@code $JAVA_OPTS} (the user's own). */
  static List<String> jvmFlags(String line) {
    int java = line.lastIndexOf("java ");
    int jar = line.indexOf("-jar ", java);
    assertTrue(java >= 0 && jar > java, "java ... -jar in: " + line);
    return List.of(line.substring(java + "java ".length(), jar).strip().split("\\s+")).stream()
        .filter(f -> !f.isEmpty() && !f.equals("$JAVA_OPTS")).toList();
  }

  /** The options of a java argument file, as the launcher reads it: blank-separated, {@code #} to the line's end a comment. */
  static List<String> argumentFile(Path file) throws Exception {
    List<String> options = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      int hash = line.indexOf('#');
      String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (!text.isEmpty()) {
        options.addAll(List.of(text.split("\\s+")));
      }
    }
    return options;
  }

  @Test
  void theJvmOptionsAreZgcWithItsYoungGenerationCollectedEverySecond() throws Exception {
    assertEquals(List.of("-XX:+UseZGC", "-XX:ZCollectionIntervalMinor=1"), argumentFile(Path.of("conf/jvm.options")),
        "ZGC (its pauses stay under a millisecond), its young generation collected at least once a second");
    // the launcher itself reads the file (comments included) and the JVM takes every option in it
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@conf/jvm.options", "-XX:+PrintCommandLineFlags", "-version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.contains("-XX:+UseZGC ") && out.contains("-XX:ZCollectionIntervalMinor=1"), out);
  }

  @Test
  void theRunCommandAndTheImageStartTheJvmWithTheSameOptionsFile() throws Exception {
    List<String> dockerfile = Files.readAllLines(Path.of("Dockerfile"));
    String entrypoint = dockerfile.stream().filter(l -> l.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
    assertEquals(List.of("@conf/jvm.options"), jvmFlags(command("<!-- run-command -->")));
    // the image: conf/jvm.options (a mounted conf/'s own, else the image's copy of the repository's), then JAVA_OPTS
    assertTrue(entrypoint.contains("opts=conf/jvm.options; [ -f \\\"$opts\\\" ] || opts=jvm.options;"), entrypoint);
    assertEquals(List.of("\\\"@$opts\\\""), jvmFlags(entrypoint), "the image runs the jar as the README does: " + entrypoint);
    assertTrue(entrypoint.indexOf("@$opts") < entrypoint.indexOf("$JAVA_OPTS"), "JAVA_OPTS after the options file win: " + entrypoint);
    assertTrue(dockerfile.contains("COPY conf /app/conf") && dockerfile.contains("COPY conf/jvm.options /app/jvm.options"),
        "the image has conf/ and its own copy of conf/jvm.options in its WORKDIR");
  }

  /** Every line of the project's docs and scripts that starts the service's jar with {@code java}. */
  static List<String> javaJarLines() throws Exception {
    List<Path> files = new ArrayList<>(List.of(Path.of("README.md"), Path.of("CONTRIBUTING.md"), Path.of("Dockerfile"),
        Path.of("compose.yaml")));
    for (String dir : List.of("tour", "bin")) {
      try (Stream<Path> s = Files.list(Path.of(dir))) {
        s.filter(Files::isRegularFile).sorted().forEach(files::add);
      }
    }
    List<String> lines = new ArrayList<>();
    for (Path f : files) {
      for (String line : Files.readAllLines(f)) {
        if (line.matches(".*\\bjava .*-jar .*") && (line.contains("vertx-asyncio.jar") || line.contains("$jar"))) {
          lines.add(f + ": " + line);
        }
      }
    }
    return lines;
  }

  @Test
  void everyCommandThatRunsTheJarTakesItsJvmOptionsFromTheOneFile() throws Exception {
    List<String> lines = javaJarLines();
    assertTrue(lines.size() >= 10, "the README's, CONTRIBUTING's, the tour's and the image's commands: " + lines);
    for (String line : lines) {
      List<String> flags = jvmFlags(line);
      assertTrue(flags.contains("@conf/jvm.options") || flags.contains("\\\"@$opts\\\""), "reads conf/jvm.options: " + line);
      assertTrue(flags.stream().noneMatch(f -> f.startsWith("-XX:")), "no JVM option of its own: " + line);
    }
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
