package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.app.Gatehouse;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An emergency key rotation made elsewhere (`gatehouse keys rotate --activate-in 0m` from the CLI,
 * or another node) signs tokens with a key the running server has not loaded yet: it must look the
 * key up once rather than refuse every such token until its next periodic reload.
 */
class KeyRotationElsewhereTest {
  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private TestGatehouse server;

  @BeforeEach
  void start() throws Exception {
    Path secret = dir.resolve("svc.secret");
    Files.writeString(secret, "a service secret that is long enough\n");
    server =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            clock,
            Map.of(
                "GATEHOUSE_OIDC_CLIENTS",
                "[{id: svc, secret-file: '"
                    + secret
                    + "', grant-types: [client_credentials], scopes: [x],"
                    + " audiences: ['https://api.example.com']}]",
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [api.example.com], policy: authenticated}]"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aTokenSignedWithAKeyRotatedInByAnotherProcessIsAccepted() throws Exception {
    String token;
    try (Gatehouse cli =
        Gatehouse.open(ConfigLoader.load(Optional.empty(), server.environment()), clock)) {
      cli.signingKeys().rotate(Duration.ZERO);
      token =
          cli.accessTokens()
              .issue(
                  cli.clients().find("svc").orElseThrow(),
                  Optional.empty(),
                  Optional.empty(),
                  Set.of("x"),
                  List.of("https://api.example.com"),
                  Optional.empty())
              .token();
    }
    RawHttp.Head head =
        RawHttp.send(
            server.port(),
            "GET /api/verify HTTP/1.1",
            "Host: 127.0.0.1",
            "X-Forwarded-Proto: https",
            "X-Forwarded-Host: api.example.com",
            "X-Forwarded-Uri: /reports",
            "X-Forwarded-Method: GET",
            "Authorization: Bearer " + token);
    assertThat(head.status()).isEqualTo(200);
  }
}
