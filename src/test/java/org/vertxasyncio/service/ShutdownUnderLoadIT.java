package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vertxasyncio.testing.Postgres;

/**
 * SIGTERM to {@code java -jar target/vertx-asyncio.jar} while clients keep submitting tasks and
 * long-polling over keep-alive connections, with a webhook delivery hanging on a silent receiver: every
 * response that began is whole (none cut mid-response), new work gets 503 while draining, the process
 * exits 0 within {@code shutdown.timeout}, and after a restart on the same store every task that got a
 * 201 is there, and no task is there that did not. On the SQLite store (its file) and on the PostgreSQL
 * store (a schema of the test database), whose writer batches the commits the 201s wait for.
 */
class ShutdownUnderLoadIT {
  static final int CLIENTS = 12;
  static final double GRACE = 4;

  @TempDir
  Path dir;

  /** What the clients saw. */
  final Map<Integer, AtomicInteger> statuses = new TreeMap<>();
  final Set<String> accepted = ConcurrentHashMap.newKeySet();
  final List<String> cut = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger unanswered = new AtomicInteger();

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void sigtermDuringLoadFinishesEveryResponseAndExitsZeroWithinTheGracePeriod(String store) throws Exception {
    String schema = "postgres".equals(store) ? Postgres.newSchema() : null;
    try {
      sigtermDuringLoad(store, schema);
    } finally {
      if (schema != null) {
        Postgres.drop(schema);
      }
    }
  }

  void sigtermDuringLoad(String store, String schema) throws Exception {
    HttpServer silent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    silent.createContext("/", ex -> { /* never answers */ });
    silent.start();
    Path config = dir.resolve("config.json");
    JsonObject conf = new JsonObject().put("http.host", "127.0.0.1").put("http.port", 0).put("loops", "default")
        .put("store.path", dir.resolve("data").toString()).put("shutdown.timeout", GRACE).put("limits.pending.max", 100_000)
        .put("webhooks.allow", "127.0.0.1").put("webhook.timeout.request", 60).put("store.type", store);
    if (schema != null) {
      conf.put("store.postgres.url", Postgres.URL).put("store.postgres.schema", schema);
    }
    Files.writeString(config, conf.encodePrettily());
    Jar jar = Jar.start(config, dir.resolve("first.log"));
    try {
      int port = jar.port();
      // a webhook delivery that will still be waiting when SIGTERM comes
      String hooked = new JsonObject(exchange(port, "POST", "/tasks", new JsonObject().put("kind", "sleep").put("seconds", 0)
          .put("callbacks", new JsonArray().add(new JsonObject().put("url", "http://127.0.0.1:" + silent.getAddress().getPort() + "/")))
          .encode())[1]).getString("id");
      accepted.add(hooked);

      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int which = c;
        Thread t = new Thread(() -> client(port, which, stop), "client-" + c);
        t.start();
        clients.add(t);
      }
      Thread.sleep(2500); // the load runs a while before the SIGTERM: real time is the point
      int before = total();
      long t0 = System.nanoTime();
      jar.process.destroy(); // SIGTERM
      assertTrue(jar.process.waitFor((long) GRACE + 10, TimeUnit.SECONDS), "exited");
      double took = (System.nanoTime() - t0) / 1e9;
      stop.set(true);
      for (Thread t : clients) {
        t.join(10_000);
      }
      String log = Files.readString(jar.log);
      System.out.printf("shutdown under load (" + store + "): %d responses before SIGTERM, %d in all %s; %d requests unanswered (connection closed"
          + " before any byte); exit %d after %.2f s%n", before, total(), statuses, unanswered.get(), jar.process.exitValue(), took);
      assertEquals(0, jar.process.exitValue(), log);
      assertTrue(took < GRACE + 3, "exited " + took + " s after SIGTERM; the grace period is " + GRACE + " s");
      assertTrue(cut.isEmpty(), cut.size() + " responses cut mid-way: " + cut.subList(0, Math.min(5, cut.size())));
      assertTrue(before > 20, "there was load: " + before);
      assertTrue(statuses.keySet().stream().allMatch(s -> s == 200 || s == 201 || s == 503), "statuses " + statuses);
      assertTrue(log.contains("shutdown complete"), log);
    } finally {
      jar.kill();
      silent.stop(0);
    }

