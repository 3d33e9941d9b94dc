package org.vertxasyncio.service.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The live dashboard: {@code GET /} is its page and {@code GET /dashboard/*} its scripts and styles, all
 * served from the jar ({@code src/main/resources/dashboard/}); nothing comes from elsewhere, and the
 * page's Content-Security-Policy says so ({@code 'self'} only).
 *
 * <p>These routes are mounted on the router that {@link Routes#router} builds from the OpenAPI document,
 * after the API's operations: the document describes the API only, not the page. The page and its assets
 * hold no data (everything the page shows it fetches from the API with the user's token), so they are
 * public: an access check belongs on the API routes, and {@link #isDashboardPath} names the paths it can
 * let through.
 *
 * <p>{@code open http://localhost:8080/}
 */
public final class DashboardRoutes {
  /** Where the files are, on the class path. */
  static final String WEB_ROOT = "dashboard";
  private static final String PREFIX = "/dashboard/";
  private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

  private DashboardRoutes() {
  }

  /** True for the page and its assets: {@code /} and {@code /dashboard/...}. */
  public static boolean isDashboardPath(String path) {
    return path != null && (path.equals("/") || path.startsWith(PREFIX));
  }

  static void mount(Router router) {
    StaticHandler assets = StaticHandler.create(WEB_ROOT)
        .setDirectoryListing(false)
        .setCachingEnabled(false)
        .setIncludeHidden(false)
        .setDefaultContentEncoding("UTF-8");
    router.route("/").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(DashboardRoutes::headers)
        .handler(rc -> rc.response().putHeader("Content-Type", "text/html; charset=utf-8")
            .sendFile(WEB_ROOT + "/index.html").onFailure(rc::fail));
    // the folder itself is not a page: the dashboard lives at the root (its references are relative to it)
    router.route(PREFIX).method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(rc -> rc.response().setStatusCode(302).putHeader("Location", "../").end());
    router.route(PREFIX + "*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(DashboardRoutes::headers)
        .handler(assets);
  }

  private static void headers(RoutingContext rc) {
    rc.response()
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-cache");
    rc.next();
  }
}
