package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.CliRunner;
import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestProxy;
import dev.gatehouse.testing.WebSocketUpstream;
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
        {hosts: [app.example.com], policy: authenticated},
        {hosts: [public.example.com], policy: bypass}
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
  private EchoUpstream publicUpstream;
  private WebSocketUpstream webSockets;
  private TestProxy proxy;

  private void start(TestProxy.Kind kind) throws Exception {
    start(kind, Map.of());
  }

  /**
   * Gatehouse with {@link #RULES} (plus {@code settings}), the echo app, and the proxy running
   * exactly what {@code gatehouse snippet} prints for app.example.com (and, in front of a second
   * echo app, for the bypassed public.example.com).
   */
  private void start(TestProxy.Kind kind, Map<String, String> settings) throws Exception {
    start(kind, settings, false);
  }

  private void start(TestProxy.Kind kind, Map<String, String> settings, boolean webSocketApp)
      throws Exception {
    TestProxy.requireInstalled(kind);
    Map<String, String> all = new java.util.HashMap<>(settings);
    all.putIfAbsent("GATEHOUSE_ACCESS_RULES", RULES);
    all.putIfAbsent("GATEHOUSE_FORWARD_AUTH_CLAIM_HEADERS", "{grafana_role: Remote-Grafana-Role}");
    gatehouse =
        TestGatehouse.start(TestDatabases.Kind.SQLITE, dir.resolve("gatehouse"), clock, all);
    upstream = EchoUpstream.start();
    publicUpstream = EchoUpstream.start();
    int port = TestProxy.freePort();
    if (webSocketApp) {
      webSockets = WebSocketUpstream.start();
    }
    String site =
        snippet(
                kind,
                "app.example.com",
                webSocketApp ? webSockets.address() : upstream.address(),
                port)
            + "\n"
            + snippet(
                kind, "public.example.com", publicUpstream.address(), port, "--no-default-server");
    proxy = TestProxy.start(kind, site, port, dir.resolve("proxy"));
  }

  /** What {@code gatehouse snippet KIND --host … --http-port …} prints, byte for byte. */
  private String snippet(TestProxy.Kind kind, String host, String app, int port, String... more)
      throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "snippet",
                kind.toString(),
                "--host",
                host,
                "--upstream",
                app,
                "--gatehouse",
                gatehouse.baseUrl().substring("http://".length()),
                "--http-port",
                String.valueOf(port)));
    if (kind == TestProxy.Kind.NGINX) {
      args.addAll(List.of(more));
    }
    CliRunner.Result printed =
        new CliRunner(gatehouse.environment(), dir, clock).run(args.toArray(String[]::new));
    assertThat(printed.status()).as(printed.err()).isZero();
    return printed.out();
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (publicUpstream != null) {
      publicUpstream.close();
    }
    if (webSockets != null) {
      webSockets.close();
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
  void theSessionCountsFirstAnInvalidKeyAloneIsRefusedAndAForeignAuthorizationIsIgnored(
      TestProxy.Kind kind) throws Exception {
    start(kind);
    user("dora");
    String cookie = sessionOf("dora");
    assertThat(get("/app", "Cookie", cookie, "Authorization", "Bearer ghk_bogus").statusCode())
        .as("cookie first: the signed-in browser's session decides")
        .isEqualTo(200);
    assertThat(upstream.last().header("Remote-User")).isEqualTo("dora");
    assertThat(get("/app", "Authorization", "Bearer ghk_bogus").statusCode())
        .as("an invalid key without a session")
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
            "/PUBLIC/../admin",
            "/Public/%2e%2e/Admin",
            "//public//x",
            "/admin.",
            "/admin%20",
            "/public/..%20/admin",
            "/%EF%BC%8E%EF%BC%8E/admin")) {
      upstream.clear();
      HttpResponse<String> response = get(path);
      assertThat(response.statusCode()).as(path).isIn(400, 401, 403, 404);
      assertThat(upstream.seen()).as(path + " reached the app").isEmpty();
    }
    assertThat(get("/public//x").statusCode())
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

  private String host(String name) {
    return "Host: " + name + ":" + proxy.port();
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void theHostDecidedIsTheHostServedWhateverTheHostHeaderSays(TestProxy.Kind kind)
      throws Exception {
    start(kind);
    user("bob");
    String plain = "Cookie: " + sessionOf("bob");
    String app = "http://app.example.com:" + proxy.port();
    String pub = "http://public.example.com:" + proxy.port();
    List<RawHttp.Head> refused =
        List.of(
            // The request line names the protected app, the Host header the bypassed one.
            RawHttp.send(
                proxy.port(), "GET " + app + "/admin/x HTTP/1.1", host("public.example.com")),
            RawHttp.send(
                proxy.port(),
                "GET " + app + "/admin/x HTTP/1.1",
                host("public.example.com"),
                plain),
            // And the other way round.
            RawHttp.send(proxy.port(), "GET " + pub + "/admin/x HTTP/1.1", host("app.example.com")),
            // A Host no site names.
            RawHttp.send(proxy.port(), "GET /admin/x HTTP/1.1", host("unknown.example.net")),
            RawHttp.send(proxy.port(), "GET /app HTTP/1.1", host("unknown.example.net"), plain));
    assertThat(upstream.seen()).as("the protected app was reached").isEmpty();
    assertThat(refused).allSatisfy(head -> assertThat(head.status()).isNotEqualTo(500));

    // The same request forms when they agree: judged and served as one host.
    assertThat(
            RawHttp.send(
                    proxy.port(), "GET " + app + "/app HTTP/1.1", host("app.example.com"), plain)
                .status())
        .isEqualTo(200);
    assertThat(
            RawHttp.send(proxy.port(), "GET /app HTTP/1.1", host("APP.Example.COM"), plain)
                .status())
        .as("host names compare without regard to case")
        .isEqualTo(200);
    assertThat(upstream.seen()).hasSize(2);
    assertThat(RawHttp.send(proxy.port(), "GET /x HTTP/1.1", host("public.example.com")).status())
        .isEqualTo(200);
    assertThat(publicUpstream.last().uri()).isEqualTo("/x");
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void letterCaseInThePathDoesNotWalkAroundAnAdminRule(TestProxy.Kind kind) throws Exception {
    start(kind);
    user("root", "admins");
    user("bob");
    String admin = sessionOf("root");
    String plain = sessionOf("bob");
    for (String path : List.of("/Admin/panel", "/ADMIN/panel", "/aDmIn", "/admin/Panel")) {
      assertThat(get(path, "Cookie", plain).statusCode()).as(path).isEqualTo(403);
    }
    assertThat(upstream.seen()).as("a case-insensitive app would serve its admin page").isEmpty();
    assertThat(get("/ADMIN/panel", "Cookie", admin).statusCode()).isEqualTo(200);
    assertThat(get("/BLOCKED/x", "Cookie", admin).statusCode())
        .as("regex rules too")
        .isEqualTo(403);
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void headersNamedInConnectionCannotStripTheVerifiedIdentity(TestProxy.Kind kind)
      throws Exception {
    start(kind);
    user("alice", "devs");
    RawHttp.Head head =
        RawHttp.send(
            proxy.port(),
            "GET /app HTTP/1.1",
            host("app.example.com"),
            "Cookie: " + sessionOf("alice"),
            "Connection: close, Remote-User, Remote-Groups, Remote-Email");
    assertThat(head.status()).isEqualTo(200);
    assertThat(upstream.last().header("Remote-User")).isEqualTo("alice");
    assertThat(upstream.last().header("Remote-Groups")).isEqualTo("devs");
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void aRenamedUserHeaderStillHasTheDefaultSpellingsDeleted(TestProxy.Kind kind) throws Exception {
    start(kind, Map.of("GATEHOUSE_FORWARD_AUTH_HEADER_USER", "X-User"));
    user("alice");
    HttpResponse<String> response =
        get(
            "/app",
            "Cookie",
            sessionOf("alice"),
            "Remote-User",
            "admin",
            "Remote_User",
            "admin",
            "X-User",
            "admin",
            "X_User",
            "admin");
    assertThat(response.statusCode()).isEqualTo(200);
    EchoUpstream.Seen seen = upstream.last();
    assertThat(seen.header("X-User")).isEqualTo("alice");
    for (String forged : List.of("Remote-User", "Remote_User", "X_User")) {
      assertThat(seen.header(forged)).as(forged).isIn(null, "");
    }
  }

  @ParameterizedTest
  @EnumSource(TestProxy.Kind.class)
  void aWebSocketUpgradeReachesTheAppOnlyWhenSignedIn(TestProxy.Kind kind) throws Exception {
    start(kind, Map.of(), true);
    user("alice");
    String[] upgrade = {
      host("app.example.com"),
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      "Accept: text/html"
    };
    RawHttp.Head anonymous = RawHttp.send(proxy.port(), "GET /chat HTTP/1.1", upgrade);
    assertThat(anonymous.status()).isIn(302, 401);
    assertThat(webSockets.seen()).isEmpty();

    String[] signedIn = java.util.Arrays.copyOf(upgrade, upgrade.length + 1);
    signedIn[upgrade.length] = "Cookie: " + sessionOf("alice");
    RawHttp.Head open = RawHttp.send(proxy.port(), "GET /chat HTTP/1.1", signedIn);
    assertThat(open.status()).isEqualTo(101);
    assertThat(open.hasHeader("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")).isTrue();
    assertThat(webSockets.seen())
        .singleElement()
        .asString()
        .containsIgnoringCase("remote-user: alice");

    // Any other upgrade (h2c) would make the proxy a tunnel for requests Gatehouse never sees.
    RawHttp.Head h2c =
        RawHttp.send(
            proxy.port(),
            "GET /public/x HTTP/1.1",
            host("app.example.com"),
            "Upgrade: h2c",
            "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA",
            "Connection: Upgrade, HTTP2-Settings");
    assertThat(h2c.status()).as("no protocol switch but websocket").isNotEqualTo(101);
    assertThat(webSockets.seen()).hasSize(2);
    assertThat(webSockets.seen().get(1)).doesNotContainIgnoringCase("h2c");
  }

  @org.junit.jupiter.api.Test
  void aHandWrittenNginxConfigurationThatForgetsTheOriginalUrlFailsClosed() throws Exception {
    TestProxy.requireInstalled(TestProxy.Kind.NGINX);
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("gatehouse"),
            clock,
            Map.of("GATEHOUSE_ACCESS_RULES", RULES));
    upstream = EchoUpstream.start();
    int port = TestProxy.freePort();
    // Copied from a Caddy or Traefik guide: X-Forwarded-* instead of X-Original-URL/-Method.
    String site =
        "server {\n"
            + "  listen 127.0.0.1:"
            + port
            + ";\n"
            + "  location = /auth {\n"
            + "    internal;\n"
            + "    proxy_pass http://"
            + gatehouse.baseUrl().substring(7)
            + "/api/authz/auth-request;\n"
            + "    proxy_pass_request_body off;\n"
            + "    proxy_set_header Content-Length \"\";\n"
            + "    proxy_set_header X-Forwarded-Proto $scheme;\n"
            + "    proxy_set_header X-Forwarded-Host $host;\n"
            + "    proxy_set_header X-Forwarded-Uri $request_uri;\n"
            + "    proxy_set_header X-Forwarded-Method $request_method;\n"
            + "  }\n"
            + "  location / {\n"
            + "    auth_request /auth;\n"
            + "    proxy_pass http://"
            + upstream.address()
            + ";\n"
            + "  }\n"
            + "}\n";
    proxy = TestProxy.start(TestProxy.Kind.NGINX, site, port, dir.resolve("proxy"));
    user("alice");
    assertThat(get("/public/page").statusCode()).isEqualTo(403);
    assertThat(get("/app", "Cookie", sessionOf("alice")).statusCode()).isEqualTo(403);
    assertThat(upstream.seen()).isEmpty();
  }
}
