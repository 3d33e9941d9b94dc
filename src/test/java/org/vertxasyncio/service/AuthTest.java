package org.vertxasyncio.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.service.ServiceHarness.sleep;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.vertxasyncio.service.config.ConfigException;
import org.vertxasyncio.service.config.ServiceConfig;

/**
 * Bearer tokens ({@code auth.tokens}): every route but {@code /health} and {@code /ready} answers 401
 * without one of them, {@code /metrics} as configured, {@code /events} also by {@code ?access_token=},
 * and no token ever reaches the log.
 */
class AuthTest {
  static final String TOKEN = "first-token-0123456789";
  static final String OTHER = "second-token-9876543210";
  static ServiceHarness svc;
  static ListAppender<ILoggingEvent> log;
  /** The loggers whose level the test raises (whatever configuration the test JVM has), and their levels before. */
  static final Map<String, ch.qos.logback.classic.Level> LEVELS = Map.of("org.vertxasyncio", ch.qos.logback.classic.Level.INFO,
      "org.vertxasyncio.service.http", ch.qos.logback.classic.Level.DEBUG, "io.vertx", ch.qos.logback.classic.Level.INFO);
  static final Map<String, ch.qos.logback.classic.Level> before = new java.util.HashMap<>();
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    log = new ListAppender<>();
    log.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(log);
    LEVELS.forEach((name, level) -> {
      Logger l = (Logger) LoggerFactory.getLogger(name);
      before.put(name, l.getLevel());
      l.setLevel(level);
    });
    svc = ServiceHarness.start(Map.of("auth.tokens", TOKEN + "," + OTHER));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(log);
    before.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
  }

  static HttpResponse<String> send(String method, String path, String authorization, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(svc.url(path))).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static void expect401(HttpResponse<String> r, boolean invalidToken) {
    assertEquals(401, r.statusCode(), r.body());
    String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
    assertTrue(challenge.startsWith("Bearer realm=\"vertx-asyncio\""), challenge);
    assertEquals(invalidToken, challenge.contains("error=\"invalid_token\""), challenge);
    assertEquals("unauthorized", new JsonObject(r.body()).getJsonObject("error").getString("code"));
  }

  @Test
  void everyRouteButTheProbesNeedsAToken() throws Exception {
    for (String[] route : List.of(new String[] {"GET", "/tasks"}, new String[] {"POST", "/tasks"}, new String[] {"GET", "/tasks/x"},
        new String[] {"DELETE", "/tasks/x"}, new String[] {"POST", "/tasks/x/cancel"}, new String[] {"POST", "/tasks/x/callbacks/1/redeliver"},
        new String[] {"POST", "/wait"}, new String[] {"GET", "/events"}, new String[] {"GET", "/loops"}, new String[] {"POST", "/loops"},
        new String[] {"GET", "/loops/default"}, new String[] {"POST", "/loops/default/stop"}, new String[] {"POST", "/loops/default/close"},
        new String[] {"GET", "/metrics"}, new String[] {"GET", "/openapi.yaml"}, new String[] {"GET", "/no/such/route"},
        new String[] {"PUT", "/tasks"})) {
      String body = route[0].equals("POST") ? sleep(0).encode() : null;
      expect401(send(route[0], route[1], null, body), false);
      expect401(send(route[0], route[1], "Bearer wrong-token-0123456789", body), true);
      expect401(send(route[0], route[1], "Basic Zm9vOmJhcg==", body), true);
      expect401(send(route[0], route[1], "Bearer " + TOKEN + "x", body), true);
      expect401(send(route[0], route[1], "Bearer", body), true);
    }
    assertEquals(200, send("GET", "/health", null, null).statusCode());
    assertEquals(200, send("GET", "/ready", null, null).statusCode());
    var loop = send("GET", "/loops/default", "Bearer " + TOKEN, null);
    assertEquals(true, new JsonObject(loop.body()).getBoolean("running"), "refused requests did nothing: " + loop.body());
  }

  @Test
  void eitherTokenOpensEveryRoute() throws Exception {
    for (String t : List.of(TOKEN, OTHER)) {
      var r = send("POST", "/tasks?wait=5", "Bearer " + t, sleep(0).put("result", "in").encode());
      assertEquals(201, r.statusCode(), r.body());
      assertEquals("in", new JsonObject(r.body()).getString("result"));
      assertEquals(200, send("GET", "/tasks", "bearer " + t, null).statusCode(), "the scheme in any case");
      assertEquals(200, send("GET", "/metrics", "Bearer " + t, null).statusCode());
      assertEquals(200, send("GET", "/openapi.yaml", "Bearer " + t, null).statusCode());
    }
  }

  @Test
  void eventsTakeTheTokenAsAQueryParameterAndNoOtherRouteDoes() throws Exception {
    HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(svc.url("/events?access_token=" + TOKEN))).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    r.body().close();
    expect401(send("GET", "/events?access_token=nope-nope-nope-nope", null, null), true);
    expect401(send("GET", "/tasks?access_token=" + TOKEN, null, null), false);
    expect401(send("GET", "/metrics?access_token=" + TOKEN, null, null), false);
  }

  @Test
  void metricsCanBeLeftOpen() throws Exception {
    try (ServiceHarness open = ServiceHarness.start(Map.of("auth.tokens", TOKEN, "auth.metrics", false))) {
      assertEquals(200, open.get("/metrics").status());
      assertEquals(401, open.get("/tasks").status());
    }
  }

  @Test
  void tokensNeverReachTheLog() throws Exception {
    send("GET", "/events?access_token=" + TOKEN + "-wrong", null, null);
    send("GET", "/no/route?access_token=" + TOKEN, "Bearer " + TOKEN, null);
    send("POST", "/tasks", "Bearer " + OTHER, "{\"kind\":");
    send("POST", "/tasks?wait=2", "Bearer " + OTHER, sleep(0).put("raise", "boom").encode());
    send("GET", "/tasks", "Bearer " + TOKEN + "-wrong", null);
    // a query that cannot be decoded, with the token in it (decoders put the whole URI in their messages)
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", svc.port)) {
      s.getOutputStream().write(("GET /events?access_token=" + TOKEN + "&x=%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      s.getInputStream().readAllBytes();
    }
    assertFalse(log.list.isEmpty(), "the service logged something");
    for (ILoggingEvent e : List.copyOf(log.list)) {
      String text = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
      assertFalse(text.contains(TOKEN) || text.contains(OTHER), "a token in the log: " + text);
    }
    assertFalse(svc.running.config().toJson().encode().contains(TOKEN), "the effective configuration masks the tokens");
  }

  @Test
  void weakTokensStopStartUpWithoutBeingShown() {
    ConfigException e = assertThrows(ConfigException.class, () -> ServiceConfig.defaults().with("auth.tokens", TOKEN + ",short1"));
    assertTrue(e.getMessage().contains("auth.tokens (AUTH_TOKENS): token 2 of 2"), e.getMessage());
    assertFalse(e.getMessage().contains("short1") || e.getMessage().contains(TOKEN), e.getMessage());
  }
}
