package dev.gatehouse.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.CliRunner;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestProxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse selftest proxy} against a real Caddy, configured well and badly. */
class SelftestTest {
  @TempDir Path dir;

  private final MutableClock clock = new MutableClock(Clock.systemUTC().instant());

  private final Map<String, String> settings =
      Map.of("GATEHOUSE_ACCESS_RULES", "[{hosts: [127.0.0.1], policy: authenticated}]");

  @Test
  void passesBehindTheGeneratedSnippet() throws Exception {
    try (TestGatehouse gatehouse =
        TestGatehouse.start(TestDatabases.Kind.SQLITE, dir.resolve("data"), clock, settings)) {
      String address = gatehouse.baseUrl().substring("http://".length());
      int port = TestProxy.freePort();
      CliRunner.Result snippet =
          cli()
              .run(
                  "snippet",
                  "caddy",
                  "--host",
                  "127.0.0.1",
                  "--upstream",
                  address,
                  "--gatehouse",
                  address,
                  "--http-port",
                  String.valueOf(port));
      assertThat(snippet.status()).isZero();
      String site = snippet.out();
      try (TestProxy proxy =
          TestProxy.start(TestProxy.Kind.CADDY, site, port, dir.resolve("caddy"))) {
        CliRunner.Result result = cli().run("selftest", "proxy", proxy.baseUrl() + "/api/echo");
        assertThat(result.out())
            .contains(
                "PASS anonymous request blocked",
                "PASS the verified identity arrived",
                "PASS no forged",
                "selftest passed");
        assertThat(result.status()).isZero();
        assertThat(gatehouse.app().apiKeys().list(Optional.empty()))
            .as("the temporary key is revoked")
            .isEmpty();
      }
    }
  }

  @Test
  void failsWhenTheProxyDoesNotAskGatehouse() throws Exception {
    try (TestGatehouse gatehouse =
        TestGatehouse.start(TestDatabases.Kind.SQLITE, dir.resolve("data"), clock, settings)) {
      String address = gatehouse.baseUrl().substring("http://".length());
      int port = TestProxy.freePort();
      String unprotected = "http://127.0.0.1:" + port + " {\n\treverse_proxy " + address + "\n}\n";
      try (TestProxy proxy =
          TestProxy.start(TestProxy.Kind.CADDY, unprotected, port, dir.resolve("caddy"))) {
        CliRunner.Result result = cli().run("selftest", "proxy", proxy.baseUrl() + "/api/echo");
        assertThat(result.status()).isEqualTo(1);
        assertThat(result.out())
            .contains(
                "FAIL an anonymous request was not stopped (status 404)",
                "FAIL a forged identity header reached the upstream",
                "selftest failed");
      }
    }
  }

  private CliRunner cli() {
    Map<String, String> env = new java.util.HashMap<>(settings);
    env.put("GATEHOUSE_DATA_DIR", dir.resolve("data").toString());
    env.put("GATEHOUSE_SERVER_PUBLIC_URL", TestGatehouse.PUBLIC_ORIGIN);
    env.put("GATEHOUSE_SESSION_COOKIE_DOMAIN", "example.com");
    return new CliRunner(env, dir, clock);
  }
}
