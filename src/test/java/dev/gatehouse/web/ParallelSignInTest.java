package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real sign-ins at the same moment from one address — several users, and one user on several
 * devices — with correct passwords are never throttled and never fail, on both databases.
 */
class ParallelSignInTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;

  /** The real time: the race that refused correct passwords needs a clock that moves. */
  private final MutableClock clock = MutableClock.ticking();

  private TestGatehouse gatehouse;

  static List<TestDatabases.Kind> kinds() {
    return TestDatabases.kinds();
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void correctPasswordsSignedInTogetherAreNeverRefusedOrFailed(TestDatabases.Kind kind)
      throws Exception {
    gatehouse = TestGatehouse.start(kind, dir, clock, Map.of());
    List<String> names = List.of("ann", "ben", "cat", "dan", "eve", "fay");
    for (String name : names) {
      User user = gatehouse.app().directory().addUser(name, Optional.empty(), name, false);
      gatehouse.app().accounts().setPassword(user, PASSWORD);
    }
    List<String> attempts = new ArrayList<>(names);
    for (int device = 0; device < 4; device++) {
      attempts.add("ann"); // one user on several devices too
    }
    for (int round = 0; round < 3; round++) {
      List<Integer> statuses = signInTogether(attempts);
      assertThat(statuses).as("round %d", round).containsOnly(303);
    }
  }

  private List<Integer> signInTogether(List<String> users) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> answers = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(users.size())) {
      for (String user : users) {
        var browser = gatehouse.browser();
        browser.get("/login"); // its pre-session cookie and CSRF token, before the race
        Callable<Integer> signIn =
            () -> {
              start.await();
              return browser.signIn(user, PASSWORD).statusCode();
            };
        answers.add(pool.submit(signIn));
      }
      start.countDown();
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> answer : answers) {
        statuses.add(answer.get());
      }
      return statuses;
    }
  }
}
