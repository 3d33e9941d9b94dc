package org.vertxasyncio.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The repository speaks of the software, for its users and contributors: no tracked file names a path
 * of one particular machine, a ticket by its number, or the project's own history, where it should say
 * what the thing is.
 */
class RepositoryTextTest {
  /** The words to avoid, written so that this file does not match them itself. */
  static final Pattern NOT_OF_THE_SOFTWARE =
      Pattern.compile("/wor[k]/|/usr/lib/jvm/temuri[n]|\\bthe see[d]\\b|\\b[Ii]ssue [0-9]+\\b|\\bthe lea[d]\\b");

  @Test
  void trackedFilesSpeakOfTheSoftwareNotOfHowItWasBuilt() throws Exception {
    List<String> found = new ArrayList<>();
    for (String file : LineEndingsTest.git("ls-files")) {
      Path p = Path.of(file);
      if (!Files.isRegularFile(p)) {
        continue;
      }
      List<String> lines;
      try {
        lines = Files.readAllLines(p, StandardCharsets.UTF_8);
      } catch (MalformedInputException binary) {
        continue;
      }
      for (int i = 0; i < lines.size(); i++) {
        if (NOT_OF_THE_SOFTWARE.matcher(lines.get(i)).find()) {
          found.add(file + ":" + (i + 1) + ": " + lines.get(i).strip());
        }
      }
    }
    assertEquals(List.of(), found, "say what the thing is instead");
  }
}
