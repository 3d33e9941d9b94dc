package org.vertxasyncio.bench.programs;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load at a fixed rate, for the latency of a server at a given share of its capacity (wrk
 * is closed-loop: it sends the next request when an answer comes, so a slow answer lowers the load it
 * measures instead of showing up as latency).
 *
 * <p>Request {@code k} is due at {@code t0 + k / rate}, whatever the answers take. Each of
 * {@code connections} keep-alive HTTP/1.1 connections has a thread that takes the next due request,
 * waits until its due time, sends it and reads the answer; when every connection is busy, due requests
 * wait for one to be free. A request's latency runs from its <em>due</em> time to the end of its answer,
 * so time spent waiting for a connection counts (as wrk2 counts it: no coordinated omission). The first
 * {@code warm-up} seconds are not recorded.
 *
 * <p>{@code java ... PacedLoad <host> <port> <POST|GET> <path> <body or -> <rate/s> <connections>
 * <warm-up s> <seconds>} prints, for the measured window: {@code rate_target}, {@code rate_sent}
 * (requests sent per second), {@code rate_answered} (answers per second), {@code p50_ms}, {@code p90_ms},
 * {@code p99_ms}, {@code max_ms}, {@code send_slip_p99_ms} (how late sends left, due to send: the
 * generator's own delay plus waiting for a connection), {@code errors} (answers other than 2xx, and
 * failed connections), {@code cpu_s} (this process), {@code window_start_ms} and {@code window_end_ms} (the
 * measured window, as Unix epoch milliseconds: what a server's GC log is matched against).
 */
public final class PacedLoad {
  private PacedLoad() {
  }

  /** What one connection's thread measured. */
  private static final class Lane {
    long[] latency = new long[1 << 14];
    long[] slip = new long[1 << 14];
    int n;
    long sentInWindow;
    long answeredInWindow;
    long errors;
    String firstError;

    void add(long lat, long sl) {
      if (n == latency.length) {
        latency = Arrays.copyOf(latency, n * 2);
        slip = Arrays.copyOf(slip, n * 2);
      }
      latency[n] = lat;
      slip[n] = sl;
      n++;
    }
  }

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String method = args[2];
    String path = args[3];
    String body = args[4].equals("-") ? null : args[4];
    double rate = Double.parseDouble(args[5]);
    int connections = Integer.parseInt(args[6]);
    double warmup = Double.parseDouble(args[7]);
    double seconds = Double.parseDouble(args[8]);

    StringBuilder req = new StringBuilder();
    req.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(host).append(':').append(port).append("\r\n");
    byte[] bodyBytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      req.append("Content-Type: application/json\r\nContent-Length: ").append(bodyBytes.length).append("\r\n");
    }
    req.append("\r\n");
    byte[] head = req.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] request = Arrays.copyOf(head, head.length + bodyBytes.length);
    System.arraycopy(bodyBytes, 0, request, head.length, bodyBytes.length);

    double intervalNs = 1e9 / rate;
    long total = (long) Math.ceil((warmup + seconds) * rate);
    long epochMs = System.currentTimeMillis();
    long t0 = System.nanoTime() + 200_000_000L; // connections are opened meanwhile
    long t0EpochMs = epochMs + 200;
    long windowStart = t0 + (long) (warmup * 1e9);
    long windowEnd = t0 + (long) ((warmup + seconds) * 1e9);
    AtomicLong next = new AtomicLong();
    List<Lane> lanes = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    double cpu0 = Probe.cpuSeconds();
    for (int c = 0; c < connections; c++) {
      Lane lane = new Lane();
      lanes.add(lane);
      Thread t = new Thread(() -> run(host, port, request, lane, next, total, t0, intervalNs, windowStart, windowEnd),
          "paced-" + c);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double cpu = Probe.cpuSeconds() - cpu0;

    int n = 0;
    long sent = 0;
    long answered = 0;
    long errors = 0;
    String firstError = null;
    for (Lane l : lanes) {
      n += l.n;
      sent += l.sentInWindow;
      answered += l.answeredInWindow;
      errors += l.errors;
      if (firstError == null) {
        firstError = l.firstError;
      }
    }
    long[] lat = new long[n];
    long[] slip = new long[n];
    int i = 0;
    for (Lane l : lanes) {
      System.arraycopy(l.latency, 0, lat, i, l.n);
      System.arraycopy(l.slip, 0, slip, i, l.n);
      i += l.n;
    }
    Arrays.sort(lat);
    Arrays.sort(slip);
    Probe.metric("rate_target", rate);
    Probe.metric("rate_sent", sent / seconds);
    Probe.metric("rate_answered", answered / seconds);
    Probe.metric("requests", n);
    Probe.metric("p50_ms", rank(lat, 0.50) / 1e6);
    Probe.metric("p90_ms", rank(lat, 0.90) / 1e6);
    Probe.metric("p99_ms", rank(lat, 0.99) / 1e6);
    Probe.metric("max_ms", n == 0 ? Double.NaN : lat[n - 1] / 1e6);
    Probe.metric("send_slip_p99_ms", rank(slip, 0.99) / 1e6);
    Probe.metric("errors", errors);
    Probe.metric("cpu_s", cpu);
    Probe.metric("window_start_ms", t0EpochMs + (long) (warmup * 1000));
    Probe.metric("window_end_ms", t0EpochMs + (long) ((warmup + seconds) * 1000));
    if (firstError != null) {
      System.out.println("first error: " + firstError);
    }
    System.exit(0);
  }

  private static double rank(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static void run(String host, int port, byte[] request, Lane lane, AtomicLong next, long total, long t0,
      double intervalNs, long windowStart, long windowEnd) {
    Socket socket = null;
    InputStream in = null;
    OutputStream out = null;
    while (true) {
      long k = next.getAndIncrement();
      if (k >= total) {
        break;
      }
      long due = t0 + (long) (k * intervalNs);
      long now;
      while ((now = System.nanoTime()) < due) {
        LockSupport.parkNanos(due - now);
      }
      boolean inWindow = due >= windowStart && due < windowEnd;
      try {
        if (socket == null) {
          socket = new Socket();
          socket.setTcpNoDelay(true);
          socket.connect(new InetSocketAddress(host, port), 5000);
          socket.setSoTimeout(30_000);
          in = new BufferedInputStream(socket.getInputStream(), 16384);
          out = socket.getOutputStream();
        }
        long sent = System.nanoTime();
        out.write(request);
        out.flush();
        int status = readResponse(in);
        long end = System.nanoTime();
        if (inWindow) {
          lane.add(end - due, sent - due);
          lane.sentInWindow++;
          if (end < windowEnd) {
            lane.answeredInWindow++;
          }
        }
        int code = Math.abs(status);
        if (code < 200 || code > 299) {
          lane.errors++;
          if (lane.firstError == null) {
            lane.firstError = "status " + code;
          }
        }
        if (status < 0) { // the server closed the connection: open another
          socket.close();
          socket = null;
        }
      } catch (IOException e) {
        lane.errors++;
        if (lane.firstError == null) {
          lane.firstError = String.valueOf(e);
        }
        try {
          if (socket != null) {
            socket.close();
          }
        } catch (IOException ignored) {
          // closing a broken socket
        }
        socket = null;
      }
    }
    try {
      if (socket != null) {
        socket.close();
      }
    } catch (IOException ignored) {
      // done anyway
    }
  }

  /**
   * Reads one HTTP/1.1 answer with a {@code Content-Length} and returns its status, negated if the server
   * said {@code Connection: close}.
   */
  private static int readResponse(InputStream in) throws IOException {
    String statusLine = readLine(in);
    if (statusLine == null) {
      throw new IOException("connection closed by the server");
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    long length = -1;
    boolean close = false;
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("content-length")) {
        length = Long.parseLong(value);
      } else if (name.equalsIgnoreCase("connection") && value.equalsIgnoreCase("close")) {
        close = true;
      } else if (name.equalsIgnoreCase("transfer-encoding")) {
        throw new IOException("chunked answers are not supported: " + line);
      }
    }
    if (length < 0) {
      throw new IOException("an answer without Content-Length: " + statusLine);
    }
    in.skipNBytes(length);
    return close ? -status : status;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder(64);
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') {
          sb.setLength(len - 1);
        }
        return sb.toString();
      }
      sb.append((char) c);
    }
    return sb.length() == 0 ? null : sb.toString();
  }
}
