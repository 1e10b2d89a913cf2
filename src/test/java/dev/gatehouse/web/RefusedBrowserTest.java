package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import com.google.common.io.BaseEncoding;
import dev.gatehouse.identity.User;
import dev.gatehouse.signin.totp.TotpService;
import dev.gatehouse.testing.CliRunner;
import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestChromium;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestProxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * A person in Chromium, through real Caddy and nginx running the printed snippets, refused by an
 * access rule: they land on a Gatehouse page that says who is signed in and lets them switch user,
 * and a {@code two-factor} rule walks them through a step-up instead of a bare 403.
 */
class RefusedBrowserTest {
  static final String PASSWORD = "correct horse battery staple";
  static final String RULES =
      """
      [
        {hosts: [localhost], paths: [/admin], subjects: ["group:admins"], policy: authenticated},
        {hosts: [localhost], paths: [/admin], policy: deny},
        {hosts: [localhost], paths: [/secure], policy: two-factor},
        {hosts: [localhost], policy: authenticated}
      ]
      """;

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Clock.systemUTC().instant());
  private TestGatehouse gatehouse;
  private EchoUpstream upstream;
  private TestProxy proxy;
  private ChromeDriver browser;

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (gatehouse != null) {
      gatehouse.close();
    }
  }

  private String portal;
  private String app;

  private void start(TestProxy.Kind kind) throws Exception {
    TestProxy.requireInstalled(kind);
    int gatehousePort = TestProxy.freePort();
    int proxyPort = TestProxy.freePort();
    // Cookies are shared across ports: the portal's session reaches the app behind the proxy.
    portal = "http://localhost:" + gatehousePort;
    app = "http://localhost:" + proxyPort;
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("gatehouse"),
            clock,
            Map.of(
                "GATEHOUSE_SERVER_LISTEN",
                "127.0.0.1:" + gatehousePort,
                "GATEHOUSE_SERVER_PUBLIC_URL",
                portal,
                "GATEHOUSE_SESSION_COOKIE_DOMAIN",
                "",
                "GATEHOUSE_ACCESS_RULES",
                RULES));
    upstream = EchoUpstream.start();
    CliRunner.Result snippet =
        new CliRunner(gatehouse.environment(), dir, clock)
            .run(
                "snippet",
                kind.toString(),
                "--host",
                "localhost",
                "--upstream",
                upstream.address(),
                "--gatehouse",
                "127.0.0.1:" + gatehousePort,
                "--http-port",
                String.valueOf(proxyPort));
    assertThat(snippet.status()).as(snippet.err()).isZero();
    proxy = TestProxy.start(kind, snippet.out(), proxyPort, dir.resolve("proxy"));
    browser = TestChromium.start();
  }

  private User user(String name, boolean admin) {
    User user = gatehouse.app().directory().addUser(name, Optional.empty(), name, false);
    gatehouse.app().accounts().setPassword(user, PASSWORD);
    if (admin) {
      if (!gatehouse.app().directory().listGroups().contains("admins")) {
        gatehouse.app().directory().addGroup("admins");
      }
      gatehouse.app().directory().addMember("admins", name);
    }
    return user;
  }

  private void typePassword(String username) {
    browser.findElement(By.id("username")).clear();
    browser.findElement(By.id("username")).sendKeys(username);
    browser.findElement(By.id("password")).sendKeys(PASSWORD);
    browser.findElement(By.cssSelector("form[action='/login'] button[type=submit]")).click();
  }

  private void awaitPath(String prefix) throws InterruptedException {
    for (int i = 0; i < 100 && !browser.getCurrentUrl().startsWith(prefix); i++) {
      Thread.sleep(100);
    }
    assertThat(browser.getCurrentUrl()).startsWith(prefix);
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void aRefusedUserSeesWhoIsSignedInAndCanSwitchToAnAccountThatMay(TestProxy.Kind kind)
      throws Exception {
    start(kind);
    user("bob", false);
    user("root", true);
    browser.get(app + "/admin/panel");
    awaitPath(portal + "/login?rd=");
    typePassword("bob");
    awaitPath(portal + "/denied?rd=");
    assertThat(browser.findElement(By.id("signed-in-user")).getText()).isEqualTo("bob");
    assertThat(browser.findElement(By.id("refused-url")).getText()).isEqualTo(app + "/admin/panel");
    assertThat(upstream.seen()).isEmpty();

    browser.findElement(By.id("switch-user")).click();
    awaitPath(portal + "/login?rd=");
    typePassword("root");
    TestChromium.awaitUrl(browser, app + "/admin/panel");
    assertThat(browser.getPageSource()).contains("upstream saw /admin/panel");
    assertThat(upstream.last().header("Remote-User")).isEqualTo("root");
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void aTwoFactorRuleOffersTheSecondFactorAndReturnsToThePage(TestProxy.Kind kind)
      throws Exception {
    start(kind);
    User carol = user("carol", false);
    browser.get(app + "/secure/report");
    awaitPath(portal + "/login?rd=");
    typePassword("carol"); // a password alone: no second factor yet
    awaitPath(portal + "/login?step_up=1");
    assertThat(browser.findElement(By.cssSelector("p.notice")).getText())
        .contains("asks for a second factor");
    assertThat(upstream.seen()).isEmpty();

    // carol adds an authenticator app (as she would on her account page), then steps up.
    TotpService totp = gatehouse.app().totp();
    String secret = totp.startEnrollment(carol).secretBase32();
    assertThat(totp.confirmEnrollment(carol.id(), code(secret))).isPresent();
    clock.advance(Duration.ofSeconds(30)); // a new time step: codes are single-use
    browser.get(app + "/secure/report");
    awaitPath(portal + "/login?step_up=1");
    typePassword("carol");
    awaitPath(portal + "/login/totp");
    browser.findElement(By.id("code")).sendKeys(code(secret));
    browser.findElement(By.cssSelector("form button[type=submit]")).click();
    TestChromium.awaitUrl(browser, app + "/secure/report");
    assertThat(browser.getPageSource()).contains("upstream saw /secure/report");
    assertThat(upstream.last().header("Remote-User")).isEqualTo("carol");
  }

  private String code(String secret) throws Exception {
    return new TimeBasedOneTimePasswordGenerator(Duration.ofSeconds(30), 6, "HmacSHA1")
        .generateOneTimePasswordString(
            new SecretKeySpec(BaseEncoding.base32().decode(secret), "HmacSHA1"), clock.instant());
  }
}
