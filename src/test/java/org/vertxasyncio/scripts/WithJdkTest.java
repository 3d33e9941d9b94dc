package org.vertxasyncio.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bin/with-jdk}, the JDK finder behind the README's commands and CI, run by bash on a made-up
 * machine: stub {@code java} executables that answer {@code -XshowSettings:properties -version} as a JVM
 * does (their home and version), laid out where JDKs get installed ({@code WITH_JDK_ROOT} stands in for
 * {@code /}, {@code HOME} for the user's home), and a {@code PATH} that holds stubs only.
 */
class WithJdkTest {
  static final Path SCRIPT = Path.of("bin/with-jdk").toAbsolutePath();

  @TempDir
  Path dir;
  Path root;
  Path home;
  Path pathDir;

  @BeforeEach
  void machine() throws IOException {
    root = Files.createDirectories(dir.resolve("root"));
    home = Files.createDirectories(dir.resolve("home"));
    pathDir = Files.createDirectories(dir.resolve("path"));
  }

  /** A stub JDK (or JRE, without javac) at {@code where}: its bin/java reports {@code version} and its home. */
  Path jdk(Path where, String version, boolean javac) throws IOException {
    Path bin = Files.createDirectories(where.resolve("bin"));
    String java = """
        #!/bin/sh
        if [ "$1" = "-XshowSettings:properties" ]; then
          echo "Property settings:" >&2
          echo "    java.home = %1$s" >&2
          echo "    java.specification.version = %2$s" >&2
          echo "openjdk version \\"%2$s\\"" >&2
          echo started >> "%1$s/started"
          exit 0
        fi
        echo "java %2$s at %1$s; JAVA_HOME=$JAVA_HOME; PATH=$PATH; args: $*"
        """.formatted(where, version);
    executable(bin.resolve("java"), java);
    if (javac) {
      executable(bin.resolve("javac"), "#!/bin/sh\nexit 0\n");
    }
    return where;
  }

  Path jdk(String underRoot, String version) throws IOException {
    return jdk(root.resolve(underRoot), version, true);
  }

  void onPath(Path jdkHome) throws IOException {
    Files.createSymbolicLink(pathDir.resolve("java"), jdkHome.resolve("bin/java"));
  }

  static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  record Run(int status, String out, String err) {
    List<String> errLines() {
      return err.isEmpty() ? List.of() : List.of(err.split("\n"));
    }
  }

  Run run(String javaHome, String... command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("/bin/bash", SCRIPT.toString()));
    cmd.addAll(List.of(command));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    Map<String, String> env = pb.environment();
    env.clear();
    env.putAll(new HashMap<>(Map.of("PATH", pathDir.toString(), "HOME", home.toString(), "WITH_JDK_ROOT", root.toString())));
    if (javaHome != null) {
      env.put("JAVA_HOME", javaHome);
    }
    Process p = pb.start();
    p.getOutputStream().close();
    var out = p.getInputStream().readAllBytes();
    var err = p.getErrorStream().readAllBytes();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bin/with-jdk ended");
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip(), new String(err, StandardCharsets.UTF_8).strip());
  }

  @Test
  void withJava17OnPathAndNoJavaHomeItPicksTheJdk25InTheSystemDirectory() throws Exception {
    onPath(jdk("usr/lib/jvm/java-17-openjdk-amd64", "17"));
    Path jdk25 = jdk("usr/lib/jvm/temurin-25-jdk-amd64", "25");
    Run r = run(null);
    assertEquals(0, r.status(), r.err());
    assertEquals(jdk25.toString(), r.out());
    assertEquals("", r.err(), "nothing to say when JAVA_HOME is not set");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "usr/lib/jvm/java-21-openjdk-amd64",
      "HOME/.sdkman/candidates/java/21.0.5-tem",
      "opt/homebrew/opt/openjdk@21",
      "usr/local/opt/openjdk",
      "home/linuxbrew/.linuxbrew/opt/openjdk@21",
      "Library/Java/JavaVirtualMachines/temurin-21.jdk/Contents/Home"})
  void itFindsAJdkInEachUsualPlace(String place) throws Exception {
    Path where = place.startsWith("HOME/") ? home.resolve(place.substring(5)) : root.resolve(place);
    onPath(jdk("usr/lib/jvm/java-17-openjdk-amd64", "17"));
    jdk(where, "21", true);
    Run r = run(null);
    assertEquals(0, r.status(), r.err());
    assertEquals(where.toString(), r.out());
  }

  @Test
  void theNewestOfTheInstalledJdksWins() throws Exception {
    jdk("usr/lib/jvm/java-21-openjdk-amd64", "21");
    Path newest = jdk(home.resolve(".sdkman/candidates/java/25-tem"), "25", true);
    jdk("opt/homebrew/opt/openjdk@23", "23");
    assertEquals(newest.toString(), run(null).out());
  }

  @Test
  void aJavaHomeThatIsAJdk21PlusWinsOverANewerOne() throws Exception {
    Path chosen = jdk("opt/jdks/jdk-21", "21");
    jdk("usr/lib/jvm/temurin-25-jdk-amd64", "25");
    Run r = run(chosen.toString());
    assertEquals(chosen.toString(), r.out());
    assertEquals("", r.err());
  }

  @Test
  void javaOnPathWinsOverTheInstallPlacesWhenItIsAJdk21Plus() throws Exception {
    Path onPath = jdk("opt/jdks/jdk-22", "22");
    onPath(onPath);
    jdk("usr/lib/jvm/temurin-25-jdk-amd64", "25");
    assertEquals(onPath.toString(), run(null).out());
  }

  @Test
  void aJavaHomeOlderThan21IsPassedOverAndTheScriptSaysSo() throws Exception {
    Path old = jdk("usr/lib/jvm/java-17-openjdk-amd64", "17");
    Path jdk25 = jdk("usr/lib/jvm/temurin-25-jdk-amd64", "25");
    Run r = run(old.toString());
    assertEquals(0, r.status());
    assertEquals(jdk25.toString(), r.out());
    assertEquals(List.of("bin/with-jdk: JAVA_HOME=" + old + " is not a JDK 21+; using " + jdk25), r.errLines());
  }

  @Test
  void aJreIsNotEnoughTheBuildCompiles() throws Exception {
    jdk(root.resolve("usr/lib/jvm/jre-25"), "25", false);
    Path jdk21 = jdk("usr/lib/jvm/jdk-21", "21");
    assertEquals(jdk21.toString(), run(null).out());
  }

  @Test
  void withNoJdk21ItFailsWithOneLineSayingWhatIsNeededAndWhatItSaw() throws Exception {
    Path jdk17 = jdk("usr/lib/jvm/java-17-openjdk-amd64", "17");
    onPath(jdk17);
    jdk(home.resolve(".sdkman/candidates/java/8.0.422-tem"), "1.8", true);
    jdk(root.resolve("opt/homebrew/opt/openjdk@25"), "25", false);
    Run r = run(null, "java", "-jar", "app.jar");
    assertEquals(1, r.status());
    assertEquals("", r.out(), "the command did not run");
    assertEquals(1, r.errLines().size(), r.err());
    String line = r.err();
    assertTrue(line.startsWith("bin/with-jdk: needs a JDK 21 or later and found none"), line);
    assertTrue(line.contains("Java 17 at " + jdk17), line);
    assertTrue(line.contains("Java 8 at "), "a Java 8 (1.8) is seen as what it is: " + line);
    assertTrue(line.contains("(a JRE: no javac)"), line);
    assertTrue(line.contains("set JAVA_HOME"), line);
  }

  @Test
  void onAMachineWithNoJavaAtAllTheLineSaysSoToo() throws Exception {
    Run r = run(null);
    assertEquals(1, r.status());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().contains("(seen: nothing;"), r.err());
  }

  @Test
  void aJavaHomeWithoutJavaIsNamedInTheError() throws Exception {
    Run r = run(dir.resolve("nowhere").toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("JAVA_HOME=" + dir.resolve("nowhere") + " (no bin/java there)"), r.err());
  }

  @Test
  void itRunsTheCommandWithThatJdksJavaHomeAndItsBinFirstOnPath() throws Exception {
    onPath(jdk("usr/lib/jvm/java-17-openjdk-amd64", "17"));
    Path jdk25 = jdk("usr/lib/jvm/temurin-25-jdk-amd64", "25");
    Run r = run(null, "java", "-jar", "target/vertx-asyncio.jar");
    assertEquals(0, r.status(), r.err());
    assertEquals("java 25 at " + jdk25 + "; JAVA_HOME=" + jdk25 + "; PATH=" + jdk25.resolve("bin") + ":" + pathDir
        + "; args: -jar target/vertx-asyncio.jar", r.out());
  }

  @Test
  void aJdkWhoseReleaseFileDeclaresAnOlderVersionIsNotStarted() throws Exception {
    Path old = jdk("usr/lib/jvm/java-17-openjdk-amd64", "17");
    Files.writeString(old.resolve("release"), "IMPLEMENTOR=\"Debian\"\nJAVA_VERSION=\"17.0.15\"\n");
    Path jdk25 = jdk("usr/lib/jvm/temurin-25-jdk-amd64", "25");
    Files.writeString(jdk25.resolve("release"), "JAVA_VERSION=\"25.0.3\"\n");
    assertEquals(jdk25.toString(), run(null).out());
    assertFalse(Files.exists(old.resolve("started")), "the JDK 17 was judged by its release file");
    assertTrue(Files.exists(jdk25.resolve("started")), "a candidate is still asked for its own home and version");
  }
}
