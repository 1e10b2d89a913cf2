package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.forwardauth.Snippets;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real Caddy and nginx, configured with the snippets Gatehouse generates, in front of an echo
 * upstream that records exactly the headers it receives.
 */
class ProxyIntegrationTest {
  static final String PASSWORD = "correct horse battery staple";
  static final String RULES =
      """
      [
        {hosts: [app.example.com], paths: [/public], policy: bypass},
        {hosts: [app.example.com], paths: [/admin], subjects: ["group:admins"], policy: authenticated},
        {hosts: [app.example.com], paths: [/admin], policy: deny},
        {hosts: [app.example.com], paths: ["/static/**"], methods: [GET], policy: bypass},
        {hosts: [app.example.com], paths: ["^/blocked(/.*)?$"], policy: deny},
        {hosts: [app.example.com], paths: [/apps-only], subjects: ["app:backup"], policy: authenticated},
        {hosts: [app.example.com], paths: [/apps-only], policy: deny},
        {hosts: [app.example.com], policy: authenticated}
      ]
      """;
  static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private TestGatehouse gatehouse;
  private EchoUpstream upstream;
  private TestProxy proxy;

  private void start(TestProxy.Kind kind) throws Exception {
    TestProxy.requireInstalled(kind);
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("gatehouse"),
            clock,
            Map.of(
                "GATEHOUSE_ACCESS_RULES",
                RULES,
                "GATEHOUSE_FORWARD_AUTH_CLAIM_HEADERS",
                "{grafana_role: Remote-Grafana-Role}"));
    upstream = EchoUpstream.start();
    int port = TestProxy.freePort();
    Snippets.Options options =
        new Snippets.Options(
            "app.example.com",
            upstream.address(),
            gatehouse.baseUrl().substring("http://".length()),
            Optional.of(port),
            gatehouse.app().config().forwardAuth().headers().all());
    String site = kind == TestProxy.Kind.CADDY ? Snippets.caddy(options) : Snippets.nginx(options);
    proxy = TestProxy.start(kind, site, port, dir.resolve("proxy"));
  }

  @AfterEach
  void stop() {
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

  private User user(String name, String... groups) {
    User user =
        gatehouse
            .app()
            .directory()
            .addUser(
                name,
                Optional.of(name + "@example.com"),
                name.toUpperCase(java.util.Locale.ROOT),
                false);
    gatehouse.app().accounts().setPassword(user, PASSWORD);
    for (String group : groups) {
      if (!gatehouse.app().directory().listGroups().contains(group)) {
        gatehouse.app().directory().addGroup(group);
      }
      gatehouse.app().directory().addMember(group, name);
    }
    return user;
  }

  private String sessionOf(String name) throws Exception {
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.signIn(name, PASSWORD).statusCode()).isEqualTo(303);
    return TestGatehouse.SESSION_COOKIE + "=" + browser.sessionCookie().orElseThrow();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(proxy.baseUrl() + path))
        .header("Host", "app.example.com:" + proxy.port())
        .timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder builder = request(path);
    if (headers.length > 0) {
      builder.headers(headers);
    }
    return CLIENT.send(builder.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void withoutASessionBrowsersAreSentToThePortalAndApiClientsGet401(TestProxy.Kind kind)
      throws Exception {
    start(kind);
    HttpResponse<String> browser =
        get("/app/page?x=1&y=2", "Accept", "text/html,application/xhtml+xml");
    assertThat(browser.statusCode()).isEqualTo(302);
    // The test proxies speak plain http, which is no valid return URL for an https portal: no rd.
    assertThat(browser.headers().firstValue("Location")).contains("https://auth.example.com/login");
    HttpResponse<String> api = get("/app/data", "Accept", "application/json");
    assertThat(api.statusCode()).isEqualTo(401);
    assertThat(upstream.seen()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void aSignedInRequestReachesTheAppWithTheVerifiedIdentityOnly(TestProxy.Kind kind)
      throws Exception {
    start(kind);
    user("alice", "devs");
    gatehouse.app().directory().addRole("grafana-editor");
    gatehouse.app().directory().grantRole("grafana-editor", "devs");
    gatehouse.app().directory().setClaim("grafana-editor", "grafana_role", "Editor");
    String cookie = sessionOf("alice");
    HttpResponse<String> response =
        get(
            "/app",
            "Cookie",
            cookie,
            "Remote-User",
            "admin",
            "Remote_User",
            "admin",
            "remote-groups",
            "admins",
            "Remote-Email",
            "admin@example.com",
            "Remote-Grafana-Role",
            "Admin");
    assertThat(response.statusCode()).isEqualTo(200);
    EchoUpstream.Seen seen = upstream.last();
    assertThat(seen.header("Remote-User")).isEqualTo("alice");
    assertThat(seen.header("Remote-Email")).isEqualTo("alice@example.com");
    assertThat(seen.header("Remote-Name")).isEqualTo("ALICE");
    assertThat(seen.header("Remote-Groups")).isEqualTo("devs");
    assertThat(seen.header("Remote-Grafana-Role")).isEqualTo("Editor");
    assertThat(seen.header("Remote_User")).isNull();
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void forgedIdentityHeadersNeverReachTheAppOnABypassPath(TestProxy.Kind kind) throws Exception {
    start(kind);
    HttpResponse<String> response =
        get(
            "/public/page",
            "Remote-User",
            "admin",
            "Remote_User",
            "admin",
            "Remote-Groups",
            "admins",
            "REMOTE-EMAIL",
            "x@y");
    assertThat(response.statusCode()).isEqualTo(200);
    EchoUpstream.Seen seen = upstream.last();
    for (String header : List.of("Remote-User", "Remote_User", "Remote-Groups", "Remote-Email")) {
      assertThat(seen.header(header)).as(header).isIn(null, "");
    }
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void rulesApplyInOrderWithGroupSubjectsBypassAndDeny(TestProxy.Kind kind) throws Exception {
    start(kind);
    user("root", "admins");
    user("bob");
    String admin = sessionOf("root");
    String plain = sessionOf("bob");
    assertThat(get("/admin/panel", "Cookie", admin).statusCode()).isEqualTo(200);
    assertThat(get("/admin/panel", "Cookie", plain).statusCode()).isEqualTo(403);
    assertThat(get("/administrator", "Cookie", plain).statusCode())
        .as("prefix stops at a segment")
        .isEqualTo(200);
    assertThat(get("/blocked/x", "Cookie", admin).statusCode()).isEqualTo(403);
    assertThat(get("/static/css/site.css").statusCode()).isEqualTo(200);
    assertThat(
            CLIENT
                .send(
                    request("/static/x").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .as("the bypass is for GET only")
        .isEqualTo(401);
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void personalAndApplicationKeysAuthenticateAndRevokedOnesDoNot(TestProxy.Kind kind)
      throws Exception {
    start(kind);
    User carol = user("carol", "devs");
    ApiKeyService keys = gatehouse.app().apiKeys();
    ApiKeyService.Issued personal =
        keys.createPersonal(carol.id(), "laptop", List.of(), Optional.empty());
    ApiKeyService.Issued app =
        keys.createApplication(
            "backup", "nightly backup", List.of(), List.of("robots"), Optional.empty());

    assertThat(get("/app", "Authorization", "Bearer " + personal.key()).statusCode())
        .isEqualTo(200);
    assertThat(upstream.last().header("Remote-User")).isEqualTo("carol");
    assertThat(upstream.last().header("Remote-Groups")).isEqualTo("devs");

    String basic =
        Base64.getEncoder()
            .encodeToString(
                ("backup:" + app.key()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(get("/apps-only/dump", "Authorization", "Basic " + basic).statusCode())
        .isEqualTo(200);
    assertThat(upstream.last().header("Remote-User")).isEqualTo("backup");
    assertThat(upstream.last().header("Remote-Groups")).isEqualTo("robots");
    assertThat(get("/apps-only/dump", "Authorization", "Bearer " + personal.key()).statusCode())
        .isEqualTo(403);

    keys.revoke(personal.record().id());
    assertThat(get("/app", "Authorization", "Bearer " + personal.key()).statusCode())
        .isEqualTo(401);
    assertThat(
            get("/app", "Authorization", "Bearer ghk_0000000000000000_" + "A".repeat(43))
                .statusCode())
        .isEqualTo(401);
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void anInvalidKeyDoesNotFallBackToTheCookieButAForeignAuthorizationIsIgnored(TestProxy.Kind kind)
      throws Exception {
    start(kind);
    user("dora");
    String cookie = sessionOf("dora");
    assertThat(get("/app", "Cookie", cookie, "Authorization", "Bearer ghk_bogus").statusCode())
        .isEqualTo(401);
    assertThat(
            get("/app", "Cookie", cookie, "Authorization", "Bearer the-apps-own-token")
                .statusCode())
        .isEqualTo(200);
    assertThat(upstream.last().header("Authorization")).isEqualTo("Bearer the-apps-own-token");
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void disablingAUserStopsItsSessionsAndKeysAtOnce(TestProxy.Kind kind) throws Exception {
    start(kind);
    User erin = user("erin");
    String cookie = sessionOf("erin");
    ApiKeyService.Issued key =
        gatehouse.app().apiKeys().createPersonal(erin.id(), "", List.of(), Optional.empty());
    assertThat(get("/app", "Cookie", cookie).statusCode()).isEqualTo(200);
    assertThat(get("/app", "Authorization", "Bearer " + key.key()).statusCode()).isEqualTo(200);
    gatehouse.app().accounts().disable(erin);
    clock.advance(Duration.ofSeconds(2)); // past every cache
    assertThat(get("/app", "Cookie", cookie).statusCode()).isEqualTo(401);
    assertThat(get("/app", "Authorization", "Bearer " + key.key()).statusCode()).isEqualTo(401);
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void pathTricksDoNotWidenABypassRule(TestProxy.Kind kind) throws Exception {
    start(kind);
    for (String path :
        List.of(
            "/public/../admin",
            "/public/%2e%2e/admin",
            "/public/%2E%2E/admin",
            "/public%2f..%2fadmin",
            "/public/..;/admin",
            "/public;x=1/../admin",
            "/public/..%2fadmin",
            "/public/%252e%252e/admin",
            "/PUBLIC/x",
            "/Public")) {
      upstream.clear();
      HttpResponse<String> response = get(path);
      assertThat(response.statusCode()).as(path).isIn(400, 401, 403, 404);
      assertThat(upstream.seen()).as(path + " reached the app").isEmpty();
    }
    assertThat(get("//public//x").statusCode())
        .as("same canonical path as /public/x")
        .isEqualTo(200);
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void whenTheDatabaseIsDownNothingGetsThrough(TestProxy.Kind kind) throws Exception {
    start(kind);
    user("fred");
    String cookie = sessionOf("fred");
    gatehouse.app().database().close();
    clock.advance(Duration.ofSeconds(2)); // past every cache
    HttpResponse<String> response = get("/app", "Cookie", cookie);
    assertThat(response.statusCode()).isIn(500, 503);
    assertThat(upstream.seen()).isEmpty();
  }
}
