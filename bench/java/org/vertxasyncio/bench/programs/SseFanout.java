package org.vertxasyncio.bench.programs;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * SSE fan-out: {@code subscribers} clients of {@code GET /events}, and {@code tasks} task completions
 * spread evenly at {@code rate} per second. Checks that every subscriber gets every event, and measures
 * the delivery lag of each {@code task.done} event at each subscriber: the time it arrived minus the
 * {@code doneAt} the service wrote in it (its record's done callback; millisecond precision, so a lag
 * reads up to 1 ms long).
 *
 * <p>Order, so that the streams carry the completions and nothing else: the tasks are made first (plain
 * {@code POST /tasks} sleeps, task {@code i} due at {@code start + lead + i / rate}, its seconds computed
 * when it is sent), then the subscribers connect (each waits for the stream's {@code : connected ...
 * last event id N} comment), and only then do the first tasks finish (the program fails if the
 * subscribers were not all connected by then). Each completion is two events, {@code callback.fired}
 * and {@code task.done}.
 *
 * <p>A subscriber has every event when the ids it got run from {@code N + 1} without a gap and it got the
 * {@code task.done} of each of the tasks. {@code java ... SseFanout <host> <port> <subscribers> <tasks>
 * <rate/s> <lead s> <time limit s>} prints {@code subscribers_complete}, {@code subscribers_dropped} (streams the service
 * ended), {@code id_gaps}, {@code done_missing} (task.done events not received, over all subscribers),
 * {@code events_per_subscriber}, {@code lag_p50_ms}, {@code lag_p99_ms}, {@code lag_max_ms},
 * {@code completion_rate} (as the service's doneAt values show it) and {@code cpu_s}.
 */
public final class SseFanout {
  private static final byte[] CONNECTED = ": connected".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TASK_DONE = "task.done".getBytes(StandardCharsets.US_ASCII);
  /** Lag histogram: 0.1 ms buckets up to 120 s. */
  private static final int BUCKETS = 1_200_000;

  private final Map<String, Integer> index = new HashMap<>();
  private final List<Subscriber> subs = java.util.Collections.synchronizedList(new ArrayList<>());
  private long[] doneAtMs;
  private final AtomicLongArray lag = new AtomicLongArray(BUCKETS + 1);
  private final AtomicInteger complete = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();
  private final AtomicInteger gaps = new AtomicInteger();
  private CountDownLatch allComplete;
  private CountDownLatch allConnected;
  private int tasks;

  private SseFanout() {
  }

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    int subscribers = Integer.parseInt(args[2]);
    int tasks = Probe.intArg(args[3]);
    double rate = Double.parseDouble(args[4]);
    double lead = Double.parseDouble(args[5]);
    double limit = Double.parseDouble(args[6]);
    try {
      new SseFanout().run(host, port, subscribers, tasks, rate, lead, limit);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  private void run(String host, int port, int subscribers, int n, double rate, double lead, double limit) throws Exception {
    this.tasks = n;
    doneAtMs = new long[n];
    java.util.Arrays.fill(doneAtMs, Long.MIN_VALUE);
    allComplete = new CountDownLatch(subscribers);
    allConnected = new CountDownLatch(subscribers);
    Vertx vertx = Vertx.vertx();
    HttpClient posts = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port),
        new PoolOptions().setHttp1MaxSize(32));
    HttpClient streams = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port)
        .setIdleTimeout(0), new PoolOptions().setHttp1MaxSize(subscribers + 16));
    double cpu0 = Probe.cpuSeconds();

    // 1. the tasks, each due at start + lead + i / rate
    long start = System.nanoTime();
    String[] ids = new String[n];
    CountDownLatch made = new CountDownLatch(n);
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger nextTask = new AtomicInteger();
    for (int c = 0; c < 32; c++) {
      vertx.runOnContext(v -> postNext(posts, nextTask, ids, made, failed, start, lead, rate));
    }
    if (!made.await((long) lead, TimeUnit.SECONDS) || failed.get() > 0) {
      throw new IllegalStateException("made " + (n - made.getCount()) + " of " + n + " tasks within the head start of " + lead
          + " s (" + failed.get() + " failed): give a longer head start");
    }
    for (int i = 0; i < n; i++) {
      index.put(ids[i], i);
    }
    double madeAt = (System.nanoTime() - start) / 1e9;

    // 2. the subscribers
    for (int s = 0; s < subscribers; s++) {
      Subscriber sub = new Subscriber();
      streams.request(HttpMethod.GET, "/events").compose(req -> req.putHeader("Accept", "text/event-stream").send())
          .onSuccess(resp -> {
            if (resp.statusCode() != 200) {
              System.out.println("subscriber refused: " + resp.statusCode());
              dropped.incrementAndGet();
              return;
            }
            resp.handler(sub::feed);
            resp.endHandler(v -> sub.ended());
            resp.exceptionHandler(e -> sub.ended());
          })
          .onFailure(e -> {
            System.out.println("subscriber failed: " + e);
            dropped.incrementAndGet();
          });
    }
    long firstDue = start + (long) (lead * 1e9);
    boolean connected = allConnected.await(Math.max(0, firstDue - System.nanoTime()), TimeUnit.NANOSECONDS);
    double connectedAt = (System.nanoTime() - start) / 1e9;
    if (!connected) {
      throw new IllegalStateException((subscribers - allConnected.getCount()) + " of " + subscribers
          + " subscribers connected before the first task was due (" + lead + " s after the start; the tasks took "
          + String.format("%.1f", madeAt) + " s): give a longer lead");
    }
    System.out.printf("tasks made in %.1f s, subscribers connected at %.1f s, first completion due at %.1f s%n", madeAt,
        connectedAt, lead);

    // 3. the completions
    long waitNs = (long) (limit * 1e9) - (System.nanoTime() - start);
    boolean all = allComplete.await(Math.max(0, waitNs), TimeUnit.NANOSECONDS);
    double took = (System.nanoTime() - start) / 1e9;
    double cpu = Probe.cpuSeconds() - cpu0;
    long missing = 0;
    long events = 0;
    for (Subscriber s : subs) {
      missing += n - s.doneSeen;
      events += s.events;
    }
    long count = 0;
    for (int i = 0; i < lag.length(); i++) {
      count += lag.get(i);
    }
    long minDone = Long.MAX_VALUE;
    long maxDone = Long.MIN_VALUE;
    int seenTasks = 0;
    for (long d : doneAtMs) {
      if (d != Long.MIN_VALUE) {
        seenTasks++;
        minDone = Math.min(minDone, d);
        maxDone = Math.max(maxDone, d);
      }
    }
    System.out.printf("%s after %.1f s: %d of %d subscribers got every event%n", all ? "done" : "TIME LIMIT", took,
        complete.get(), subscribers);
    Probe.metric("subscribers", subscribers);
    Probe.metric("subscribers_complete", complete.get());
    Probe.metric("subscribers_dropped", dropped.get());
    Probe.metric("id_gaps", gaps.get());
    Probe.metric("done_missing", missing + (long) (subscribers - subs.size()) * n);
    Probe.metric("events_per_subscriber", subs.isEmpty() ? 0 : (double) events / subs.size());
    Probe.metric("lag_p50_ms", pct(count, 0.50));
    Probe.metric("lag_p99_ms", pct(count, 0.99));
    Probe.metric("lag_max_ms", pct(count, 1.0));
    Probe.metric("completion_rate", maxDone > minDone ? (seenTasks - 1) / ((maxDone - minDone) / 1000.0) : Double.NaN);
    Probe.metric("elapsed_s", took);
    Probe.metric("cpu_s", cpu);
    System.exit(0);
  }

  private void postNext(HttpClient posts, AtomicInteger next, String[] ids, CountDownLatch made, AtomicInteger failed,
      long start, double lead, double rate) {
    int i = next.getAndIncrement();
    if (i >= ids.length) {
      return;
    }
    long due = start + (long) ((lead + i / rate) * 1e9);
    double seconds = Math.max(0, (due - System.nanoTime()) / 1e9);
    String body = "{\"kind\":\"sleep\",\"seconds\":" + seconds + "}";
    posts.request(HttpMethod.POST, "/tasks")
        .compose(req -> req.putHeader("Content-Type", "application/json").send(body)
            .compose(resp -> resp.body().map(b -> {
              if (resp.statusCode() != 201) {
                throw new IllegalStateException("POST /tasks answered " + resp.statusCode() + ": " + b);
              }
              return new JsonObject(b).getString("id");
            })))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            ids[i] = ar.result();
          } else {
            System.out.println("task " + i + " failed: " + ar.cause());
            failed.incrementAndGet();
          }
          made.countDown();
          postNext(posts, next, ids, made, failed, start, lead, rate);
        });
  }

  private double pct(long count, double q) {
    if (count == 0) {
      return Double.NaN;
    }
    long want = Math.max(1, (long) Math.ceil(q * count));
    long seen = 0;
    for (int i = 0; i < lag.length(); i++) {
      seen += lag.get(i);
      if (seen >= want) {
        return i / 10.0;
      }
    }
    return Double.NaN;
  }

  /** One stream: an incremental SSE parser, and what it got. Runs on its connection's event-loop thread. */
  private final class Subscriber {
    private final BitSet seen = new BitSet();
    private byte[] carry = new byte[0];
    private long lastId = -1;
    private boolean connected;
    private boolean done;
    private boolean isDone;
    private String data;
    private long id = -1;
    int doneSeen;
    long events;

    Subscriber() {
      subs.add(this);
    }

    void feed(Buffer b) {
      long nowUs = nowMicros();
      byte[] bytes = carry.length == 0 ? b.getBytes() : concat(carry, b.getBytes());
      int from = 0;
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] == '\n') {
          line(bytes, from, i, nowUs);
          from = i + 1;
        }
      }
      carry = from == bytes.length ? new byte[0] : java.util.Arrays.copyOfRange(bytes, from, bytes.length);
    }

    private void line(byte[] b, int from, int to, long nowUs) {
      int len = to - from;
      if (len == 0) {
        dispatch(nowUs);
        return;
      }
      if (b[from] == ':') {
        if (!connected && startsWith(b, from, CONNECTED)) {
          // ": connected, stream S, last event id N"
          String text = new String(b, from, len, StandardCharsets.US_ASCII);
          lastId = Long.parseLong(text.substring(text.lastIndexOf(' ') + 1).trim());
          connected = true;
          allConnected.countDown();
        }
        return;
      }
      // only what the checks need is decoded: the id, whether the event is a task.done, and a task.done's data
      // (the service writes "id", "event", then "data" for each event); every other line is skipped as bytes
      if (startsWith(b, from, ID)) {
        long v = 0;
        for (int i = from + ID.length; i < to; i++) {
          v = v * 10 + (b[i] - '0');
        }
        id = v;
      } else if (startsWith(b, from, EVENT)) {
        isDone = len == EVENT.length + TASK_DONE.length && startsWith(b, from + EVENT.length, TASK_DONE);
      } else if (isDone && startsWith(b, from, DATA)) {
        data = new String(b, from + DATA.length, len - DATA.length, StandardCharsets.UTF_8);
      }
    }

    private void dispatch(long nowUs) {
      if (id < 0) {
        return;
      }
      events++;
      if (lastId >= 0 && id != lastId + 1) {
        gaps.incrementAndGet();
      }
      lastId = id;
      if (isDone && data != null) {
        String taskId = field(data, "\"id\":\"");
        Integer i = taskId == null ? null : index.get(taskId);
        if (i != null && !seen.get(i)) {
          seen.set(i);
          doneSeen++;
          long doneAt = doneAtMs[i];
          if (doneAt == Long.MIN_VALUE) {
            doneAt = Instant.parse(field(data, "\"doneAt\":\"")).toEpochMilli();
            doneAtMs[i] = doneAt;
          }
          long tenths = Math.max(0, (nowUs - doneAt * 1000) / 100);
          lag.incrementAndGet((int) Math.min(BUCKETS, tenths));
          if (doneSeen == tasks && !done) {
            done = true;
            complete.incrementAndGet();
            allComplete.countDown();
          }
        }
      }
      id = -1;
      isDone = false;
      data = null;
    }

    void ended() {
      if (!done) {
        dropped.incrementAndGet();
        done = true;
        allComplete.countDown();
      }
    }
  }

  private static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }

  private static String field(String json, String key) {
    int k = json.indexOf(key);
    if (k < 0) {
      return null;
    }
    int s = k + key.length();
    int e = json.indexOf('"', s);
    return e < 0 ? null : json.substring(s, e);
  }

  private static boolean startsWith(byte[] b, int from, byte[] prefix) {
    if (b.length - from < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[from + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
