package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.UserInfoRequest;
import com.nimbusds.openid.connect.sdk.UserInfoResponse;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestRelyingParty;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The authorization-code flow end to end over real HTTP, with Nimbus's client classes as the
 * relying party, and the protocol's edge cases named after what they prove.
 */
class OidcCodeFlowTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static final String SECRET = "app-secret-app-secret-app-secret-0123456789";
  private static final String REDIRECT = "https://app.example.com/cb";
  private static final Pattern REQUEST_FIELD =
      Pattern.compile("name=\"request\" value=\"([^\"]*)\"");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.now());
  private TestGatehouse gatehouse;
  private TestRelyingParty rp;
  private User alice;

  static List<TestDatabases.Kind> kinds() {
    return TestDatabases.kinds();
  }

  private void start(TestDatabases.Kind kind) throws Exception {
    rp = TestRelyingParty.start();
    Path secretFile = dir.resolve("app.secret");
    Files.writeString(secretFile, SECRET);
    String clients =
        "[{id: app, name: 'The App', secret-file: '"
            + secretFile
            + "', redirect-uris: ['"
            + REDIRECT
            + "'], post-logout-redirect-uris: ['https://app.example.com/bye'],"
            + " backchannel-logout-uri: '"
            + rp.origin()
            + "/backchannel'},"
            + " {id: legacy, secret-file: '"
            + secretFile
            + "', redirect-uris: ['"
            + REDIRECT
            + "'], require-pkce: false, consent: trusted, signing-alg: RS256},"
            + " {id: spa, public: true, redirect-uris: ['https://spa.example.com/cb',"
            + " 'http://127.0.0.1/cb'], consent: trusted},"
            + " {id: opsonly, secret-file: '"
            + secretFile
            + "', redirect-uris: ['"
            + REDIRECT
            + "'], allowed-groups: [ops], consent: trusted},"
            + " {id: tabs, secret-file: '"
            + secretFile
            + "', redirect-uris: ['"
            + REDIRECT
            + "'], consent: trusted, refresh-reuse-grace: 30s}]";
    gatehouse =
        TestGatehouse.start(
            kind,
            dir.resolve("data"),
            clock,
            Map.of(
                "GATEHOUSE_OIDC_CLIENTS",
                clients,
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [mfa.example.com], audiences: [app], policy: two-factor},"
                    + " {hosts: [api.example.com], audiences: [app], policy: authenticated},"
                    + " {hosts: [app.example.com], policy: authenticated}]"));
    alice =
        gatehouse
            .app()
            .directory()
            .addUser("alice", Optional.of("alice@example.com"), "Alice A", false);
    gatehouse.app().accounts().setPassword(alice, PASSWORD);
    gatehouse.app().directory().addGroup("staff");
    gatehouse.app().directory().addMember("staff", "alice");
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (rp != null) {
      rp.close();
    }
  }

  private URI endpoint(String path) {
    return URI.create(gatehouse.baseUrl() + path);
  }

  private static String pathOf(String url) {
    URI uri = URI.create(url);
    return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
  }

  private AuthenticationRequest.Builder request(
      String client, String redirect, CodeVerifier verifier) {
    AuthenticationRequest.Builder builder =
        new AuthenticationRequest.Builder(
                ResponseType.CODE,
                new Scope("openid", "profile", "email", "groups"),
                new ClientID(client),
                URI.create(redirect))
            .endpointURI(URI.create(TestGatehouse.PUBLIC_ORIGIN + "/oauth/authorize"))
            .state(new State("st-1"))
            .nonce(new Nonce("n-1"));
    if (verifier != null) {
      builder.codeChallenge(verifier, CodeChallengeMethod.S256);
    }
    return builder;
  }

  private TestBrowser signedIn() throws Exception {
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.signIn("alice", PASSWORD).statusCode()).isEqualTo(303);
    return browser;
  }

  /** Follows the authorization request through consent (allowing) to the client's redirect. */
  private HttpResponse<String> authorize(TestBrowser browser, URI request) throws Exception {
    HttpResponse<String> response = browser.get(pathOf(request.toString()));
    if (response.statusCode() == 200 && response.body().contains("id=\"consent-allow\"")) {
      response =
          browser.post(
              "/oauth/consent", Map.of("request", requestField(response), "decision", "allow"));
    }
    return response;
  }

  private static String requestField(HttpResponse<String> page) {
    Matcher matcher = REQUEST_FIELD.matcher(page.body());
    assertThat(matcher.find()).as(page.body()).isTrue();
    return matcher
        .group(1)
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
  }

  private AuthorizationSuccessResponse success(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isIn(302, 303);
    AuthorizationResponse parsed =
        AuthorizationResponse.parse(
            URI.create(response.headers().firstValue("Location").orElseThrow()));
    assertThat(parsed.indicatesSuccess()).as("%s", parsed.toURI()).isTrue();
    return parsed.toSuccessResponse();
  }

  private String errorCode(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).isIn(302, 303);
    AuthorizationResponse parsed =
        AuthorizationResponse.parse(
            URI.create(response.headers().firstValue("Location").orElseThrow()));
    assertThat(parsed.indicatesSuccess()).isFalse();
    assertThat(parsed.toErrorResponse().getIssuer())
        .isEqualTo(new Issuer(TestGatehouse.PUBLIC_ORIGIN));
    return parsed.toErrorResponse().getErrorObject().getCode();
  }

  private TokenResponse exchange(
      String client, AuthorizationCode code, String redirect, CodeVerifier verifier)
      throws Exception {
    return OIDCTokenResponseParser.parse(
        new TokenRequest.Builder(
                endpoint("/oauth/token"),
                new ClientSecretBasic(new ClientID(client), new Secret(SECRET)),
                new AuthorizationCodeGrant(code, URI.create(redirect), verifier))
            .build()
            .toHTTPRequest()
            .send());
  }

  private TokenResponse refresh(RefreshToken token) throws Exception {
    return OIDCTokenResponseParser.parse(
        new TokenRequest.Builder(
                endpoint("/oauth/token"),
                new ClientSecretBasic(new ClientID("app"), new Secret(SECRET)),
                new RefreshTokenGrant(token))
            .build()
            .toHTTPRequest()
            .send());
  }

  private UserInfoResponse userinfo(BearerAccessToken token) throws Exception {
    return UserInfoResponse.parse(
        new UserInfoRequest(endpoint("/oauth/userinfo"), token).toHTTPRequest().send());
  }

  private JWKSet jwks() throws Exception {
    return JWKSet.parse(
        new com.nimbusds.oauth2.sdk.http.HTTPRequest(
                com.nimbusds.oauth2.sdk.http.HTTPRequest.Method.GET,
                endpoint("/.well-known/jwks.json"))
            .send()
            .getBody());
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void signInConsentCodeTokensUserInfoRefreshAndLogoutEverywhere(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    OIDCProviderMetadata discovered =
        OIDCProviderMetadata.parse(
            new com.nimbusds.oauth2.sdk.http.HTTPRequest(
                    com.nimbusds.oauth2.sdk.http.HTTPRequest.Method.GET,
                    endpoint("/.well-known/openid-configuration"))
                .send()
                .getBody());
    assertThat(discovered.getIssuer().getValue()).isEqualTo(TestGatehouse.PUBLIC_ORIGIN);
    assertThat(discovered.getCodeChallengeMethods()).containsExactly(CodeChallengeMethod.S256);
    assertThat(discovered.getResponseTypes()).containsExactly(ResponseType.CODE);
    assertThat(discovered.supportsAuthorizationResponseIssuerParam()).isTrue();
    assertThat(discovered.supportsBackChannelLogout()).isTrue();

    TestBrowser browser = gatehouse.browser();
    CodeVerifier verifier = new CodeVerifier();
    URI request = request("app", REDIRECT, verifier).build().toURI();
    HttpResponse<String> toLogin = browser.get(pathOf(request.toString()));
    assertThat(toLogin.statusCode()).isEqualTo(302);
    String login = TestBrowser.locationPath(toLogin);
    assertThat(login).startsWith("/login?rd=");
    browser.get(login);
    String rd = java.net.URLDecoder.decode(login.substring("/login?rd=".length()), "UTF-8");
    HttpResponse<String> signedIn =
        browser.post("/login", Map.of("username", "alice", "password", PASSWORD, "rd", rd));
    assertThat(signedIn.statusCode()).isEqualTo(303);
    HttpResponse<String> consent = browser.get(TestBrowser.locationPath(signedIn));
    assertThat(consent.statusCode()).isEqualTo(200);
    assertThat(consent.body())
        .contains("The App", "See your email address", "See which groups you belong to");
    AuthorizationSuccessResponse granted =
        success(
            browser.post(
                "/oauth/consent", Map.of("request", requestField(consent), "decision", "allow")));
    assertThat(granted.getState()).isEqualTo(new State("st-1"));
    assertThat(granted.getIssuer()).isEqualTo(new Issuer(TestGatehouse.PUBLIC_ORIGIN));
    assertThat(success(browser.get(pathOf(request.toString()))).getAuthorizationCode())
        .as("consent is remembered")
        .isNotNull();

    TokenResponse tokens = exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier);
    assertThat(tokens.indicatesSuccess()).as("%s", tokens).isTrue();
    OIDCTokenResponse oidc = (OIDCTokenResponse) tokens.toSuccessResponse();
    JWT idToken = oidc.getOIDCTokens().getIDToken();
    assertThat(((SignedJWT) idToken).getHeader().getAlgorithm())
        .as("RS256 unless the client asks for ES256: what most relying parties expect")
        .isEqualTo(JWSAlgorithm.RS256);
    IDTokenClaimsSet id =
        new IDTokenValidator(
                new Issuer(TestGatehouse.PUBLIC_ORIGIN),
                new ClientID("app"),
                JWSAlgorithm.RS256,
                jwks())
            .validate(idToken, new Nonce("n-1"));
    assertThat(id.getSubject().getValue()).isEqualTo(alice.id().value());
    assertThat(id.getStringClaim("email")).isEqualTo("alice@example.com");
    assertThat(id.getBooleanClaim("email_verified")).isFalse();
    assertThat(id.getStringClaim("name")).isEqualTo("Alice A");
    assertThat(id.getStringClaim("preferred_username")).isEqualTo("alice");
    assertThat(id.getStringListClaim("groups")).containsExactly("staff");
    assertThat(id.getStringListClaim("amr")).contains("pwd");
    assertThat(id.getAuthenticationTime()).isNotNull();

    BearerAccessToken access = oidc.getOIDCTokens().getBearerAccessToken();
    UserInfoResponse info = userinfo(access);
    assertThat(info.indicatesSuccess()).isTrue();
    assertThat(info.toSuccessResponse().getUserInfo().getEmailAddress())
        .isEqualTo("alice@example.com");

    RefreshToken first = oidc.getOIDCTokens().getRefreshToken();
    assertThat(first).isNotNull();
    TokenResponse rotated = refresh(first);
    assertThat(rotated.indicatesSuccess()).isTrue();
    RefreshToken second = rotated.toSuccessResponse().getTokens().getRefreshToken();
    assertThat(second.getValue()).isNotEqualTo(first.getValue());

    String logoutUrl =
        "/oauth/logout?id_token_hint="
            + idToken.serialize()
            + "&post_logout_redirect_uri="
            + java.net.URLEncoder.encode("https://app.example.com/bye", "UTF-8")
            + "&state=bye-1";
    HttpResponse<String> loggedOut = browser.get(logoutUrl);
    assertThat(loggedOut.statusCode()).isEqualTo(302);
    assertThat(loggedOut.headers().firstValue("Location"))
        .contains("https://app.example.com/bye?state=bye-1");
    assertThat(browser.get("/").statusCode()).as("the Gatehouse session ended").isEqualTo(302);

    String logoutToken = rp.awaitLogoutToken(Duration.ofSeconds(10)).orElseThrow();
    DefaultJWTProcessor<SecurityContext> verifierRp = new DefaultJWTProcessor<>();
    verifierRp.setJWSTypeVerifier(
        new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("logout+jwt")));
    verifierRp.setJWSKeySelector( // signed like the client's ID tokens: RS256 by default
        new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, new ImmutableJWKSet<>(jwks())));
    JWTClaimsSet logout = verifierRp.process(logoutToken, null);
    assertThat(logout.getAudience()).containsExactly("app");
    assertThat(logout.getSubject()).isEqualTo(alice.id().value());
    assertThat(logout.getStringClaim("sid")).isEqualTo(id.getStringClaim("sid"));
    assertThat(logout.getJSONObjectClaim("events"))
        .containsKey("http://schemas.openid.net/event/backchannel-logout");
    assertThat(logout.getClaim("nonce")).isNull();

    clock.advance(Duration.ofSeconds(2));
    assertThat(refresh(second).indicatesSuccess()).as("the grant ended with the session").isFalse();
    assertThat(
            userinfo(rotated.toSuccessResponse().getTokens().getBearerAccessToken())
                .indicatesSuccess())
        .isFalse();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aSecondUseOfACodeRevokesEverythingTheFirstProduced(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(signedIn(), request("app", REDIRECT, verifier).build().toURI()));
    TokenResponse first = exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier);
    assertThat(first.indicatesSuccess()).isTrue();
    TokenResponse second = exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier);
    assertThat(second.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_grant");
    clock.advance(Duration.ofSeconds(2));
    assertThat(
            userinfo(first.toSuccessResponse().getTokens().getBearerAccessToken())
                .indicatesSuccess())
        .isFalse();
    assertThat(refresh(first.toSuccessResponse().getTokens().getRefreshToken()).indicatesSuccess())
        .isFalse();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aCodeExpiresAfterAMinute(TestDatabases.Kind kind) throws Exception {
    start(kind);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(signedIn(), request("app", REDIRECT, verifier).build().toURI()));
    clock.advance(Duration.ofSeconds(61));
    assertThat(
            exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier).indicatesSuccess())
        .isFalse();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void pkceDowngradeAndPlainAndAWrongVerifierAreRefused(TestDatabases.Kind kind) throws Exception {
    start(kind);
    TestBrowser browser = signedIn();
    assertThat(errorCode(authorize(browser, request("app", REDIRECT, null).build().toURI())))
        .as("PKCE is required by default")
        .isEqualTo("invalid_request");
    assertThat(
            errorCode(
                authorize(
                    browser, request("spa", "https://spa.example.com/cb", null).build().toURI())))
        .as("always for public clients")
        .isEqualTo("invalid_request");
    URI plain =
        request("app", REDIRECT, null)
            .codeChallenge(new CodeVerifier(), CodeChallengeMethod.PLAIN)
            .build()
            .toURI();
    assertThat(errorCode(authorize(browser, plain))).isEqualTo("invalid_request");
    URI implicitPlain =
        URI.create(
            request("app", REDIRECT, null).build().toURI()
                + "&code_challenge="
                + new CodeVerifier().getValue());
    assertThat(errorCode(authorize(browser, implicitPlain)))
        .as("a challenge without a method means plain")
        .isEqualTo("invalid_request");

    AuthorizationSuccessResponse noChallenge =
        success(authorize(browser, request("legacy", REDIRECT, null).build().toURI()));
    assertThat(
            exchange("legacy", noChallenge.getAuthorizationCode(), REDIRECT, new CodeVerifier())
                .toErrorResponse()
                .getErrorObject()
                .getCode())
        .as("a verifier without a challenge")
        .isEqualTo("invalid_grant");

    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(browser, request("app", REDIRECT, verifier).build().toURI()));
    assertThat(
            exchange("app", granted.getAuthorizationCode(), REDIRECT, new CodeVerifier())
                .indicatesSuccess())
        .isFalse();
    assertThat(
            exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier).indicatesSuccess())
        .as("a failed verification used the code up")
        .isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://app.example.com/cb/extra",
        "https://app.example.com/cb/",
        "https://app.example.com/CB",
        "https://APP.example.com/cb",
        "https://user@app.example.com/cb",
        "https://app.example.com/x/..;/cb",
        "https://app.example.com/cb?x=1",
        "https://app.example.com/cb#frag",
        "http://app.example.com/cb",
        "https://app.example.com.evil.example/cb"
      })
  void aRedirectUriThatIsNotExactlyRegisteredGetsAnErrorPageAndNoRedirect(String redirect)
      throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    String registered =
        pathOf(request("app", REDIRECT, new CodeVerifier()).build().toURI().toString());
    String asked =
        registered.replace(
            "redirect_uri=" + java.net.URLEncoder.encode(REDIRECT, "UTF-8"),
            "redirect_uri=" + java.net.URLEncoder.encode(redirect, "UTF-8"));
    assertThat(asked).isNotEqualTo(registered);
    HttpResponse<String> response = browser.get(asked);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Location")).isEmpty();
    assertThat(response.body()).contains("has not registered");
  }

  @Test
  void anUnknownClientGetsAnErrorPageAndALoopbackPortIsFreeOnlyForNativeClients() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    HttpResponse<String> unknown =
        browser.get(
            pathOf(request("nobody", REDIRECT, new CodeVerifier()).build().toURI().toString()));
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.headers().firstValue("Location")).isEmpty();
    success(
        authorize(
            browser,
            request("spa", "http://127.0.0.1:53123/cb", new CodeVerifier()).build().toURI()));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void promptNoneWithoutASessionAnswersLoginRequired(TestDatabases.Kind kind) throws Exception {
    start(kind);
    URI request =
        request("app", REDIRECT, new CodeVerifier())
            .prompt(new com.nimbusds.openid.connect.sdk.Prompt("none"))
            .build()
            .toURI();
    assertThat(errorCode(gatehouse.browser().get(pathOf(request.toString()))))
        .isEqualTo("login_required");
    assertThat(errorCode(signedIn().get(pathOf(request.toString()))))
        .as("signed in, but the app's consent was never given")
        .isEqualTo("consent_required");
  }

  @Test
  void maxAgeAndPromptLoginSendTheUserToSignInAgain() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    clock.advance(Duration.ofMinutes(10));
    URI request = request("legacy", REDIRECT, null).maxAge(60).build().toURI();
    HttpResponse<String> again = browser.get(pathOf(request.toString()));
    assertThat(again.statusCode()).isEqualTo(302);
    String login = TestBrowser.locationPath(again);
    assertThat(login).startsWith("/login?reauth=1&rd=");
    assertThat(browser.get(login).body()).contains("sign in again");
    String rd = java.net.URLDecoder.decode(login.substring(login.indexOf("rd=") + 3), "UTF-8");
    HttpResponse<String> fresh =
        browser.post("/login", Map.of("username", "alice", "password", PASSWORD, "rd", rd));
    AuthorizationSuccessResponse granted = success(browser.get(TestBrowser.locationPath(fresh)));
    TokenResponse tokens = exchange("legacy", granted.getAuthorizationCode(), REDIRECT, null);
    IDTokenValidator validator =
        new IDTokenValidator(
            new Issuer(TestGatehouse.PUBLIC_ORIGIN),
            new ClientID("legacy"),
            JWSAlgorithm.RS256,
            jwks());
    validator.setMaxClockSkew(3600); // the test clock ran ahead of the machine's by ten minutes
    IDTokenClaimsSet id =
        validator.validate(
            ((OIDCTokenResponse) tokens.toSuccessResponse()).getOIDCTokens().getIDToken(),
            new Nonce("n-1"));
    assertThat(id.getAuthenticationTime().toInstant())
        .isAfter(clock.instant().minus(Duration.ofSeconds(5)));

    URI login2 =
        request("legacy", REDIRECT, null)
            .prompt(new com.nimbusds.openid.connect.sdk.Prompt("login"))
            .build()
            .toURI();
    HttpResponse<String> prompted = browser.get(pathOf(login2.toString()));
    assertThat(TestBrowser.locationPath(prompted)).startsWith("/login?reauth=1&rd=");
  }

  @Test
  void aRelyingPartyCannotForgeTheJustSignedInMarkerToSkipPromptLogin() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    clock.advance(Duration.ofMinutes(10));
    URI prompted =
        request("legacy", REDIRECT, null)
            .prompt(new com.nimbusds.openid.connect.sdk.Prompt("login"))
            .build()
            .toURI();
    for (String forged : List.of("1", "0", String.valueOf(Long.MIN_VALUE), "1.AAAA", "1.")) {
      HttpResponse<String> answer =
          browser.get(pathOf(prompted + "&gatehouse_auth_after=" + forged));
      assertThat(answer.statusCode()).as(forged).isEqualTo(302);
      assertThat(TestBrowser.locationPath(answer))
          .as("no code without a new sign-in, marker %s", forged)
          .startsWith("/login?reauth=1&rd=");
    }
    // Our own marker, moved to another client, does not count there either.
    String login = TestBrowser.locationPath(browser.get(pathOf(prompted.toString())));
    String rd = java.net.URLDecoder.decode(login.substring(login.indexOf("rd=") + 3), "UTF-8");
    String marker = rd.replaceAll(".*gatehouse_auth_after=([^&]*).*", "$1");
    assertThat(marker).matches("[0-9]+\\.[A-Za-z0-9_-]{20,}");
    URI other =
        request("app", REDIRECT, new CodeVerifier())
            .prompt(new com.nimbusds.openid.connect.sdk.Prompt("login"))
            .build()
            .toURI();
    assertThat(
            TestBrowser.locationPath(
                browser.get(pathOf(other + "&gatehouse_auth_after=" + marker))))
        .startsWith("/login?reauth=1&rd=");
  }

  @Test
  void aJustSignedInMarkerFromAnotherBrowserOrFromLongAgoDoesNotSkipPromptLogin() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    URI prompted =
        request("legacy", REDIRECT, null)
            .prompt(new com.nimbusds.openid.connect.sdk.Prompt("login"))
            .build()
            .toURI();
    // Mallory's browser asks for a fresh sign-in and keeps the marker it was given.
    TestBrowser mallory = signedIn();
    String login = TestBrowser.locationPath(mallory.get(pathOf(prompted.toString())));
    String rd = java.net.URLDecoder.decode(login.substring(login.indexOf("rd=") + 3), "UTF-8");
    String marker = rd.replaceAll(".*gatehouse_auth_after=([^&]*).*", "$1");
    clock.advance(Duration.ofMinutes(1));
    // Alice signs in later in her own browser; the marker does not travel to it.
    TestBrowser alice = signedIn();
    clock.advance(Duration.ofMinutes(1));
    assertThat(
            TestBrowser.locationPath(
                alice.get(pathOf(prompted + "&gatehouse_auth_after=" + marker))))
        .as("a marker made for another browser")
        .startsWith("/login?reauth=1&rd=");
    // In Alice's own browser, a marker older than its lifetime no longer counts either.
    String own = TestBrowser.locationPath(alice.get(pathOf(prompted.toString())));
    String ownRd = java.net.URLDecoder.decode(own.substring(own.indexOf("rd=") + 3), "UTF-8");
    alice.get("/login?reauth=1");
    assertThat(alice.post("/login", Map.of("username", "alice", "password", PASSWORD)).statusCode())
        .isEqualTo(303);
    clock.advance(Duration.ofMinutes(16));
    assertThat(TestBrowser.locationPath(alice.get(pathOf(ownRd))))
        .as("a stale marker")
        .startsWith("/login?reauth=1&rd=");
  }

  private RefreshToken firstRefreshToken(String client) throws Exception {
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(signedIn(), request(client, REDIRECT, verifier).build().toURI()));
    return exchange(client, granted.getAuthorizationCode(), REDIRECT, verifier)
        .toSuccessResponse()
        .getTokens()
        .getRefreshToken();
  }

  private TokenResponse refreshAs(String client, RefreshToken token, Scope scope) throws Exception {
    return OIDCTokenResponseParser.parse(
        new TokenRequest.Builder(
                endpoint("/oauth/token"),
                new ClientSecretBasic(new ClientID(client), new Secret(SECRET)),
                new RefreshTokenGrant(token))
            .scope(scope)
            .build()
            .toHTTPRequest()
            .send());
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aRefreshAskingForMoreScopeIsRefusedWithoutSpendingTheToken(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    RefreshToken token = firstRefreshToken("app");
    TokenResponse wider = refreshAs("app", token, new Scope("openid", "profile", "admin"));
    assertThat(wider.toErrorResponse().getErrorObject().getCode()).isEqualTo("invalid_scope");
    TokenResponse retry = refreshAs("app", token, new Scope("openid", "profile"));
    assertThat(retry.indicatesSuccess()).as("the corrected retry is no replay").isTrue();
    assertThat(refresh(retry.toSuccessResponse().getTokens().getRefreshToken()).indicatesSuccess())
        .isTrue();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aClientWithAReuseGraceSurvivesParallelRefreshesButNotALateReplay(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    RefreshToken token = firstRefreshToken("tabs");
    TokenResponse first = refreshAs("tabs", token, null);
    TokenResponse second = refreshAs("tabs", token, null);
    TokenResponse third = refreshAs("tabs", token, null);
    assertThat(first.indicatesSuccess()).isTrue();
    assertThat(second.indicatesSuccess()).as("a second tab inside the grace").isTrue();
    RefreshToken a = first.toSuccessResponse().getTokens().getRefreshToken();
    RefreshToken b = second.toSuccessResponse().getTokens().getRefreshToken();
    assertThat(b)
        .as("the same successor: one token never forks into two chains")
        .isEqualTo(a)
        .isEqualTo(third.toSuccessResponse().getTokens().getRefreshToken());
    assertThat(second.toSuccessResponse().getTokens().getAccessToken())
        .isNotEqualTo(first.toSuccessResponse().getTokens().getAccessToken());
    RefreshToken c = refreshAs("tabs", b, null).toSuccessResponse().getTokens().getRefreshToken();
    a = c;

    clock.advance(Duration.ofSeconds(31));
    assertThat(refreshAs("tabs", token, null).indicatesSuccess())
        .as("after the grace a reuse is a replay")
        .isFalse();
    assertThat(refreshAs("tabs", a, null).indicatesSuccess())
        .as("and the replay ended the grant")
        .isFalse();
  }

  @org.junit.jupiter.params.ParameterizedTest
  @ValueSource(
      strings = {
        "https://app.example.com/cb?code=1",
        "https://app.example.com/cb?x=1&state=2",
        "https://app.example.com/cb?ISS=https://evil",
        "https://app.example.com/cb?%63ode=1",
        "https://app.example.com/cb?%73tate=1",
        "https://app.example.com/cb?x=1;code=2",
        "https://app.example.com/cb?code[]=1",
        "https://app.example.com/cb#frag",
        "https://app.example.com/cb#"
      })
  void redirectUrisCarryingResponseParametersOrAFragmentAreRefusedAtRegistration(String uri)
      throws Exception {
    Path config = dir.resolve("clients.yml");
    Files.writeString(
        config,
        "oidc:\n  clients:\n    - id: bad\n      public: true\n      redirect-uris: ['"
            + uri
            + "']\n");
    var cli =
        new dev.gatehouse.testing.CliRunner(
            Map.of("GATEHOUSE_DATA_DIR", dir.resolve("data").toString()), dir, clock);
    assertThat(cli.run("init").status()).isZero();
    var checked = cli.run("--config", config.toString(), "config", "check");
    assertThat(checked.status()).as(checked.out()).isNotZero();
    var added = cli.run("client", "add", "bad", "--public", "--redirect-uri", uri);
    assertThat(added.status()).isEqualTo(1);
    assertThat(added.err()).contains("redirect URI");
  }

  @Test
  void formPostResponseModeHandsTheCodeOverInASelfSubmittingForm() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    URI request =
        request("legacy", REDIRECT, null)
            .responseMode(com.nimbusds.oauth2.sdk.ResponseMode.FORM_POST)
            .build()
            .toURI();
    HttpResponse<String> page = browser.get(pathOf(request.toString()));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("<form method=\"post\" action=\"" + REDIRECT + "\"")
        .contains("name=\"state\" value=\"st-1\"")
        .contains("name=\"iss\" value=\"" + TestGatehouse.PUBLIC_ORIGIN + "\"")
        .contains("<script src=\"/static/form_post.js\">");
    Matcher code = Pattern.compile("name=\"code\" value=\"([^\"]+)\"").matcher(page.body());
    assertThat(code.find()).isTrue();
    assertThat(
            exchange("legacy", new AuthorizationCode(code.group(1)), REDIRECT, null)
                .indicatesSuccess())
        .isTrue();
    assertThat(browser.get("/static/form_post.js").statusCode()).isEqualTo(200);

    URI refused =
        request("app", REDIRECT, null)
            .responseMode(com.nimbusds.oauth2.sdk.ResponseMode.FORM_POST)
            .build()
            .toURI();
    assertThat(browser.get(pathOf(refused.toString())).body())
        .as("errors go the same way")
        .contains("name=\"error\" value=\"invalid_request\"");
  }

  @Test
  void anIdTokenHintForAnotherUserIsNeverAnsweredForTheSignedInOne() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    User bob =
        gatehouse.app().directory().addUser("bob", Optional.of("bob@example.com"), "Bob", false);
    gatehouse.app().accounts().setPassword(bob, PASSWORD);
    TestBrowser bobs = gatehouse.browser();
    assertThat(bobs.signIn("bob", PASSWORD).statusCode()).isEqualTo(303);
    AuthorizationSuccessResponse bobGranted =
        success(authorize(bobs, request("legacy", REDIRECT, null).build().toURI()));
    JWT bobsIdToken =
        ((OIDCTokenResponse)
                exchange("legacy", bobGranted.getAuthorizationCode(), REDIRECT, null)
                    .toSuccessResponse())
            .getOIDCTokens()
            .getIDToken();

    TestBrowser alices = signedIn();
    URI silent =
        request("legacy", REDIRECT, null)
            .idTokenHint(bobsIdToken)
            .prompt(new com.nimbusds.openid.connect.sdk.Prompt("none"))
            .build()
            .toURI();
    assertThat(errorCode(alices.get(pathOf(silent.toString())))).isEqualTo("login_required");
    URI asked = request("legacy", REDIRECT, null).idTokenHint(bobsIdToken).build().toURI();
    HttpResponse<String> answer = alices.get(pathOf(asked.toString()));
    assertThat(TestBrowser.locationPath(answer))
        .startsWith("/login?reauth=1&rd=")
        .endsWith("&login_hint=bob");
    assertThat(success(bobs.get(pathOf(silent.toString()))).getAuthorizationCode())
        .as("the hinted user's own browser is answered")
        .isNotNull();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void refreshReuseRevokesTheWholeFamilyAlsoUnderParallelRequests(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(signedIn(), request("app", REDIRECT, verifier).build().toURI()));
    RefreshToken original =
        exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier)
            .toSuccessResponse()
            .getTokens()
            .getRefreshToken();
    List<TokenResponse> answers = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<TokenResponse>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Callable<TokenResponse> call = () -> refresh(original);
        futures.add(pool.submit(call));
      }
      for (Future<TokenResponse> future : futures) {
        answers.add(future.get());
      }
    }
    List<TokenResponse> won = answers.stream().filter(TokenResponse::indicatesSuccess).toList();
    assertThat(won).as("exactly one rotation wins").hasSize(1);
    RefreshToken winner = won.get(0).toSuccessResponse().getTokens().getRefreshToken();
    assertThat(refresh(winner).indicatesSuccess())
        .as("the reuse by the losers revoked the family, the winner's token too")
        .isFalse();

    AuthorizationSuccessResponse again =
        success(authorize(signedIn(), request("app", REDIRECT, verifier).build().toURI()));
    RefreshToken second =
        exchange("app", again.getAuthorizationCode(), REDIRECT, verifier)
            .toSuccessResponse()
            .getTokens()
            .getRefreshToken();
    RefreshToken next = refresh(second).toSuccessResponse().getTokens().getRefreshToken();
    assertThat(refresh(second).indicatesSuccess()).as("sequential reuse").isFalse();
    assertThat(refresh(next).indicatesSuccess()).isFalse();
  }

  @Test
  void anIdTokenIsNeverAcceptedAsAnAccessToken() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(signedIn(), request("app", REDIRECT, verifier).build().toURI()));
    OIDCTokenResponse tokens =
        (OIDCTokenResponse)
            exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier).toSuccessResponse();
    String idToken = tokens.getOIDCTokens().getIDTokenString();
    assertThat(userinfo(new BearerAccessToken(idToken)).indicatesSuccess()).isFalse();
    HttpResponse<String> verify =
        gatehouse
            .browser()
            .send(
                gatehouse
                    .browser()
                    .request("/api/verify")
                    .header("X-Forwarded-Proto", "https")
                    .header("X-Forwarded-Host", "app.example.com")
                    .header("X-Forwarded-Uri", "/")
                    .header("X-Forwarded-Method", "GET")
                    .header("Authorization", "Bearer " + idToken)
                    .build());
    assertThat(verify.statusCode()).isEqualTo(401);
    assertThat(SignedJWT.parse(idToken).getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
  }

  @Test
  void aUserOutsideTheClientsGroupsIsRefusedWithAPageAndADeletedUserLosesTokens() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    HttpResponse<String> refused =
        browser.get(
            pathOf(request("opsonly", REDIRECT, new CodeVerifier()).build().toURI().toString()));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("may not use this application");

    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(browser, request("app", REDIRECT, verifier).build().toURI()));
    TokenResponse tokens = exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier);
    gatehouse.app().directory().deleteUser(alice.id());
    clock.advance(Duration.ofSeconds(2));
    assertThat(
            userinfo(tokens.toSuccessResponse().getTokens().getBearerAccessToken())
                .indicatesSuccess())
        .isFalse();
    assertThat(refresh(tokens.toSuccessResponse().getTokens().getRefreshToken()).indicatesSuccess())
        .isFalse();
  }

  @Test
  void denyingConsentSendsAccessDeniedAndLogoutWithoutAHintAsksFirst() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    HttpResponse<String> consent =
        browser.get(
            pathOf(request("app", REDIRECT, new CodeVerifier()).build().toURI().toString()));
    HttpResponse<String> denied =
        browser.post(
            "/oauth/consent", Map.of("request", requestField(consent), "decision", "deny"));
    assertThat(errorCode(denied)).isEqualTo("access_denied");

    HttpResponse<String> ask = browser.get("/oauth/logout");
    assertThat(ask.statusCode()).isEqualTo(200);
    assertThat(ask.body()).contains("id=\"logout-confirm\"");
    assertThat(browser.get("/").statusCode()).as("not signed out by a GET").isEqualTo(200);
    HttpResponse<String> bad =
        browser.get(
            "/oauth/logout?client_id=app&post_logout_redirect_uri="
                + java.net.URLEncoder.encode("https://evil.example.com/", "UTF-8"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(browser.post("/oauth/logout/confirm", Map.of()).statusCode()).isEqualTo(303);
    assertThat(browser.get("/").statusCode()).isEqualTo(302);
  }

  @Test
  void aUserSeesAndRevokesAnApplicationsAccessOnTheAccountPage() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(browser, request("app", REDIRECT, verifier).build().toURI()));
    TokenResponse tokens = exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier);
    HttpResponse<String> account = browser.get("/account");
    assertThat(account.body()).contains("The App", "email");
    assertThat(browser.post("/account/apps/revoke", Map.of("client_id", "app")).statusCode())
        .isEqualTo(303);
    assertThat(browser.get("/account").body()).contains("id=\"no-apps\"");
    assertThat(
            userinfo(tokens.toSuccessResponse().getTokens().getBearerAccessToken())
                .indicatesSuccess())
        .isFalse();
    assertThat(refresh(tokens.toSuccessResponse().getTokens().getRefreshToken()).indicatesSuccess())
        .isFalse();
    HttpResponse<String> asked =
        browser.get(pathOf(request("app", REDIRECT, verifier).build().toURI().toString()));
    assertThat(asked.body()).as("consent is asked again").contains("id=\"consent-allow\"");
  }

  @Test
  void userinfoTakesTheTokenOnceInTheHeaderOrABodyNeverInTheUrlOrTwice() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(signedIn(), request("app", REDIRECT, verifier).build().toURI()));
    String token =
        exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier)
            .toSuccessResponse()
            .getTokens()
            .getAccessToken()
            .getValue();
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    String url = gatehouse.baseUrl() + "/oauth/userinfo";
    java.util.function.Function<java.net.http.HttpRequest.Builder, HttpResponse<String>> send =
        builder -> {
          try {
            return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    java.util.function.Function<String, java.net.http.HttpRequest.Builder> post =
        body ->
            java.net.http.HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
    assertThat(send.apply(post.apply("access_token=" + token)).statusCode()).isEqualTo(200);
    assertThat(
            send.apply(
                    java.net.http.HttpRequest.newBuilder(
                        URI.create(url + "?access_token=" + token)))
                .statusCode())
        .as("in the URL")
        .isEqualTo(400);
    assertThat(
            send.apply(
                    post.apply("access_token=" + token).header("Authorization", "Bearer " + token))
                .statusCode())
        .as("in the header and the body")
        .isEqualTo(400);
    assertThat(
            send.apply(post.apply("access_token=" + token + "&access_token=" + token)).statusCode())
        .as("twice in the body")
        .isEqualTo(400);
    HttpResponse<String> bare = send.apply(java.net.http.HttpRequest.newBuilder(URI.create(url)));
    assertThat(bare.statusCode()).isEqualTo(401);
    assertThat(bare.headers().firstValue("WWW-Authenticate").orElseThrow())
        .as("no error code without credentials")
        .doesNotContain("error=");
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "response_type=id_token&nonce=n|unsupported_response_type",
        "response_type=token|unsupported_response_type",
        "response_type=code&max_age=-1|invalid_request",
        "response_type=code&max_age=soon|invalid_request",
        "response_type=code&code_challenge=abc&code_challenge_method=S256|invalid_request",
      })
  void authorizationRequestsWithUnusableValuesGoBackWithTheRightError(String extra, String error)
      throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    HttpResponse<String> answer =
        browser.get(
            "/oauth/authorize?client_id=app&scope=openid&state=s&redirect_uri="
                + java.net.URLEncoder.encode(REDIRECT, java.nio.charset.StandardCharsets.UTF_8)
                + (extra.contains("code_challenge=")
                    ? ""
                    : "&code_challenge_method=S256&code_challenge="
                        + new CodeVerifier().getValue().substring(0, 43))
                + "&"
                + extra);
    assertThat(answer.statusCode()).isEqualTo(302);
    assertThat(answer.headers().firstValue("Location").orElseThrow())
        .startsWith(REDIRECT + "?")
        .contains("error=" + error);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void revokingARefreshTokenEndsItsGrantButOnlyForItsOwnClient(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(signedIn(), request("app", REDIRECT, verifier).build().toURI()));
    TokenResponse tokens = exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier);
    RefreshToken refreshToken = tokens.toSuccessResponse().getTokens().getRefreshToken();
    new TokenRevocationRequest(
            endpoint("/oauth/revoke"),
            new ClientSecretBasic(new ClientID("legacy"), new Secret(SECRET)),
            refreshToken)
        .toHTTPRequest()
        .send();
    assertThat(
            userinfo(tokens.toSuccessResponse().getTokens().getBearerAccessToken())
                .indicatesSuccess())
        .as("another client cannot revoke it")
        .isTrue();
    assertThat(
            new TokenRevocationRequest(
                    endpoint("/oauth/revoke"),
                    new ClientSecretBasic(new ClientID("app"), new Secret(SECRET)),
                    refreshToken)
                .toHTTPRequest()
                .send()
                .getStatusCode())
        .isEqualTo(200);
    clock.advance(Duration.ofSeconds(2));
    assertThat(refresh(refreshToken).indicatesSuccess()).isFalse();
    assertThat(
            userinfo(tokens.toSuccessResponse().getTokens().getBearerAccessToken())
                .indicatesSuccess())
        .isFalse();
  }

  @Test
  void aUsersAccessTokenCountsAtForwardAuthWithItsAudienceAndHowTheUserSignedIn() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(signedIn(), request("app", REDIRECT, verifier).build().toURI()));
    String token =
        exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier)
            .toSuccessResponse()
            .getTokens()
            .getAccessToken()
            .getValue();
    HttpResponse<String> api = verifyAt("api.example.com", token);
    assertThat(api.statusCode()).isEqualTo(200);
    assertThat(api.headers().firstValue("Remote-User")).contains("alice");
    assertThat(api.headers().firstValue("Remote-Email")).contains("alice@example.com");
    assertThat(verifyAt("mfa.example.com", token).statusCode())
        .as("signed in with a password alone: not two factors")
        .isEqualTo(403);
    assertThat(verifyAt("app.example.com", token).statusCode())
        .as("the token's audience is the client, not this host")
        .isEqualTo(403);
  }

  private HttpResponse<String> verifyAt(String host, String token) throws Exception {
    TestBrowser any = gatehouse.browser();
    return any.send(
        any.request("/api/verify")
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Host", host)
            .header("X-Forwarded-Uri", "/")
            .header("X-Forwarded-Method", "GET")
            .header("Authorization", "Bearer " + token)
            .build());
  }

  @Test
  void signingInAgainAsTheSameUserKeepsAppsSignedInAndAnotherUserEndsThem() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(browser, request("app", REDIRECT, verifier).build().toURI()));
    RefreshToken first =
        exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier)
            .toSuccessResponse()
            .getTokens()
            .getRefreshToken();

    browser.get("/login?reauth=1");
    assertThat(
            browser.post("/login", Map.of("username", "alice", "password", PASSWORD)).statusCode())
        .isEqualTo(303);
    TokenResponse kept = refresh(first);
    assertThat(kept.indicatesSuccess()).as("the app stays signed in").isTrue();
    assertThat(rp.awaitLogoutToken(Duration.ofSeconds(1))).isEmpty();

    User bob = gatehouse.app().directory().addUser("bob", Optional.empty(), "", false);
    gatehouse.app().accounts().setPassword(bob, PASSWORD);
    browser.get("/login?reauth=1");
    browser.post("/login", Map.of("username", "bob", "password", PASSWORD));
    clock.advance(Duration.ofSeconds(2));
    assertThat(refresh(kept.toSuccessResponse().getTokens().getRefreshToken()).indicatesSuccess())
        .as("alice's session ended when bob signed in on this browser")
        .isFalse();
    assertThat(rp.awaitLogoutToken(Duration.ofSeconds(10))).isPresent();
  }

  @Test
  void aLogoutNoticeTheAppCouldNotTakeIsDeliveredOnceAfterARestart() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = signedIn();
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(browser, request("app", REDIRECT, verifier).build().toURI()));
    assertThat(
            exchange("app", granted.getAuthorizationCode(), REDIRECT, verifier).indicatesSuccess())
        .isTrue();

    rp.refuseLogouts(true);
    browser.get("/");
    assertThat(browser.post("/logout", Map.of()).statusCode()).isEqualTo(303);
    Thread.sleep(1500); // the first try, refused
    gatehouse.restart();
    rp.refuseLogouts(false);
    clock.advance(Duration.ofMinutes(2)); // past the pause before the next try
    Optional<String> token = rp.awaitLogoutToken(Duration.ofSeconds(15));
    assertThat(token).as("delivered by the restarted server").isPresent();
    assertThat(rp.awaitLogoutToken(Duration.ofSeconds(5))).as("and only once").isEmpty();
  }

  @Test
  void aLoginHintPrefillsTheUsernameOnTheSignInPage() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    TestBrowser browser = gatehouse.browser();
    HttpResponse<String> toLogin =
        browser.get(
            pathOf(
                request("app", REDIRECT, new CodeVerifier())
                    .loginHint("alice")
                    .build()
                    .toURI()
                    .toString()));
    assertThat(browser.get(TestBrowser.locationPath(toLogin)).body()).contains("value=\"alice\"");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aPublicClientRedeemsRefreshesAndRevokesWithItsClientIdAlone(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    TestBrowser browser = signedIn();
    String callback = "https://spa.example.com/cb";
    CodeVerifier verifier = new CodeVerifier();
    AuthorizationSuccessResponse granted =
        success(authorize(browser, request("spa", callback, verifier).build().toURI()));
    TokenResponse tokens =
        OIDCTokenResponseParser.parse(
            new TokenRequest.Builder(
                    endpoint("/oauth/token"),
                    new ClientID("spa"),
                    new AuthorizationCodeGrant(
                        granted.getAuthorizationCode(), URI.create(callback), verifier))
                .build()
                .toHTTPRequest()
                .send());
    assertThat(tokens.indicatesSuccess()).as("%s", tokens).isTrue();
    OIDCTokenResponse ok = (OIDCTokenResponse) tokens.toSuccessResponse();
    RefreshToken first = ok.getOIDCTokens().getRefreshToken();
    assertThat(first).isNotNull();
    assertThat(userinfo(ok.getOIDCTokens().getBearerAccessToken()).indicatesSuccess()).isTrue();
    HttpResponse<String> inBody =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(endpoint("/oauth/userinfo"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(
                        java.net.http.HttpRequest.BodyPublishers.ofString(
                            "access_token=" + ok.getOIDCTokens().getAccessToken().getValue()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(inBody.statusCode()).as("RFC 6750 §2.2: the token in a POST body").isEqualTo(200);
    assertThat(inBody.body()).contains("\"sub\"");

    TokenResponse refreshed = publicRefresh("spa", first);
    assertThat(refreshed.indicatesSuccess()).as("%s", refreshed).isTrue();
    RefreshToken second = refreshed.toSuccessResponse().getTokens().getRefreshToken();

    assertThat(publicRefresh("app", second).indicatesSuccess())
        .as("another client's id does not use the token")
        .isFalse();
    assertThat(
            new TokenRevocationRequest(endpoint("/oauth/revoke"), new ClientID("spa"), second)
                .toHTTPRequest()
                .send()
                .getStatusCode())
        .isEqualTo(200);
    assertThat(publicRefresh("spa", second).indicatesSuccess()).as("revoked").isFalse();
  }

  private TokenResponse publicRefresh(String client, RefreshToken token) throws Exception {
    return OIDCTokenResponseParser.parse(
        new TokenRequest.Builder(
                endpoint("/oauth/token"), new ClientID(client), new RefreshTokenGrant(token))
            .build()
            .toHTTPRequest()
            .send());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "client_id=spa",
        "client_id=app",
        "client_id=nobody",
        "token=abc",
        "client_id=spa&token=abc",
        "client_id=spa&token=abc&token_type_hint=refresh_token",
        "grant_type=refresh_token&client_id=spa",
        "grant_type=refresh_token&client_id=spa&refresh_token=abc",
        "grant_type=authorization_code&client_id=spa&code=abc",
        "grant_type=authorization_code&client_id=spa&code=abc&redirect_uri=https%3A%2F%2Fspa.example.com%2Fcb&code_verifier=x",
        "grant_type=client_credentials&client_id=spa",
        "grant_type=password&client_id=spa&username=a&password=b",
        "grant_type=nonsense",
        "client_id=spa&client_id=app",
        "%ZZ=%ZZ",
        "client_id=%00"
      })
  void noOAuthEndpointAnswersAMalformedOrUnauthenticatedRequestWithA5xx(String body)
      throws Exception {
    start(TestDatabases.Kind.SQLITE);
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    for (String path : List.of("/oauth/token", "/oauth/introspect", "/oauth/revoke")) {
      for (Optional<String> authorization :
          List.of(
              Optional.<String>empty(), Optional.of("Basic !!!"), Optional.of("Basic c3BhOg=="))) {
        java.net.http.HttpRequest.Builder request =
            java.net.http.HttpRequest.newBuilder(endpoint(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
        authorization.ifPresent(a -> request.header("Authorization", a));
        HttpResponse<String> answer =
            client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (path.equals("/oauth/revoke") && answer.statusCode() == 200) {
          // RFC 7009 §2.2: an unknown token is answered 200; only a known client gets that far.
          assertThat(body).contains("client_id=spa");
        } else {
          assertThat(answer.statusCode())
              .as("%s %s %s", path, body, authorization)
              .isBetween(400, 499);
        }
      }
    }
    HttpResponse<String> introspection =
        client.send(
            java.net.http.HttpRequest.newBuilder(endpoint("/oauth/introspect"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("client_id=spa&token=abc"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(introspection.statusCode()).isEqualTo(401);
    assertThat(introspection.body()).contains("invalid_client");
  }
}
