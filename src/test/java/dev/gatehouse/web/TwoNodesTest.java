package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on one PostgreSQL database, sharing one at-rest key file. Both run on one frozen test
 * clock, so their one-second caches never expire by themselves: whatever node B learns about a
 * change made on node A, it learns from PostgreSQL's notifications.
 */
class TwoNodesTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private TestGatehouse a;
  private TestGatehouse b;
  private User alice;

  @BeforeEach
  void start() throws Exception {
    Map<String, String> shared =
        Map.of(
            "GATEHOUSE_ACCESS_RULES",
            "[{hosts: [app.example.com], policy: authenticated}]",
            "GATEHOUSE_KEYS_AT_REST_KEY_FILE",
            dir.resolve("at-rest.key").toString());
    dev.gatehouse.keys.AtRestCipher.writeNewKey(
        dir.resolve("at-rest.key"), new java.security.SecureRandom());
    a = TestGatehouse.start(TestDatabases.Kind.POSTGRES, dir.resolve("a"), clock, shared);
    Map<String, String> sameDatabase = new HashMap<>(shared);
    sameDatabase.put("GATEHOUSE_DATABASE_URL", a.environment().get("GATEHOUSE_DATABASE_URL"));
    b = TestGatehouse.start(TestDatabases.Kind.POSTGRES, dir.resolve("b"), clock, sameDatabase);
    alice = a.app().directory().addUser("alice", Optional.empty(), "Alice", false);
    a.app().accounts().setPassword(alice, PASSWORD);
  }

  @Test
  void reloadingKeysWithNothingToForgetTellsNoNode() throws Exception {
    // Each node reloads its keys when told they changed; a reload that itself told every node
    // kept all of them reloading each other for ever (an outside review saw 3 800 notices a
    // second from one idle node).
    try (java.sql.Connection listener =
        java.sql.DriverManager.getConnection(TestDatabases.POSTGRES_URL)) {
      try (java.sql.Statement statement = listener.createStatement()) {
        statement.execute("LISTEN gatehouse_changes");
      }
      for (int i = 0; i < 3; i++) {
        a.app().signingKeys().reload();
      }
      try (java.sql.Statement statement = listener.createStatement()) {
        statement.execute("NOTIFY gatehouse_changes, 'test-marker'");
      }
      java.util.List<String> heard = new java.util.ArrayList<>();
      org.postgresql.PGConnection pg = listener.unwrap(org.postgresql.PGConnection.class);
      while (!heard.contains("test-marker")) {
        org.postgresql.PGNotification[] batch = pg.getNotifications(10_000);
        if (batch == null || batch.length == 0) {
          break;
        }
        for (org.postgresql.PGNotification notice : batch) {
          heard.add(notice.getParameter());
        }
      }
      assertThat(heard).contains("test-marker").doesNotContain("signing_keys");
    }
  }

  @AfterEach
  void stop() {
    for (TestGatehouse node : new TestGatehouse[] {b, a}) {
      if (node != null) {
        node.close();
      }
    }
  }

  @Test
  void aSignOutOnOneNodeIsRefusedOnTheOtherWithoutWaitingForItsCache() throws Exception {
    TestBrowser browser = a.browser();
    browser.signIn("alice", PASSWORD);
    String cookie = browser.sessionCookie().orElseThrow();
    assertThat(verifyOn(b, "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + cookie))
        .as("B knows the session (and has cached it)")
        .isEqualTo(200);

    browser.get("/");
    assertThat(browser.post("/logout", Map.of()).statusCode()).isEqualTo(303);
    assertThat(
            eventually(() -> verifyOn(b, "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + cookie)))
        .isEqualTo(401);
  }

  @Test
  void aRevokedApiKeyAndADisabledUserAreRefusedOnTheOtherNode() throws Exception {
    var key =
        a.app().apiKeys().createApplication("backup", "", List.of(), List.of(), Optional.empty());
    String bearer = "Authorization: Bearer " + key.key();
    assertThat(verifyOn(b, bearer)).isEqualTo(200);
    a.app().apiKeys().revoke(key.record().id());
    assertThat(eventually(() -> verifyOn(b, bearer))).isEqualTo(401);

    TestBrowser browser = a.browser();
    browser.signIn("alice", PASSWORD);
    String cookie =
        "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + browser.sessionCookie().orElseThrow();
    assertThat(verifyOn(b, cookie)).isEqualTo(200);
    // Only the user row changes (no session is revoked): the directory's cache must follow.
    a.app().directory().setDisabled(alice.id(), true);
    assertThat(eventually(() -> verifyOn(b, cookie))).isIn(401, 403);
  }

  @Test
  void housekeepingRunsOnOneNodeAtATime() throws Exception {
    String url = a.environment().get("GATEHOUSE_DATABASE_URL");
    try (java.sql.Connection other = java.sql.DriverManager.getConnection(url);
        java.sql.Statement statement = other.createStatement()) {
      // Another node is purging: it holds the lock.
      statement.execute(
          "SELECT pg_advisory_lock(" + dev.gatehouse.app.Gatehouse.HOUSEKEEPING_LOCK + ")");
      TestBrowser browser = a.browser();
      browser.signIn("alice", PASSWORD);
      browser.get("/");
      browser.post("/logout", Map.of());
      clock.advance(java.time.Duration.ofDays(400));
      assertThat(b.app().housekeeping()).as("skipped while the other node purges").isZero();
      statement.execute(
          "SELECT pg_advisory_unlock(" + dev.gatehouse.app.Gatehouse.HOUSEKEEPING_LOCK + ")");
      assertThat(b.app().housekeeping()).as("its turn: the ended session goes").isPositive();
    }
  }

  /** The first answer other than 200 within 5 s of real time, or the last 200. */
  private static int eventually(Check check) throws Exception {
    long until = System.nanoTime() + 5_000_000_000L;
    int status = check.status();
    while (status == 200 && System.nanoTime() < until) {
      Thread.sleep(20);
      status = check.status();
    }
    return status;
  }

  private interface Check {
    int status() throws Exception;
  }

  private static int verifyOn(TestGatehouse node, String credential) throws Exception {
    return RawHttp.send(
            node.port(),
            "GET /api/verify HTTP/1.1",
            "Host: 127.0.0.1",
            "X-Forwarded-Proto: https",
            "X-Forwarded-Host: app.example.com",
            "X-Forwarded-Uri: /reports",
            "X-Forwarded-Method: GET",
            credential)
        .status();
  }
}
