package org.vertxasyncio.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code .gitattributes}, as git applies it at checkout: every script (a tracked file that starts with
 * {@code #!}, {@code mvnw} among them) gets LF line endings on every platform, since a CRLF shebang line
 * fails on Unix and in the image's build; the Windows wrapper {@code mvnw.cmd} gets CRLF.
 */
class LineEndingsTest {
  static List<String> git(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    return out.lines().toList();
  }

  /** {@code git check-attr eol} of each path: "lf", "crlf" or "unspecified". */
  static Map<String, String> eol(List<String> paths) throws Exception {
    List<String> args = new ArrayList<>(List.of("check-attr", "eol", "--"));
    args.addAll(paths);
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : git(args.toArray(String[]::new))) {
      int at = line.lastIndexOf(": eol: ");
      out.put(line.substring(0, at), line.substring(at + 7));
    }
    return out;
  }

  static boolean isScript(String path) throws Exception {
    Path p = Path.of(path);
    if (!Files.isRegularFile(p)) {
      return false;
    }
    try (InputStream in = Files.newInputStream(p)) {
      byte[] head = in.readNBytes(2);
      return head.length == 2 && head[0] == '#' && head[1] == '!';
    }
  }

  @Test
  void everyScriptIsCheckedOutWithLfLineEndings() throws Exception {
    List<String> scripts = new ArrayList<>();
    for (String f : git("ls-files")) {
      if (isScript(f)) {
        scripts.add(f);
      }
    }
    assertTrue(scripts.containsAll(List.of("mvnw", "bin/with-jdk", ".ci/run")), "the scripts found: " + scripts);
    Map<String, String> eol = eol(scripts);
    eol.forEach((file, value) -> assertEquals("lf", value, file + " is a script: .gitattributes must keep it LF"));
    assertEquals(scripts.size(), eol.size());
  }

  @Test
  void theWindowsWrapperIsCheckedOutWithCrlf() throws Exception {
    assertEquals(Map.of("mvnw.cmd", "crlf"), eol(List.of("mvnw.cmd")));
    assertFalse(git("ls-files", "--eol", "mvnw.cmd").get(0).startsWith("i/crlf"), "stored normalised (LF) in the repository");
  }
}
