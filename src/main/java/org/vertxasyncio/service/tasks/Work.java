package org.vertxasyncio.service.tasks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The CPU work of a {@code work} task: SHA-256 iterated {@code iterations} times, starting from the UTF-8
 * bytes of {@code input} (round 1 hashes the input, each later round hashes the previous digest). The
 * result is the hex of the last digest, so a client can check it:
 * {@code python3 -c "import hashlib;d=b'x';[d:=hashlib.sha256(d).digest() for _ in range(3)];print(d.hex())"}.
 * It runs in the executor ({@code loop.runInExecutor}), never on the event loop.
 */
public final class Work {
  private Work() {
  }

  public static String iteratedSha256(String input, long iterations) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] d = input.getBytes(StandardCharsets.UTF_8);
    for (long i = 0; i < iterations; i++) {
      d = md.digest(d);
    }
    return HexFormat.of().formatHex(d);
  }
}
