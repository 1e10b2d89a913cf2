package dev.gatehouse.testing;

import dev.gatehouse.app.Gatehouse;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.web.WebServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A real Gatehouse for tests: real store (SQLite or PostgreSQL), real HTTP on a random loopback
 * port, a settable clock. Public URL {@code https://auth.example.com} with cookie domain {@code
 * example.com}, so cookies are the production {@code __Secure-} kind. Not thread-safe to start and
 * stop.
 */
public final class TestGatehouse implements AutoCloseable {
  /** The configured public origin. */
  public static final String PUBLIC_ORIGIN = "https://auth.example.com";

  /** The session cookie name for this configuration. */
  public static final String SESSION_COOKIE = "__Secure-gatehouse_session";

  private final Path dataDir;
  private final Map<String, String> environment;
  private final MutableClock clock;
  private Gatehouse gatehouse;
  private WebServer web;

  private TestGatehouse(Path dataDir, Map<String, String> environment, MutableClock clock) {
    this.dataDir = dataDir;
    this.environment = environment;
    this.clock = clock;
  }

  /** Starts a Gatehouse on {@code kind} with extra {@code GATEHOUSE_…} settings. */
  public static TestGatehouse start(
      TestDatabases.Kind kind, Path dataDir, MutableClock clock, Map<String, String> settings)
      throws Exception {
    Map<String, String> environment = new HashMap<>();
    environment.put("GATEHOUSE_DATA_DIR", dataDir.toString());
    environment.put("GATEHOUSE_SERVER_LISTEN", "127.0.0.1:0");
    environment.put("GATEHOUSE_SERVER_METRICS_LISTEN", "127.0.0.1:0");
    environment.put("GATEHOUSE_SERVER_PUBLIC_URL", PUBLIC_ORIGIN);
    environment.put("GATEHOUSE_SESSION_COOKIE_DOMAIN", "example.com");
    TestDatabases.freshUrl(kind, dataDir)
        .ifPresent(url -> environment.put("GATEHOUSE_DATABASE_URL", url));
    environment.putAll(settings);
    TestGatehouse test = new TestGatehouse(dataDir, environment, clock);
    test.boot();
    return test;
  }

  /**
   * A Gatehouse for a real browser: public URL {@code http://localhost:<port>} on a free port (a
   * secure context, and a valid passkey relying-party id), host-only cookies, the real clock.
   */
  public static TestGatehouse startForBrowser(Path dataDir) throws Exception {
    return startForBrowser(dataDir, Map.of());
  }

  /** As {@link #startForBrowser(Path)}, with extra settings. */
  public static TestGatehouse startForBrowser(Path dataDir, Map<String, String> settings)
      throws Exception {
    return startForBrowser(dataDir, TestProxy.freePort(), settings);
  }

  /** As {@link #startForBrowser(Path, Map)}, on a port chosen beforehand. */
  public static TestGatehouse startForBrowser(Path dataDir, int port, Map<String, String> settings)
      throws Exception {
    Map<String, String> all = new HashMap<>(settings);
    all.put("GATEHOUSE_SERVER_LISTEN", "127.0.0.1:" + port);
    all.put("GATEHOUSE_SERVER_PUBLIC_URL", "http://localhost:" + port);
    all.put("GATEHOUSE_SESSION_COOKIE_DOMAIN", "");
    return start(
        TestDatabases.Kind.SQLITE,
        dataDir,
        new MutableClock(java.time.Clock.systemUTC().instant()),
        all);
  }

  /** The configured public origin ({@code https://auth.example.com} unless overridden). */
  public String publicOrigin() {
    return gatehouse.config().server().publicOrigin();
  }

  private void boot() throws Exception {
    GatehouseConfig config = ConfigLoader.load(Optional.empty(), environment);
    gatehouse = Gatehouse.open(config, clock);
    web = gatehouse.startWeb();
  }

  /** Stops and starts again on the same store (a new port). */
  public void restart() throws Exception {
    close();
    boot();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + web.address().getPort();
  }

  /** The port Gatehouse's main listener is bound to. */
  public int port() {
    return web.address().getPort();
  }

  /** The port of the plain-HTTP redirect listener ({@code server.http-redirect-listen}). */
  public int redirectPort() {
    return web.redirectAddress().orElseThrow().getPort();
  }

  /** {@code http://127.0.0.1:<port>} of the operations listener ({@code /metrics}). */
  public String metricsUrl() {
    return "http://127.0.0.1:" + web.opsAddress().orElseThrow().getPort();
  }

  /** The wired application. */
  public Gatehouse app() {
    return gatehouse;
  }

  /** The clock. */
  public MutableClock clock() {
    return clock;
  }

  /** The {@code GATEHOUSE_…} settings it runs with (for a CLI command on the same data). */
  public Map<String, String> environment() {
    return Map.copyOf(environment);
  }

  /** The data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /** A new browser-like client with its own cookie jar. */
  public TestBrowser browser() {
    return new TestBrowser(this);
  }

  @Override
  public void close() {
    if (web != null) {
      web.close();
      web = null;
    }
    if (gatehouse != null) {
      gatehouse.close();
      gatehouse = null;
    }
  }
}
