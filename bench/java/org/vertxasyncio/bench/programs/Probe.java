package org.vertxasyncio.bench.programs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What every benchmark program reports about itself, in the lines the runner reads:
 * {@code METRIC <key>=<value>}. Peak RSS is the kernel's high-water mark of the whole process
 * ({@code VmHWM} in {@code /proc/self/status}), the figure {@code /usr/bin/time -v} prints; CPU time is
 * the process's user + system time ({@code /proc/self/stat}), all threads, GC included.
 */
public final class Probe {
  private Probe() {
  }

  /** Prints one figure for the runner. */
  public static void metric(String key, double value) {
    System.out.println("METRIC " + key + "=" + value);
  }

  /** The process's peak resident set, MiB. */
  public static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status", e);
    }
    throw new IllegalStateException("no VmHWM in /proc/self/status");
  }

  /** The process's CPU time so far (user + system, every thread), seconds. */
  public static double cpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // the fields after the command name, which is in parentheses and may hold spaces
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15
      return ticks / 100.0; // USER_HZ is 100 on Linux
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/stat", e);
    }
  }

  /** Seconds between two {@link System#nanoTime()} readings. */
  public static double seconds(long t0, long t1) {
    return (t1 - t0) / 1e9;
  }

  /** An integer argument, written with optional underscores (1_000_000). */
  public static int intArg(String s) {
    return Integer.parseInt(s.replace("_", ""));
  }

  /**
   * The delays of the lateness workload, in ms, 1..{@code maxMs}: the same sequence as
   * {@code bench/python/lateness.py} makes (a 31-bit linear congruential generator, so that every peer
   * sleeps exactly the same delays).
   */
  public static int[] delaysMs(int n, int maxMs, long seed) {
    int[] d = new int[n];
    long x = seed;
    for (int i = 0; i < n; i++) {
      x = (x * 1103515245L + 12345L) & 0x7fffffffL;
      d[i] = 1 + (int) (x % maxMs);
    }
    return d;
  }

  /** Prints p50, p99 and max of {@code latenessNanos} in ms (nearest rank), with {@code prefix}. */
  public static void lateness(String prefix, long[] latenessNanos) {
    long[] s = latenessNanos.clone();
    Arrays.sort(s);
    metric(prefix + "p50_ms", rank(s, 0.50) / 1e6);
    metric(prefix + "p99_ms", rank(s, 0.99) / 1e6);
    metric(prefix + "max_ms", s[s.length - 1] / 1e6);
    metric(prefix + "min_ms", s[0] / 1e6);
  }

  private static long rank(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
