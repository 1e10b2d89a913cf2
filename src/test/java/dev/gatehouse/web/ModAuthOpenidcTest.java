package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.TestApache;
import dev.gatehouse.testing.TestChromium;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestProxy;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Apache httpd with mod_auth_openidc — a certified relying party we did not write — signs a user in
 * through Gatehouse in a real Chromium, with the configuration the README shows (over plain http on
 * loopback, plus the response mode and the claims passed as JSON): code + PKCE, userinfo by POST,
 * an explicit refresh, back-channel logout and RP-initiated logout.
 */
class ModAuthOpenidcTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static final String SECRET = "apache-client-secret-0123456789-abcdef";

  @TempDir Path dir;

  @ParameterizedTest(name = "response mode {0}")
  @ValueSource(strings = {"query", "form_post"})
  void modAuthOpenidcSignsInRefreshesAndIsLoggedOutBothWays(String responseMode) throws Exception {
    TestApache.requireInstalled();
    int apachePort = TestProxy.freePort();
    String app = "http://localhost:" + apachePort;
    Path secret = dir.resolve("apache.secret");
    Files.writeString(secret, SECRET);
    String clients =
        "[{id: apache, name: 'Team Wiki', secret-file: '"
            + secret
            + "', redirect-uris: ['"
            + app
            + "/protected/redirect_uri'], post-logout-redirect-uris: ['"
            + app
            + "/loggedout'], backchannel-logout-uri: '"
            + app
            + "/protected/redirect_uri?logout=backchannel', refresh-reuse-grace: 10s}]";
    ChromeDriver browser = TestChromium.start();
    try (EchoUpstream upstream = EchoUpstream.start();
        TestGatehouse gatehouse =
            TestGatehouse.startForBrowser(
                dir.resolve("data"), Map.of("GATEHOUSE_OIDC_CLIENTS", clients))) {
      String origin = gatehouse.publicOrigin();
      User alice =
          gatehouse
              .app()
              .directory()
              .addUser("alice", Optional.of("alice@example.com"), "Alice Liddell", false);
      gatehouse.app().accounts().setPassword(alice, PASSWORD);
      String site =
          "OIDCProviderMetadataURL "
              + origin
              + "/.well-known/openid-configuration\n"
              + "OIDCClientID apache\n"
              + "OIDCClientSecret "
              + SECRET
              + "\n"
              + "OIDCRedirectURI "
              + app
              + "/protected/redirect_uri\n"
              + "OIDCCryptoPassphrase a-passphrase-for-the-test-only\n"
              + "OIDCPKCEMethod S256\n"
              + "OIDCScope \"openid profile email\"\n"
              + "OIDCResponseMode "
              + responseMode
              + "\n"
              + "OIDCUserInfoTokenMethod post_param\n"
              + "OIDCPassUserInfoAs json\n"
              + "OIDCRemoteUserClaim preferred_username\n"
              + "OIDCRefreshAccessTokenBeforeExpiry 60\n"
              + "<Location /protected>\n"
              + "  AuthType openid-connect\n"
              + "  Require valid-user\n"
              + "  ProxyPass http://"
              + upstream.address()
              + "/app\n"
              + "</Location>\n"
              + "<Location /loggedout>\n"
              + "  ProxyPass http://"
              + upstream.address()
              + "/loggedout\n"
              + "</Location>\n";
      try (TestApache apache = TestApache.start(site, apachePort)) {
        // Sign in: the wiki sends the browser to Gatehouse, which asks for the password and
        // consent, then back to the wiki's original page.
        browser.get(app + "/protected/page");
        TestChromium.awaitElement(browser, By.id("password"));
        assertThat(browser.getCurrentUrl()).startsWith(origin + "/login");
        browser.findElement(By.id("username")).sendKeys("alice");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.cssSelector("form[action='/login'] button[type=submit]")).click();
        TestChromium.awaitElement(browser, By.id("consent-allow"));
        browser.findElement(By.id("consent-allow")).click();
        awaitUpstream(browser, app + "/protected/page", apache);
        EchoUpstream.Seen first = upstream.last();
        assertThat(first.header("oidc_claim_preferred_username")).isEqualTo("alice");
        assertThat(first.header("oidc_claim_email")).isEqualTo("alice@example.com");
        assertThat(first.header("oidc_userinfo_json"))
            .as("userinfo answered the access token sent in the POST body")
            .contains("\"email\":\"alice@example.com\"");
        String accessToken = first.header("oidc_access_token");
        assertThat(accessToken).isNotBlank();

        // Refresh: mod_auth_openidc's refresh hook redeems the refresh token at Gatehouse.
        browser.get(
            app
                + "/protected/redirect_uri?refresh="
                + URLEncoder.encode(app + "/protected/refreshed", StandardCharsets.UTF_8)
                + "&access_token="
                + accessToken);
        awaitUpstream(browser, app + "/protected/refreshed", apache);
        String refreshed = upstream.last().header("oidc_access_token");
        assertThat(refreshed).isNotBlank().isNotEqualTo(accessToken);

        // Back-channel logout: signing out at Gatehouse ends the wiki's session too.
        browser.get(origin + "/");
        browser.findElement(By.cssSelector("form[action='/logout'] button")).click();
        TestChromium.awaitUrl(browser, origin + "/login?signed_out=1");
        assertSentToSignIn(browser, app + "/protected/page", origin);

        // RP-initiated logout: the wiki's logout link ends the Gatehouse session and comes back.
        browser.findElement(By.id("username")).sendKeys("alice");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.cssSelector("form[action='/login'] button[type=submit]")).click();
        awaitUpstream(browser, app + "/protected/page", apache);
        browser.get(
            app
                + "/protected/redirect_uri?logout="
                + URLEncoder.encode(app + "/loggedout", StandardCharsets.UTF_8));
        TestChromium.awaitUrl(browser, app + "/loggedout");
        browser.get(origin + "/");
        assertThat(browser.getCurrentUrl())
            .as("the Gatehouse session ended with the wiki's")
            .isEqualTo(origin + "/login");
        assertSentToSignIn(browser, app + "/protected/page", origin);
      }
    } finally {
      browser.quit();
    }
  }

  /** Waits for the browser to show the upstream's answer for {@code url}. */
  private static void awaitUpstream(ChromeDriver browser, String url, TestApache apache)
      throws Exception {
    for (int i = 0; i < 100 && !url.equals(browser.getCurrentUrl()); i++) {
      Thread.sleep(100);
    }
    assertThat(browser.getCurrentUrl()).as(apache.log()).isEqualTo(url);
    assertThat(browser.findElement(By.tagName("body")).getText())
        .as(apache.log())
        .startsWith("upstream saw /app");
  }

  /**
   * The wiki no longer has a session: a protected page sends the browser to Gatehouse's sign-in
   * (retried briefly: the back-channel logout is delivered in the background).
   */
  private static void assertSentToSignIn(ChromeDriver browser, String page, String origin)
      throws Exception {
    for (int i = 0; i < 50; i++) {
      browser.get(page);
      if (browser.getCurrentUrl().startsWith(origin + "/login")) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(browser.getCurrentUrl()).startsWith(origin + "/login");
    TestChromium.awaitElement(browser, By.id("password"));
  }
}
