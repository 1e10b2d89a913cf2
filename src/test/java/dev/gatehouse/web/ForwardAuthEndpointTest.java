package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The verify endpoints spoken to directly, as a proxy would, on both databases. */
class ForwardAuthEndpointTest {
  static final String PASSWORD = "correct horse battery staple";
  static final String RULES =
      "[{hosts: [app.example.com], paths: [/public], policy: bypass},"
          + " {hosts: [app.example.com], paths: [/lan], networks: [192.168.0.0/16], policy: bypass},"
          + " {hosts: [app.example.com], paths: [/local], networks: [127.0.0.0/8], policy: bypass},"
          + " {hosts: [app.example.com], paths: [/closed], policy: deny},"
          + " {hosts: [app.example.com], paths: [/mfa], policy: two-factor},"
          + " {hosts: ['*.example.com'], policy: authenticated}]";
  static final HttpClient CLIENT =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @TempDir Path dir;
  private TestGatehouse gatehouse;
  private final MutableClock clock = MutableClock.atFixedInstant();

  static List<TestDatabases.Kind> kinds() {
    return TestDatabases.kinds();
  }

  private void start(TestDatabases.Kind kind, Map<String, String> extra) throws Exception {
    Map<String, String> settings = new java.util.HashMap<>(Map.of("GATEHOUSE_ACCESS_RULES", RULES));
    settings.putAll(extra);
    gatehouse = TestGatehouse.start(kind, dir, clock, settings);
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
  }

  private String signedIn(String name) throws Exception {
    User user = gatehouse.app().directory().addUser(name, Optional.empty(), "", false);
    gatehouse.app().accounts().setPassword(user, PASSWORD);
    TestBrowser browser = gatehouse.browser();
    browser.signIn(name, PASSWORD);
    return browser.sessionCookie().orElseThrow();
  }

