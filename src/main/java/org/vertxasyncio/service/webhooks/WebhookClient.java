package org.vertxasyncio.service.webhooks;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * One webhook POST, made safely: the target is checked by the {@link WebhookGuard} (resolved once, every
 * address checked) and the connection goes to the checked address, with the URL's host name kept for
 * the {@code Host} header, TLS SNI and certificate verification; redirects are not followed; the
 * connect time is bounded, and the exchange from the moment the request is sent; at most {@code webhook.response.max} bytes of the
 * answer are read, then the connection is closed.
 *
 * <p>TLS: the connection's peer host is the URL's host name, so the JDK sends it as SNI and verifies the
 * certificate against it (a literal address is not sent as SNI).
 *
 * <p>The connection pool holds {@code poolSize} connections per host (address, port and name): callers
 * keep fewer requests than that in progress to one host ({@link DeliveryQueues}), so a request never
 * waits for a pooled connection, and the connect timeout is only ever the time to connect.
 *
 * <p>Threads: {@link #post} may be called on any Vert.x context; the outcome completes on it.
 */
public final class WebhookClient {
  /**
   * How an attempt ended: an HTTP status (with the {@code Retry-After} header, if any), or an error;
   * {@code refused} when the guard refused the target (no connection was made; retrying would not help).
   */
  public record Outcome(Integer status, String retryAfter, String error, boolean refused) {
    static Outcome answered(int status, String retryAfter) {
      return new Outcome(status, retryAfter, null, false);
    }

    static Outcome failed(String error) {
      return new Outcome(null, null, error, false);
    }

    static Outcome refusedBy(String reason) {
      return new Outcome(null, null, reason, true);
    }
  }

  private static final int RESOLVER_THREADS = 4;

  private final Vertx vertx;
  private final HttpClient client;
  /** Name lookups block: they get a few threads of their own, so slow DNS cannot starve anything else. */
  private final WorkerExecutor resolverThreads;
  private final WebhookGuard guard;
  private final long connectTimeoutMs;
  private final long requestTimeoutMs;
  private final long responseMax;

  /**
   * @param poolSize connections kept per host at most; more than the requests the caller has in progress to
   *     one host (a connection being closed still counts for a moment)
   */
  public WebhookClient(Vertx vertx, WebhookGuard guard, double connectTimeout, double requestTimeout, int responseMax,
      int poolSize) {
    this.vertx = vertx;
    this.guard = guard;
    this.connectTimeoutMs = millis(connectTimeout);
    this.requestTimeoutMs = millis(requestTimeout);
    this.responseMax = responseMax;
    this.resolverThreads = vertx.createSharedWorkerExecutor("webhook-resolver", RESOLVER_THREADS);
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) connectTimeoutMs)
        // a pooled connection idle this long is closed; a second more than the request timeout, which ends
        // a silent exchange first, with its own error
        .setIdleTimeout((int) Math.ceil(requestTimeout) + 1)
        .setKeepAlive(true)
        .setVerifyHost(true)
        .setMaxRedirects(0)
        .setMaxHeaderSize(16 * 1024)
        .setDecompressionSupported(false), new PoolOptions().setHttp1MaxSize(poolSize));
  }

  private static long millis(double seconds) {
    return Math.max(1, Math.round(seconds * 1000));
  }

  /** POSTs {@code body} with {@code headers} to {@code url}. Never fails: the outcome says what happened. */
  public Future<Outcome> post(String url, MultiMap headers, Buffer body) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (Exception e) {
      return Future.succeededFuture(Outcome.refusedBy("refused: not a valid URL"));
    }
    String why = guard.checkUrl(url);
    if (why != null) {
      return Future.succeededFuture(Outcome.refusedBy("refused: the URL " + why));
    }
    boolean https = uri.getScheme().equalsIgnoreCase("https");
    int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
    String host = WebhookGuard.normalHost(uri.getHost());
    Future<WebhookGuard.Target> checked = resolverThreads.executeBlocking(() -> guard.check(host), false);
    return checked.transform(ar -> {
      if (ar.failed()) {
        Throwable t = ar.cause();
        if (t instanceof WebhookGuard.Refused r) {
          return Future.succeededFuture(Outcome.refusedBy(r.getMessage()));
        }
        if (t instanceof UnknownHostException) {
          return Future.succeededFuture(Outcome.failed("cannot resolve " + host));
        }
        return Future.succeededFuture(Outcome.failed("cannot resolve " + host + ": " + t.getMessage()));
      }
      return send(ar.result(), uri, https, port, headers, body);
    });
  }

  private Future<Outcome> send(WebhookGuard.Target target, URI uri, boolean https, int port, MultiMap headers, Buffer body) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    String hostHeader = target.host().contains(":") ? "[" + target.host() + "]" : target.host();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        // connect to the checked address; the name stays for Host, SNI and certificate checks
        .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(target.address(), port)))
        .setHost(hostHeader)
        .setPort(port)
        .setSsl(https)
        .setURI(path)
        .setFollowRedirects(false)
        .setConnectTimeout(connectTimeoutMs)
        .setHeaders(MultiMap.caseInsensitiveMultiMap().addAll(headers));
    Promise<Outcome> outcome = Promise.promise();
    long[] timer = {-1};
    client.request(options).onComplete(ar -> {
      if (ar.failed()) {
        outcome.tryComplete(Outcome.failed(describe(ar.cause())));
        return;
      }
      HttpClientRequest req = ar.result();
      // connected: the request timeout runs from here, while the request is sent and answered
      timer[0] = vertx.setTimer(requestTimeoutMs, t -> {
        if (outcome.tryComplete(Outcome.failed("request timed out after " + requestTimeoutMs / 1000.0 + " s"))) {
          req.reset();
        }
      });
      req.send(body).onComplete(resp -> {
        if (resp.failed()) {
          outcome.tryComplete(Outcome.failed(describe(resp.cause())));
          return;
        }
        var r = resp.result();
        long[] read = {0};
        r.exceptionHandler(e -> outcome.tryComplete(Outcome.answered(r.statusCode(), r.getHeader("retry-after"))));
        r.handler(chunk -> {
          read[0] += chunk.length();
          if (read[0] > responseMax) {
            // enough: the status is what counts; the rest of a long answer is not read
            outcome.tryComplete(Outcome.answered(r.statusCode(), r.getHeader("retry-after")));
            req.reset();
          }
        });
        r.endHandler(v -> outcome.tryComplete(Outcome.answered(r.statusCode(), r.getHeader("retry-after"))));
      });
    });
    return outcome.future().onComplete(ar -> vertx.cancelTimer(timer[0]));
  }

  static String describe(Throwable t) {
    String m = t.getMessage();
    String type = t.getClass().getSimpleName();
    if (type.equals("NoStackTraceThrowable") || type.equals("VertxException")) {
      return m;
    }
    if (type.equals("ConnectTimeoutException")) {
      return "connect timed out";
    }
    if (m != null && m.toLowerCase(Locale.ROOT).contains("connection refused")) {
      return "connection refused";
    }
    return m == null ? type : type + ": " + m;
  }

  public void close() {
    client.close();
    resolverThreads.close();
  }
}
