package org.vertxasyncio.service.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * The metrics of the service's Vert.x: vertx-micrometer-metrics' for all but the HTTP server, whose meters
 * {@link HttpServerMeters} keeps under the same names at a lower cost per request. Options that ask for HTTP
 * server labels {@link HttpServerMeters} does not set, or that disable the HTTP server's metrics, get
 * vertx-micrometer-metrics' for the HTTP server too.
 *
 * <p>Use as {@code Vertx.builder().with(options).withMetrics(new VertxMeters(registry))}, with
 * {@link MicrometerMetricsOptions} in {@code options}.
 */
public final class VertxMeters implements VertxMetricsFactory {
  private final MeterRegistry registry;
  private final MicrometerMetricsFactory micrometer;

  /** @param registry where every meter goes, as {@link MicrometerMetricsFactory#MicrometerMetricsFactory(MeterRegistry)} */
  public VertxMeters(MeterRegistry registry) {
    this.registry = registry;
    this.micrometer = new MicrometerMetricsFactory(registry);
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    VertxMetrics inner = micrometer.metrics(options);
    MetricsOptions mo = options.getMetricsOptions();
    MicrometerMetricsOptions mmo = mo instanceof MicrometerMetricsOptions m ? m : new MicrometerMetricsOptions(mo.toJson());
    boolean httpServer = mmo.getDisabledMetricsCategories() == null
        || !mmo.getDisabledMetricsCategories().contains(MetricsDomain.HTTP_SERVER.toCategory());
    if (!httpServer || !HttpServerMeters.supports(mmo)) {
      return inner;
    }
    return new WithHttpServer(inner, new HttpServerMeters(registry, mmo));
  }

  @Override
  public MetricsOptions newOptions() {
    return micrometer.newOptions();
  }

  @Override
  public MetricsOptions newOptions(MetricsOptions options) {
    return micrometer.newOptions(options);
  }

  @Override
  public MetricsOptions newOptions(JsonObject json) {
    return micrometer.newOptions(json);
  }

  /** vertx-micrometer-metrics' {@code VertxMetrics}, but for the HTTP server's. */
  private record WithHttpServer(VertxMetrics inner, HttpServerMeters http) implements VertxMetrics {
    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
      // one set of meters for every server: they carry no tag of the server's own (no local address)
      return http;
    }

    @Override
    public EventBusMetrics<?> createEventBusMetrics() {
      return inner.createEventBusMetrics();
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
      return inner.createClientMetrics(remoteAddress, type, namespace);
    }

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
      return inner.createHttpClientMetrics(options);
    }

    @Override
    public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
      return inner.createNetServerMetrics(options, localAddress);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
      return inner.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return inner.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
      return inner.createPoolMetrics(poolType, poolName, maxPoolSize);
    }

    @Override
    public void vertxCreated(Vertx vertx) {
      inner.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return inner.isMetricsEnabled();
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
