package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients as they come: the JDK's HttpClient asks to upgrade plain HTTP to HTTP/2 (h2c) by default, and
 * an upgraded connection once stalled a large response for good. The server answers on HTTP/1.1.
 */
class HttpClientsTest {
  static ServiceHarness svc;

  @BeforeAll
  static void start() throws Exception {
    svc = ServiceHarness.start(Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void aDefaultJdkHttpClientGetsLargeResponsesOnFreshConnections() throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + svc.port + "/openapi.yaml");
    for (int i = 0; i < 20; i++) {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(); // HTTP/2 preferred
      HttpResponse<String> r = client.sendAsync(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString())
          .get(10, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode());
      assertEquals(HttpClient.Version.HTTP_1_1, r.version(), "no h2c upgrade");
      assertEquals(true, r.body().startsWith("openapi: 3.1.0") || r.body().contains("openapi: 3.1.0"));
    }
  }
}
