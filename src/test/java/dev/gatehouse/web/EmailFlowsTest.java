package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestSmtp;
import dev.gatehouse.testing.TestSmtp.Mail;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Address verification, address change and self sign-up end to end: real HTTP, a real SMTP server,
 * every link read from the delivered message.
 */
class EmailFlowsTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private TestSmtp smtp;
  private TestGatehouse gatehouse;

  private void start(Map<String, String> extra) throws Exception {
    smtp = TestSmtp.start();
    Map<String, String> settings = new HashMap<>(smtp.settings());
    settings.put("GATEHOUSE_SIGNIN_ADDRESS_FREE_ATTEMPTS", "1000");
    settings.putAll(extra);
    gatehouse = TestGatehouse.start(TestDatabases.Kind.SQLITE, dir, clock, settings);
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (smtp != null) {
      smtp.close();
    }
  }

  private User userWithPassword(String name) {
    User user =
        gatehouse.app().directory().addUser(name, Optional.of(name + "@example.com"), "", false);
    gatehouse.app().accounts().setPassword(user, PASSWORD);
    return user;
  }

  private User reload(User user) {
    return gatehouse.app().directory().findById(user.id()).orElseThrow();
  }

  private TestBrowser signedIn(String name) throws Exception {
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.signIn(name, PASSWORD).statusCode()).isEqualTo(303);
    browser.get("/account");
    return browser;
  }

  @Test
  void aVerificationLinkConfirmsTheAddressOnlyWhenItsButtonIsPressedAndOnlyOnce() throws Exception {
    start(Map.of());
    User alice = userWithPassword("alice");
    assertThat(alice.emailVerified()).isFalse();
    TestBrowser browser = signedIn("alice");
    assertThat(browser.get("/account").body()).contains("not confirmed yet");

    HttpResponse<String> asked = browser.post("/account/email/verify", Map.of());
    assertThat(asked.statusCode()).isEqualTo(303);
    List<Mail> mails = smtp.deliver(gatehouse);
    assertThat(mails)
        .singleElement()
        .satisfies(m -> assertThat(m.to()).isEqualTo("alice@example.com"));
    Mail mail = mails.get(0);
    assertThat(mail.link()).startsWith("/email/verify?token=");

    TestBrowser phone = gatehouse.browser();
    assertThat(phone.get(mail.link()).statusCode()).isEqualTo(200);
    assertThat(phone.get(mail.link()).statusCode()).as("GET never uses the link").isEqualTo(200);
    assertThat(reload(alice).emailVerified()).as("opening changes nothing").isFalse();

    HttpResponse<String> confirmed = phone.post("/email/verify", Map.of("token", mail.token()));
    assertThat(confirmed.statusCode()).isEqualTo(200);
    assertThat(confirmed.body()).contains("id=\"email-done\"");
    assertThat(reload(alice).emailVerified()).isTrue();
    assertThat(browser.get("/account").body()).contains("(confirmed)");
    assertThat(phone.post("/email/verify", Map.of("token", mail.token())).statusCode())
        .as("second use")
        .isEqualTo(400);
  }

  @Test
  void signingInByEmailLinkProvesTheAddress() throws Exception {
    start(Map.of());
    User bob = userWithPassword("bob");
    TestBrowser browser = gatehouse.browser();
    browser.get("/login/email");
    browser.post("/login/email", Map.of("email", "bob@example.com"));
    Mail mail = smtp.deliver(gatehouse).get(0);
    browser.get(mail.link());
    assertThat(browser.post("/login/email/confirm", Map.of("token", mail.token())).statusCode())
        .isEqualTo(303);
    assertThat(reload(bob).emailVerified()).isTrue();
  }

  @Test
  void changingTheAddressNeedsTheNewInboxAndTellsTheOldOne() throws Exception {
    start(Map.of());
    User carol = userWithPassword("carol");
    TestBrowser browser = signedIn("carol");

    assertThat(browser.post("/account/email", Map.of("email", "Carol@New.example")).statusCode())
        .isEqualTo(303);
    List<Mail> toNew = smtp.deliver(gatehouse);
    assertThat(toNew)
        .singleElement()
        .satisfies(m -> assertThat(m.to()).isEqualTo("carol@new.example"));
    assertThat(reload(carol).email())
        .as("nothing changes before the link")
        .contains("carol@example.com");

    TestBrowser other = gatehouse.browser();
    HttpResponse<String> page = other.get(toNew.get(0).link());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("carol@new.example");
    assertThat(reload(carol).email()).contains("carol@example.com");
    assertThat(other.post("/email/change", Map.of("token", toNew.get(0).token())).statusCode())
        .isEqualTo(200);

    User after = reload(carol);
    assertThat(after.email()).contains("carol@new.example");
    assertThat(after.emailVerified()).isTrue();
    List<Mail> notice = smtp.deliver(gatehouse);
    assertThat(notice)
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.to()).isEqualTo("carol@example.com");
              assertThat(m.subject()).contains("email address was changed");
              assertThat(m.whole()).contains("carol@new.example");
            });
    assertThat(other.post("/email/change", Map.of("token", toNew.get(0).token())).statusCode())
        .as("second use")
        .isEqualTo(400);
    assertThat(gatehouse.app().directory().findByEmail("carol@example.com")).isEmpty();
  }

  @Test
  void changingToAnAddressAnotherAccountHasRevealsNothingAndWarnsItsOwner() throws Exception {
    start(Map.of());
    User dave = userWithPassword("dave");
    userWithPassword("erin");
    TestBrowser browser = signedIn("dave");

    HttpResponse<String> taken =
        browser.post("/account/email", Map.of("email", "erin@example.com"));
    HttpResponse<String> fresh =
        signedIn("dave").post("/account/email", Map.of("email", "dave@elsewhere.example"));
    assertThat(taken.statusCode()).isEqualTo(fresh.statusCode()).isEqualTo(303);
    assertThat(TestBrowser.locationPath(taken)).isEqualTo(TestBrowser.locationPath(fresh));

    List<Mail> mails = smtp.deliver(gatehouse);
    Mail toErin =
        mails.stream().filter(m -> m.to().equals("erin@example.com")).findFirst().orElseThrow();
    assertThat(toErin.hasLink()).as("the owner gets a notice, not a link").isFalse();
    assertThat(toErin.subject()).contains("tried to use your address");
    assertThat(reload(dave).email()).contains("dave@example.com");
  }

  @Test
  void anEmailLinkSessionAloneMayNotChangeTheAddress() throws Exception {
    start(Map.of());
    userWithPassword("frank");
    TestBrowser browser = gatehouse.browser();
    browser.get("/login/email");
    browser.post("/login/email", Map.of("email", "frank@example.com"));
    Mail mail = smtp.deliver(gatehouse).get(0);
    browser.get(mail.link());
    browser.post("/login/email/confirm", Map.of("token", mail.token()));
    assertThat(browser.get("/account").body()).doesNotContain("id=\"change-email\"");
    assertThat(browser.post("/account/email", Map.of("email", "mallory@example.com")).statusCode())
        .isEqualTo(403);
    assertThat(smtp.deliver(gatehouse)).isEmpty();
  }

  @Test
  void signUpIsClosedByDefault() throws Exception {
    start(Map.of());
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.get("/register").statusCode()).isEqualTo(404);
    assertThat(browser.get("/login").body()).doesNotContain("id=\"signup-link\"");
    browser.get("/login");
    assertThat(browser.post("/register", Map.of("email", "new@example.com")).statusCode())
        .isEqualTo(404);
    assertThat(smtp.deliver(gatehouse)).isEmpty();
  }

  @Test
  void openSignUpCreatesAVerifiedAccountFromTheEmailedLink() throws Exception {
    start(Map.of("GATEHOUSE_REGISTRATION_POLICY", "open"));
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.get("/login").body()).contains("id=\"signup-link\"");
    browser.get("/register");
    HttpResponse<String> asked = browser.post("/register", Map.of("email", "Grace@Example.com"));
    assertThat(asked.statusCode()).isEqualTo(200);
    assertThat(asked.body()).contains("id=\"signup-sent\"");
    Mail mail = smtp.deliver(gatehouse).get(0);
    assertThat(mail.to()).isEqualTo("grace@example.com");
    assertThat(mail.link()).startsWith("/register/confirm?token=");
    assertThat(gatehouse.app().directory().findByEmail("grace@example.com"))
        .as("no account before the link is followed")
        .isEmpty();

    TestBrowser phone = gatehouse.browser();
    HttpResponse<String> form = phone.get(mail.link());
    assertThat(form.statusCode()).isEqualTo(200);
    assertThat(form.body()).contains("grace@example.com", "value=\"grace\"");
    assertThat(phone.get(mail.link()).statusCode()).as("GET never uses the link").isEqualTo(200);
    assertThat(
            phone
                .post(
                    "/register/confirm",
                    Map.of("token", mail.token(), "username", "grace", "password", "short"))
                .statusCode())
        .isEqualTo(400);
    HttpResponse<String> created =
        phone.post(
            "/register/confirm",
            Map.of("token", mail.token(), "username", "grace", "password", PASSWORD));
    assertThat(created.statusCode()).isEqualTo(303);
    assertThat(TestBrowser.locationPath(created)).startsWith("/account");
    assertThat(phone.get("/account").body()).contains("id=\"add-passkey\"");

    User grace = gatehouse.app().directory().findByUsername("grace").orElseThrow();
    assertThat(grace.email()).contains("grace@example.com");
    assertThat(grace.emailVerified()).isTrue();
    assertThat(grace.admin()).isFalse();
    assertThat(gatehouse.browser().signIn("grace", PASSWORD).statusCode()).isEqualTo(303);
    assertThat(
            gatehouse
                .browser()
                .post(
                    "/register/confirm",
                    Map.of("token", mail.token(), "username", "grace2", "password", PASSWORD))
                .statusCode())
        .as("second use")
        .isIn(400, 403);
  }

  @Test
  void signingUpWithAKnownAddressAnswersTheSameAndSendsTheOwnerANotice() throws Exception {
    start(Map.of("GATEHOUSE_REGISTRATION_POLICY", "open"));
    userWithPassword("heidi");
    TestBrowser browser = gatehouse.browser();
    browser.get("/register");
    HttpResponse<String> known = browser.post("/register", Map.of("email", "heidi@example.com"));
    browser.get("/register");
    HttpResponse<String> unknown = browser.post("/register", Map.of("email", "ivan@example.com"));
    assertThat(known.statusCode()).isEqualTo(unknown.statusCode()).isEqualTo(200);
    assertThat(
            known
                .body()
                .replace("heidi@example.com", "X")
                .replaceAll("name=\"csrf\" value=\"[^\"]+\"", ""))
        .isEqualTo(
            unknown
                .body()
                .replace("ivan@example.com", "X")
                .replaceAll("name=\"csrf\" value=\"[^\"]+\"", ""));

    List<Mail> mails = smtp.deliver(gatehouse);
    assertThat(mails).hasSize(2);
    Mail toHeidi =
        mails.stream().filter(m -> m.to().equals("heidi@example.com")).findFirst().orElseThrow();
    assertThat(toHeidi.hasLink()).as("a notice, no sign-up link").isFalse();
    assertThat(toHeidi.subject()).contains("tried to sign up");
    assertThat(gatehouse.app().directory().findByUsername("heidi").orElseThrow().email())
        .contains("heidi@example.com");
  }

  @Test
  void domainSignUpAcceptsOnlyTheListedDomains() throws Exception {
    start(
        Map.of(
            "GATEHOUSE_REGISTRATION_POLICY", "domains",
            "GATEHOUSE_REGISTRATION_DOMAINS", "example.com, corp.example"));
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.get("/register").body()).contains("example.com, corp.example");
    HttpResponse<String> outside = browser.post("/register", Map.of("email", "judy@gmail.example"));
    assertThat(outside.statusCode()).isEqualTo(400);
    assertThat(outside.body()).contains("open to addresses at example.com, corp.example only");
    browser.get("/register");
    HttpResponse<String> lookalike =
        browser.post("/register", Map.of("email", "judy@evil-example.com"));
    assertThat(lookalike.statusCode()).isEqualTo(400);
    browser.get("/register");
    assertThat(browser.post("/register", Map.of("email", "judy@corp.example")).statusCode())
        .isEqualTo(200);
    assertThat(smtp.deliver(gatehouse))
        .singleElement()
        .satisfies(m -> assertThat(m.to()).isEqualTo("judy@corp.example"));
  }

  @Test
  void aTakenUsernameKeepsTheSignUpLinkWorkingAndAPasskeyOnlyAccountNeedsNoPassword()
      throws Exception {
    start(Map.of("GATEHOUSE_REGISTRATION_POLICY", "open"));
    userWithPassword("ken");
    TestBrowser browser = gatehouse.browser();
    browser.get("/register");
    browser.post("/register", Map.of("email", "ken@other.example"));
    Mail mail = smtp.deliver(gatehouse).get(0);
    browser.get(mail.link());
    HttpResponse<String> taken =
        browser.post(
            "/register/confirm",
            Map.of("token", mail.token(), "username", "ken", "password", PASSWORD));
    assertThat(taken.statusCode()).isEqualTo(400);
    assertThat(taken.body()).contains("username is taken");
    HttpResponse<String> created =
        browser.post(
            "/register/confirm",
            Map.of("token", mail.token(), "username", "ken2", "passkey_only", "yes"));
    assertThat(created.statusCode()).isEqualTo(303);
    User ken2 = gatehouse.app().directory().findByUsername("ken2").orElseThrow();
    assertThat(gatehouse.app().accounts().hasPassword(ken2.id())).isFalse();
    assertThat(browser.get("/account").body()).contains("id=\"add-passkey\"");
  }

  @Test
  void aSignUpLinkExpiresAfterADay() throws Exception {
    start(Map.of("GATEHOUSE_REGISTRATION_POLICY", "open"));
    TestBrowser browser = gatehouse.browser();
    browser.get("/register");
    browser.post("/register", Map.of("email", "liz@example.com"));
    Mail mail = smtp.deliver(gatehouse).get(0);
    clock.advance(Duration.ofHours(24).plusSeconds(1));
    assertThat(browser.get(mail.link()).statusCode()).isEqualTo(400);
  }
}
