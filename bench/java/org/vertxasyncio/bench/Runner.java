package org.vertxasyncio.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.vertxasyncio.bench.suites.ClusterSuite;
import org.vertxasyncio.bench.suites.HttpSuite;
import org.vertxasyncio.bench.suites.LatenessSuite;
import org.vertxasyncio.bench.suites.LikeSuite;
import org.vertxasyncio.bench.suites.OpsSuite;
import org.vertxasyncio.bench.suites.ParkedSuite;
import org.vertxasyncio.bench.suites.PendingSuite;
import org.vertxasyncio.bench.suites.SleepsSuite;
import org.vertxasyncio.bench.suites.SoakSuite;
import org.vertxasyncio.bench.suites.SseSuite;
import org.vertxasyncio.bench.suites.StoresSuite;
import org.vertxasyncio.bench.suites.StreamsSuite;
import org.vertxasyncio.bench.suites.ThreadsSuite;
import org.vertxasyncio.bench.suites.WebhooksSuite;

/**
 * The entry point of {@code bench/run.sh [--quick] [--list] [suite...]}: runs the suites (all by
 * default), then prints to stdout the machine, a Markdown table of every figure, one RESULT line per
 * figure and baseline, and the targets ({@link Report}), met or not. Progress goes to stderr; every process's
 * output is kept under {@code bench/out/<date>/}, with the summary in {@code summary.md}.
 *
 * <p>RESULT lines: {@code RESULT suite=<s> name=<figure>.<peer> value=<v> unit=<u> baseline=<peer>
 * ratio=<v / the baseline's v>}. A figure of ours compared with two peers has one line per peer; a
 * peer's own figure has {@code baseline=self ratio=1}.
 */
public final class Runner {
  /** The library's suites, in the order a full run runs them. */
  static final List<Suite> LIBRARY = List.of(new SleepsSuite(), new ThreadsSuite(), new LatenessSuite(), new OpsSuite(),
      new StreamsSuite());
  /** The service's suites (HTTP, wrk on loopback), run after the library's. */
  static final List<Suite> SERVICE = List.of(new HttpSuite(), new StoresSuite(), new ClusterSuite(), new PendingSuite(), new SseSuite(),
      new WebhooksSuite());
  /** Every suite, in the order a full run runs them. */
  static final List<Suite> SUITES = java.util.stream.Stream.concat(LIBRARY.stream(), SERVICE.stream()).toList();
  /**
   * Suites run only when named: too long for a full run's 15 minutes, or a part of one ({@code latency}: the
   * {@code http} suite's POST runs alone; {@code like}: its like-for-like comparison of ours and bare Vert.x alone).
   */
  static final List<Suite> ON_REQUEST = List.of(new SoakSuite(), new ParkedSuite(), HttpSuite.latency(), new LikeSuite());

