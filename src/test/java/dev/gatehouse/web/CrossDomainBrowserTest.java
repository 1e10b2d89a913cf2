package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestChromium;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestProxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * A real Chromium on sites of two registrable domains, over Gatehouse's own TLS: the portal on
 * {@code auth.example.com}, an app on {@code app.example.org} behind Gatehouse's proxy mode. The
 * browser's own cookie rules decide what reaches where, so this proves the hand-off where a test
 * cookie jar could only agree with us.
 */
class CrossDomainBrowserTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;
  private EchoUpstream upstream;
  private TestGatehouse gatehouse;
  private ChromeDriver browser;

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void oneSignInOpensAppsOnBothDomainsAndOneSignOutClosesThem() throws Exception {
    browser = TestChromium.startForDomains();
    upstream = EchoUpstream.start();
    int port = TestProxy.freePort();
    String portal = "https://auth.example.com:" + port;
    String app = "https://app.example.org:" + port;
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of(
                "GATEHOUSE_SERVER_LISTEN",
                "127.0.0.1:" + port,
                "GATEHOUSE_SERVER_PUBLIC_URL",
                portal,
                "GATEHOUSE_SERVER_TLS",
                "on",
                "GATEHOUSE_SESSION_MORE_DOMAINS",
                "[{domain: example.org, portal-url: 'https://auth.example.org:" + port + "'}]",
                "GATEHOUSE_PROXY_ROUTES",
                "[{from: '" + app + "', to: 'http://" + upstream.address() + "', auth: session}]",
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [app.example.org], policy: authenticated}]",
                "GATEHOUSE_SERVER_TRUSTED_PROXIES",
                "10.9.9.9/32"));
    User alice = gatehouse.app().directory().addUser("alice", Optional.empty(), "Alice", false);
    gatehouse.app().accounts().setPassword(alice, PASSWORD);

    // Signed out, the app on the other domain sends the browser to the portal's sign-in.
    browser.get(app + "/inbox?folder=1");
    TestChromium.awaitElement(browser, By.id("password"));
    assertThat(browser.getCurrentUrl()).startsWith(portal + "/login?rd=");
    browser.findElement(By.id("username")).sendKeys("alice");
    browser.findElement(By.id("password")).sendKeys(PASSWORD);
    browser.findElement(By.cssSelector("form[action='/login'] button[type=submit]")).click();
    // Signed in, the browser comes back to the app through the hand-off, with the app's cookie.
    TestChromium.awaitUrl(browser, app + "/inbox?folder=1");
    assertThat(browser.getPageSource()).contains("upstream saw /inbox?folder=1");
    assertThat(upstream.last().header("Remote-User")).isEqualTo("alice");
    Cookie there = browser.manage().getCookieNamed("__Secure-gatehouse_session");
    assertThat(there).isNotNull();
    assertThat(there.getDomain()).isEqualTo(".example.org");
    assertThat(there.isHttpOnly()).isTrue();
    assertThat(there.isSecure()).isTrue();

    // A second visit needs no hand-off.
    browser.get(app + "/again");
    TestChromium.awaitUrl(browser, app + "/again");
    assertThat(upstream.seen()).extracting(EchoUpstream.Seen::uri).contains("/again");

    // Signing out on the portal closes the app on the other domain at once.
    browser.get(portal + "/");
    TestChromium.awaitElement(browser, By.cssSelector("form[action='/logout'] button"));
    browser.findElement(By.cssSelector("form[action='/logout'] button")).click();
    TestChromium.awaitUrl(browser, portal + "/login?signed_out=1");
    browser.get(app + "/after");
    TestChromium.awaitElement(browser, By.id("password"));
    assertThat(browser.getCurrentUrl()).startsWith(portal + "/login?rd=");
    assertThat(upstream.seen()).extracting(EchoUpstream.Seen::uri).doesNotContain("/after");
  }
}
