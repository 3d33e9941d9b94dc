package org.vertxasyncio.dashboard;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vertxasyncio.testing.Eventually.eventually;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Headless Chromium from Debian's packages ({@code chromium}, {@code chromium-driver}), driven over
 * WebDriver by Selenium: no browser is downloaded. Each instance has a fresh, empty profile directory,
 * removed on close, and runs with the flags this machine needs (no background networking: the network
 * is closed here).
 *
 * <p>Without Chromium the tests are skipped with a message saying how to install it, except under
 * {@code CI=true}, where they fail: CI installs it ({@code .ci/run}) and must run them.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));
  static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");
  static final Duration WAIT = Duration.ofSeconds(15);

  final ChromeDriver driver;
  private final Path profile;

  private Browser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /** Skips the calling test when Chromium is missing (fails instead under CI=true). */
  static void assumeInstalled() {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("CI=true but " + CHROMIUM + " or " + CHROMEDRIVER + " is missing: .ci/run installs them with "
          + "'apt-get install chromium chromium-driver'");
    }
    assumeTrue(present, "the dashboard's browser tests need Debian's Chromium and its driver: "
        + "apt-get install chromium chromium-driver (or set -Dchromium.binary and -Dchromedriver.binary)");
  }

  static Browser start() throws IOException {
    assumeInstalled();
    Path profile = Files.createTempDirectory("dashboard-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1400,1100",
        "--force-device-scale-factor=1");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    return new Browser(driver, profile);
  }

  /** Loads the dashboard at {@code url} and waits until it has loaded the server's state over a live stream. */
  void open(String url) {
    driver.get(url);
    waitUntil("the dashboard loaded its state and its stream is open",
        () -> Boolean.TRUE.equals(js("return !!window.dashboard && window.dashboard.loaded && window.dashboard.stream.state === 'open'")));
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> jsMap(String script, Object... args) {
    return (Map<String, Object>) js(script, args);
  }

  WebElement el(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> els(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /** The text of the first element matching {@code css}, or null (read in the page: never stale). */
  String text(String css) {
    return (String) js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null", css);
  }

  /** An attribute of the first element matching {@code css}, or null. */
  String attr(String css, String name) {
    return (String) js("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null", css, name);
  }

  /** Replaces an input's text, as a person would (select all, type), so the page sees input events. */
  void type(String css, String text) {
    WebElement e = el(css);
    e.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
    if (!text.isEmpty()) {
      e.sendKeys(text);
    }
  }

  /** Waits until {@code condition} is true (polling), or fails with {@code what} and the page's banner. */
  void waitUntil(String what, Supplier<Boolean> condition) {
    waitUntil(what, WAIT, condition);
  }

  void waitUntil(String what, Duration timeout, Supplier<Boolean> condition) {
    try {
      eventually(what, timeout, () -> Boolean.TRUE.equals(condition.get()));
    } catch (AssertionError e) {
      screenshot("timeout-" + System.currentTimeMillis());
      fail("timed out after " + timeout.toSeconds() + " s waiting until " + what + "; banner: "
          + js("return window.dashboard ? JSON.stringify(window.dashboard.banner()) : 'no dashboard'")
          + "; stream: " + js("return window.dashboard ? JSON.stringify(window.dashboard.streamInfo()) : ''")
          + "; calls under way: " + js("return window.dashboard ? JSON.stringify(window.dashboard.inflight()) : ''")
          + "; calls ended lately: " + js("return window.dashboard ? JSON.stringify(window.dashboard.recentCalls()) : ''")
          + "; console: " + consoleErrors());
    }
  }

  /** Saves a screenshot as target/dashboard-screenshots/{name}.png and returns its path. */
  Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path to = SCREENSHOTS.resolve(name + ".png");
      Files.write(to, driver.getScreenshotAs(OutputType.BYTES));
      return to;
    } catch (IOException e) {
      throw new AssertionError("cannot save screenshot " + name, e);
    }
  }

  /** The console's errors since the last call (uncaught exceptions, failed module loads, CSP refusals). */
  List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        // a request the test made fail on purpose (server down, proxy cut) is logged as an error too
        .filter(m -> !m.contains("net::ERR_") && !m.contains("Failed to load resource"))
        .toList();
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
