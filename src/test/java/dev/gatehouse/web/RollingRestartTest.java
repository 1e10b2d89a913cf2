package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on one PostgreSQL behind Caddy's load balancer, as docs/operations.md sets them up,
 * restarted one after the other while forward-auth checks stream through: not one answer other than
 * 200 for a signed-in browser, and the sessions outlive both restarts.
 */
class RollingRestartTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;

  @Test
  void restartingTheNodesOneAfterAnotherUnderLoadFailsNoRequest() throws Exception {
    TestProxy.requireInstalled(TestProxy.Kind.CADDY);
    dev.gatehouse.keys.AtRestCipher.writeNewKey(
        dir.resolve("at-rest.key"), new java.security.SecureRandom());
    int portA = TestProxy.freePort();
    int portB = TestProxy.freePort();
    Map<String, String> shared = new HashMap<>();
    shared.put("GATEHOUSE_ACCESS_RULES", "[{hosts: [app.example.com], policy: authenticated}]");
    shared.put("GATEHOUSE_KEYS_AT_REST_KEY_FILE", dir.resolve("at-rest.key").toString());
    shared.put("GATEHOUSE_SERVER_LISTEN", "127.0.0.1:" + portA);
    MutableClock clock = new MutableClock(Clock.systemUTC().instant());
    try (TestGatehouse a =
            TestGatehouse.start(TestDatabases.Kind.POSTGRES, dir.resolve("a"), clock, shared);
        TestGatehouse b = startB(a, shared, portB, clock)) {
      User alice = a.app().directory().addUser("alice", Optional.empty(), "", false);
      a.app().accounts().setPassword(alice, PASSWORD);
      TestBrowser browser = a.browser();
      browser.signIn("alice", PASSWORD);
      String cookie = browser.sessionCookie().orElseThrow();
      int lbPort = TestProxy.freePort();
      try (TestProxy lb =
          TestProxy.start(
              TestProxy.Kind.CADDY,
              ":"
                  + lbPort
                  + " {\n"
                  + "\treverse_proxy 127.0.0.1:"
                  + portA
                  + " 127.0.0.1:"
                  + portB
                  + " {\n"
                  + "\t\theader_up X-Forwarded-Host app.example.com\n"
                  + "\t\theader_up X-Forwarded-Proto https\n"
                  + "\t\tlb_policy round_robin\n"
                  + "\t\tlb_try_duration 10s\n"
                  + "\t\tlb_try_interval 100ms\n"
                  + "\t\tfail_duration 2s\n"
                  + "\t}\n"
                  + "}\n",
              lbPort,
              dir.resolve("caddy"))) {
        HttpClient client = HttpClient.newHttpClient();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger answered = new AtomicInteger();
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          workers.add(
              pool.submit(
                  () -> {
                    while (!stop.get()) {
                      String outcome;
                      try {
                        int status =
                            client
                                .send(
                                    HttpRequest.newBuilder(
                                            URI.create(
                                                "http://127.0.0.1:" + lbPort + "/api/verify"))
                                        .header("X-Forwarded-Host", "app.example.com")
                                        .header("X-Forwarded-Uri", "/")
                                        .header("X-Forwarded-Method", "GET")
                                        .header(
                                            "Cookie", TestGatehouse.SESSION_COOKIE + "=" + cookie)
                                        .timeout(Duration.ofSeconds(20))
                                        .build(),
                                    HttpResponse.BodyHandlers.discarding())
                                .statusCode();
                        outcome = status == 200 ? "" : "status " + status;
                      } catch (java.io.IOException e) {
                        outcome = e.getClass().getSimpleName();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                      }
                      answered.incrementAndGet();
                      if (!outcome.isEmpty()) {
                        failures
                            .computeIfAbsent(outcome, k -> new AtomicInteger())
                            .incrementAndGet();
                      }
                    }
                  }));
        }
        Thread.sleep(1500);
        a.restart();
        Thread.sleep(1500);
        b.restart();
        Thread.sleep(1500);
        stop.set(true);
        for (Future<?> worker : workers) {
          worker.get();
        }
        pool.shutdown();
        assertThat(lb.port()).isEqualTo(lbPort);
        assertThat(answered.get()).as("requests answered").isGreaterThan(100);
        assertThat(failures).as("answers other than 200 of " + answered.get()).isEmpty();
      }
    }
  }

  private static TestGatehouse startB(
      TestGatehouse a, Map<String, String> shared, int port, MutableClock clock) throws Exception {
    Map<String, String> settings = new HashMap<>(shared);
    settings.put("GATEHOUSE_DATABASE_URL", a.environment().get("GATEHOUSE_DATABASE_URL"));
    settings.put("GATEHOUSE_SERVER_LISTEN", "127.0.0.1:" + port);
    return TestGatehouse.start(
        TestDatabases.Kind.POSTGRES, a.dataDir().resolveSibling("b"), clock, settings);
  }
}
