package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The portal over real HTTP on both databases: setup, sign-in, sessions, sign-out. */
class PortalFlowTest {
  static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;
  private TestGatehouse gatehouse;
  private final MutableClock clock = MutableClock.atFixedInstant();

  static List<TestDatabases.Kind> kinds() {
    return TestDatabases.kinds();
  }

  private TestGatehouse start(TestDatabases.Kind kind) throws Exception {
    gatehouse = TestGatehouse.start(kind, dir, clock, Map.of());
    return gatehouse;
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
  }

  private User user(String name) {
    User user = gatehouse.app().directory().addUser(name, Optional.empty(), "", false);
    gatehouse.app().accounts().setPassword(user, PASSWORD);
    return user;
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void setupCreatesTheFirstAdministratorExactlyOnce(TestDatabases.Kind kind) throws Exception {
    start(kind);
    String token = gatehouse.app().setup().issueIfNeeded().orElseThrow();
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.get("/setup?token=" + token).statusCode()).isEqualTo(200);
    Map<String, String> form =
        Map.of(
            "token",
            token,
            "username",
            "root",
            "email",
            "root@example.com",
            "display_name",
            "Root",
            "password",
            PASSWORD);
    HttpResponse<String> created = browser.post("/setup", form);
    assertThat(created.statusCode()).isEqualTo(303);
    assertThat(TestBrowser.locationPath(created)).isEqualTo("/login?setup=done");
    assertThat(gatehouse.app().directory().findByUsername("root")).map(User::admin).contains(true);

    assertThat(
            browser
                .post("/setup", Map.of("token", token, "username", "evil", "password", PASSWORD))
                .statusCode())
        .isEqualTo(400);
    assertThat(browser.get("/setup?token=" + token).statusCode()).isEqualTo(400);
    assertThat(gatehouse.app().setup().issueIfNeeded()).isEmpty();
    assertThat(browser.signIn("root", PASSWORD).statusCode()).isEqualTo(303);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void setupRefusesAWeakPasswordAndKeepsTheLinkUsable(TestDatabases.Kind kind) throws Exception {
    start(kind);
    String token = gatehouse.app().setup().issueIfNeeded().orElseThrow();
    TestBrowser browser = gatehouse.browser();
    browser.get("/setup?token=" + token);
    HttpResponse<String> weak =
        browser.post("/setup", Map.of("token", token, "username", "root", "password", "short"));
    assertThat(weak.statusCode()).isEqualTo(400);
    assertThat(weak.body()).contains("Use a password of 15 to 256 characters.");
    assertThat(browser.get("/setup?token=" + token).statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void anExpiredSetupLinkIsRefused(TestDatabases.Kind kind) throws Exception {
    start(kind);
    String token = gatehouse.app().setup().issueIfNeeded().orElseThrow();
    clock.advance(Duration.ofMinutes(31));
    assertThat(gatehouse.browser().get("/setup?token=" + token).statusCode()).isEqualTo(400);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void signInSetsASharedSecureCookieAndSignOutEndsTheSession(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    user("alice");
    TestBrowser browser = gatehouse.browser();
    HttpResponse<String> signedIn = browser.signIn("alice", PASSWORD);
    assertThat(signedIn.statusCode()).isEqualTo(303);
    assertThat(signedIn.headers().firstValue("Location")).contains("https://auth.example.com/");
    assertThat(TestBrowser.setCookies(signedIn))
        .anySatisfy(
            c ->
                assertThat(c)
                    .startsWith(TestGatehouse.SESSION_COOKIE + "=")
                    .contains(
                        "Secure", "HttpOnly", "SameSite=Lax", "Domain=example.com", "Path=/"));
    String token = browser.sessionCookie().orElseThrow();
    HttpResponse<String> home = browser.get("/");
    assertThat(home.statusCode()).isEqualTo(200);
    assertThat(home.body()).contains("id=\"signed-in-user\">alice<");

    HttpResponse<String> out = browser.post("/logout", Map.of());
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(TestBrowser.locationPath(out)).isEqualTo("/login?signed_out=1");
    assertThat(browser.get("/").statusCode()).isEqualTo(302);

    browser.cookies().put(TestGatehouse.SESSION_COOKIE, token); // replay the old cookie
    assertThat(browser.get("/").statusCode()).isEqualTo(302);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void sessionsSurviveARestart(TestDatabases.Kind kind) throws Exception {
    start(kind);
    user("bob");
    TestBrowser browser = gatehouse.browser();
    browser.signIn("bob", PASSWORD);
    gatehouse.restart();
    assertThat(browser.get("/").statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void parallelGuessesAreThrottledPerAccount(TestDatabases.Kind kind) throws Exception {
    start(kind);
    user("carol");
    TestBrowser browser = gatehouse.browser();
    browser.get("/login");
    List<Integer> statuses = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(12)) {
      List<Future<HttpResponse<String>>> results = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String body =
            TestBrowser.encode(
                Map.of(
                    "csrf",
                    browser.csrf(),
                    "username",
                    "carol",
                    "password",
                    "wrong password " + i));
        results.add(
            pool.submit(
                () ->
                    browser.send(
                        browser
                            .request("/login")
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .header("Origin", TestGatehouse.PUBLIC_ORIGIN)
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                            .build())));
      }
      for (Future<HttpResponse<String>> result : results) {
        statuses.add(result.get().statusCode());
      }
    }
    assertThat(statuses.stream().filter(s -> s == 401)).hasSize(6);
    assertThat(statuses.stream().filter(s -> s == 429)).hasSize(24);
    HttpResponse<String> right =
        browser.post("/login", Map.of("username", "carol", "password", PASSWORD));
    assertThat(right.statusCode()).isEqualTo(429);
    assertThat(right.headers().firstValue("Retry-After")).isPresent();

    clock.advance(Duration.ofSeconds(2));
    assertThat(
            browser.post("/login", Map.of("username", "carol", "password", PASSWORD)).statusCode())
        .isEqualTo(303);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void unknownUsersWrongPasswordsAndDisabledUsersGetIdenticalAnswers(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    user("dave");
    User disabled = user("erin");
    gatehouse.app().accounts().disable(disabled);
    TestBrowser browser = gatehouse.browser();
    browser.get("/login");
    HttpResponse<String> unknown =
        browser.post("/login", Map.of("username", "nobody", "password", PASSWORD));
    HttpResponse<String> wrong =
        browser.post("/login", Map.of("username", "nobody", "password", "not the password"));
    HttpResponse<String> wrongKnown =
        browser.post("/login", Map.of("username", "dave", "password", "not the password"));
    HttpResponse<String> disabledAnswer =
        browser.post("/login", Map.of("username", "erin", "password", PASSWORD));
    for (HttpResponse<String> answer : List.of(wrong, wrongKnown, disabledAnswer)) {
      assertThat(answer.statusCode()).isEqualTo(unknown.statusCode()).isEqualTo(401);
      assertThat(anonymised(answer.body())).isEqualTo(anonymised(unknown.body()));
      assertThat(withoutDate(answer)).isEqualTo(withoutDate(unknown));
    }
  }

  /** The page echoes the typed username; everything else must be byte-identical. */
  private static String anonymised(String body) {
    return body.replaceAll("value=\"(nobody|dave|erin)\"", "value=\"X\"");
  }

  private static Map<String, List<String>> withoutDate(HttpResponse<String> response) {
    Map<String, List<String>> headers = new java.util.TreeMap<>(response.headers().map());
    headers.remove("date");
    headers.remove("content-length");
    return headers;
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aSignInNeverAdoptsASessionIdTheBrowserBrought(TestDatabases.Kind kind) throws Exception {
    start(kind);
    user("fay");
    TestBrowser browser = gatehouse.browser();
    browser.signIn("fay", PASSWORD);
    String first = browser.sessionCookie().orElseThrow();
    browser.get("/"); // a signed-in page's form carries a session-bound CSRF token
    browser.post("/login", Map.of("username", "fay", "password", PASSWORD));
    String second = browser.sessionCookie().orElseThrow();
    assertThat(second).isNotEqualTo(first);

    TestBrowser attacker = gatehouse.browser();
    attacker.cookies().put(TestGatehouse.SESSION_COOKIE, first);
    assertThat(attacker.get("/").statusCode()).as("the replaced session is gone").isEqualTo(302);

    TestBrowser planted = gatehouse.browser();
    String plantedValue = "A".repeat(43);
    planted.cookies().put(TestGatehouse.SESSION_COOKIE, plantedValue);
    planted.signIn("fay", PASSWORD);
    assertThat(planted.sessionCookie()).isPresent().get().isNotEqualTo(plantedValue);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void idleExpiryAndRevocationEndSessionsOnTheServer(TestDatabases.Kind kind) throws Exception {
    start(kind);
    User gus = user("gus");
    TestBrowser idle = gatehouse.browser();
    idle.signIn("gus", PASSWORD);
    TestBrowser revoked = gatehouse.browser();
    revoked.signIn("gus", PASSWORD);
    assertThat(revoked.get("/").statusCode()).isEqualTo(200);

    String revokedId =
        gatehouse.app().sessions().list(Optional.of(gus.id())).stream()
            .filter(
                s ->
                    s.tokenHash()
                        .equals(
                            dev.gatehouse.kernel.Tokens.sha256Hex(
                                revoked.sessionCookie().orElseThrow())))
            .findFirst()
            .orElseThrow()
            .id();
    gatehouse.app().sessions().revoke(revokedId);
    assertThat(revoked.get("/").statusCode()).isEqualTo(302);

    clock.advance(Duration.ofMinutes(61));
    assertThat(idle.get("/").statusCode()).isEqualTo(302);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void guessesAcrossAccountsAreThrottledPerClientAddress(TestDatabases.Kind kind) throws Exception {
    gatehouse =
        TestGatehouse.start(
            kind, dir, clock, Map.of("GATEHOUSE_SIGNIN_ADDRESS_FREE_ATTEMPTS", "3"));
    user("hal");
    TestBrowser browser = gatehouse.browser();
    browser.get("/login");
    List<Integer> fromOneClient = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      fromOneClient.add(
          signInFrom(browser, "198.51.100.7", "user" + i, "wrong password").statusCode());
    }
    assertThat(fromOneClient).containsExactly(401, 401, 401, 401, 429);
    assertThat(signInFrom(browser, "198.51.100.8", "hal", PASSWORD).statusCode())
        .as("another client behind the same trusted proxy is not affected")
        .isEqualTo(303);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void afterSignInTheBrowserReturnsToTheValidatedPageItCameFrom(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    user("ivy");
    TestBrowser browser = gatehouse.browser();
    String back = "https://wiki.example.com/page?id=7";
    HttpResponse<String> form =
        browser.get(
            "/login?rd="
                + java.net.URLEncoder.encode(back, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(form.body()).contains("name=\"rd\" value=\"https://wiki.example.com/page?id=7\"");
    HttpResponse<String> signedIn =
        browser.post("/login", Map.of("username", "ivy", "password", PASSWORD, "rd", back));
    assertThat(signedIn.headers().firstValue("Location")).contains(back);

    TestBrowser other = gatehouse.browser();
    other.get("/login");
    HttpResponse<String> hostile =
        other.post(
            "/login",
            Map.of("username", "ivy", "password", PASSWORD, "rd", "https://evil.example.net/"));
    assertThat(hostile.headers().firstValue("Location")).contains("https://auth.example.com/");
  }

  /** A sign-in as forwarded by the trusted local proxy for {@code client}. */
  private static HttpResponse<String> signInFrom(
      TestBrowser browser, String client, String username, String password) throws Exception {
    String body =
        TestBrowser.encode(
            Map.of("csrf", browser.csrf(), "username", username, "password", password));
    return browser.send(
        browser
            .request("/login")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", TestGatehouse.PUBLIC_ORIGIN)
            .header("X-Forwarded-For", client)
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
            .build());
  }
}
