package org.vertxasyncio.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.ServiceHarness;

/** {@code GET /} and {@code /dashboard/*}: the page and its assets, from the jar, with nothing from elsewhere. */
class DashboardRoutesTest {
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
  void thePageIsServedAtTheRootWithAStrictContentSecurityPolicy() {
    ServiceHarness.Resp r = svc.get("/").expect(200);
    assertTrue(r.header("Content-Type").startsWith("text/html"), r.header("Content-Type"));
    String csp = r.header("Content-Security-Policy");
    assertTrue(csp.contains("default-src 'self'") && csp.contains("connect-src 'self'") && csp.contains("script-src 'self'"), csp);
    assertEquals("nosniff", r.header("X-Content-Type-Options"));
    assertTrue(r.body().contains("<canvas id=\"timeline\""), "the timeline's canvas");
    assertTrue(r.body().contains("dashboard/app.js"));
  }

  @Test
  void everyAssetThePageNamesIsServedAndNoneComesFromElsewhere() {
    String page = svc.get("/").expect(200).body();
    Matcher m = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page);
    int assets = 0;
    while (m.find()) {
      String ref = m.group(1);
      if (ref.startsWith("data:")) {
        continue;
      }
      assertFalse(ref.contains("//"), "the page loads " + ref + " from another origin");
      ServiceHarness.Resp a = svc.get("/" + ref).expect(200);
      String type = a.header("Content-Type");
      assertTrue(type.startsWith(ref.endsWith(".js") ? "text/javascript" : "text/css"), ref + ": " + type);
      assets++;
      if (ref.endsWith(".js")) {
        // the modules it imports, relative to it
        Matcher imp = Pattern.compile("from '\\./([^']+)'").matcher(a.body());
        while (imp.find()) {
          svc.get("/dashboard/" + imp.group(1)).expect(200);
          assets++;
        }
      }
    }
    assertTrue(assets >= 6, "the stylesheet, the app and its modules: " + assets);
    for (String js : List.of("app.js", "api.js", "model.js", "timeline.js", "table.js")) {
      String body = svc.get("/dashboard/" + js).expect(200).body();
      assertFalse(body.matches("(?s).*https?://(?!localhost).*"), js + " names a remote address");
    }
  }

  @Test
  void unknownAssetsAre404TheFolderRedirectsAndOtherMethodsAre405() {
    svc.get("/dashboard/nope.js").expectError(404, "not_found", null);
    assertEquals("../", svc.get("/dashboard/").expect(302).header("Location"), "the folder sends the browser to the page");
    ServiceHarness.Resp r = svc.post("/");
    r.expectError(405, "method_not_allowed", null);
    assertEquals("GET, HEAD", r.header("Allow"));
  }

  @Test
  void theOpenApiDocumentDescribesTheApiOnly() {
    String doc = svc.get("/openapi.yaml").expect(200).body();
    assertFalse(doc.contains("\n  /:\n"), "the page is not an operation of the API");
  }
}