    // the same store, again: every task that got its 201 is there, and only those
    Jar again = Jar.start(config, dir.resolve("second.log"));
    try {
      int port = again.port();
      Set<String> held = new HashSet<>();
      String cursor = null;
      do {
        JsonObject page = new JsonObject(exchange(port, "GET", "/tasks?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor), null)[1]);
        page.getJsonArray("tasks").forEach(o -> held.add(((JsonObject) o).getString("id")));
        cursor = page.getString("nextCursor");
      } while (cursor != null);
      Set<String> lost = new HashSet<>(accepted);
      lost.removeAll(held);
      Set<String> unannounced = new HashSet<>(held);
      unannounced.removeAll(accepted);
      assertTrue(lost.isEmpty(), lost.size() + " accepted tasks lost, e.g. " + lost.stream().limit(3).toList());
      assertTrue(unannounced.isEmpty(), unannounced.size() + " tasks stored whose 201 nobody received, e.g. "
          + unannounced.stream().limit(3).toList());
    } finally {
      again.process.destroy();
      again.process.waitFor(20, TimeUnit.SECONDS);
      again.kill();
    }
  }

  int total() {
    synchronized (statuses) {
      return statuses.values().stream().mapToInt(AtomicInteger::get).sum();
    }
  }

  /** One client: keep-alive requests until the server is gone; a new connection after each close. */
  void client(int port, int which, AtomicBoolean stop) {
    int n = 0;
    while (!stop.get()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(20_000);
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        while (!stop.get()) {
          n++;
          String[] req = switch ((which + n) % 4) {
            case 0 -> new String[] {"POST", "/tasks?wait=2", "{\"kind\":\"sleep\",\"seconds\":0.3}"};
            case 1 -> new String[] {"GET", "/tasks?limit=5", null};
            default -> new String[] {"POST", "/tasks", "{\"kind\":\"sleep\",\"seconds\":0.05,\"result\":" + n + "}"};
          };
          out.write(request(req[0], req[1], req[2]));
          out.flush();
          Response r = read(in);
          if (r == null) {
            unanswered.incrementAndGet();
            break; // closed before any byte: the request was not taken; a new connection
          }
          if (!r.complete) {
            cut.add(req[0] + " " + req[1] + " -> " + r.head);
            break;
          }
          synchronized (statuses) {
            statuses.computeIfAbsent(r.status, k -> new AtomicInteger()).incrementAndGet();
          }
          if (r.status == 201) {
            accepted.add(new JsonObject(r.body).getString("id"));
          }
          if (r.head.toLowerCase().contains("connection: close")) {
            break;
          }
        }
      } catch (java.net.ConnectException e) {
        return; // the server is gone
      } catch (IOException e) {
        // a reset between responses: nothing was cut (a cut shows as an incomplete response above)
        unanswered.incrementAndGet();
      }
    }
  }

  static byte[] request(String method, String path, String body) {
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n") + "\r\n";
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
    o.writeBytes(b);
    return o.toByteArray();
  }

  record Response(int status, String head, String body, boolean complete) {
  }

  /** One response; null if the connection ended before its first byte. */
  static Response read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!endsWithBlankLine(head)) {
      int c;
      try {
        c = in.read();
      } catch (java.net.SocketException e) {
        c = -1;
      }
      if (c < 0) {
        return head.size() == 0 ? null : new Response(0, head.toString(StandardCharsets.ISO_8859_1), "", false);
      }
      head.write(c);
    }
    String h = head.toString(StandardCharsets.ISO_8859_1);
    Matcher sm = Pattern.compile("^HTTP/1\\.1 (\\d{3})").matcher(h);
    Matcher lm = Pattern.compile("(?i)content-length: *(\\d+)").matcher(h);
    int status = sm.find() ? Integer.parseInt(sm.group(1)) : 0;
    int length = lm.find() ? Integer.parseInt(lm.group(1)) : 0;
    byte[] body = new byte[length];
    int got = 0;
    while (got < length) {
      int k;
      try {
        k = in.read(body, got, length - got);
      } catch (java.net.SocketException e) {
        k = -1;
      }
      if (k < 0) {
        return new Response(status, h, "", false);
      }
      got += k;
    }
    return new Response(status, h, new String(body, StandardCharsets.UTF_8), status != 0);
  }

  static boolean endsWithBlankLine(ByteArrayOutputStream b) {
    byte[] a = b.toByteArray();
    int n = a.length;
    return n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n';
  }

  /** One request on its own connection: status and body. */
  static String[] exchange(int port, String method, String path, String body) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      s.getOutputStream().write(request(method, path, body));
      Response r = read(s.getInputStream());
      if (r == null || !r.complete) {
        throw new IOException(method + " " + path + ": no whole answer");
      }
      return new String[] {Integer.toString(r.status), r.body};
    }
  }

  /** The service jar, run as a separate process. */
  record Jar(Process process, Path log) {
    static Jar start(Path config, Path log, String... jvmArgs) throws IOException {
      String jar = System.getProperty("app.jar", "target/vertx-asyncio.jar");
      assertTrue(Files.isRegularFile(Path.of(jar)), "no jar at " + jar + " (run mvn verify)");
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of(jvmArgs));
      cmd.addAll(List.of("-jar", jar, config.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().remove("JDK_JAVA_OPTIONS");
      return new Jar(pb.start(), log);
    }

    /** The port from the "listening on" line, once the service is ready. */
    int port() throws Exception {
      Pattern listening = Pattern.compile("listening on http://[^:]+:(\\d+)");
      // -1: the service exited without saying
      int port = eventually("the service says where it listens", Duration.ofSeconds(60), () -> {
        Matcher m = listening.matcher(Files.exists(log) ? Files.readString(log) : "");
        if (m.find()) {
          return Integer.valueOf(m.group(1));
        }
        return process.isAlive() ? null : Integer.valueOf(-1);
      }, p -> p != null);
      if (port < 0) {
        throw new AssertionError("the service exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      eventually("the service is ready", Duration.ofSeconds(60), () -> exchange(port, "GET", "/ready", null)[0].equals("200"));
      return port;
    }

    void kill() {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }
}