  private HttpRequest.Builder verify(String endpoint, String uri) {
    return HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + endpoint))
        .header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", "app.example.com")
        .header("X-Forwarded-Uri", uri)
        .header("X-Forwarded-Method", "GET");
  }

  private static HttpResponse<String> send(HttpRequest.Builder builder) throws Exception {
    return CLIENT.send(builder.build(), HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void allowedAnswersCarryEveryIdentityHeaderAndNoBody(TestDatabases.Kind kind) throws Exception {
    start(kind, Map.of());
    String token = signedIn("alice");
    HttpResponse<String> signedIn =
        send(
            verify("/api/verify", "/x")
                .header("Cookie", TestGatehouse.SESSION_COOKIE + "=" + token));
    assertThat(signedIn.statusCode()).isEqualTo(200);
    assertThat(signedIn.body()).isEmpty();
    assertThat(signedIn.headers().firstValue("Content-Length")).contains("0");
    assertThat(signedIn.headers().firstValue("Remote-User")).contains("alice");

    HttpResponse<String> anonymous = send(verify("/api/authz/forward-auth", "/public/x"));
    assertThat(anonymous.statusCode()).isEqualTo(200);
    for (String header : List.of("Remote-User", "Remote-Email", "Remote-Name", "Remote-Groups")) {
      assertThat(anonymous.headers().firstValue(header)).as(header).contains("");
    }
  }

  @org.junit.jupiter.api.Test
  void identityHeadersCarryNamesBeyondLatinOneAsUtf8BytesNeverAsLookAlikes() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    String token = signedIn("zoe");
    User zoe = gatehouse.app().directory().findByUsername("zoe").orElseThrow();
    gatehouse.app().directory().setDisplayName(zoe.id(), "Zoë 😀");
    gatehouse.app().directory().addGroup("ops😀");
    gatehouse.app().directory().addMember("ops😀", "zoe");
    RawHttp.Head head =
        RawHttp.send(
            gatehouse.port(),
            "GET /api/verify HTTP/1.1",
            "Host: 127.0.0.1",
            "X-Forwarded-Proto: https",
            "X-Forwarded-Host: app.example.com",
            "X-Forwarded-Uri: /x",
            "X-Forwarded-Method: GET",
            "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + token);
    assertThat(head.status()).isEqualTo(200);
    String utf8 =
        new String(
            head.text().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
            java.nio.charset.StandardCharsets.UTF_8);
    assertThat(utf8).contains("Remote-Groups: ops😀\r\n").contains("Remote-Name: Zoë 😀\r\n");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void anUnparsableForwardedClientAddressMatchesNoNetworkRule(TestDatabases.Kind kind)
      throws Exception {
    start(kind, Map.of());
    assertThat(send(verify("/api/verify", "/local/x")).statusCode())
        .as("the proxy itself is inside 127.0.0.0/8")
        .isEqualTo(200);
    for (String forged : List.of("a", "999.1.1.1", "::ffff:zz", "198.51.100.7, bogus")) {
      assertThat(send(verify("/api/verify", "/local/x").header("X-Forwarded-For", forged)))
          .as(forged)
          .extracting(HttpResponse::statusCode)
          .isEqualTo(401);
    }
  }

  @Test
  void refusedBrowsersAreSentToAPortalPageAndScriptsGetABare403() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    String cookie = TestGatehouse.SESSION_COOKIE + "=" + signedIn("erin");
    HttpResponse<String> denied =
        send(
            verify("/api/verify", "/closed/x")
                .header("Accept", "text/html")
                .header("Cookie", cookie));
    assertThat(denied.statusCode()).isEqualTo(302);
    assertThat(denied.headers().firstValue("Location"))
        .contains(
            "https://auth.example.com/denied?rd="
                + URLEncoder.encode("https://app.example.com/closed/x", StandardCharsets.UTF_8));
    HttpResponse<String> stepUp =
        send(verify("/api/verify", "/mfa").header("Accept", "text/html").header("Cookie", cookie));
    assertThat(stepUp.statusCode()).isEqualTo(302);
    assertThat(stepUp.headers().firstValue("Location").orElseThrow())
        .startsWith("https://auth.example.com/login?step_up=1&rd=");
    HttpResponse<String> nginx =
        send(
            HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/api/authz/auth-request"))
                .header("X-Original-URL", "https://app.example.com/closed/x")
                .header("X-Original-Method", "GET")
                .header("Accept", "text/html")
                .header("Cookie", cookie));
    assertThat(nginx.statusCode()).isEqualTo(403);
    assertThat(nginx.headers().firstValue("Location").orElseThrow())
        .startsWith("https://auth.example.com/denied?rd=");
    HttpResponse<String> script =
        send(
            verify("/api/verify", "/closed/x")
                .header("Accept", "application/json")
                .header("Cookie", cookie));
    assertThat(script.statusCode()).isEqualTo(403);
    assertThat(script.headers().firstValue("Location")).isEmpty();

    TestBrowser browser = gatehouse.browser();
    browser.signIn("erin", PASSWORD);
    HttpResponse<String> page =
        browser.get(
            "/denied?rd="
                + URLEncoder.encode("https://app.example.com/closed/x", StandardCharsets.UTF_8));
    assertThat(page.statusCode()).isEqualTo(403);
    assertThat(page.body())
        .contains("erin", "https://app.example.com/closed/x", "Sign in as someone else");
    assertThat(gatehouse.browser().get("/denied?rd=https://evil.com/").body())
        .doesNotContain("evil.com");
  }

  @Test
  void theEchoEndpointAnswersOnlyTheSelftestsTemporaryKey() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    String echo = gatehouse.baseUrl() + "/api/echo";
    var keys = gatehouse.app().apiKeys();
    var selftest =
        keys.createApplication(
            dev.gatehouse.apikey.ApiKeyService.SELFTEST_APPLICATION,
            "temporary self-test key",
            List.of(),
            List.of(),
            Optional.of(Duration.ofMinutes(10)));
    var other = keys.createApplication("backup", "", List.of(), List.of(), Optional.empty());
    assertThat(send(HttpRequest.newBuilder(URI.create(echo))).statusCode()).isEqualTo(404);
    assertThat(
            send(HttpRequest.newBuilder(URI.create(echo))
                    .header("Authorization", "Bearer " + other.key()))
                .statusCode())
        .isEqualTo(404);
    HttpResponse<String> answered =
        send(
            HttpRequest.newBuilder(URI.create(echo))
                .header("Authorization", "Bearer " + selftest.key())
                .header("Remote-User", "x"));
    assertThat(answered.statusCode()).isEqualTo(200);
    assertThat(answered.body()).startsWith("gatehouse-echo").contains("Remote-User: x");
    keys.revoke(selftest.record().id());
    clock.advance(Duration.ofSeconds(2));
    assertThat(
            send(HttpRequest.newBuilder(URI.create(echo))
                    .header("Authorization", "Bearer " + selftest.key()))
                .statusCode())
        .as("gone with the key")
        .isEqualTo(404);
  }

  @Test
  void theNginxEndpointRefusesARequestWithoutItsOwnDialectsHeaders() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    String nginx = gatehouse.baseUrl() + "/api/authz/auth-request";
    // X-Forwarded-* describing a bypassed path: a hand-written nginx configuration that forgot
    // X-Original-URL must not be judged on them.
    assertThat(
            send(HttpRequest.newBuilder(URI.create(nginx))
                    .header("X-Forwarded-Proto", "https")
                    .header("X-Forwarded-Host", "app.example.com")
                    .header("X-Forwarded-Uri", "/public/x")
                    .header("X-Forwarded-Method", "GET"))
                .statusCode())
        .isEqualTo(403);
    assertThat(
            send(HttpRequest.newBuilder(URI.create(nginx))
                    .header("X-Original-URL", "https://app.example.com/public/x")
                    .header("X-Forwarded-Method", "GET"))
                .statusCode())
        .as("X-Original-Method forgotten")
        .isEqualTo(403);
    assertThat(
            send(HttpRequest.newBuilder(URI.create(nginx))
                    .header("X-Original-URL", "https://app.example.com/public/x")
                    .header("X-Original-Method", "GET"))
                .statusCode())
        .isEqualTo(200);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void browsersAreSentToThePortalWithTheOriginalUrl(TestDatabases.Kind kind) throws Exception {
    start(kind, Map.of());
    HttpResponse<String> caddy =
        send(
            verify("/api/authz/forward-auth", "/docs?page=2&q=a%20b")
                .header("Accept", "text/html"));
    assertThat(caddy.statusCode()).isEqualTo(302);
    String location = caddy.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith("https://auth.example.com/login?rd=");
    assertThat(
            URLDecoder.decode(
                location.substring(location.indexOf("rd=") + 3), StandardCharsets.UTF_8))
        .isEqualTo("https://app.example.com/docs?page=2&q=a%20b");

    HttpResponse<String> nginx =
        send(
            HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/api/authz/auth-request"))
                .header("X-Original-URL", "https://app.example.com/docs")
                .header("X-Original-Method", "GET")
                .header("Accept", "text/html"));
    assertThat(nginx.statusCode()).isEqualTo(401);
    assertThat(nginx.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).startsWith("https://auth.example.com/login?rd="));

    HttpResponse<String> api =
        send(verify("/api/verify", "/docs").header("Accept", "application/json"));
    assertThat(api.statusCode()).isEqualTo(401);
    assertThat(api.headers().firstValue("Location")).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void signingOutEndsAccessToEveryProtectedApp(TestDatabases.Kind kind) throws Exception {
    start(kind, Map.of());
    User user = gatehouse.app().directory().addUser("bob", Optional.empty(), "", false);
    gatehouse.app().accounts().setPassword(user, PASSWORD);
    TestBrowser browser = gatehouse.browser();
    browser.signIn("bob", PASSWORD);
    String cookie = TestGatehouse.SESSION_COOKIE + "=" + browser.sessionCookie().orElseThrow();
    HttpRequest.Builder other =
        verify("/api/verify", "/")
            .setHeader("X-Forwarded-Host", "wiki.example.com")
            .header("Cookie", cookie);
    assertThat(send(other).statusCode()).isEqualTo(200);
    browser.get("/");
    browser.post("/logout", Map.of());
    assertThat(send(other).statusCode()).isEqualTo(401);
    assertThat(send(verify("/api/verify", "/").header("Cookie", cookie)).statusCode())
        .isEqualTo(401);
  }

  @Test
  void aPeerOutsideTheTrustedProxiesIsRefused() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of("GATEHOUSE_SERVER_TRUSTED_PROXIES", "10.0.0.0/8"));
    String token = signedIn("carol");
    HttpResponse<String> response =
        send(
            verify("/api/verify", "/public")
                .header("Cookie", TestGatehouse.SESSION_COOKIE + "=" + token));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("Remote-User")).isEmpty();
  }

  @Test
  void missingOrRepeatedForwardedHeadersAreRefused() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    assertThat(
            send(HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/api/verify")))
                .statusCode())
        .isEqualTo(403);
    assertThat(
            send(verify("/api/verify", "/public").header("X-Forwarded-Host", "evil.example.net"))
                .statusCode())
        .isEqualTo(403);
    assertThat(
            send(verify("/api/verify", "/public")
                    .setHeader("X-Forwarded-Host", "app.example.com:0"))
                .statusCode())
        .isEqualTo(403);
    assertThat(
            send(verify("/api/verify", "/public/%2e%2e/private").header("Accept", "text/html"))
                .statusCode())
        .as("resolved to /private, which needs a session")
        .isEqualTo(302);
    assertThat(send(verify("/api/verify", "/public%2fx")).statusCode()).isEqualTo(403);
  }

  @Test
  void theSessionCookieCountsFirstInEitherPrefixVariantAndOnlyExactlyAsIssued() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    String token = signedIn("erin");
    for (String name : List.of("__Secure-gatehouse_session", "__Host-gatehouse_session")) {
      HttpResponse<String> answer =
          send(verify("/api/verify", "/x").header("Cookie", name + "=" + token));
      assertThat(answer.statusCode()).as(name).isEqualTo(200);
      assertThat(answer.headers().firstValue("Remote-User")).contains("erin");
    }
    assertThat(
            send(verify("/api/verify", "/x")
                    .header(
                        "Cookie",
                        "__Secure-gatehouse_session="
                            + token
                            + "; __Host-gatehouse_session="
                            + "B".repeat(43)))
                .statusCode())
        .as("two different session tokens: cookie tossing")
        .isEqualTo(401);
    HttpResponse<String> cookieFirst =
        send(
            verify("/api/verify", "/x")
                .header("Cookie", TestGatehouse.SESSION_COOKIE + "=" + token)
                .header("Authorization", "Bearer ghk_unknown_" + "C".repeat(43)));
    assertThat(cookieFirst.statusCode()).as("the valid session counts first").isEqualTo(200);
    assertThat(cookieFirst.headers().firstValue("Remote-User")).contains("erin");
    assertThat(
            send(verify("/api/verify", "/x")
                    .header("Cookie", TestGatehouse.SESSION_COOKIE + "=" + "D".repeat(43))
                    .header("Authorization", "Bearer ghk_unknown_" + "C".repeat(43)))
                .statusCode())
        .as("an invalid session, then an invalid key")
        .isEqualTo(401);
    // A token travels byte for byte: no re-encoding on the way makes another string count.
    for (String altered :
        List.of(
            token + "=",
            token.replace('-', '+').replace('_', '/') + (token.matches(".*[-_].*") ? "" : "+"),
            "%" + String.format("%02X", (int) token.charAt(0)) + token.substring(1),
            token.substring(0, token.length() - 1) + "/")) {
      assertThat(
              send(verify("/api/verify", "/x")
                      .header("Cookie", TestGatehouse.SESSION_COOKIE + "=" + altered))
                  .statusCode())
          .as(altered)
          .isEqualTo(401);
    }
  }

  @Test
  void twoSessionCookiesOrTwoAuthorizationHeadersAreNotAuthenticated() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    String token = signedIn("dave");
    String two =
        TestGatehouse.SESSION_COOKIE
            + "="
            + token
            + "; "
            + TestGatehouse.SESSION_COOKIE
            + "="
            + "B".repeat(43);
    assertThat(send(verify("/api/verify", "/x").header("Cookie", two)).statusCode()).isEqualTo(401);
    assertThat(
            send(verify("/api/verify", "/x")
                    .header("Cookie", TestGatehouse.SESSION_COOKIE + "=" + token)
                    .header("Authorization", "Bearer a")
                    .header("Authorization", "Bearer b"))
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void networkRulesUseTheForwardedClientFromATrustedProxy() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    assertThat(
            send(verify("/api/verify", "/lan").header("X-Forwarded-For", "192.168.4.2"))
                .statusCode())
        .isEqualTo(200);
    assertThat(
            send(verify("/api/verify", "/lan").header("X-Forwarded-For", "203.0.113.9"))
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void headAndOtherMethodsAreAnswered() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    assertThat(
            send(verify("/api/authz/forward-auth", "/public")
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()))
                .statusCode())
        .isEqualTo(200);
    assertThat(
            send(verify("/api/authz/forward-auth", "/public")
                    .POST(HttpRequest.BodyPublishers.ofString("x")))
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void answersInPlaceAndAnswersThatWaitForTheStoreAreTheSameAndShareOneConnection()
      throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    String token = signedIn("fay");
    String cookie = "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + token;
    String unknown = "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + "A".repeat(43);
    String[] forwarded = {
      "Host: localhost",
      "X-Forwarded-Proto: https",
      "X-Forwarded-Host: app.example.com",
      "X-Forwarded-Uri: /dashboard",
      "X-Forwarded-Method: GET",
      "Accept: text/html"
    };
    try (RawHttp.Connection connection = new RawHttp.Connection(gatehouse.port())) {
      // The first two calls find no session in memory (a session is cached from its second
      // look-up): they are decided on a thread that may wait.
      RawHttp.Head cold =
          connection.exchange("GET /api/verify HTTP/1.1", "", with(forwarded, cookie));
      RawHttp.Head second =
          connection.exchange("GET /api/verify HTTP/1.1", "", with(forwarded, cookie));
      // The third is answered from memory, on the thread that read it.
      RawHttp.Head warm =
          connection.exchange("GET /api/verify HTTP/1.1", "", with(forwarded, cookie));
      RawHttp.Head page = connection.exchange("GET /healthz HTTP/1.1", "", "Host: localhost");
      RawHttp.Head withBody =
          connection.exchange("POST /api/verify HTTP/1.1", "ignored", with(forwarded, cookie));
      RawHttp.Head signedOut = connection.exchange("GET /api/verify HTTP/1.1", "", forwarded);
      RawHttp.Head unknownSession =
          connection.exchange("GET /api/verify HTTP/1.1", "", with(forwarded, unknown));
      clock.advance(Duration.ofSeconds(2)); // past the caches: the store decides again
      RawHttp.Head again =
          connection.exchange("GET /api/verify HTTP/1.1", "", with(forwarded, cookie));

      for (RawHttp.Head allowed : List.of(cold, second, warm, withBody, again)) {
        assertThat(allowed.status()).isEqualTo(200);
        assertThat(allowed.hasHeader("Remote-User", "fay")).isTrue();
        assertThat(allowed.hasHeader("Content-Length", "0")).isTrue();
        assertThat(allowed.text()).doesNotContainIgnoringCase("Content-Security-Policy");
      }
      assertThat(headerNames(warm)).isEqualTo(headerNames(cold));
      assertThat(page.status()).isEqualTo(200);
      // Refusals carry the page headers whichever way they were decided.
      for (RawHttp.Head refused : List.of(signedOut, unknownSession)) {
        assertThat(refused.status()).isEqualTo(302);
        assertThat(refused.text())
            .contains(
                "Location: https://auth.example.com/login?rd=https%3A%2F%2Fapp.example.com%2Fdashboard");
        assertThat(refused.hasHeader("Cache-Control", "no-store")).isTrue();
        assertThat(refused.hasHeader("X-Frame-Options", "DENY")).isTrue();
        assertThat(refused.hasHeader("Content-Length", "0")).isTrue();
      }
      assertThat(headerNames(unknownSession)).isEqualTo(headerNames(signedOut));
    }
  }

  @Test
  void aDecisionThatWritesALogLineIsNeverMadeOnAThreadThatMustNotWait() throws Exception {
    // A console nobody reads blocks the writer: a refusal logged on a selector thread would stall
    // every connection on it. Such decisions go to the pool; silent ones stay in place.
    start(TestDatabases.Kind.SQLITE, Map.of());
    String token = signedIn("gus");
    dev.gatehouse.forwardauth.Verifier verifier = gatehouse.app().verifier();
    java.util.function.Function<String, dev.gatehouse.forwardauth.Verifier.Request> request =
        path ->
            new dev.gatehouse.forwardauth.Verifier.Request(
                new dev.gatehouse.forwardauth.OriginalRequest(
                    "https", "app.example.com", path, "GET"),
                "127.0.0.1",
                Optional.empty(),
                List.of(token),
                false);
    for (int i = 0; i < 2; i++) { // warms the caches: a session is cached from its second look-up
      assertThat(verifier.verify(request.apply("/dashboard")))
          .isInstanceOf(dev.gatehouse.forwardauth.Answer.Allowed.class);
    }
    assertThat(
            dev.gatehouse.kernel.NonBlocking.attempt(
                () -> verifier.verify(request.apply("/dashboard"))))
        .get()
        .isInstanceOf(dev.gatehouse.forwardauth.Answer.Allowed.class);
    assertThat(
            dev.gatehouse.kernel.NonBlocking.attempt(
                () -> verifier.verify(request.apply("/closed"))))
        .as("a denial is logged")
        .isEmpty();
    assertThat(
            dev.gatehouse.kernel.NonBlocking.attempt(
                () -> verifier.verify(request.apply("/a/../../etc"))))
        .as("an ambiguous target is logged")
        .isEmpty();
    assertThat(verifier.verify(request.apply("/closed")))
        .isInstanceOf(dev.gatehouse.forwardauth.Answer.Forbidden.class);
  }

  private static String[] with(String[] headers, String extra) {
    String[] all = java.util.Arrays.copyOf(headers, headers.length + 1);
    all[headers.length] = extra;
    return all;
  }

  /** The header names of an answer, in order, without the ones that change by the second. */
  private static List<String> headerNames(RawHttp.Head head) {
    return head.text()
        .lines()
        .skip(1)
        .filter(l -> l.indexOf(':') > 0)
        .map(l -> l.substring(0, l.indexOf(':')).toLowerCase(java.util.Locale.ROOT))
        .filter(name -> !name.equals("date"))
        .toList();
  }

  @Test
  void theDecisionIsNever200WhenTheStoreIsDown() throws Exception {
    start(TestDatabases.Kind.SQLITE, Map.of());
    String token = signedIn("erin");
    gatehouse.app().database().close();
    clock.advance(Duration.ofSeconds(2));
    assertThat(
            send(verify("/api/verify", "/x")
                    .header("Cookie", TestGatehouse.SESSION_COOKIE + "=" + token))
                .statusCode())
        .isEqualTo(503);
  }
}