  private Runner() {
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    List<Suite> chosen = new ArrayList<>();
    for (String a : args) {
      switch (a) {
        case "--quick" -> quick = true;
        case "--list", "--help", "-h" -> {
          usage();
          return;
        }
        case "library", "service" -> {
          for (Suite s : a.equals("library") ? LIBRARY : SERVICE) {
            if (!chosen.contains(s)) {
              chosen.add(s);
            }
          }
        }
        default -> {
          Suite s = java.util.stream.Stream.concat(SUITES.stream(), ON_REQUEST.stream()).filter(x -> x.name().equals(a))
              .findFirst().orElse(null);
          if (s == null) {
            System.err.println("bench: unknown suite or option '" + a + "'");
            usage();
            System.exit(2);
          }
          chosen.add(s);
        }
      }
    }
    if (chosen.isEmpty()) {
      chosen = SUITES;
    }
    Path root = Path.of(System.getProperty("bench.root")).toAbsolutePath();
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + (quick ? "-quick" : "");
    Path out = root.resolve("bench/out").resolve(stamp);
    Files.createDirectories(out);
    Bench bench = new Bench(quick, root, out, System.getProperty("bench.java"), System.getProperty("bench.python"),
        System.getProperty("bench.classpath"));

    StringBuilder head = new StringBuilder();
    head.append("## Machine and run\n\n");
    head.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
    head.append("- command: bench/run.sh ").append(String.join(" ", args)).append('\n');
    head.append("- mode: ").append(quick ? "--quick" : "full").append("; suites: ")
        .append(String.join(" ", chosen.stream().map(Suite::name).toList())).append('\n');
    head.append("- nproc: ").append(sh("nproc")).append('\n');
    head.append("- free -h:\n\n```\n").append(sh("free", "-h")).append("\n```\n\n");
    head.append("- JDK: ").append(sh(bench.java(), "-version").replace('\n', ' ')).append('\n');
    head.append("- python: ").append(sh(System.getProperty("bench.python"), "--version")).append('\n');
    head.append("- tree: ").append(sh("git", "-C", root.toString(), "rev-parse", "--short", "HEAD"))
        .append(sh("git", "-C", root.toString(), "status", "--porcelain", "src/main", "bench").isEmpty() ? "" : " (with uncommitted changes)")
        .append('\n');
    head.append("- JVM flags of the library suites' Java peers and of the service suites' clients: ").append(String.join(" ", Bench.JVM_FLAGS))
        .append(" (plus -Dasyncio.coroutines=continuations or =threads for ours)\n");
    if (chosen.stream().anyMatch(s -> SERVICE.contains(s) || ON_REQUEST.contains(s))) {
      head.append("- JVM flags of the service suites' HTTP peers (ours, bare Vert.x) and of PacedLoad: ")
          .append(String.join(" ", Bench.SERVICE_JVM_FLAGS)).append(" (conf/jvm.options: ")
          .append(String.join(" ", Bench.argumentFile(root.resolve("conf/jvm.options")))).append(")\n");
      head.append("- node: ").append(sh("node", "--version")).append("; wrk: ")
          .append(sh("wrk", "-v").lines().findFirst().orElse("?")).append('\n');
    }
    head.append("- load average at start: ").append(loadavg()).append('\n');
    head.append("- output of every process: ").append(root.relativize(out)).append('\n');
    Bench.progress(head.toString());

    long t0 = System.nanoTime();
    List<String> failures = new ArrayList<>();
    for (Suite s : chosen) {
      Bench.progress("== suite " + s.name() + ": " + s.about() + " (load " + loadavg() + ")");
      long s0 = System.nanoTime();
      bench.enter(s.name());
      try {
        s.run(bench);
      } catch (Exception e) {
        failures.add(s.name() + ": " + e);
        Bench.progress("  FAILED: " + e);
      }
      Bench.progress(String.format("== suite %s took %.0f s", s.name(), (System.nanoTime() - s0) / 1e9));
    }
    double total = (System.nanoTime() - t0) / 1e9;
    head.append("- load average at end: ").append(loadavg()).append('\n');
    head.append(String.format("- suites took %.0f s in all%n", total));

    String summary = head + "\n" + Report.render(bench, failures);
    System.out.print(summary);
    System.out.flush();
    Files.writeString(out.resolve("summary.md"), summary);
    Bench.progress("bench: summary written to " + out.resolve("summary.md"));
    System.exit(failures.isEmpty() ? 0 : 1);
  }

  private static void usage() {
    System.err.println("usage: bench/run.sh [--quick] [suite...]   (see BENCHMARKS.md)");
    System.err.println("groups: library (" + String.join(" ", LIBRARY.stream().map(Suite::name).toList()) + "), service ("
        + String.join(" ", SERVICE.stream().map(Suite::name).toList()) + ")");
    System.err.println("suites:");
    for (Suite s : SUITES) {
      System.err.printf("  %-9s %s%n", s.name(), s.about());
    }
    System.err.println("only when named:");
    for (Suite s : ON_REQUEST) {
      System.err.printf("  %-9s %s%n", s.name(), s.about());
    }
  }

  static String loadavg() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  /** The output of a short command, trimmed; "?" if it fails. */
  static String sh(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor(30, TimeUnit.SECONDS);
      return s;
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  /** Four significant digits, never in exponent form. */
  static String num(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "NA";
    }
    return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }

  static String fmt(String pattern, Object... a) {
    return String.format(Locale.ROOT, pattern, a);
  }
}
