package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The account page: sessions and password change, over real HTTP. */
class AccountTest {
  static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;
  private TestGatehouse gatehouse;

  @BeforeEach
  void start() throws Exception {
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE, dir, MutableClock.atFixedInstant(), Map.of());
    User alice =
        gatehouse.app().directory().addUser("alice", Optional.of("alice@example.com"), "", false);
    gatehouse.app().accounts().setPassword(alice, PASSWORD);
  }

  @AfterEach
  void stop() {
    gatehouse.close();
  }

  @Test
  void aUserSeesItsSessionsAndEndsOneOrAllOthers() throws Exception {
    TestBrowser laptop = gatehouse.browser();
    laptop.signIn("alice", PASSWORD);
    TestBrowser phone = gatehouse.browser();
    phone.signIn("alice", PASSWORD);
    TestBrowser tablet = gatehouse.browser();
    tablet.signIn("alice", PASSWORD);

    HttpResponse<String> page = laptop.get("/account");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("(this browser)");
    Matcher ids = Pattern.compile("name=\"id\" value=\"([0-9a-f]{16})\"").matcher(page.body());
    assertThat(ids.find()).isTrue();
    assertThat(laptop.post("/account/sessions/revoke", Map.of("id", ids.group(1))).statusCode())
        .isEqualTo(303);
    int alive =
        (phone.get("/").statusCode() == 200 ? 1 : 0)
            + (tablet.get("/").statusCode() == 200 ? 1 : 0);
    assertThat(alive).isEqualTo(1);

    laptop.get("/account");
    laptop.post("/account/sessions/revoke-others", Map.of());
    assertThat(phone.get("/").statusCode()).isEqualTo(302);
    assertThat(tablet.get("/").statusCode()).isEqualTo(302);
    assertThat(laptop.get("/").statusCode()).isEqualTo(200);
  }

  @Test
  void changingThePasswordNeedsTheCurrentOneAndEndsOtherSessions() throws Exception {
    TestBrowser laptop = gatehouse.browser();
    laptop.signIn("alice", PASSWORD);
    TestBrowser phone = gatehouse.browser();
    phone.signIn("alice", PASSWORD);
    laptop.get("/account");
    HttpResponse<String> wrong =
        laptop.post(
            "/account/password", Map.of("current", "not it", "password", "a brand new passphrase"));
    assertThat(wrong.statusCode()).isEqualTo(400);
    HttpResponse<String> weak =
        laptop.post("/account/password", Map.of("current", PASSWORD, "password", "short"));
    assertThat(weak.statusCode()).isEqualTo(400);
    HttpResponse<String> done =
        laptop.post(
            "/account/password", Map.of("current", PASSWORD, "password", "a brand new passphrase"));
    assertThat(done.statusCode()).isEqualTo(303);
    assertThat(laptop.get("/").statusCode()).isEqualTo(200);
    assertThat(phone.get("/").statusCode()).isEqualTo(302);
    assertThat(gatehouse.browser().signIn("alice", "a brand new passphrase").statusCode())
        .isEqualTo(303);
    assertThat(gatehouse.browser().signIn("alice", PASSWORD).statusCode()).isEqualTo(401);
    assertThat(gatehouse.app().outbox().list(10))
        .as("the owner is told, in case it was not them")
        .anySatisfy(
            mail -> {
              assertThat(mail.recipient()).isEqualTo("alice@example.com");
              assertThat(mail.subject()).isEqualTo("Your Gatehouse password was changed");
            });
  }

  @Test
  void theCurrentPasswordCheckIsThrottledLikeSignInSoAStolenSessionCannotGuess() throws Exception {
    TestBrowser stolen = gatehouse.browser();
    stolen.signIn("alice", PASSWORD);
    stolen.get("/account");
    int refused = 0;
    for (int guess = 0; guess < 8; guess++) {
      HttpResponse<String> answer =
          stolen.post(
              "/account/password",
              Map.of("current", "guess number " + guess, "password", "a brand new passphrase"));
      if (answer.statusCode() == 429) {
        refused++;
        assertThat(answer.headers().firstValue("Retry-After")).isPresent();
      } else {
        assertThat(answer.statusCode()).isEqualTo(400);
      }
    }
    assertThat(refused).as("guesses after the free ones are refused unchecked").isGreaterThan(0);
    assertThat(
            stolen
                .post(
                    "/account/password",
                    Map.of("current", PASSWORD, "password", "a brand new passphrase"))
                .statusCode())
        .as("even the right one, while the back-off lasts")
        .isEqualTo(429);
    assertThat(gatehouse.browser().signIn("alice", PASSWORD).statusCode())
        .as("the same per-account budget as sign-in")
        .isEqualTo(429);
  }

  @Test
  void anotherUsersSessionCannotBeEnded() throws Exception {
    User bob = gatehouse.app().directory().addUser("bob", Optional.empty(), "", false);
    gatehouse.app().accounts().setPassword(bob, PASSWORD);
    TestBrowser bobs = gatehouse.browser();
    bobs.signIn("bob", PASSWORD);
    String bobSession = gatehouse.app().sessions().list(Optional.of(bob.id())).get(0).id();
    TestBrowser alice = gatehouse.browser();
    alice.signIn("alice", PASSWORD);
    alice.get("/account");
    alice.post("/account/sessions/revoke", Map.of("id", bobSession));
    assertThat(bobs.get("/").statusCode()).isEqualTo(200);
  }
}
