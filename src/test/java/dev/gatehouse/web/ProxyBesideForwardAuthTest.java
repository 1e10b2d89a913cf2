package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host that is both a proxy route and protected by a proxy's forward-auth (a migration, or a
 * hand-written Caddy {@code forward_auth} that keeps the client's {@code Host}): the proxy's
 * question must reach Gatehouse's forward-auth endpoint, never the app — whose 200 the proxy would
 * take for "allowed".
 */
class ProxyBesideForwardAuthTest {
  @TempDir Path dir;
  private EchoUpstream upstream;
  private TestGatehouse gatehouse;

  @BeforeEach
  void start() throws Exception {
    upstream = EchoUpstream.start();
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of(
                // Loopback is a trusted proxy (the default): the tests play Caddy.
                "GATEHOUSE_PROXY_ROUTES",
                "[{from: 'https://app.example.com', to: 'http://"
                    + upstream.address()
                    + "', auth: none}]",
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [app.example.com], paths: ['/admin/**'], policy: deny},"
                    + " {hosts: [app.example.com], policy: bypass}]"));
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void aForwardAuthQuestionWithTheAppsHostIsAnsweredByGatehouseNotTheApp() throws Exception {
    RawHttp.Head head =
        RawHttp.send(
            gatehouse.port(),
            "GET /api/authz/forward-auth HTTP/1.1",
            "Host: app.example.com",
            "X-Forwarded-Proto: https",
            "X-Forwarded-Host: app.example.com",
            "X-Forwarded-Uri: /admin/users",
            "X-Forwarded-Method: GET");
    assertThat(head.status()).isEqualTo(403);
    assertThat(upstream.seen()).isEmpty();
  }

  @Test
  void everyOtherPathOfTheRouteStillReachesTheApp() throws Exception {
    RawHttp.Head head =
        RawHttp.send(gatehouse.port(), "GET /api/other HTTP/1.1", "Host: app.example.com");
    assertThat(head.status()).isEqualTo(200);
    assertThat(upstream.last().uri()).isEqualTo("/api/other");
  }
}
