package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.UserInfoRequest;
import com.nimbusds.openid.connect.sdk.UserInfoResponse;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.TestChromium;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestRelyingParty;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/** The code flow in a real Chromium: sign in, consent, code, userinfo, refresh, logout. */
class OidcBrowserTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static final String SECRET = "browser-app-secret-0123456789-0123456789";

  @TempDir Path dir;

  @Test
  void aRelyingPartySignsAUserInWithConsentRefreshesAndLogsOutEverywhere() throws Exception {
    ChromeDriver browser = TestChromium.start();
    try (TestRelyingParty rp = TestRelyingParty.start()) {
      Path secret = dir.resolve("app.secret");
      Files.writeString(secret, SECRET);
      String clients =
          "[{id: app, name: 'Photo Album', secret-file: '"
              + secret
              + "', redirect-uris: ['"
              + rp.origin()
              + "/cb'], post-logout-redirect-uris: ['"
              + rp.origin()
              + "/bye'], backchannel-logout-uri: '"
              + rp.origin()
              + "/backchannel'}]";
      try (TestGatehouse gatehouse =
          TestGatehouse.startForBrowser(
              dir.resolve("data"),
              Map.of(
                  "GATEHOUSE_OIDC_CLIENTS",
                  clients,
                  "GATEHOUSE_ACCESS_RULES",
                  "[{hosts: [api.example.com], audiences: [app], policy: two-factor}]"))) {
        String origin = gatehouse.publicOrigin();
        User alice =
            gatehouse
                .app()
                .directory()
                .addUser("alice", Optional.of("alice@example.com"), "Alice", false);
        gatehouse.app().accounts().setPassword(alice, PASSWORD);

        // First a passkey, so that the authorization below signs in with it (via rd).
        TestChromium.addPasskeyAuthenticator(browser);
        TestChromium.signInWithPassword(browser, origin, "alice", PASSWORD);
        browser.get(origin + "/account");
        browser.findElement(By.id("add-passkey")).click();
        TestChromium.awaitElement(browser, By.cssSelector("#passkeys .passkey-name"));
        browser.get(origin + "/");
        browser.findElement(By.cssSelector("form[action='/logout'] button")).click();
        TestChromium.awaitUrl(browser, origin + "/login?signed_out=1");

        CodeVerifier verifier = new CodeVerifier();
        URI authorize =
            new AuthenticationRequest.Builder(
                    ResponseType.CODE,
                    new Scope("openid", "profile", "email"),
                    new ClientID("app"),
                    URI.create(rp.origin() + "/cb"))
                .endpointURI(URI.create(origin + "/oauth/authorize"))
                .state(new State("s-1"))
                .nonce(new Nonce("n-1"))
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
        browser.get(authorize.toString());
        TestChromium.awaitElement(browser, By.id("passkey-signin"));
        try {
          if (browser.getCurrentUrl().startsWith(origin + "/login?rd=")) {
            browser.findElement(By.id("passkey-signin")).click();
          }
        } catch (org.openqa.selenium.WebDriverException e) {
          // The passkey autofill (conditional UI) signed in first and the page moved on.
        }
        TestChromium.awaitElement(browser, By.id("consent-allow"));
        assertThat(browser.findElement(By.id("permissions")).getText())
            .contains("See your email address");
        browser.findElement(By.id("consent-allow")).click();

        String query = rp.awaitCallback(Duration.ofSeconds(10));
        AuthorizationSuccessResponse granted =
            AuthorizationResponse.parse(URI.create(rp.origin() + "/cb?" + query))
                .toSuccessResponse();
        assertThat(granted.getState()).isEqualTo(new State("s-1"));
        assertThat(granted.getIssuer()).isEqualTo(new Issuer(origin));

        URI tokenEndpoint = URI.create(origin + "/oauth/token");
        ClientSecretBasic auth = new ClientSecretBasic(new ClientID("app"), new Secret(SECRET));
        TokenResponse tokens =
            OIDCTokenResponseParser.parse(
                new TokenRequest.Builder(
                        tokenEndpoint,
                        auth,
                        new AuthorizationCodeGrant(
                            granted.getAuthorizationCode(),
                            URI.create(rp.origin() + "/cb"),
                            verifier))
                    .build()
                    .toHTTPRequest()
                    .send());
        OIDCTokenResponse oidc = (OIDCTokenResponse) tokens.toSuccessResponse();
        JWKSet jwks =
            JWKSet.parse(
                new com.nimbusds.oauth2.sdk.http.HTTPRequest(
                        com.nimbusds.oauth2.sdk.http.HTTPRequest.Method.GET,
                        URI.create(origin + "/.well-known/jwks.json"))
                    .send()
                    .getBody());
        IDTokenClaimsSet id =
            new IDTokenValidator(new Issuer(origin), new ClientID("app"), JWSAlgorithm.RS256, jwks)
                .validate(oidc.getOIDCTokens().getIDToken(), new Nonce("n-1"));
        assertThat(id.getStringListClaim("amr")).contains("hwk");
        assertThat(id.getStringClaim("preferred_username")).isEqualTo("alice");

        UserInfoResponse info =
            UserInfoResponse.parse(
                new UserInfoRequest(
                        URI.create(origin + "/oauth/userinfo"),
                        oidc.getOIDCTokens().getBearerAccessToken())
                    .toHTTPRequest()
                    .send());
        assertThat(info.toSuccessResponse().getUserInfo().getEmailAddress())
            .isEqualTo("alice@example.com");
        java.net.http.HttpResponse<String> api =
            java.net.http.HttpClient.newHttpClient()
                .send(
                    java.net.http.HttpRequest.newBuilder(
                            URI.create(gatehouse.baseUrl() + "/api/verify"))
                        .header("X-Forwarded-Proto", "https")
                        .header("X-Forwarded-Host", "api.example.com")
                        .header("X-Forwarded-Uri", "/")
                        .header("X-Forwarded-Method", "GET")
                        .header(
                            "Authorization",
                            "Bearer " + oidc.getOIDCTokens().getAccessToken().getValue())
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(api.statusCode())
            .as("a token from a passkey sign-in meets a two-factor rule")
            .isEqualTo(200);
        assertThat(api.headers().firstValue("Remote-User")).contains("alice");
        TokenResponse refreshed =
            OIDCTokenResponseParser.parse(
                new TokenRequest.Builder(
                        tokenEndpoint,
                        auth,
                        new RefreshTokenGrant(oidc.getOIDCTokens().getRefreshToken()))
                    .build()
                    .toHTTPRequest()
                    .send());
        assertThat(refreshed.indicatesSuccess()).isTrue();

        browser.get(
            origin
                + "/oauth/logout?id_token_hint="
                + oidc.getOIDCTokens().getIDTokenString()
                + "&post_logout_redirect_uri="
                + URLEncoder.encode(rp.origin() + "/bye", StandardCharsets.UTF_8)
                + "&state=done");
        TestChromium.awaitUrl(browser, rp.origin() + "/bye?state=done");
        assertThat(rp.awaitLogoutToken(Duration.ofSeconds(10))).isPresent();
        browser.get(origin + "/");
        assertThat(browser.getCurrentUrl()).isEqualTo(origin + "/login");
      }
    } finally {
      browser.quit();
    }
  }
}
