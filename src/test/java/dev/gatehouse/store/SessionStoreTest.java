package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.session.Session;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.StoreFixture;
import dev.gatehouse.testing.TestDatabases;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Sessions on both databases, with a settable clock. */
class SessionStoreTest {
  @TempDir Path dir;
  private Database database;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private Directory directory;

  private SessionService open(TestDatabases.Kind kind) {
    database = StoreFixture.open(kind, dir);
    directory =
        new Directory(
            new JdbcUsers(database),
            new JdbcGroups(database),
            new JdbcRoles(database),
            clock,
            new SecureRandom());
    return service();
  }

  private SessionService service() {
    return new SessionService(
        new JdbcSessions(database),
        clock,
        new SecureRandom(),
        Duration.ofHours(1),
        Duration.ofHours(24));
  }

  @AfterEach
  void close() {
    if (database != null) {
      database.close();
    }
  }

  static List<TestDatabases.Kind> kinds() {
    return TestDatabases.kinds();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aSignInEndsWholeWhicheverOfItsDomainsSessionsIsEnded(TestDatabases.Kind kind) {
    SessionService sessions = open(kind);
    User user = directory.addUser("amy", Optional.empty(), "", false);
    SessionService.Issued root = sessions.issue(user.id(), Set.of("pwd"), "ua", "127.0.0.1");
    SessionService.Issued org =
        sessions.issueChild(root.session().id(), "example.org", "ua", "127.0.0.1").get();
    SessionService.Issued net =
        sessions.issueChild(root.session().id(), "example.org", "ua", "127.0.0.1").get();
    assertThat(org.session().parentId()).isEqualTo(root.session().id());
    assertThat(org.session().expiresAt()).isEqualTo(root.session().expiresAt());
    assertThat(sessions.list(Optional.of(user.id())))
        .as("one sign-in is listed once")
        .extracting(Session::id)
        .containsExactly(root.session().id());
    assertThat(sessions.issueChild(org.session().id(), "example.org", "ua", "127.0.0.1"))
        .as("no grandchildren")
        .isEmpty();
    // Signing out on one further domain (its cookie) ends the sign-in and every domain's session.
    sessions.revokeToken(net.token());
    assertThat(sessions.resolve(root.token())).isEmpty();
    assertThat(sessions.resolve(org.token())).isEmpty();
    assertThat(sessions.issueChild(root.session().id(), "example.org", "ua", "127.0.0.1"))
        .isEmpty();

    SessionService.Issued second = sessions.issue(user.id(), Set.of("pwd"), "ua", "127.0.0.1");
    SessionService.Issued child =
        sessions.issueChild(second.session().id(), "example.org", "ua", "1").get();
    assertThat(sessions.revoke(child.session().id()))
        .as("a child is no sign-in of its own to revoke")
        .isZero();
    assertThat(sessions.revoke(second.session().id())).isEqualTo(1);
    assertThat(sessions.resolve(child.token())).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void storesOnlyTheHashOfTheToken(TestDatabases.Kind kind) {
    SessionService sessions = open(kind);
    User user = directory.addUser("amy", Optional.empty(), "", false);
    SessionService.Issued issued = sessions.issue(user.id(), Set.of("pwd"), "ua", "127.0.0.1");
    assertThat(issued.token()).hasSize(43);
    List<String> stored =
        database
            .jdbi()
            .withHandle(
                h -> h.createQuery("SELECT token_hash FROM sessions").mapTo(String.class).list());
    assertThat(stored).containsExactly(issued.session().tokenHash()).doesNotContain(issued.token());
    assertThat(sessions.resolve(issued.token())).map(Session::amr).contains(Set.of("pwd"));
    assertThat(issued.toString()).doesNotContain(issued.token());
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void idleSessionsExpireAndActivityKeepsThemAlive(TestDatabases.Kind kind) {
    SessionService sessions = open(kind);
    User user = directory.addUser("ben", Optional.empty(), "", false);
    String token = sessions.issue(user.id(), Set.of("pwd"), "", "").token();
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMinutes(50));
      assertThat(sessions.resolve(token)).as("active after %d × 50 min", i + 1).isPresent();
    }
    clock.advance(Duration.ofMinutes(61));
    assertThat(sessions.resolve(token)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void activityIsWrittenOffTheRequestPathAndAnotherNodeSeesItOnceWritten(TestDatabases.Kind kind) {
    open(kind);
    User user = directory.addUser("eve", Optional.empty(), "", false);
    try (JdbcSessions storeA = new JdbcSessions(database);
        JdbcSessions storeB = new JdbcSessions(database)) {
      SessionService a = node(storeA);
      SessionService b = node(storeB);
      String token = a.issue(user.id(), Set.of("pwd"), "", "").token();
      clock.advance(Duration.ofMinutes(50));
      assertThat(a.resolve(token)).isPresent(); // activity noted on A
      storeA.flushActivity(); // what A's writer does within a quarter of a second
      clock.advance(Duration.ofMinutes(50)); // 100 min after sign-in, 50 after the activity
      assertThat(b.resolve(token)).as("node B reads the activity A wrote").isPresent();
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void activityOnAFurtherDomainIsWrittenToItsSignInSoAnotherNodeKeepsTheSignInAlive(
      TestDatabases.Kind kind) {
    open(kind);
    User user = directory.addUser("fin", Optional.empty(), "", false);
    try (JdbcSessions storeA = new JdbcSessions(database);
        JdbcSessions storeB = new JdbcSessions(database)) {
      SessionService a = node(storeA);
      SessionService b = node(storeB);
      SessionService.Issued root = a.issue(user.id(), Set.of("pwd"), "", "");
      SessionService.Issued child =
          a.issueChild(root.session().id(), "example.org", "", "").orElseThrow();
      SessionService.Issued idle = a.issue(user.id(), Set.of("pwd"), "", "");
      clock.advance(Duration.ofMinutes(50));
      assertThat(a.resolve(child.token())).isPresent(); // activity on the further domain only
      storeA.flushActivity();
      clock.advance(Duration.ofMinutes(50));
      assertThat(b.resolve(root.token())).as("the sign-in, through its child").isPresent();
      assertThat(b.resolve(child.token())).isPresent();
      assertThat(b.resolve(idle.token())).as("untouched: idle").isEmpty();
    }
  }

  /** A node of its own over {@code store}: 1 h idle timeout, 24 h cap. */
  private SessionService node(JdbcSessions store) {
    return new SessionService(
        store, clock, new SecureRandom(), Duration.ofHours(1), Duration.ofHours(24));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void activityNeverExtendsPastTheAbsoluteCap(TestDatabases.Kind kind) {
    SessionService sessions = open(kind);
    User user = directory.addUser("cat", Optional.empty(), "", false);
    String token = sessions.issue(user.id(), Set.of("pwd"), "", "").token();
    for (int i = 0; i < 47; i++) {
      clock.advance(Duration.ofMinutes(30));
      assertThat(sessions.resolve(token)).isPresent();
    }
    clock.advance(Duration.ofMinutes(30)); // exactly 24 h after sign-in
    assertThat(sessions.resolve(token)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aRevocationByAnotherProcessIsHonouredWithinTheCacheLifetime(TestDatabases.Kind kind) {
    SessionService server = open(kind);
    User user = directory.addUser("dan", Optional.empty(), "", false);
    SessionService.Issued issued = server.issue(user.id(), Set.of("pwd"), "", "");
    assertThat(server.resolve(issued.token())).isPresent();

    SessionService cli = service(); // e.g. `gatehouse session revoke` against the same store
    assertThat(cli.revoke(issued.session().id())).isEqualTo(1);
    clock.advance(SessionService.CACHE_TTL.plusMillis(1));
    assertThat(server.resolve(issued.token())).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aSessionIsCachedOnlyFromItsSecondLookUpSoAnotherProcessRevokingItBeforeThatCountsAtOnce(
      TestDatabases.Kind kind) {
    SessionService server = open(kind);
    SessionService cli = service();
    User user = directory.addUser("dee", Optional.empty(), "", false);
    SessionService.Issued once = server.issue(user.id(), Set.of("pwd"), "", "");
    SessionService.Issued twice = server.issue(user.id(), Set.of("pwd"), "", "");
    assertThat(server.resolve(once.token())).isPresent();
    assertThat(server.resolve(twice.token())).isPresent();
    assertThat(server.resolve(twice.token())).isPresent();

    assertThat(cli.revoke(once.session().id())).isEqualTo(1);
    assertThat(cli.revoke(twice.session().id())).isEqualTo(1);
    assertThat(server.resolve(once.token())).isEmpty(); // never cached: the store said so
    assertThat(server.resolve(twice.token())).isPresent(); // cached, for at most CACHE_TTL
    clock.advance(SessionService.CACHE_TTL.plusMillis(1));
    assertThat(server.resolve(twice.token())).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aCachedSessionIsNeverServedLongerThanTheCacheLifetimeAfterItsLoadEvenWhenUseIsRecorded(
      TestDatabases.Kind kind) {
    SessionService server = open(kind); // idle 1 h: use is recorded once a minute
    SessionService cli = service();
    User user = directory.addUser("gil", Optional.empty(), "", false);
    SessionService.Issued issued = server.issue(user.id(), Set.of("pwd"), "", "");
    assertThat(server.resolve(issued.token())).isPresent(); // first sight
    clock.advance(Duration.ofMillis(59_500));
    assertThat(server.resolve(issued.token())).isPresent(); // loaded and cached now
    assertThat(cli.revoke(issued.session().id())).isEqualTo(1); // by another process
    clock.advance(Duration.ofMillis(600)); // a minute since the last recorded use
    assertThat(server.resolve(issued.token())).as("cached, use recorded").isPresent();
    clock.advance(Duration.ofMillis(500)); // 1.1 s after the load
    assertThat(server.resolve(issued.token()))
        .as("recording use does not extend how long the loaded answer is trusted")
        .isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void revokingHereIsImmediate(TestDatabases.Kind kind) {
    SessionService sessions = open(kind);
    User user = directory.addUser("eve", Optional.empty(), "", false);
    String a = sessions.issue(user.id(), Set.of("pwd"), "", "").token();
    String b = sessions.issue(user.id(), Set.of("pwd"), "", "").token();
    assertThat(sessions.resolve(a)).isPresent();
    sessions.revokeToken(a);
    assertThat(sessions.resolve(a)).isEmpty();
    assertThat(sessions.resolve(b)).isPresent();
    assertThat(sessions.revokeAll(user.id())).isEqualTo(1);
    assertThat(sessions.resolve(b)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void sessionsOfDisabledUsersAreRefused(TestDatabases.Kind kind) {
    SessionService sessions = open(kind);
    User user = directory.addUser("fay", Optional.empty(), "", false);
    String token = sessions.issue(user.id(), Set.of("pwd"), "", "").token();
    directory.setDisabled(user.id(), true);
    clock.advance(SessionService.CACHE_TTL.plusMillis(1));
    assertThat(sessions.resolve(token)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void malformedAndUnknownTokensResolveToNothing(TestDatabases.Kind kind) {
    SessionService sessions = open(kind);
    for (String token :
        List.of(
            "",
            "x",
            "a".repeat(43),
            "a".repeat(44),
            "'; DROP TABLE sessions; --",
            "é".repeat(43))) {
      assertThat(sessions.resolve(token)).as(token).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void anAmbiguousIdPrefixRevokesNothing(TestDatabases.Kind kind) {
    SessionService sessions = open(kind);
    User user = directory.addUser("gus", Optional.empty(), "", false);
    Session one = sessions.issue(user.id(), Set.of("pwd"), "", "").session();
    assertThat(sessions.revoke(one.id().substring(0, 8))).isEqualTo(1);
    assertThat(sessions.revoke("zzzzzzzz")).isZero();
    assertThat(sessions.list(Optional.of(user.id()))).isEmpty();
  }
}
