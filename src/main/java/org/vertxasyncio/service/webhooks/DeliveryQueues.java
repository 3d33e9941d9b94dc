package org.vertxasyncio.service.webhooks;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Which webhook attempts may start now: one queue per endpoint (a webhook URL), each with at most
 * {@code perEndpoint} attempts in progress, and at most {@code perHost} in progress to one host (scheme,
 * name and port: what shares the HTTP client's connection pool, which is sized for it). An attempt that
 * cannot start waits in its endpoint's queue, in order; waiting is not part of the attempt (its time,
 * its timeouts and its number start when it starts). A slow or dead endpoint fills only its own slots,
 * so deliveries to other endpoints, on the same host too, go on; endpoints held back by the host's limit
 * take turns.
 *
 * <p>Thread-safe: {@link #submit} and {@link #release} may be called on any thread; a queued attempt
 * starts on the executor it was submitted with (its task loop's Vert.x context), never inside the call.
 */
final class DeliveryQueues {
  private final int perEndpoint;
  private final int perHost;
  private final Map<String, Lane> lanes = new HashMap<>();
  private final Map<String, Host> hosts = new HashMap<>();
  private boolean closed;

  /** One endpoint: its attempts in progress and those waiting, in order. */
  private static final class Lane {
    final String endpoint;
    final Host host;
    final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    int active;
    /** Whether the lane is in its host's turn list. */
    boolean listed;

    Lane(String endpoint, Host host) {
      this.endpoint = endpoint;
      this.host = host;
    }
  }

  /** One host: its attempts in progress, and the lanes that have an attempt waiting and a free slot of their own. */
  private static final class Host {
    final String key;
    final ArrayDeque<Lane> turns = new ArrayDeque<>();
    int active;
    int lanes;

    Host(String key) {
      this.key = key;
    }
  }

  private record Waiter(Executor executor, Runnable start) {
  }

  DeliveryQueues(int perEndpoint, int perHost) {
    if (perEndpoint < 1 || perHost < 1) {
      throw new IllegalArgumentException("limits must be at least 1");
    }
    this.perEndpoint = perEndpoint;
    this.perHost = perHost;
  }

  /**
   * The host of {@code url} as the connection pool sees it ({@code scheme://name:port}), or the URL itself
   * when it cannot be parsed (its attempt will be refused at once).
   */
  static String hostOf(String url) {
    try {
      URI u = new URI(url);
      String scheme = u.getScheme().toLowerCase(Locale.ROOT);
      int port = u.getPort() > 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
      return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + port;
    } catch (Exception e) {
      return url;
    }
  }

  /**
   * Starts {@code start} on {@code executor} once {@code endpoint} (on host {@link #hostOf}) has a free
   * slot; the caller must {@link #release} it when the attempt has ended. Nothing starts once closed.
   */
  void submit(String endpoint, Executor executor, Runnable start) {
    List<Waiter> ready;
    synchronized (this) {
      if (closed) {
        return;
      }
      Lane lane = lanes.get(endpoint);
      if (lane == null) {
        String key = hostOf(endpoint);
        Host host = hosts.computeIfAbsent(key, Host::new);
        host.lanes++;
        lane = new Lane(endpoint, host);
        lanes.put(endpoint, lane);
      }
      lane.waiting.add(new Waiter(executor, start));
      list(lane);
      ready = pump(lane.host);
    }
    run(ready);
  }

  /** Frees the slot of an attempt to {@code endpoint} that has ended; the next waiting attempts start. */
  void release(String endpoint) {
    List<Waiter> ready;
    synchronized (this) {
      Lane lane = lanes.get(endpoint);
      if (lane == null || lane.active == 0) {
        throw new IllegalStateException("no attempt in progress to " + endpoint);
      }
      lane.active--;
      lane.host.active--;
      list(lane);
      ready = pump(lane.host);
      forgetIfIdle(lane);
    }
    run(ready);
  }

  /** Attempts waiting for a slot, over every endpoint. */
  synchronized int waiting() {
    int n = 0;
    for (Lane l : lanes.values()) {
      n += l.waiting.size();
    }
    return n;
  }

  /** Attempts in progress, over every endpoint. */
  synchronized int active() {
    int n = 0;
    for (Host h : hosts.values()) {
      n += h.active;
    }
    return n;
  }

  /** Drops every waiting attempt; nothing starts any more. */
  synchronized void close() {
    closed = true;
    for (Lane l : lanes.values()) {
      l.waiting.clear();
    }
  }

  private void list(Lane lane) {
    if (!lane.listed && !lane.waiting.isEmpty() && lane.active < perEndpoint) {
      lane.listed = true;
      lane.host.turns.add(lane);
    }
  }

  /** Takes as many waiting attempts of {@code host} as it has room for, one lane after another. */
  private List<Waiter> pump(Host host) {
    List<Waiter> ready = new ArrayList<>();
    while (host.active < perHost && !host.turns.isEmpty()) {
      Lane lane = host.turns.poll();
      lane.listed = false;
      if (lane.waiting.isEmpty() || lane.active >= perEndpoint) {
        continue;
      }
      ready.add(lane.waiting.poll());
      lane.active++;
      host.active++;
      list(lane);
    }
    return ready;
  }

  private void forgetIfIdle(Lane lane) {
    if (lane.active == 0 && lane.waiting.isEmpty()) {
      lanes.remove(lane.endpoint);
      if (--lane.host.lanes == 0) {
        hosts.remove(lane.host.key);
      }
    }
  }

  private static void run(List<Waiter> ready) {
    for (Waiter w : ready) {
      w.executor().execute(w.start());
    }
  }
}
