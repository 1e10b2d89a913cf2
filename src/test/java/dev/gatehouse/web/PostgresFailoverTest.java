package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestPostgresCluster;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-node set-up of docs/operations.md, failed over for real: a primary and a synchronous
 * streaming standby ({@code pg_basebackup -R}, {@code synchronous_standby_names}) of the test's
 * own, Gatehouse on the failover URL ({@code host1,host2 … targetServerType=primary}). Under a load
 * of sign-ins and sign-outs the primary is killed ({@code pg_ctl stop -m immediate}) and the
 * standby promoted. Every sign-in Gatehouse acknowledged must still open the app, every sign-out it
 * acknowledged must still be refused — checked on a second node that knows only the promoted
 * standby — and the first node must go on serving without a restart.
 */
class PostgresFailoverTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;

  @Test
  void aPrimaryCrashAndAStandbyPromotionLoseNoAcknowledgedSignInOrSignOut() throws Exception {
    TestDatabases.requirePostgres();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        TestPostgresCluster.binaries().isPresent()
            || "required".equals(System.getenv("GATEHOUSE_TEST_POSTGRES")),
        "PostgreSQL's server binaries (initdb, pg_ctl) are not installed");
    dev.gatehouse.keys.AtRestCipher.writeNewKey(
        dir.resolve("at-rest.key"), new java.security.SecureRandom());
    try (TestPostgresCluster primary = TestPostgresCluster.primary();
        TestPostgresCluster standby = TestPostgresCluster.standbyOf(primary)) {
      primary.createDatabase("gatehouse");
      Map<String, String> shared = new HashMap<>();
      shared.put("GATEHOUSE_ACCESS_RULES", "[{hosts: [app.example.com], policy: authenticated}]");
      shared.put("GATEHOUSE_KEYS_AT_REST_KEY_FILE", dir.resolve("at-rest.key").toString());
      shared.put(
          "GATEHOUSE_DATABASE_URL",
          "jdbc:postgresql://127.0.0.1:"
              + primary.port()
              + ",127.0.0.1:"
              + standby.port()
              + "/gatehouse?user=postgres&targetServerType=primary&connectTimeout=2");
      MutableClock clock = new MutableClock(Clock.systemUTC().instant());
      Set<String> signedIn = ConcurrentHashMap.newKeySet();
      Set<String> signedOut = ConcurrentHashMap.newKeySet();
      // A sign-out that failed half-way (revoked, then the answer lost to the crash) may well have
      // ended the session: only sessions nobody tried to end must survive.
      Set<String> signOutTried = ConcurrentHashMap.newKeySet();
      AtomicInteger afterPromotion = new AtomicInteger();
      AtomicBoolean promoted = new AtomicBoolean();
      try (TestGatehouse a =
          TestGatehouse.start(TestDatabases.Kind.POSTGRES, dir.resolve("a"), clock, shared)) {
        for (int i = 0; i < 3; i++) {
          User user = a.app().directory().addUser("u" + i, Optional.empty(), "", false);
          a.app().accounts().setPassword(user, PASSWORD);
        }
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          String username = "u" + i;
          workers.add(
              pool.submit(
                  () -> {
                    TestBrowser previous = null;
                    for (int n = 0; !stop.get(); n++) {
                      try {
                        TestBrowser browser = a.browser();
                        HttpResponse<String> answer = browser.signIn(username, PASSWORD);
                        Optional<String> token = browser.sessionCookie();
                        if (answer.statusCode() == 303 && token.isPresent()) {
                          signedIn.add(token.get());
                          if (promoted.get()) {
                            afterPromotion.incrementAndGet();
                          }
                        }
                        if (n % 3 == 2 && previous != null) {
                          String old = previous.sessionCookie().orElseThrow();
                          signOutTried.add(old);
                          previous.get("/");
                          if (previous.post("/logout", Map.of()).statusCode() == 303) {
                            signedOut.add(old);
                          }
                        }
                        if (token.isPresent()) {
                          previous = browser;
                        }
                      } catch (java.io.IOException | RuntimeException e) {
                        // Not acknowledged: nothing is owed.
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                      }
                    }
                  }));
        }
        Thread.sleep(3000);
        int beforeCrash = signedIn.size();
        primary.crash();
        standby.promote();
        promoted.set(true);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (afterPromotion.get() < 3 && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        stop.set(true);
        for (Future<?> worker : workers) {
          worker.get();
        }
        pool.shutdown();
        assertThat(beforeCrash).as("sign-ins acknowledged before the crash").isPositive();
        assertThat(afterPromotion.get())
            .as("the node signs people in again on the promoted standby, without a restart")
            .isGreaterThanOrEqualTo(3);
        assertThat(signedOut).as("sign-outs acknowledged").isNotEmpty();
      }

      // A node that knows only the promoted standby: what was acknowledged is there.
      Map<String, String> onlyStandby = new HashMap<>(shared);
      onlyStandby.put(
          "GATEHOUSE_DATABASE_URL",
          "jdbc:postgresql://127.0.0.1:" + standby.port() + "/gatehouse?user=postgres");
      try (TestGatehouse b =
          TestGatehouse.start(TestDatabases.Kind.POSTGRES, dir.resolve("b"), clock, onlyStandby)) {
        List<String> lost = new ArrayList<>();
        List<String> revived = new ArrayList<>();
        for (String token : signedIn) {
          int status = verify(b, token);
          boolean mustLive = !signOutTried.contains(token);
          if (signedOut.contains(token) ? status == 200 : mustLive && status != 200) {
            (signedOut.contains(token) ? revived : lost).add(token.substring(0, 8) + "… " + status);
          }
        }
        assertThat(lost).as("acknowledged sign-ins lost").isEmpty();
        assertThat(revived).as("acknowledged sign-outs undone").isEmpty();
      }
    }
  }

  private static int verify(TestGatehouse node, String token) throws Exception {
    return CLIENT
        .send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/verify"))
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "app.example.com")
                .header("X-Forwarded-Uri", "/")
                .header("X-Forwarded-Method", "GET")
                .header("Cookie", TestGatehouse.SESSION_COOKIE + "=" + token)
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
