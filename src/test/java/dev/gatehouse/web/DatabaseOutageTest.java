package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TcpRelay;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL goes away under load (a relay in front of the real server is cut, as when it stops):
 * forward-auth keeps failing closed — never a 200 once the caches have expired — and fails fast, a
 * 503 within about a second instead of the pool's 30 s; liveness keeps answering; and the service
 * recovers by itself when the database is back. The bounds asserted are generous (this is about
 * failing fast, not a benchmark): 503 in under 2 s, liveness under 1 s on a loaded machine.
 */
class DatabaseOutageTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private TestGatehouse gatehouse;
  private TcpRelay relay;

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  private HttpRequest verify(String cookie) {
    return HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/api/verify"))
        .header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", "app.example.com")
        .header("X-Forwarded-Uri", "/x")
        .header("X-Forwarded-Method", "GET")
        .header("Cookie", TestGatehouse.SESSION_COOKIE + "=" + cookie)
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  @Test
  void withPostgresGoneVerifyFailsClosedWithinASecondAndRecoversWithoutARestart() throws Exception {
    TestDatabases.requirePostgres();
    URI base = URI.create(TestDatabases.POSTGRES_URL.substring("jdbc:".length()));
    relay = TcpRelay.to(base.getHost(), base.getPort());
    String url =
        TestDatabases.freshUrl(TestDatabases.Kind.POSTGRES, dir)
            .orElseThrow()
            .replace(base.getHost() + ":" + base.getPort(), "127.0.0.1:" + relay.port());
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.POSTGRES,
            dir.resolve("data"),
            clock,
            Map.of(
                "GATEHOUSE_DATABASE_URL",
                url,
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [app.example.com], policy: authenticated}]"));
    User user = gatehouse.app().directory().addUser("olga", Optional.empty(), "Olga", false);
    gatehouse.app().accounts().setPassword(user, PASSWORD);
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.signIn("olga", PASSWORD).statusCode()).isEqualTo(303);
    String cookie = browser.sessionCookie().orElseThrow();
    assertThat(CLIENT.send(verify(cookie), HttpResponse.BodyHandlers.discarding()).statusCode())
        .isEqualTo(200);

    relay.cut();
    clock.advance(Duration.ofSeconds(2)); // past every cache
    List<Long> verifyMillis = new ArrayList<>();
    List<Integer> statuses = new ArrayList<>();
    long slowestHealth = 0;
    try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
      List<Future<long[]>> answers = new ArrayList<>();
      for (int i = 0; i < 96; i++) {
        answers.add(
            pool.submit(
                () -> {
                  long started = System.nanoTime();
                  int status =
                      CLIENT
                          .send(verify(cookie), HttpResponse.BodyHandlers.discarding())
                          .statusCode();
                  return new long[] {status, (System.nanoTime() - started) / 1_000_000};
                }));
      }
      for (int i = 0; i < 5; i++) {
        long started = System.nanoTime();
        HttpResponse<String> health =
            CLIENT.send(
                HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        slowestHealth = Math.max(slowestHealth, (System.nanoTime() - started) / 1_000_000);
      }
      for (Future<long[]> answer : answers) {
        long[] result = answer.get();
        statuses.add((int) result[0]);
        verifyMillis.add(result[1]);
      }
    }
    assertThat(statuses).as("fail closed").containsOnly(503);
    assertThat(verifyMillis.stream().mapToLong(Long::longValue).max().orElseThrow())
        .as("fail fast")
        .isLessThan(2_000);
    assertThat(slowestHealth).as("liveness never waits for the database").isLessThan(1_000);
    HttpResponse<String> ready =
        CLIENT.send(
            HttpRequest.newBuilder(URI.create(gatehouse.metricsUrl() + "/readyz")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(503);

    relay.restore();
    int status = 0;
    for (int i = 0; i < 50 && status != 200; i++) {
      Thread.sleep(100); // the breaker lets a caller try again after a second
      status = CLIENT.send(verify(cookie), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
    assertThat(status).as("recovered without a restart").isEqualTo(200);
  }
}
