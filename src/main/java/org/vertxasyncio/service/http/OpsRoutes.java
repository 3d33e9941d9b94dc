package org.vertxasyncio.service.http;

import io.vertx.ext.web.RoutingContext;

/** {@code /openapi.yaml}; {@code /health}, {@code /ready} and {@code /metrics} are library handlers. */
final class OpsRoutes {
  private final Api api;

  OpsRoutes(Api api) {
    this.api = api;
  }

  /** {@code curl -s localhost:8080/openapi.yaml} */
  void openapi(RoutingContext rc) {
    rc.response().putHeader("Content-Type", "application/yaml; charset=utf-8").end(api.openapiYaml());
  }
}
