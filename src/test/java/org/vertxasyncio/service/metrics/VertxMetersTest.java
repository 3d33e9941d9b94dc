package org.vertxasyncio.service.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The HTTP server's meters that {@link VertxMeters} keeps are those vertx-micrometer-metrics would keep: the
 * same exchanges with two servers, one measured by each, give the same series (names, help, labels, counts
 * and byte sums; the times differ by nature, so only their series are compared).
 */
class VertxMetersTest {
  /** The service's options (as {@code Main.newVertx}). */
  private static MicrometerMetricsOptions options() {
    MicrometerMetricsOptions o = new MicrometerMetricsOptions()
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        .addLabels(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT);
    o.setEnabled(true);
    return o;
  }

  /** The same requests, byte for byte, to a server measured by {@code factory}; the scrape's HTTP server series. */
  private static List<String> exchange(Function<PrometheusMeterRegistry, VertxMetricsFactory> factory) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(ServiceMetrics.denyVertxReregisteredGauges());
    // a registry name of its own: vertx-micrometer-metrics keeps one registry per name for the whole JVM
    MicrometerMetricsOptions options = options().setRegistryName("VertxMetersTest-" + java.util.UUID.randomUUID());
    Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(options)).withMetrics(factory.apply(registry)).build();
    try {
      Router router = Router.router(vertx);
      router.route("/tasks/*").handler(rc -> rc.next()); // a request routed twice: route "/tasks/>/tasks/:id"
      router.get("/tasks/:id").handler(rc -> rc.response().putHeader("content-type", "application/json")
          .end("{\"id\":\"" + rc.pathParam("id") + "\"}"));
      router.post("/tasks").handler(rc -> rc.request().body().onSuccess(b -> rc.response().setStatusCode(201).end(b)));
      router.get("/hang").handler(rc -> { }); // never answered: the client's close resets it
      HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      int port = server.actualPort();
      for (int i = 0; i < 3; i++) {
        send(port, "GET /tasks/A" + i + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
      }
      send(port, "POST /tasks HTTP/1.1\r\nHost: t\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"kind\":\"x\"}\n");
      send(port, "GET /nowhere HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
      send(port, "DELETE /tasks HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.getOutputStream().write("GET /hang HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!registry.scrape().contains("vertx_http_server_request_bytes_count{method=\"GET\"} 5\n")
            && System.nanoTime() < deadline) {
          Thread.sleep(10); // the hanging request has been read when its request bytes are counted
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!registry.scrape().contains("vertx_http_server_request_resets_total") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      String scrape = registry.scrape();
      return scrape.lines().filter(l -> l.contains("vertx_http_server_")).map(VertxMetersTest::withoutTimes).sorted()
          .collect(Collectors.toList());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static final Pattern TIME_VALUE = Pattern.compile("^(vertx_http_server_response_time_seconds_(?:sum|max)\\{.*}) \\S+$");

  /** A response time's sum or max without its value, which differs between any two runs. */
  private static String withoutTimes(String line) {
    return TIME_VALUE.matcher(line).replaceAll("$1 <time>");
  }

  private static void send(int port, String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      in.readAllBytes(); // to the server's close: the response is complete
    }
  }

  @Test
  void theHttpServerSeriesAreThoseOfVertxMicrometerMetrics() throws Exception {
    List<String> theirs = exchange(MicrometerMetricsFactory::new);
    List<String> ours = exchange(VertxMeters::new);
    assertTrue(theirs.stream().anyMatch(l -> l.startsWith("vertx_http_server_requests_total{code=\"200\",method=\"GET\",route=\"/tasks/>/tasks/:id\"} 3.0")),
        String.join("\n", theirs));
    assertTrue(theirs.stream().anyMatch(l -> l.startsWith("vertx_http_server_request_resets_total{method=\"GET\"} 1.0")),
        String.join("\n", theirs));
    assertEquals(String.join("\n", theirs), String.join("\n", ours));
  }

  @Test
  void optionsWithLabelsItDoesNotSetGetVertxMicrometerMetricsOwn() {
    assertTrue(HttpServerMeters.supports(options()));
    assertFalse(HttpServerMeters.supports(options().addLabels(Label.HTTP_PATH)));
    assertFalse(HttpServerMeters.supports(options().addLabels(Label.REMOTE)));
    assertFalse(HttpServerMeters.supports(options().setServerRequestTagsProvider(r -> List.of())));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    VertxOptions withPath = new VertxOptions().setMetricsOptions(options().addLabels(Label.HTTP_PATH)
        .setRegistryName("VertxMetersTest-" + java.util.UUID.randomUUID()));
    var metrics = new VertxMeters(registry).metrics(withPath);
    try {
      assertNotEquals(HttpServerMeters.class, metrics.createHttpServerMetrics(new io.vertx.core.http.HttpServerOptions(),
          io.vertx.core.net.SocketAddress.inetSocketAddress(0, "127.0.0.1")).getClass());
    } finally {
      metrics.close();
    }
  }
}
