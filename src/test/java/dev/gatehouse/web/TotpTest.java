package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import com.google.common.io.BaseEncoding;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TOTP enrolment and two-factor sign-in over real HTTP with a settable clock. */
class TotpTest {
  static final String PASSWORD = "correct horse battery staple";
  static final String RULES = "[{hosts: [secure.example.com], policy: two-factor}]";

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private TestGatehouse gatehouse;
  private User alice;

  @BeforeEach
  void start() throws Exception {
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE, dir, clock, Map.of("GATEHOUSE_ACCESS_RULES", RULES));
    alice = gatehouse.app().directory().addUser("alice", Optional.empty(), "", false);
    gatehouse.app().accounts().setPassword(alice, PASSWORD);
  }

  @AfterEach
  void stop() {
    gatehouse.close();
  }

  private String code(String secret) throws Exception {
    return new TimeBasedOneTimePasswordGenerator(Duration.ofSeconds(30), 6, "HmacSHA1")
        .generateOneTimePasswordString(
            new SecretKeySpec(BaseEncoding.base32().decode(secret), "HmacSHA1"), clock.instant());
  }

  /** Enrols through the account page; returns the secret and the recovery codes. */
  private Map.Entry<String, List<String>> enrol() throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.signIn("alice", PASSWORD);
    HttpResponse<String> page = browser.get("/account/totp");
    Matcher secret = Pattern.compile("id=\"totp-secret\">([A-Z2-7]+)<").matcher(page.body());
    assertThat(secret.find()).isTrue();
    assertThat(page.body()).contains("<svg");
    HttpResponse<String> confirmed =
        browser.post("/account/totp", Map.of("code", code(secret.group(1))));
    assertThat(confirmed.statusCode()).isEqualTo(200);
    List<String> codes =
        Pattern.compile("<code>([A-Z2-7]{10})</code>")
            .matcher(confirmed.body())
            .results()
            .map(m -> m.group(1))
            .toList();
    assertThat(codes).hasSize(10);
    return Map.entry(secret.group(1), codes);
  }

  @Test
  void afterEnrolmentAPasswordAloneNoLongerSignsIn() throws Exception {
    String secret = enrol().getKey();
    TestBrowser browser = gatehouse.browser();
    HttpResponse<String> password = browser.signIn("alice", PASSWORD);
    assertThat(password.statusCode()).isEqualTo(303);
    assertThat(TestBrowser.locationPath(password)).isEqualTo("/login/totp");
    assertThat(browser.sessionCookie()).isEmpty();
    assertThat(browser.get("/").statusCode()).isEqualTo(302);

    browser.get("/login/totp");
    assertThat(browser.post("/login/totp", Map.of("code", "000000")).statusCode()).isEqualTo(401);
    clock.advance(Duration.ofSeconds(30));
    HttpResponse<String> done = browser.post("/login/totp", Map.of("code", code(secret)));
    assertThat(done.statusCode()).isEqualTo(303);
    assertThat(browser.get("/").statusCode()).isEqualTo(200);
    assertThat(gatehouse.app().sessions().list(Optional.of(alice.id())))
        .anySatisfy(s -> assertThat(s.amr()).containsExactlyInAnyOrder("pwd", "otp", "mfa"));

    TestBrowser replay = gatehouse.browser();
    replay.signIn("alice", PASSWORD);
    replay.get("/login/totp");
    assertThat(replay.post("/login/totp", Map.of("code", code(secret))).statusCode())
        .as("replayed code")
        .isEqualTo(401);
    clock.advance(Duration.ofSeconds(30));
    assertThat(replay.post("/login/totp", Map.of("code", code(secret))).statusCode())
        .isEqualTo(303);
  }

  @Test
  void aRecoveryCodeWorksExactlyOnce() throws Exception {
    List<String> codes = enrol().getValue();
    TestBrowser browser = gatehouse.browser();
    browser.signIn("alice", PASSWORD);
    browser.get("/login/totp");
    assertThat(browser.post("/login/totp", Map.of("code", codes.get(3))).statusCode())
        .isEqualTo(303);
    TestBrowser again = gatehouse.browser();
    again.signIn("alice", PASSWORD);
    again.get("/login/totp");
    assertThat(again.post("/login/totp", Map.of("code", codes.get(3))).statusCode()).isEqualTo(401);
    assertThat(gatehouse.app().totp().recoveryCodesLeft(alice.id())).isEqualTo(9);
  }

  @Test
  void theSeedIsEncryptedAtRest() throws Exception {
    String secret = enrol().getKey();
    String stored =
        gatehouse
            .app()
            .database()
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT secret FROM totp_enrollments").mapTo(String.class).one());
    assertThat(stored).doesNotContain(secret);
    assertThat(
            new String(
                BaseEncoding.base64().decode(stored), java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain(
            new String(
                BaseEncoding.base32().decode(secret),
                java.nio.charset.StandardCharsets.ISO_8859_1));
  }

  @Test
  void aMagicLinkSessionCannotChangeSignInMethods() throws Exception {
    TestBrowser browser = gatehouse.browser();
    String token =
        gatehouse.app().sessions().issue(alice.id(), Set.of("email"), "", "127.0.0.1").token();
    browser.cookies().put(TestGatehouse.SESSION_COOKIE, token);
    assertThat(browser.get("/").statusCode()).isEqualTo(200);
    assertThat(browser.get("/account/totp").statusCode()).isEqualTo(403);
    HttpResponse<String> start =
        browser.send(
            browser
                .request("/passkeys/register/start")
                .header("Content-Type", "application/json")
                .header("Origin", TestGatehouse.PUBLIC_ORIGIN)
                .header("X-CSRF-Token", browser.csrf())
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
    assertThat(start.statusCode()).isEqualTo(403);

    TestBrowser old = gatehouse.browser();
    old.signIn("alice", PASSWORD);
    clock.advance(Duration.ofMinutes(31));
    assertThat(old.get("/account/totp").statusCode())
        .as("a password session too old for step-up")
        .isEqualTo(403);
  }

  @Test
  void theTwoFactorPolicyAcceptsPasswordPlusCodeButNotAPasswordAlone() throws Exception {
    String secret = enrol().getKey();
    String passwordOnly =
        gatehouse.app().sessions().issue(alice.id(), Set.of("pwd"), "", "").token();
    TestBrowser browser = gatehouse.browser();
    browser.signIn("alice", PASSWORD);
    browser.get("/login/totp");
    clock.advance(Duration.ofSeconds(30));
    browser.post("/login/totp", Map.of("code", code(secret)));
    String both = browser.sessionCookie().orElseThrow();
    assertThat(verify(passwordOnly)).isEqualTo(403);
    assertThat(verify(both)).isEqualTo(200);
  }

  private int verify(String token) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/api/verify"))
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "secure.example.com")
                .header("X-Forwarded-Uri", "/")
                .header("X-Forwarded-Method", "GET")
                .header("Cookie", TestGatehouse.SESSION_COOKIE + "=" + token)
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
