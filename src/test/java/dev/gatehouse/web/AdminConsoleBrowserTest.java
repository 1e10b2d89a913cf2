package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.TestChromium;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestRelyingParty;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * An administrator's day in a real Chromium, no CLI: invite a user, put them in a group, register
 * an OAuth client and complete a code flow with it, make an API key and use it at forward-auth,
 * revoke it, and read it all back in the audit trail.
 */
class AdminConsoleBrowserTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void anAdministratorRunsGatehouseFromTheConsoleAlone() throws Exception {
    ChromeDriver browser = TestChromium.start();
    try (TestRelyingParty rp = TestRelyingParty.start();
        TestGatehouse gatehouse =
            TestGatehouse.startForBrowser(
                dir.resolve("data"),
                Map.of(
                    "GATEHOUSE_ACCESS_RULES",
                    "[{hosts: [app.example.com], policy: authenticated}]",
                    "GATEHOUSE_REGISTRATION_POLICY",
                    "invite"))) {
      String origin = gatehouse.publicOrigin();
      User root = gatehouse.app().directory().addUser("root", Optional.empty(), "Root", true);
      gatehouse.app().accounts().setPassword(root, PASSWORD);
      TestChromium.signInWithPassword(browser, origin, "root", PASSWORD);
      browser.findElement(By.id("admin-link")).click();
      TestChromium.awaitUrl(browser, origin + "/admin/users");

      // Invite a user.
      browser.findElement(By.id("username")).sendKeys("bea");
      browser.findElement(By.id("email")).sendKeys("bea@example.com");
      browser.findElement(By.id("create-user")).click();
      TestChromium.awaitElement(browser, By.id("user-username"));
      assertThat(browser.findElement(By.id("notice")).getText()).contains("Created");
      assertThat(browser.findElement(By.id("user-username")).getText()).isEqualTo("bea");
      String beaPage = browser.getCurrentUrl().replaceAll("\\?.*", "");

      // A group, and Bea in it.
      browser.get(origin + "/admin/groups");
      browser.findElement(By.id("group-name")).sendKeys("ops");
      browser.findElement(By.id("create-group")).click();
      TestChromium.awaitElement(browser, By.id("group-ops"));
      browser.get(beaPage);
      browser.findElement(By.cssSelector("#join-group option[value='ops']")).click();
      browser.findElement(By.id("join")).click();
      TestChromium.awaitElement(browser, By.cssSelector("#user-groups li"));
      assertThat(browser.findElement(By.id("user-groups")).getText()).contains("ops");

      // A role for the group, with a claim; then who may reach the app.
      browser.get(origin + "/admin/roles");
      browser.findElement(By.id("role-name")).sendKeys("editor");
      browser.findElement(By.id("create-role")).click();
      TestChromium.awaitElement(browser, By.cssSelector("input[name=claim]"));
      browser.findElement(By.cssSelector("input[name=claim]")).sendKeys("grafana_role");
      browser.findElement(By.cssSelector("input[name=value]")).sendKeys("Editor");
      browser.findElement(By.xpath("//button[text()='Set claim']")).click();
      TestChromium.awaitElement(browser, By.xpath("//li[contains(., 'grafana_role')]"));
      browser.findElement(By.xpath("//button[text()='Grant to group']")).click();
      TestChromium.awaitElement(browser, By.xpath("//p[contains(., 'Groups: ops')]"));
      User bea = gatehouse.app().directory().findByUsername("bea").orElseThrow();
      assertThat(gatehouse.app().directory().claimsOf(bea.id())).containsKey("grafana_role");
      // Renaming the group keeps Bea in it and the role granted to it.
      browser.get(origin + "/admin/groups");
      browser.findElement(By.id("rename-ops")).sendKeys("operators");
      browser.findElement(By.xpath("//button[text()='Rename']")).click();
      TestChromium.awaitElement(browser, By.id("group-operators"));
      assertThat(browser.findElement(By.id("notice")).getText()).contains("Renamed");
      assertThat(browser.findElement(By.id("group-operators")).getText()).contains("bea");
      assertThat(gatehouse.app().directory().rolesOf(bea.id())).containsExactly("editor");
      browser.get(origin + "/admin/access");
      browser.findElement(By.id("check-url")).sendKeys("https://app.example.com/reports");
      browser.findElement(By.id("check-user")).sendKeys("bea");
      browser.findElement(By.id("check")).click();
      TestChromium.awaitElement(browser, By.id("decision"));
      assertThat(browser.findElement(By.id("decision")).getText()).startsWith("Allowed");
      assertThat(browser.findElement(By.id("rules")).getText()).contains("app.example.com");

      // A client, and a code flow with it (for the administrator, who may use it).
      browser.get(origin + "/admin/clients");
      browser.findElement(By.id("client-id")).sendKeys("notes");
      browser.findElement(By.id("client-name")).sendKeys("Notes");
      browser.findElement(By.id("redirect_uris")).sendKeys(rp.origin() + "/cb");
      browser.findElement(By.id("create-client")).click();
      TestChromium.awaitElement(browser, By.id("secret"));
      String clientSecret = browser.findElement(By.id("secret")).getText();
      assertThat(browser.findElement(By.id("client-id")).getText()).isEqualTo("notes");
      browser.get(origin + "/admin/clients/notes");
      assertThat(browser.getPageSource()).doesNotContain(clientSecret).contains("[redacted]");
      CodeVerifier verifier = new CodeVerifier();
      URI authorize =
          new AuthenticationRequest.Builder(
                  ResponseType.CODE,
                  new Scope("openid", "profile"),
                  new ClientID("notes"),
                  URI.create(rp.origin() + "/cb"))
              .endpointURI(URI.create(origin + "/oauth/authorize"))
              .state(new State("s-1"))
              .nonce(new Nonce("n-1"))
              .codeChallenge(verifier, CodeChallengeMethod.S256)
              .build()
              .toURI();
      browser.get(authorize.toString());
      TestChromium.awaitElement(browser, By.id("consent-allow"));
      browser.findElement(By.id("consent-allow")).click();
      String query = rp.awaitCallback(Duration.ofSeconds(10));
      AuthorizationSuccessResponse granted =
          AuthorizationResponse.parse(URI.create(rp.origin() + "/cb?" + query)).toSuccessResponse();
      TokenResponse tokens =
          OIDCTokenResponseParser.parse(
              new TokenRequest.Builder(
                      URI.create(origin + "/oauth/token"),
                      new ClientSecretBasic(new ClientID("notes"), new Secret(clientSecret)),
                      new AuthorizationCodeGrant(
                          granted.getAuthorizationCode(),
                          URI.create(rp.origin() + "/cb"),
                          verifier))
                  .build()
                  .toHTTPRequest()
                  .send());
      assertThat(tokens.indicatesSuccess()).isTrue();

      // Only two groups may use it, one with a space in its name; saving the page again without
      // a change keeps both names whole.
      browser.get(origin + "/admin/clients/notes");
      browser.findElement(By.id("allowed_groups")).sendKeys("night shift, operators");
      browser.findElement(By.id("save-client")).click();
      TestChromium.awaitElement(browser, By.id("notice"));
      browser.findElement(By.id("save-client")).click();
      TestChromium.awaitElement(browser, By.id("notice"));
      assertThat(gatehouse.app().clients().find("notes").orElseThrow().allowedGroups())
          .containsExactlyInAnyOrder("night shift", "operators");

      // An API key for a service: it passes forward-auth until it is revoked.
      browser.get(origin + "/admin/keys");
      browser.findElement(By.id("kind-app")).click();
      browser.findElement(By.id("owner")).sendKeys("backup");
      browser.findElement(By.id("key-name")).sendKeys("nightly backup");
      browser.findElement(By.id("create-key")).click();
      TestChromium.awaitElement(browser, By.id("secret"));
      String key = browser.findElement(By.id("secret")).getText();
      assertThat(key).startsWith("ghk_");
      assertThat(verify(gatehouse, key)).isEqualTo(200);
      browser.get(origin + "/admin/keys");
      assertThat(browser.getPageSource()).doesNotContain(key);
      browser.findElement(By.xpath("//tr[td[contains(., 'nightly backup')]]//button")).click();
      TestChromium.awaitElement(browser, By.id("notice"));
      assertThat(verify(gatehouse, key)).isEqualTo(401);

      // The audit trail says who did what.
      browser.get(origin + "/admin/audit?kind=apikey");
      String trail = browser.findElement(By.id("audit")).getText();
      assertThat(trail).contains("apikey.created").contains("apikey.revoked").contains("user:root");
      browser.get(origin + "/admin/audit?user=bea");
      assertThat(browser.findElement(By.id("audit")).getText())
          .contains("user.invited")
          .contains("group.member-added");
    } finally {
      browser.quit();
    }
  }

  private static int verify(TestGatehouse gatehouse, String key) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/api/verify"))
                .header("X-Forwarded-Method", "GET")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "app.example.com")
                .header("X-Forwarded-Uri", "/")
                .header("Authorization", "Bearer " + key)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }
}
