package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestProxy;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Magic links end to end through a real SMTP server (GreenMail, in-process) and real HTTP. */
class MagicLinkTest {
  private static final Pattern LINK =
      Pattern.compile(
          "https://auth\\.example\\.com(/(?:login/email/confirm|reset|security/not-me|invite)\\?token=[A-Za-z0-9_-]{43})");

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private GreenMail smtp;
  private TestGatehouse gatehouse;
  private int smtpPort;

  private void start(boolean smtpUp) throws Exception {
    smtpPort = TestProxy.freePort();
    if (smtpUp) {
      startSmtp();
    }
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir,
            clock,
            Map.of(
                "GATEHOUSE_MAIL_SMTP_HOST", "127.0.0.1",
                "GATEHOUSE_MAIL_SMTP_PORT", Integer.toString(smtpPort),
                "GATEHOUSE_MAIL_SMTP_SECURITY", "none",
                "GATEHOUSE_MAIL_FROM", "Gatehouse <auth@example.com>",
                "GATEHOUSE_SIGNIN_ADDRESS_FREE_ATTEMPTS", "1000"));
  }

  private void startSmtp() {
    smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (smtp != null) {
      smtp.stop();
    }
  }

  private User user(String name) {
    return gatehouse.app().directory().addUser(name, Optional.of(name + "@example.com"), "", false);
  }

  private HttpResponse<String> requestLink(TestBrowser browser, String email) throws Exception {
    browser.get("/login/email");
    return browser.post("/login/email", Map.of("email", email));
  }

  private List<String> deliveredLinks() {
    gatehouse.app().mailWorker().deliverDue();
    List<String> links = new ArrayList<>();
    for (MimeMessage message : smtp.getReceivedMessages()) {
      String whole = GreenMailUtil.getWholeMessage(message);
      Matcher matcher = LINK.matcher(whole);
      assertThat(matcher.find()).as("a link in the message:\n%s", whole).isTrue();
      links.add(matcher.group(1));
    }
    return links;
  }

  @Test
  void openingTheLinkDoesNotSignInPostingFromItsPageDoesOnce() throws Exception {
    start(true);
    user("alice");
    TestBrowser browser = gatehouse.browser();
    HttpResponse<String> asked = requestLink(browser, "Alice@Example.com");
    assertThat(asked.statusCode()).isEqualTo(200);
    assertThat(asked.body()).contains("id=\"link-sent\"");
    String link = deliveredLinks().get(0);
    MimeMessage message = smtp.getReceivedMessages()[0];
    assertThat(message.getAllRecipients()[0].toString()).isEqualTo("alice@example.com");
    assertThat(message.getHeader("Message-ID")[0]).endsWith("@auth.example.com>");

    assertThat(browser.get(link).statusCode()).isEqualTo(200);
    HttpResponse<String> again = browser.get(link);
    assertThat(again.statusCode()).as("GET never consumes").isEqualTo(200);
    assertThat(again.body()).doesNotContain("id=\"other-device\"");
    assertThat(browser.sessionCookie()).isEmpty();

    String token = link.substring(link.indexOf("token=") + 6);
    HttpResponse<String> signedIn = browser.post("/login/email/confirm", Map.of("token", token));
    assertThat(signedIn.statusCode()).isEqualTo(303);
    assertThat(browser.get("/").body()).contains("id=\"signed-in-user\">alice<");

    TestBrowser replay = gatehouse.browser();
    replay.get("/login");
    assertThat(
            replay
                .post("/login/email/confirm", Map.of("token", token, "other_device", "yes"))
                .statusCode())
        .as("second use")
        .isEqualTo(400);
    assertThat(browser.get(link).statusCode()).isEqualTo(400);
  }

  @Test
  void unknownAddressesGetTheSameAnswerAndNoMail() throws Exception {
    start(true);
    user("bob");
    TestBrowser browser = gatehouse.browser();
    HttpResponse<String> known = requestLink(browser, "bob@example.com");
    HttpResponse<String> unknown = requestLink(browser, "nobody@example.com");
    assertThat(unknown.statusCode()).isEqualTo(known.statusCode());
    assertThat(unknown.body().replace("nobody@example.com", "X"))
        .isEqualTo(known.body().replace("bob@example.com", "X"));
    assertThat(deliveredLinks()).hasSize(1);
  }

  @Test
  void aLinkOpenedInAnotherBrowserAsksBeforeSigningIn() throws Exception {
    start(true);
    user("carol");
    requestLink(gatehouse.browser(), "carol@example.com");
    String link = deliveredLinks().get(0);
    String token = link.substring(link.indexOf("token=") + 6);
    TestBrowser other = gatehouse.browser();
    HttpResponse<String> page = other.get(link);
    assertThat(page.body()).contains("id=\"other-device\"");
    HttpResponse<String> unconfirmed = other.post("/login/email/confirm", Map.of("token", token));
    assertThat(unconfirmed.statusCode()).isEqualTo(200);
    assertThat(other.sessionCookie()).isEmpty();
    assertThat(
            other
                .post("/login/email/confirm", Map.of("token", token, "other_device", "yes"))
                .statusCode())
        .isEqualTo(303);
    assertThat(other.sessionCookie()).isPresent();
  }

  @Test
  void aNewRequestInvalidatesTheOlderLinkAndLinksExpire() throws Exception {
    start(true);
    user("dave");
    TestBrowser browser = gatehouse.browser();
    requestLink(browser, "dave@example.com");
    requestLink(browser, "dave@example.com");
    List<String> links = deliveredLinks();
    assertThat(links).hasSize(2);
    assertThat(browser.get(links.get(0)).statusCode()).isEqualTo(400);
    assertThat(browser.get(links.get(1)).statusCode()).isEqualTo(200);
    clock.advance(Duration.ofMinutes(9));
    assertThat(browser.get(links.get(1)).statusCode()).isEqualTo(200);
    clock.advance(Duration.ofMinutes(1));
    assertThat(browser.get(links.get(1)).statusCode()).as("ten minutes by default").isEqualTo(400);
  }

  @Test
  void whileSmtpIsDownRequestsSucceedAndEveryMessageArrivesOnceAfterARestart() throws Exception {
    start(false);
    for (int i = 0; i < 50; i++) {
      user("user" + i);
    }
    TestBrowser browser = gatehouse.browser();
    for (int i = 0; i < 50; i++) {
      assertThat(requestLink(browser, "user" + i + "@example.com").statusCode()).isEqualTo(200);
    }
    assertThat(gatehouse.app().mailWorker().deliverDue()).isZero();
    assertThat(gatehouse.app().outbox().list(100))
        .hasSize(50)
        .allSatisfy(row -> assertThat(row.status()).isEqualTo("pending"));

    gatehouse.restart();
    startSmtp();
    clock.advance(Duration.ofSeconds(10)); // past the first back-off
    assertThat(gatehouse.app().mailWorker().deliverDue()).isEqualTo(50);
    assertThat(gatehouse.app().mailWorker().deliverDue()).isZero();
    assertThat(smtp.getReceivedMessages()).hasSize(50);
    assertThat(
            List.of(smtp.getReceivedMessages()).stream()
                .map(
                    m -> {
                      try {
                        return m.getAllRecipients()[0].toString();
                      } catch (jakarta.mail.MessagingException e) {
                        throw new IllegalStateException(e);
                      }
                    })
                .distinct())
        .hasSize(50);
  }

  @Test
  void aMessageWhoseLinkExpiredIsNotSent() throws Exception {
    start(false);
    user("erin");
    requestLink(gatehouse.browser(), "erin@example.com");
    gatehouse.app().mailWorker().deliverDue();
    startSmtp();
    clock.advance(Duration.ofMinutes(16));
    assertThat(gatehouse.app().mailWorker().deliverDue()).isZero();
    assertThat(smtp.getReceivedMessages()).isEmpty();
    assertThat(gatehouse.app().outbox().list(10).get(0).status()).isEqualTo("expired");
  }

  @Test
  void aPasswordResetLinkSetsANewPasswordOnceAndEndsEverySession() throws Exception {
    start(true);
    User frank = user("frank");
    gatehouse.app().accounts().setPassword(frank, "the old passphrase 123");
    TestBrowser signedIn = gatehouse.browser();
    assertThat(signedIn.signIn("frank", "the old passphrase 123").statusCode()).isEqualTo(303);

    TestBrowser browser = gatehouse.browser();
    browser.get("/reset/request");
    HttpResponse<String> asked =
        browser.post("/reset/request", Map.of("email", "frank@example.com"));
    HttpResponse<String> unknown =
        browser.post("/reset/request", Map.of("email", "nobody@example.com"));
    assertThat(asked.body()).contains("id=\"reset-sent\"");
    assertThat(unknown.statusCode()).isEqualTo(asked.statusCode());
    assertThat(unknown.body().replace("nobody@example.com", "X"))
        .isEqualTo(asked.body().replace("frank@example.com", "X"));
    String link = deliveredLinks().get(0);
    assertThat(link).startsWith("/reset?token=");
    String token = link.substring(link.indexOf("token=") + 6);

    assertThat(browser.get(link).statusCode()).isEqualTo(200);
    assertThat(browser.get("/login/email/confirm?token=" + token).statusCode())
        .as("a reset link is no sign-in link")
        .isEqualTo(400);
    HttpResponse<String> weak = browser.post("/reset", Map.of("token", token, "password", "short"));
    assertThat(weak.statusCode()).isEqualTo(400);
    HttpResponse<String> done =
        browser.post("/reset", Map.of("token", token, "password", "the new passphrase 456"));
    assertThat(done.statusCode()).isEqualTo(303);
    assertThat(TestBrowser.locationPath(done)).isEqualTo("/login?reset=done");
    assertThat(browser.sessionCookie()).as("a reset signs nobody in").isEmpty();

    assertThat(signedIn.get("/").statusCode()).as("old sessions ended").isEqualTo(302);
    assertThat(gatehouse.browser().signIn("frank", "the old passphrase 123").statusCode())
        .isEqualTo(401);
    assertThat(gatehouse.browser().signIn("frank", "the new passphrase 456").statusCode())
        .isEqualTo(303);
    gatehouse.app().mailWorker().deliverDue();
    assertThat(smtp.getReceivedMessages())
        .as("a notice of the reset, without a link that acts")
        .anySatisfy(
            m -> {
              assertThat(m.getSubject()).isEqualTo("Your Gatehouse password was reset");
              assertThat(com.icegreen.greenmail.util.GreenMailUtil.getBody(m))
                  .contains("https://auth.example.com/reset/request")
                  .doesNotContain("token=");
            });
    assertThat(
            browser
                .post("/reset", Map.of("token", token, "password", "a third passphrase 789"))
                .statusCode())
        .as("second use")
        .isEqualTo(400);
  }

  @Test
  void aSignInFromANewBrowserSendsAnAlertWhoseLinkEndsEverything() throws Exception {
    start(true);
    User gina = user("gina");
    gatehouse.app().accounts().setPassword(gina, "gina's long passphrase");
    TestBrowser usual = gatehouse.browser();
    assertThat(usual.signIn("gina", "gina's long passphrase").statusCode()).isEqualTo(303);
    assertThat(gatehouse.browser().signIn("gina", "gina's long passphrase").statusCode())
        .isEqualTo(303);
    assertThat(deliveredLinks()).as("first and known browsers: no alert").isEmpty();
    var key = gatehouse.app().apiKeys().createPersonal(gina.id(), "", List.of(), Optional.empty());

    TestBrowser stranger = gatehouse.browser();
    stranger.get("/login");
    HttpResponse<String> signedIn =
        stranger.send(
            stranger
                .request("/login")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", TestGatehouse.PUBLIC_ORIGIN)
                .header("User-Agent", "Mozilla/5.0 (Stranger's Machine)")
                .POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        TestBrowser.encode(
                            Map.of(
                                "csrf",
                                stranger.csrf(),
                                "username",
                                "gina",
                                "password",
                                "gina's long passphrase"))))
                .build());
    assertThat(signedIn.statusCode()).isEqualTo(303);
    List<String> links = deliveredLinks();
    assertThat(links).hasSize(1);
    String body = GreenMailUtil.getWholeMessage(smtp.getReceivedMessages()[0]);
    assertThat(body).contains("Stranger's Machine", "New sign-in");
    String link = links.get(0);
    assertThat(link).startsWith("/security/not-me?token=");

    TestBrowser inbox = gatehouse.browser();
    assertThat(inbox.get(link).statusCode()).isEqualTo(200);
    assertThat(usual.get("/").statusCode()).as("GET changes nothing").isEqualTo(200);
    String token = link.substring(link.indexOf("token=") + 6);
    assertThat(inbox.post("/security/not-me", Map.of("token", token)).body())
        .contains("id=\"not-me-done\"");
    assertThat(usual.get("/").statusCode()).isEqualTo(302);
    assertThat(stranger.get("/").statusCode()).isEqualTo(302);
    assertThat(gatehouse.app().apiKeys().authenticate(key.key())).isEmpty();
    assertThat(gatehouse.app().audit().list(Optional.of(gina.id()), 50))
        .anySatisfy(e -> assertThat(e.kind()).isEqualTo("security.not-me"));
    assertThat(inbox.post("/security/not-me", Map.of("token", token)).statusCode())
        .as("second use")
        .isEqualTo(400);
  }

  @Test
  void anInvitationSetsUpAnAccountWithAPasswordOrForAPasskeyOnce() throws Exception {
    start(true);
    gatehouse.app().invitations().invite("Ivan@Example.com", Optional.empty(), false);
    gatehouse.app().invitations().invite("jane@example.com", Optional.of("jane"), false);
    List<String> links = deliveredLinks();
    assertThat(links).hasSize(2).allSatisfy(l -> assertThat(l).startsWith("/invite?token="));
    assertThat(gatehouse.app().directory().findByUsername("ivan")).isPresent();

    TestBrowser ivan = gatehouse.browser();
    String ivanLink = links.get(0);
    HttpResponse<String> welcome = ivan.get(ivanLink);
    assertThat(welcome.statusCode()).isEqualTo(200);
    String who = welcome.body().contains("Welcome, ivan") ? "ivan" : "jane";
    String token = ivanLink.substring(ivanLink.indexOf("token=") + 6);
    assertThat(ivan.get(ivanLink).statusCode()).as("GET never consumes").isEqualTo(200);
    assertThat(ivan.post("/invite", Map.of("token", token, "password", "short")).statusCode())
        .isEqualTo(400);
    HttpResponse<String> passkeyOnly =
        ivan.post("/invite", Map.of("token", token, "passkey_only", "yes"));
    assertThat(passkeyOnly.statusCode()).isEqualTo(303);
    assertThat(TestBrowser.locationPath(passkeyOnly)).isEqualTo("/account");
    assertThat(ivan.get("/account").body()).as("may add a passkey").contains("id=\"add-passkey\"");
    assertThat(
            gatehouse
                .browser()
                .post("/invite", Map.of("token", token, "passkey_only", "yes"))
                .statusCode())
        .as("second use")
        .isIn(400, 403);

    String other = links.get(1);
    String otherName = who.equals("ivan") ? "jane" : "ivan";
    TestBrowser second = gatehouse.browser();
    second.get(other);
    assertThat(
            second
                .post(
                    "/invite",
                    Map.of(
                        "token",
                        other.substring(other.indexOf("token=") + 6),
                        "password",
                        "a fine new passphrase"))
                .statusCode())
        .isEqualTo(303);
    assertThat(gatehouse.browser().signIn(otherName, "a fine new passphrase").statusCode())
        .isEqualTo(303);
  }

  @Test
  void aLinkAskedForFromASignInWithAReturnAddressGoesBackThereInTheSameBrowser() throws Exception {
    start(true);
    user("amy");
    TestBrowser browser = gatehouse.browser();
    String rd = "https://auth.example.com/account";
    HttpResponse<String> login =
        browser.get("/login?rd=" + java.net.URLEncoder.encode(rd, "UTF-8"));
    assertThat(login.body()).contains("/login/email?rd=");
    HttpResponse<String> form =
        browser.get("/login/email?rd=" + java.net.URLEncoder.encode(rd, "UTF-8"));
    assertThat(form.body()).contains("name=\"rd\" value=\"" + rd + "\"");
    browser.post("/login/email", Map.of("email", "amy@example.com", "rd", rd));
    String link = deliveredLinks().get(0);
    browser.get(link);
    HttpResponse<String> signedIn =
        browser.post(
            "/login/email/confirm", Map.of("token", link.substring(link.indexOf("token=") + 6)));
    assertThat(signedIn.statusCode()).isEqualTo(303);
    assertThat(signedIn.headers().firstValue("Location")).contains(rd);

    TestBrowser evil = gatehouse.browser();
    evil.get("/login/email");
    evil.post(
        "/login/email", Map.of("email", "amy@example.com", "rd", "https://evil.example.net/"));
    String second = deliveredLinks().get(1);
    evil.get(second);
    HttpResponse<String> home =
        evil.post(
            "/login/email/confirm",
            Map.of("token", second.substring(second.indexOf("token=") + 6)));
    assertThat(home.headers().firstValue("Location"))
        .as("a return address outside our domain is dropped")
        .contains("https://auth.example.com/");
  }
}
