package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.signin.Throttle;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.StoreFixture;
import dev.gatehouse.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Back-off on both databases, including a burst of parallel attempts. */
class ThrottleStoreTest {
  @TempDir Path dir;
  private Database database;
  private final MutableClock clock = MutableClock.atFixedInstant();

  private Throttle open(TestDatabases.Kind kind) {
    database = StoreFixture.open(kind, dir);
    return new Throttle(
        new JdbcThrottle(database), clock, Duration.ofMinutes(15), Duration.ofMinutes(15));
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
  void parallelAttemptsCannotSlipPastTheLimit(TestDatabases.Kind kind) throws Exception {
    Throttle throttle = open(kind);
    int allowed = 0;
    try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
      List<Future<Throttle.Verdict>> results = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        results.add(pool.submit(() -> throttle.attempt("account:victim", 5)));
      }
      for (Future<Throttle.Verdict> result : results) {
        if (result.get() instanceof Throttle.Allowed) {
          allowed++;
        }
      }
    }
    // Five free attempts, then the sixth starts a back-off that refuses everything after it.
    assertThat(allowed).isEqualTo(6);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void attemptsRacingResetsNeverFailAndRetryAfterIsRoundedUp(TestDatabases.Kind kind)
      throws Exception {
    Throttle throttle = open(kind);
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<?>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        results.add(
            i % 2 == 0
                ? pool.submit(() -> throttle.attempt("account:busy", 1000))
                : pool.submit(() -> throttle.reset("account:busy")));
      }
      for (Future<?> result : results) {
        result.get(); // a row deleted between create and lock used to throw here
      }
    }
    for (int i = 0; i < 6; i++) {
      throttle.attempt("account:late", 5);
    }
    clock.advance(Duration.ofSeconds(1));
    assertThat(throttle.attempt("account:late", 5)).isInstanceOf(Throttle.Allowed.class);
    clock.advance(Duration.ofMillis(400));
    Throttle.Verdict blocked = throttle.attempt("account:late", 5);
    assertThat(blocked).isInstanceOf(Throttle.Blocked.class);
    // The seventh attempt started a 2 s block; 1.6 s are left: the client is told 2 s, not 1.
    assertThat(((Throttle.Blocked) blocked).retryAfter()).isEqualTo(Duration.ofSeconds(2));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void backOffDoublesAndThenLetsOneAttemptThrough(TestDatabases.Kind kind) {
    Throttle throttle = open(kind);
    for (int i = 0; i < 5; i++) {
      assertThat(throttle.attempt("k", 5)).isInstanceOf(Throttle.Allowed.class);
    }
    assertThat(throttle.attempt("k", 5)).isInstanceOf(Throttle.Allowed.class); // 6th: 1 s back-off
    assertThat(throttle.attempt("k", 5)).isEqualTo(new Throttle.Blocked(Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(1));
    assertThat(throttle.attempt("k", 5)).isInstanceOf(Throttle.Allowed.class); // 7th: 2 s
    clock.advance(Duration.ofSeconds(1));
    assertThat(throttle.attempt("k", 5)).isEqualTo(new Throttle.Blocked(Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(1));
    assertThat(throttle.attempt("k", 5)).isInstanceOf(Throttle.Allowed.class);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void theWindowForgetsOldFailuresAndResetForgetsAll(TestDatabases.Kind kind) {
    Throttle throttle = open(kind);
    for (int i = 0; i < 6; i++) {
      throttle.attempt("a", 5);
    }
    assertThat(throttle.attempt("a", 5)).isInstanceOf(Throttle.Blocked.class);
    clock.advance(Duration.ofMinutes(16));
    assertThat(throttle.attempt("a", 5)).isInstanceOf(Throttle.Allowed.class);

    for (int i = 0; i < 6; i++) {
      throttle.attempt("b", 5);
    }
    throttle.reset("b");
    assertThat(throttle.attempt("b", 5)).isInstanceOf(Throttle.Allowed.class);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void backOffIsCappedAtTheMaximum(TestDatabases.Kind kind) {
    Throttle throttle = open(kind);
    for (int i = 0; i < 20; i++) {
      // Wait out each back-off exactly, then try again: the counter keeps growing.
      if (throttle.attempt("c", 1) instanceof Throttle.Blocked blocked) {
        clock.advance(blocked.retryAfter());
        assertThat(throttle.attempt("c", 1)).isInstanceOf(Throttle.Allowed.class);
      }
    }
    assertThat(throttle.attempt("c", 1)).isEqualTo(new Throttle.Blocked(Duration.ofMinutes(15)));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void purgeDeletesOnlyCountersTheWindowHasForgotten(TestDatabases.Kind kind) {
    Throttle throttle = open(kind);
    for (int i = 0; i < 6; i++) {
      throttle.attempt("old", 5);
    }
    clock.advance(Duration.ofMinutes(20));
    throttle.attempt("fresh", 5);
    assertThat(throttle.purge()).isEqualTo(1);
    long left =
        database
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT COUNT(*) FROM throttle_counters")
                        .mapTo(Long.class)
                        .one());
    assertThat(left).isEqualTo(1L);
  }
}
