package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestChromium;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestOpenIdProvider;
import dev.gatehouse.testing.TestProxy;
import dev.gatehouse.testing.TestRelyingParty;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Sign-in through upstream OpenID providers in Chromium: two real providers (panva oidc-provider)
 * at once, one that creates accounts with its groups, one that creates none and trusts verified
 * addresses, a third that cannot be reached; mix-up, replay and email takeover refused.
 */
class UpstreamSignInTest {
  private static final String SECRET = "upstream-client-secret-0123456789-abcdef";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;
  private ChromeDriver browser;
  private TestOpenIdProvider acme;
  private TestOpenIdProvider family;
  private TestGatehouse gatehouse;
  private String origin;

  @BeforeEach
  void start() throws Exception {
    int port = TestProxy.freePort();
    origin = "http://localhost:" + port;
    acme =
        TestOpenIdProvider.start(
            "gatehouse",
            SECRET,
            origin + "/login/upstream/acme/callback",
            origin + "/login/upstream/hub/callback",
            origin + "/login/upstream/extra/callback");
    family =
        TestOpenIdProvider.start(
            "gatehouse",
            SECRET,
            origin + "/login/upstream/family/callback",
            origin + "/login/upstream/corp/callback");
    Path secret = dir.resolve("upstream.secret");
    Files.writeString(secret, SECRET);
    String providers =
        "[{id: acme, name: 'Acme SSO', issuer: '"
            + acme.issuer()
            + "', client-id: gatehouse, client-secret-file: '"
            + secret
            + "', scopes: [openid, profile, email, groups], registration: open,"
            + " groups-claim: groups, allowed-groups: [staff], end-session: true, drop-missing-groups: true},"
            + " {id: family, name: 'Family ID', issuer: '"
            + family.issuer()
            + "', client-id: gatehouse, client-secret-file: '"
            + secret
            + "', registration: closed, trust-email: true},"
            + " {id: corp, name: 'Corp Login', issuer: '"
            + family.issuer()
            + "', client-id: gatehouse, client-secret-file: '"
            + secret
            + "', registration: domains, domains: [corp.example]},"
            + " {id: hub, name: 'Hub', type: oauth2, authorization-endpoint: '"
            + acme.issuer()
            + "/auth', token-endpoint: '"
            + acme.issuer()
            + "/token', userinfo-endpoint: '"
            + acme.issuer()
            + "/me', subject-claim: sub, scopes: [openid, profile, email], trust-mfa: true,"
            + " client-id: gatehouse,"
            + " client-secret-file: '"
            + secret
            + "', registration: open},"
            + " {id: gone, name: 'Gone IdP', issuer: 'http://localhost:"
            + TestProxy.freePort()
            + "', client-id: gatehouse, client-secret-file: '"
            + secret
            + "'}]";
    gatehouse =
        TestGatehouse.startForBrowser(
            dir.resolve("data"),
            port,
            Map.of(
                "GATEHOUSE_IDENTITY_PROVIDERS",
                providers,
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [secure.example.com], policy: two-factor},"
                    + " {hosts: [app.example.com, localhost], policy: authenticated}]",
                "GATEHOUSE_OIDC_CLIENTS",
                "[{id: app, public: true, redirect-uris: ['http://127.0.0.1/cb'],"
                    + " consent: trusted}]"));
    browser = TestChromium.start();
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (acme != null) {
      acme.close();
    }
    if (family != null) {
      family.close();
    }
  }

  @Test
  void aNewUserSignsInThroughOneOfTwoProvidersAndGetsTheAllowedUpstreamGroups() throws Exception {
    browser.get(origin + "/login");
    assertThat(browser.findElement(By.id("upstream-acme")).getText()).contains("Acme SSO");
    assertThat(browser.findElement(By.id("upstream-family")).getText()).contains("Family ID");

    signInUpstream("acme", "alice");
    TestChromium.awaitUrl(browser, origin + "/");
    HttpResponse<String> verify = verify(sessionCookie());
    assertThat(verify.statusCode()).isEqualTo(200);
    assertThat(verify.headers().firstValue("Remote-User")).contains("alice");
    assertThat(verify.headers().firstValue("Remote-Email")).contains("alice@example.com");
    assertThat(verify.headers().firstValue("Remote-Groups"))
        .as("only the allowed upstream groups")
        .contains("staff");
  }

  @Test
  void anAppBehindCaddyIsReachedAfterSigningInThroughAProvider() throws Exception {
    TestProxy.requireInstalled(TestProxy.Kind.CADDY);
    int proxyPort = TestProxy.freePort();
    try (EchoUpstream upstream = EchoUpstream.start()) {
      dev.gatehouse.testing.CliRunner.Result snippet =
          new dev.gatehouse.testing.CliRunner(gatehouse.environment(), dir, gatehouse.clock())
              .run(
                  "snippet",
                  "caddy",
                  "--host",
                  "localhost",
                  "--upstream",
                  upstream.address(),
                  "--gatehouse",
                  URI.create(gatehouse.baseUrl()).getAuthority(),
                  "--http-port",
                  String.valueOf(proxyPort));
      assertThat(snippet.status()).as(snippet.err()).isZero();
      try (TestProxy caddy =
          TestProxy.start(TestProxy.Kind.CADDY, snippet.out(), proxyPort, dir.resolve("caddy"))) {
        String app = "http://localhost:" + proxyPort + "/reports";
        browser.get(app);
        TestChromium.awaitElement(browser, By.id("upstream-acme"));
        browser.findElement(By.id("upstream-acme")).click();
        completeAtProvider("alice");
        TestChromium.awaitUrl(browser, app);
        assertThat(browser.findElement(By.tagName("body")).getText())
            .startsWith("upstream saw /reports");
        assertThat(upstream.last().header("remote-user")).isEqualTo("alice");
        assertThat(upstream.last().header("remote-groups")).isEqualTo("staff");
        assertThat(caddy.port()).isEqualTo(proxyPort);
      }
    }
  }

  @Test
  void signingOutOfASessionFromAnEndSessionProviderSignsOutThereTooAndComesBack() throws Exception {
    signInUpstream("acme", "alice");
    TestChromium.awaitUrl(browser, origin + "/");
    browser.findElement(By.cssSelector("form[action='/logout'] button")).click();
    // Until back on the signed-out page, not merely on our origin: the loop used to end while the
    // browser was still on /logout, before the redirect to the provider, whose page then waited.
    String signedOut = origin + "/login?signed_out=1";
    for (int i = 0; i < 300 && !browser.getCurrentUrl().equals(signedOut); i++) {
      if (browser.getCurrentUrl().startsWith(acme.issuer())
          && !browser.findElements(By.cssSelector("button[type=submit]")).isEmpty()) {
        try {
          // A script click, like a user's, submits the button's own name and value; WebDriver's
          // click was sometimes swallowed while the provider's page was still settling.
          browser.executeScript(
              "arguments[0].click()", browser.findElement(By.cssSelector("button[type=submit]")));
        } catch (org.openqa.selenium.WebDriverException navigated) {
          // the provider's page submitted itself meanwhile
        }
      }
      Thread.sleep(100);
    }
    TestChromium.awaitUrl(browser, signedOut);
    // The provider's own session is gone: it asks for the login again.
    browser.findElement(By.id("upstream-acme")).click();
    TestChromium.awaitElement(browser, By.name("login"));
    assertThat(browser.getCurrentUrl()).startsWith(acme.issuer());
  }

  @Test
  void groupsFromAProviderAreRefreshedAtEverySignInAndOnlyTheirsAreDropped() throws Exception {
    signInUpstream("acme", "alice");
    TestChromium.awaitUrl(browser, origin + "/");
    assertThat(verify(sessionCookie()).headers().firstValue("Remote-Groups")).contains("staff");
    // An administrator adds alice to a local group; the provider then stops sending "staff".
    gatehouse.app().directory().addGroup("local-team");
    gatehouse.app().directory().addMember("local-team", "alice");
    acme.restart("{\"alice\":{\"groups\":[]}}");
    browser.manage().deleteAllCookies();
    signInUpstream("acme", "alice");
    TestChromium.awaitUrl(browser, origin + "/");
    gatehouse.clock().advance(java.time.Duration.ofSeconds(2)); // past the 1 s identity cache
    assertThat(verify(sessionCookie()).headers().firstValue("Remote-Groups"))
        .as("staff came from the provider and went with it; local-team stays")
        .contains("local-team");
  }

  @Test
  void anExpiredIdTokenIsRefusedAndASmallClockSkewIsTolerated() throws Exception {
    acme.restart("{}", -180); // three minutes behind: its one-minute ID tokens arrive expired
    signInUpstream("acme", "alice");
    TestChromium.awaitElement(browser, By.id("upstream-error"));
    assertThat(browser.findElement(By.id("upstream-error")).getText())
        .contains("Acme SSO sent an ID token that does not verify");
    assertThat(browser.manage().getCookies())
        .noneMatch(c -> c.getName().endsWith("gatehouse_session"));

    acme.restart("{}", 30); // thirty seconds ahead: within the 60 s allowed
    browser.manage().deleteAllCookies();
    signInUpstream("acme", "alice");
    TestChromium.awaitUrl(browser, origin + "/");
  }

  @Test
  void aPlainOAuth2ProviderSignsUsersInThroughItsUserinfo() throws Exception {
    signInUpstream("hub", "dave");
    TestChromium.awaitUrl(browser, origin + "/");
    HttpResponse<String> verify = verify(sessionCookie());
    assertThat(verify.headers().firstValue("Remote-User")).contains("dave");
    var test =
        new dev.gatehouse.testing.CliRunner(gatehouse.environment(), dir, gatehouse.clock())
            .run("idp", "test", "hub");
    assertThat(test.status()).isZero();
    assertThat(test.out()).contains("plain OAuth 2", "identified by `sub`");
  }

  @Test
  void twoFactorsAtAProviderCountOnlyWhenItIsTrustedForThem() throws Exception {
    // Acme is not trusted for two factors: Grace's upstream amr does not meet a two-factor rule.
    signInUpstream("acme", "grace");
    TestChromium.awaitUrl(browser, origin + "/");
    assertThat(verify(sessionCookie(), "secure.example.com").statusCode()).isEqualTo(403);
    // Hub is the same provider (same issuer, so the same account), marked trust-mfa: it counts.
    browser.manage().deleteAllCookies();
    gatehouse.clock().advance(java.time.Duration.ofSeconds(2));
    signInUpstream("hub", "grace");
    TestChromium.awaitUrl(browser, origin + "/");
    HttpResponse<String> secure = verify(sessionCookie(), "secure.example.com");
    assertThat(secure.statusCode()).isEqualTo(200);
    assertThat(secure.headers().firstValue("Remote-User")).contains("grace");
  }

  @Test
  void aProviderThatRotatesItsSigningKeyMidRunStillSignsUsersIn() throws Exception {
    signInUpstream("acme", "alice");
    TestChromium.awaitUrl(browser, origin + "/");
    acme.restart(); // a new key with a new kid: Gatehouse's cached JWKS does not know it
    browser.manage().deleteAllCookies();
    signInUpstream("acme", "alice");
    TestChromium.awaitUrl(browser, origin + "/");
    assertThat(verify(sessionCookie()).headers().firstValue("Remote-User")).contains("alice");
  }

  @Test
  void aProviderThatCreatesNoAccountsLinksOnlyAVerifiedAddressAndRefusesTheRest() throws Exception {
    User alice =
        gatehouse.app().directory().addUser("alice", Optional.of("alice@example.com"), "A", false);
    gatehouse.app().directory().markEmailVerified(alice.id(), "alice@example.com");
    User carol =
        gatehouse.app().directory().addUser("carol", Optional.of("carol@example.com"), "C", false);
    gatehouse.app().directory().markEmailVerified(carol.id(), "carol@example.com");
    // Frank's address was typed by an administrator and never confirmed by Frank.
    User frank =
        gatehouse.app().directory().addUser("frank", Optional.of("dave@corp.example"), "F", false);

    // Carol's upstream address is not verified: no link, and no account (registration closed).
    signInUpstream("family", "carol");
    TestChromium.awaitElement(browser, By.id("upstream-error"));
    assertThat(browser.findElement(By.id("upstream-error")).getText())
        .contains("Family ID")
        .contains("not linked");
    assertThat(gatehouse.app().upstream().linksOf(carol.id())).isEmpty();

    // The same answer again is a replay.
    String callback = browser.getCurrentUrl();
    browser.get(callback);
    assertThat(browser.findElement(By.id("upstream-error")).getText())
        .contains("already been used");

    // Alice's address is verified by a provider trusted for it: linked, signed in as alice.
    browser.manage().deleteAllCookies();
    signInUpstream("family", "alice");
    TestChromium.awaitUrl(browser, origin + "/");
    assertThat(verify(sessionCookie()).headers().firstValue("Remote-User")).contains("alice");
    assertThat(gatehouse.app().upstream().linksOf(alice.id())).hasSize(1);

    // Dave's upstream address is verified, but the local account holding it never confirmed it.
    browser.manage().deleteAllCookies();
    signInUpstream("family", "dave");
    TestChromium.awaitElement(browser, By.id("upstream-error"));
    assertThat(gatehouse.app().upstream().linksOf(frank.id())).isEmpty();
  }

  @Test
  void aProviderLimitedToDomainsNeedsAVerifiedAddressThereAndSaysWhichClaimIsMissing()
      throws Exception {
    signInUpstream("corp", "bob"); // no email claim at all
    TestChromium.awaitElement(browser, By.id("upstream-error"));
    assertThat(browser.findElement(By.id("upstream-error")).getText())
        .contains("Corp Login")
        .contains("`email` claim");
    browser.manage().deleteAllCookies();
    signInUpstream("corp", "carol"); // carol@example.com, not verified
    TestChromium.awaitElement(browser, By.id("upstream-error"));
    assertThat(browser.findElement(By.id("upstream-error")).getText())
        .contains("has not verified your email address");
    browser.manage().deleteAllCookies();
    signInUpstream("corp", "dave"); // dave@corp.example, verified
    TestChromium.awaitUrl(browser, origin + "/");
    HttpResponse<String> verify = verify(sessionCookie());
    assertThat(verify.headers().firstValue("Remote-User")).contains("dave");
    assertThat(verify.headers().firstValue("Remote-Email")).contains("dave@corp.example");
  }

  @Test
  void anUntrustedProviderClaimingALocalUsersAddressNeverReachesThatAccount() throws Exception {
    User alice =
        gatehouse.app().directory().addUser("alice", Optional.of("alice@example.com"), "A", false);

    signInUpstream("acme", "alice");
    TestChromium.awaitUrl(browser, origin + "/");
    HttpResponse<String> verify = verify(sessionCookie());
    assertThat(verify.headers().firstValue("Remote-User")).isPresent().get().isNotEqualTo("alice");
    assertThat(verify.headers().firstValue("Remote-Email").orElse("")).isEmpty();
    assertThat(gatehouse.app().upstream().linksOf(alice.id())).isEmpty();
  }

  @Test
  void anAnswerFromAnotherProviderThanTheFlowWasStartedWithIsRefused() throws Exception {
    // Started with Acme; an answer arrives at Family's callback, or at Acme's carrying Family's
    // issuer: both refused.
    for (String[] answer :
        new String[][] {{"family", family.issuer()}, {"acme", family.issuer()}}) {
      TestBrowser client = gatehouse.browser();
      client.get("/login");
      HttpResponse<String> started =
          client.postRaw(
              "/login/upstream",
              Map.of("csrf", client.csrf(), "provider", "acme", "rd", ""),
              Optional.of(origin));
      assertThat(started.statusCode()).isEqualTo(303);
      URI authorization = URI.create(started.headers().firstValue("Location").orElseThrow());
      assertThat(authorization.toString()).startsWith(acme.issuer());
      String state =
          com.nimbusds.oauth2.sdk.util.URLUtils.parseParameters(authorization.getRawQuery())
              .get("state")
              .get(0);
      HttpResponse<String> callback =
          client.get(
              "/login/upstream/"
                  + answer[0]
                  + "/callback?code=forged&state="
                  + state
                  + "&iss="
                  + java.net.URLEncoder.encode(answer[1], java.nio.charset.StandardCharsets.UTF_8));
      assertThat(callback.statusCode()).as(answer[0]).isEqualTo(400);
      assertThat(callback.body()).as(answer[0]).containsAnyOf("does not belong", "does not come");
      assertThat(client.sessionCookie()).isEmpty();
    }
  }

  @Test
  void anApplicationsIdpHintGoesStraightToThatProviderAndBackWithACode() throws Exception {
    try (TestRelyingParty rp = TestRelyingParty.start()) {
      URI authorize =
          new AuthenticationRequest.Builder(
                  ResponseType.CODE,
                  new Scope("openid", "profile"),
                  new ClientID("app"),
                  URI.create(rp.origin() + "/cb"))
              .endpointURI(URI.create(origin + "/oauth/authorize"))
              .state(new State("hinted"))
              .nonce(new Nonce())
              .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256)
              .customParameter("idp", "acme")
              .build()
              .toURI();
      browser.get(authorize.toString());
      TestChromium.awaitElement(browser, By.name("login"));
      assertThat(browser.getCurrentUrl()).startsWith(acme.issuer());
      completeAtProvider("dave");
      String query = rp.awaitCallback(java.time.Duration.ofSeconds(10));
      assertThat(query).contains("code=").contains("state=hinted");
    }
  }

  @Test
  void aSignedInUserLinksAProviderFromTheAccountPageAndThenSignsInThroughIt() throws Exception {
    User erin = gatehouse.app().directory().addUser("erin", Optional.empty(), "Erin", false);
    gatehouse.app().accounts().setPassword(erin, "correct horse battery staple");
    TestChromium.signInWithPassword(browser, origin, "erin", "correct horse battery staple");
    browser.get(origin + "/account");
    browser.findElement(By.id("link-family")).click();
    completeAtProvider("bob");
    TestChromium.awaitUrl(browser, origin + "/account?done=linked");
    assertThat(browser.findElement(By.id("linked-family")).getText()).contains("linked since");

    // A new browser signs in through Family ID as Erin.
    browser.manage().deleteAllCookies();
    signInUpstream("family", "bob");
    TestChromium.awaitUrl(browser, origin + "/");
    assertThat(verify(sessionCookie()).headers().firstValue("Remote-User")).contains("erin");

    // The provider's session may not unlink it (like any change of sign-in methods); Erin's
    // password session may — and the session that came through the provider ends with the link.
    String throughProvider = sessionCookie();
    browser.get(origin + "/account");
    assertThat(browser.findElements(By.id("unlink-family"))).isEmpty();
    browser.manage().deleteAllCookies();
    TestChromium.signInWithPassword(browser, origin, "erin", "correct horse battery staple");
    browser.get(origin + "/account");
    browser.findElement(By.id("unlink-family")).click();
    TestChromium.awaitUrl(browser, origin + "/account?done=unlinked");
    assertThat(gatehouse.app().upstream().linksOf(erin.id())).isEmpty();
    gatehouse.clock().advance(java.time.Duration.ofSeconds(2)); // past the 1 s session cache
    assertThat(verify(throughProvider).statusCode()).isEqualTo(401);
    assertThat(verify(sessionCookie()).statusCode()).isEqualTo(200);
  }

  @Test
  void aProvidersSessionChangesNoSignInMethodsAndTheOnlyWayToSignInCannotBeUnlinked()
      throws Exception {
    signInUpstream("acme", "bob"); // a new account without password, passkey or address
    TestChromium.awaitUrl(browser, origin + "/");
    browser.get(origin + "/account");
    assertThat(browser.findElements(By.id("add-passkey")))
        .as("a provider's session changes no sign-in methods")
        .isEmpty();
    assertThat(browser.findElements(By.id("link-family")))
        .as("nor links another provider (which might be trusted for two factors)")
        .isEmpty();
    assertThat(browser.findElements(By.id("unlink-acme"))).as("nor unlinks one").isEmpty();
    String csrf = browser.findElement(By.cssSelector("input[name=csrf]")).getDomAttribute("value");
    HttpResponse<String> forced =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(origin + "/account/upstream/unlink"))
                .header("Cookie", sessionCookie())
                .header("Origin", origin)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("csrf=" + csrf + "&provider=acme"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(forced.statusCode()).isEqualTo(403);
    assertThat(forced.body()).contains("sign in again with your password or a passkey");
    browser.get(origin + "/account");
    assertThat(browser.findElement(By.id("linked-acme")).getText()).contains("linked since");
  }

  @Test
  void anAccountAProviderCreatesKeepsOnlyAnAddressTheProviderVouchesFor() throws Exception {
    signInUpstream("acme", "carol"); // carol@example.com, email_verified false
    TestChromium.awaitUrl(browser, origin + "/");
    User carol = gatehouse.app().directory().findByUsername("carol").orElseThrow();
    assertThat(carol.email())
        .as("nobody can later recover this account by an address its holder never proved")
        .isEmpty();
    browser.manage().deleteAllCookies();
    signInUpstream("acme", "alice"); // alice@example.com, email_verified true
    TestChromium.awaitUrl(browser, origin + "/");
    assertThat(gatehouse.app().directory().findByUsername("alice").orElseThrow().email())
        .contains("alice@example.com");
  }

  @Test
  void aLinkToAProviderGoesWhereASignedInBrowserWasHeadedInsteadOfReplacingItsSession()
      throws Exception {
    User erin = gatehouse.app().directory().addUser("erin", Optional.empty(), "Erin", false);
    gatehouse.app().accounts().setPassword(erin, "correct horse battery staple");
    TestChromium.signInWithPassword(browser, origin, "erin", "correct horse battery staple");
    String before = sessionCookie();
    // Any page can make the browser GET this.
    browser.get(origin + "/login/upstream/acme/start?rd=" + origin + "/account");
    TestChromium.awaitUrl(browser, origin + "/account");
    assertThat(sessionCookie()).isEqualTo(before);
    assertThat(verify(before).headers().firstValue("Remote-User")).contains("erin");
  }

  @Test
  void theCliListsProvidersAndTestsWhatEachIsMissing() throws Exception {
    dev.gatehouse.testing.CliRunner cli =
        new dev.gatehouse.testing.CliRunner(gatehouse.environment(), dir, gatehouse.clock());
    var list = cli.run("idp", "list");
    assertThat(list.status()).as(list.err()).isZero();
    assertThat(list.out()).contains("acme", "Acme SSO", "open", "family", "existing");
    var good = cli.run("idp", "test", "acme");
    assertThat(good.status()).as(good.out() + good.err()).isZero();
    assertThat(good.out())
        .contains("ok      discovery document", "ok      PKCE S256", "signing keys in the JWKS")
        .contains(origin + "/login/upstream/acme/callback");
    var gone = cli.run("idp", "test", "gone");
    assertThat(gone.status()).isEqualTo(1);
    assertThat(gone.out()).contains("MISSING discovery document");
    assertThat(cli.run("idp", "test", "nobody").err()).contains("no identity provider nobody");
  }

  @Test
  void aProviderAddedWithTheCliWhileTheServerRunsSignsUsersInAndRemovingItEndsItsSessions()
      throws Exception {
    dev.gatehouse.testing.CliRunner cli =
        new dev.gatehouse.testing.CliRunner(gatehouse.environment(), dir, gatehouse.clock());
    var added =
        cli.run(
            "idp",
            "add",
            "extra",
            "--name",
            "Extra SSO",
            "--issuer",
            acme.issuer(),
            "--client-id",
            "gatehouse",
            "--client-secret-file",
            dir.resolve("upstream.secret").toString(),
            "--registration",
            "open",
            "--trust-mfa");
    assertThat(added.status()).as(added.err()).isZero();
    assertThat(added.out())
        .contains("added identity provider extra", origin + "/login/upstream/extra/callback")
        .doesNotContain(SECRET);
    assertThat(cli.run("idp", "show", "extra").out())
        .contains("set (never shown)", "stored")
        .doesNotContain(SECRET);
    assertThat(
            cli.run(
                    "idp",
                    "add",
                    "acme",
                    "--client-id",
                    "x",
                    "--client-secret-file",
                    dir.resolve("upstream.secret").toString(),
                    "--issuer",
                    acme.issuer())
                .err())
        .contains("configured in gatehouse.yml");
    assertThat(
            cli.run(
                    "idp",
                    "add",
                    "extra",
                    "--client-id",
                    "x",
                    "--client-secret-file",
                    dir.resolve("upstream.secret").toString(),
                    "--issuer",
                    acme.issuer())
                .err())
        .contains("exists already");
    assertThat(
            cli.run(
                    "idp",
                    "add",
                    "bad",
                    "--client-id",
                    "x",
                    "--client-secret-file",
                    dir.resolve("upstream.secret").toString(),
                    "--issuer",
                    "http://example.com")
                .err())
        .contains("issuer");
    // Nothing usable at rest: the secret is sealed with the at-rest key.
    List<Map<String, Object>> rows =
        gatehouse
            .app()
            .database()
            .jdbi()
            .withHandle(h -> h.createQuery("SELECT * FROM upstream_providers").mapToMap().list());
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).toString()).contains("extra").doesNotContain(SECRET);

    // The running server shows it within a second or so, and a user signs in through it.
    for (int i = 0; i < 50 && !loginPageShows("upstream-extra"); i++) {
      Thread.sleep(100);
    }
    signInUpstream("extra", "grace");
    TestChromium.awaitUrl(browser, origin + "/");
    String cookie = sessionCookie();
    assertThat(verify(cookie).statusCode()).isEqualTo(200);
    browser.get(origin + "/account");
    assertThat(browser.getPageSource())
        .as("what the provider said of the sign-in, apart from Gatehouse's own methods")
        .contains("via Extra SSO (mfa otp pwd)");

    var removed = cli.run("idp", "remove", "extra");
    assertThat(removed.status()).as(removed.err()).isZero();
    assertThat(removed.out()).contains("ended 1 session(s)");
    gatehouse.clock().advance(java.time.Duration.ofSeconds(2)); // past the 1 s session cache
    assertThat(verify(cookie).statusCode()).isEqualTo(401);
    TestBrowser client = gatehouse.browser();
    int status = 0;
    for (int i = 0; i < 50 && status != 404; i++) {
      status = client.get("/login/upstream/extra/start").statusCode();
      Thread.sleep(status == 404 ? 0 : 100);
    }
    assertThat(status).as("its routes are gone with it").isEqualTo(404);
    assertThat(cli.run("idp", "list").out()).doesNotContain("extra");
    assertThat(cli.run("idp", "remove", "acme").err()).contains("configured in gatehouse.yml");
  }

  @Test
  void aProviderRemovedFromTheConfigurationTakesItsSessionsWithItAtTheNextStart() throws Exception {
    User erin = gatehouse.app().directory().addUser("erin", Optional.empty(), "Erin", false);
    gatehouse.app().accounts().setPassword(erin, "correct horse battery staple");
    TestBrowser local = gatehouse.browser();
    local.get("/login");
    local.postRaw(
        "/login",
        Map.of(
            "csrf", local.csrf(), "username", "erin", "password", "correct horse battery staple"),
        Optional.of(origin));
    String localCookie = "gatehouse_session=" + local.cookies().get("gatehouse_session");
    assertThat(verify(localCookie).statusCode()).isEqualTo(200);
    signInUpstream("acme", "alice");
    TestChromium.awaitUrl(browser, origin + "/");
    String throughAcme = sessionCookie();

    Map<String, String> environment = new java.util.HashMap<>(gatehouse.environment());
    environment.put("GATEHOUSE_IDENTITY_PROVIDERS", "[]");
    gatehouse.close();
    gatehouse =
        TestGatehouse.start(
            dev.gatehouse.testing.TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new dev.gatehouse.testing.MutableClock(java.time.Clock.systemUTC().instant()),
            environment);
    assertThat(verify(throughAcme).statusCode()).isEqualTo(401);
    assertThat(verify(localCookie).statusCode())
        .as("sessions of Gatehouse's own methods stay")
        .isEqualTo(200);
  }

  @Test
  void aSecondFlowStartedInTheSameBrowserDoesNotBreakTheFirst() throws Exception {
    browser.get(origin + "/login");
    browser.findElement(By.id("upstream-acme")).click();
    TestChromium.awaitElement(browser, By.name("login"));
    String first = browser.getCurrentUrl();
    // A second flow — another tab, or a page that starts one behind the user's back.
    browser.get(origin + "/login/upstream/family/start");
    TestChromium.awaitElement(browser, By.name("login"));
    assertThat(browser.getCurrentUrl()).startsWith(family.issuer());
    browser.get(first);
    completeAtProvider("alice");
    TestChromium.awaitUrl(browser, origin + "/");
    assertThat(verify(sessionCookie()).headers().firstValue("Remote-User")).contains("alice");
  }

  @Test
  void anAnswerReplayedFromAnotherBrowserDoesNotUseUpTheSignIn() throws Exception {
    TestBrowser owner = gatehouse.browser();
    HttpResponse<String> started = owner.get("/login/upstream/acme/start");
    assertThat(started.statusCode()).isEqualTo(303);
    String state =
        com.nimbusds.oauth2.sdk.util.URLUtils.parseParameters(
                URI.create(started.headers().firstValue("Location").orElseThrow()).getRawQuery())
            .get("state")
            .get(0);
    String callback =
        "/login/upstream/acme/callback?code=forged&state="
            + state
            + "&iss="
            + java.net.URLEncoder.encode(acme.issuer(), java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> foreign = gatehouse.browser().get(callback);
    assertThat(foreign.statusCode()).isEqualTo(400);
    assertThat(foreign.body()).contains("started in another browser");
    // The owner's flow is still there: its (forged) code reaches the provider, which refuses it.
    HttpResponse<String> own = owner.get(callback);
    assertThat(own.body()).doesNotContain("already been used").doesNotContain("another browser");
    assertThat(owner.get(callback).body()).contains("already been used");
  }

  @Test
  void aCallbackNamingAProtocolParameterTwiceIsRefusedUnread() throws Exception {
    TestBrowser owner = gatehouse.browser();
    HttpResponse<String> started = owner.get("/login/upstream/acme/start");
    String state =
        com.nimbusds.oauth2.sdk.util.URLUtils.parseParameters(
                URI.create(started.headers().firstValue("Location").orElseThrow()).getRawQuery())
            .get("state")
            .get(0);
    String iss = java.net.URLEncoder.encode(acme.issuer(), java.nio.charset.StandardCharsets.UTF_8);
    for (String query :
        List.of(
            "code=x&state=" + state + "&iss=" + iss + "&iss=" + iss,
            "code=x&code=y&state=" + state + "&iss=" + iss,
            "code=x&state=" + state + "&state=" + state + "&iss=" + iss)) {
      HttpResponse<String> callback = owner.get("/login/upstream/acme/callback?" + query);
      assertThat(callback.statusCode()).as(query).isEqualTo(400);
      assertThat(callback.body()).as(query).contains("cannot read");
    }
  }

  @Test
  void anApplicationsRequestForAFreshSignInIsPassedOnToTheProvider() throws Exception {
    TestBrowser client = gatehouse.browser();
    HttpResponse<String> page = client.get("/login?reauth=1");
    assertThat(page.body()).contains("name=\"reauth\" value=\"1\"");
    HttpResponse<String> fresh =
        client.postRaw(
            "/login/upstream",
            Map.of("csrf", client.csrf(), "provider", "acme", "rd", "", "reauth", "1"),
            Optional.of(origin));
    assertThat(fresh.headers().firstValue("Location").orElseThrow()).contains("prompt=login");
    client.get("/login");
    HttpResponse<String> usual =
        client.postRaw(
            "/login/upstream",
            Map.of("csrf", client.csrf(), "provider", "acme", "rd", ""),
            Optional.of(origin));
    assertThat(usual.headers().firstValue("Location").orElseThrow()).doesNotContain("prompt=");
  }

  @Test
  void startingFlowsOverAndOverFromOneAddressIsThrottled() throws Exception {
    TestBrowser client = gatehouse.browser();
    int status = 0;
    HttpResponse<String> last = null;
    for (int i = 0; i < 40 && status != 429; i++) {
      last = client.get("/login/upstream/acme/start");
      status = last.statusCode();
    }
    assertThat(status).isEqualTo(429);
    assertThat(last.headers().firstValue("Retry-After")).isPresent();
    assertThat(last.body()).contains("Too many sign-ins");
  }

  @Test
  void aCallbackWithAnUnreadableQueryIsA400NotA5xx() throws Exception {
    int port = URI.create(gatehouse.baseUrl()).getPort();
    for (String query :
        List.of("state=a|b&code=x", "state=%zz", "state=a^b{c}", "state=a%20b\"c")) {
      assertThat(
              dev.gatehouse.testing.RawHttp.send(
                      port,
                      "GET /login/upstream/acme/callback?" + query + " HTTP/1.1",
                      "Host: localhost")
                  .status())
          .as(query)
          .isEqualTo(400);
    }
  }

  @Test
  void anUnreachableProviderGivesAClearPageAndLocalSignInStillWorks() throws Exception {
    User bob = gatehouse.app().directory().addUser("bob", Optional.empty(), "Bob", false);
    gatehouse.app().accounts().setPassword(bob, "correct horse battery staple");
    browser.get(origin + "/login");
    browser.findElement(By.id("upstream-gone")).click();
    TestChromium.awaitElement(browser, By.id("upstream-error"));
    assertThat(browser.findElement(By.id("upstream-error")).getText())
        .contains("Gone IdP cannot be reached");
    TestChromium.signInWithPassword(browser, origin, "bob", "correct horse battery staple");
  }

  private boolean loginPageShows(String id) {
    browser.get(origin + "/login");
    return !browser.findElements(By.id(id)).isEmpty();
  }

  private void signInUpstream(String provider, String account) throws Exception {
    browser.get(origin + "/login");
    browser.findElement(By.id("upstream-" + provider)).click();
    completeAtProvider(account);
    assertThat(browser.getCurrentUrl()).startsWith(origin);
  }

  /** Signs in at the provider's page the browser is on, consents, and waits to leave it. */
  private void completeAtProvider(String account) throws Exception {
    TestChromium.awaitElement(browser, By.name("login"));
    String provider = URI.create(browser.getCurrentUrl()).getPort() + "";
    browser.findElement(By.name("login")).sendKeys(account);
    browser.findElement(By.name("password")).sendKeys("anything");
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    // oidc-provider's consent page, then away from the provider.
    for (int i = 0;
        i < 100 && String.valueOf(URI.create(browser.getCurrentUrl()).getPort()).equals(provider);
        i++) {
      if (!browser.findElements(By.cssSelector("button[autofocus], button[type=submit]")).isEmpty()
          && browser.findElements(By.name("login")).isEmpty()) {
        try {
          // A script click, like a user's, submits the button's own name and value; WebDriver's
          // click was sometimes swallowed while the provider's page was still settling.
          browser.executeScript(
              "arguments[0].click()", browser.findElement(By.cssSelector("button[type=submit]")));
        } catch (org.openqa.selenium.WebDriverException navigated) {
          // the page moved on meanwhile
        }
      }
      Thread.sleep(100);
    }
  }

  private String sessionCookie() {
    for (Cookie cookie : browser.manage().getCookies()) {
      if (cookie.getName().endsWith("gatehouse_session")) {
        return cookie.getName() + "=" + cookie.getValue();
      }
    }
    throw new AssertionError("no session cookie in " + browser.manage().getCookies());
  }

  private HttpResponse<String> verify(String cookie) throws Exception {
    return verify(cookie, "app.example.com");
  }

  private HttpResponse<String> verify(String cookie, String host) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/api/verify"))
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Host", host)
            .header("X-Forwarded-Uri", "/")
            .header("X-Forwarded-Method", "GET")
            .header("Cookie", cookie)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
