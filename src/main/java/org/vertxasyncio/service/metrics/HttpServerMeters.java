package org.vertxasyncio.service.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MetricsNaming;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server's meters, with the names, tags, descriptions and values vertx-micrometer-metrics 5.0.7 gives
 * them ({@code vertx_http_server_requests_total}, {@code _response_time_seconds}, {@code _response_bytes},
 * {@code _request_bytes}, {@code _request_resets_total}, {@code _bytes_read_total}, {@code _bytes_written_total},
 * {@code _errors_total}), kept at a lower cost per request: each meter is found once per combination of its
 * tags' values and kept, where vertx-micrometer-metrics builds an id, merges tags and looks the meter up in the
 * registry for each of the four meters a request touches, and registers (and the service's filter then
 * denies) an active-requests gauge per request.
 *
 * <p>The gauges vertx-micrometer-metrics registers per connection and per request ({@link
 * ServiceMetrics#VERTX_REREGISTERED_GAUGES}) are not kept: the service's filter denies them, and its own
 * {@code asyncio_http_connections} and {@code asyncio_http_requests_active} count the same.
 *
 * <p>Labels: the HTTP method, code and route, those of them the options enable, and the exception's class
 * on the errors counter; {@link #supports} says whether a set of options asks for nothing else (a local or
 * remote address, the path, tags of the caller's own), and only such options are served here.
 *
 * <p>Threading: called on the HTTP server's event loops; the meters found are kept in concurrent maps, and
 * a request's own state is touched by the loop of its connection only.
 */
final class HttpServerMeters implements HttpServerMetrics<HttpServerMeters.Request, Void, Object> {
  /** The labels this class knows how to set; options with any other enabled for the HTTP server are not served here. */
  private static final Set<Label> HANDLED = EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.CLASS_NAME);
  /** Labels of other domains, which do not touch the HTTP server's meters. */
  private static final Set<Label> OTHER_DOMAINS = EnumSet.of(Label.POOL_TYPE, Label.POOL_NAME, Label.EB_ADDRESS,
      Label.EB_SIDE, Label.EB_FAILURE, Label.CLIENT_NAME, Label.NAMESPACE);
  /** The object that stands for a connection: its meters have no tags of their own. */
  private static final Object CONNECTION = new Object();

  private final MeterRegistry registry;
  private final boolean method;
  private final boolean code;
  private final boolean route;
  private final boolean className;
  private final String requestsName;
  private final String responseTimeName;
  private final String responseBytesName;
  private final String requestBytesName;
  private final String resetsName;
  private final String errorsName;
  private final Counter bytesRead;
  private final Counter bytesWritten;
  private final ConcurrentHashMap<ResponseKey, ResponseMeters> responses = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, DistributionSummary> requestBytes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> resets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> errors = new ConcurrentHashMap<>();

  /** The tag values of one response's meters; those of a label that is off are empty, or 0 for the code. */
  private record ResponseKey(String method, String route, int code) {
  }

  private record ResponseMeters(Counter requests, Timer time, DistributionSummary bytes) {
  }

  /** One request: its method, when it began, the routes vertx-web reported for it. */
  static final class Request {
    final HttpMethod method;
    final long startNanos;
    /** One route's text, or a list of them when several were reported. */
    private Object routes;

    Request(HttpMethod method, long startNanos) {
      this.method = method;
      this.startNanos = startNanos;
    }

    void addRoute(String r) {
      if (r == null) {
        return;
      }
      if (routes == null) {
        routes = r;
      } else if (routes instanceof String first) {
        List<String> all = new ArrayList<>(4);
        all.add(first);
        all.add(r);
        routes = all;
      } else {
        @SuppressWarnings("unchecked") List<String> all = (List<String>) routes;
        all.add(r);
      }
    }

    /** The route label, as vertx-micrometer-metrics makes it: the routes joined by {@code >}, or empty. */
    String route() {
      if (routes == null) {
        return "";
      }
      if (routes instanceof String s) {
        return s;
      }
      @SuppressWarnings("unchecked") List<String> all = (List<String>) routes;
      String joined = String.join(">", all);
      routes = joined;
      return joined;
    }
  }

  /** Whether {@code options} ask for no HTTP server label and no tags that this class does not set. */
  static boolean supports(MicrometerMetricsOptions options) {
    for (Label l : options.getLabels()) {
      if (!HANDLED.contains(l) && !OTHER_DOMAINS.contains(l)) {
        return false;
      }
    }
    return options.getServerRequestTagsProvider() == null;
  }

  /** The meters of {@code registry}, named and labelled as {@code options} say ({@link #supports} must hold). */
  HttpServerMeters(MeterRegistry registry, MicrometerMetricsOptions options) {
    if (!supports(options)) {
      throw new IllegalArgumentException("labels " + options.getLabels() + " or a request tags provider are not supported here");
    }
    this.registry = registry;
    Set<Label> labels = EnumSet.noneOf(Label.class);
    labels.addAll(options.getLabels());
    method = labels.contains(Label.HTTP_METHOD);
    code = labels.contains(Label.HTTP_CODE);
    route = labels.contains(Label.HTTP_ROUTE);
    className = labels.contains(Label.CLASS_NAME);
    MetricsNaming names = options.getMetricsNaming().withBaseName(MetricsDomain.HTTP_SERVER.getPrefix());
    requestsName = names.getHttpRequestsCount();
    responseTimeName = names.getHttpResponseTime();
    responseBytesName = names.getHttpResponseBytes();
    requestBytesName = names.getHttpRequestBytes();
    resetsName = names.getHttpRequestResetsCount();
    errorsName = names.getNetErrorCount();
    bytesRead = Counter.builder(names.getNetBytesRead()).description("Number of bytes received by the server").register(registry);
    bytesWritten = Counter.builder(names.getNetBytesWritten()).description("Number of bytes sent by the server").register(registry);
  }

  @Override
  public Object connected(SocketAddress remoteAddress, String remoteName) {
    return CONNECTION;
  }

  @Override
  public void bytesRead(Object connection, SocketAddress remoteAddress, long numberOfBytes) {
    bytesRead.increment(numberOfBytes);
  }

  @Override
  public void bytesWritten(Object connection, SocketAddress remoteAddress, long numberOfBytes) {
    bytesWritten.increment(numberOfBytes);
  }

  @Override
  public void exceptionOccurred(Object connection, SocketAddress remoteAddress, Throwable t) {
    String type = className ? t.getClass().getSimpleName() : "";
    errors.computeIfAbsent(type, k -> {
      Counter.Builder b = Counter.builder(errorsName).description("Number of errors");
      return (className ? b.tag(Label.CLASS_NAME.toString(), type) : b).register(registry);
    }).increment();
  }

  @Override
  public Request requestBegin(Object connection, HttpRequest request) {
    return new Request(request.method(), System.nanoTime());
  }

  @Override
  public Request responsePushed(Object connection, HttpMethod method, String uri, HttpResponse response) {
    return new Request(method, System.nanoTime());
  }

  @Override
  public void requestRouted(Request request, String route) {
    request.addRoute(route);
  }

  @Override
  public void requestEnd(Request request, HttpRequest httpRequest, long bytesRead) {
    String m = methodTag(request);
    requestBytes.computeIfAbsent(m, k -> DistributionSummary.builder(requestBytesName).description("Size of requests in bytes")
        .tags(methodTags(k)).register(registry)).record(bytesRead);
  }

  @Override
  public void requestReset(Request request) {
    String m = methodTag(request);
    resets.computeIfAbsent(m, k -> Counter.builder(resetsName).description("Number of request resets").tags(methodTags(k))
        .register(registry)).increment();
  }

  @Override
  public void responseEnd(Request request, HttpResponse response, long bytesWritten) {
    long nanos = System.nanoTime() - request.startNanos;
    ResponseKey key = new ResponseKey(methodTag(request), route ? request.route() : "", code ? response.statusCode() : 0);
    ResponseMeters meters = responses.get(key);
    if (meters == null) {
      meters = responses.computeIfAbsent(key, this::responseMeters);
    }
    meters.requests().increment();
    meters.time().record(nanos, TimeUnit.NANOSECONDS);
    meters.bytes().record(bytesWritten);
  }

  private ResponseMeters responseMeters(ResponseKey key) {
    Tags tags = methodTags(key.method());
    if (route) {
      tags = tags.and(Label.HTTP_ROUTE.toString(), key.route());
    }
    if (code) {
      tags = tags.and(Label.HTTP_CODE.toString(), String.valueOf(key.code()));
    }
    return new ResponseMeters(
        Counter.builder(requestsName).description("Number of processed requests").tags(tags).register(registry),
        Timer.builder(responseTimeName).description("Request processing time").tags(tags).register(registry),
        DistributionSummary.builder(responseBytesName).description("Size of responses in bytes").tags(tags).register(registry));
  }

  /** The method's tag value, or empty when the label is off. */
  private String methodTag(Request request) {
    return method ? request.method.toString() : "";
  }

  private Tags methodTags(String value) {
    return method ? Tags.of(Label.HTTP_METHOD.toString(), value) : Tags.empty();
  }
}
