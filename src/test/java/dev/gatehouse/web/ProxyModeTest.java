package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proxy mode from outside: raw HTTP requests, as a browser, a script and an attacker would send
 * them, through Gatehouse to a real upstream that records exactly what it receives — a public
 * route, a session route and a bearer route of one Gatehouse.
 */
class ProxyModeTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;
  private EchoUpstream upstream;
  private EchoUpstream second;
  private TestGatehouse gatehouse;
  private int port;

  @BeforeEach
  void start() throws Exception {
    upstream = EchoUpstream.start();
    second = EchoUpstream.start();
    String to = "http://" + upstream.address();
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of(
                "GATEHOUSE_PROXY_ROUTES",
                "[{from: 'https://www.example.com', to: '"
                    + to
                    + "', auth: none},"
                    + " {from: 'https://app.example.com', to: '"
                    + to
                    + "', auth: session},"
                    + " {from: 'https://api.example.com/v1/', to: '"
                    + to
                    + "', auth: bearer, strip-prefix: true},"
                    + " {from: 'https://api.example.com/v2/', to: '"
                    + to
                    + "', auth: bearer, rewrite-prefix: /internal/api/},"
                    + " {from: 'https://hero.example.com', to: ['"
                    + to
                    + "', 'http://"
                    + second.address()
                    + "'], auth: session, headers: {user: X-App-User, jwt: X-App-JWT,"
                    + " claims: X-App-Claims, context: X-App-Context,"
                    + " claim-headers: {grafana_role: X-App-Role}}},"
                    + " {from: 'https://closed.example.com', to: '"
                    + to
                    + "', auth: none}]",
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [www.example.com], policy: bypass},"
                    + " {hosts: [app.example.com, api.example.com, hero.example.com],"
                    + " policy: authenticated}]",
                "GATEHOUSE_FORWARD_AUTH_HEADER_USER",
                "X-Hero-User",
                // The tests' loopback peer is not a trusted proxy: Gatehouse is the edge.
                "GATEHOUSE_SERVER_TRUSTED_PROXIES",
                "10.9.9.9/32"));
    port = gatehouse.port();
    User alice = gatehouse.app().directory().addUser("alice", Optional.empty(), "Alice", false);
    gatehouse.app().accounts().setPassword(alice, PASSWORD);
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (second != null) {
      second.close();
    }
  }

  @Test
  void aPublicRouteReachesTheAppWithoutAnyIdentityTheClientClaimed() throws Exception {
    RawHttp.Head head =
        RawHttp.send(
            port,
            "GET /index.html HTTP/1.1",
            "Host: www.example.com",
            "X-Hero-User: admin",
            "x-hero-user: admin",
            "Remote-User: admin",
            "X-Forwarded-For: 203.0.113.9",
            "X-Forwarded-Host: evil.example",
            "Forwarded: for=203.0.113.9");
    assertThat(head.status()).isEqualTo(200);
    EchoUpstream.Seen seen = upstream.last();
    assertThat(seen.uri()).isEqualTo("/index.html");
    assertThat(seen.header("X-Hero-User")).isNull();
    assertThat(seen.header("Remote-User")).isNull();
    assertThat(seen.header("Forwarded")).isNull();
    assertThat(seen.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    assertThat(seen.header("X-Forwarded-Host")).isEqualTo("www.example.com");
    assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("https");
  }

  @Test
  void oneClientsAppCookiesNeverRideAlongWithAnothersRequest() throws Exception {
    RawHttp.Head signedIn =
        RawHttp.send(port, "GET /set-cookie?alice-session HTTP/1.1", "Host: www.example.com");
    assertThat(signedIn.status()).isEqualTo(200);
    assertThat(signedIn.text()).contains("Set-Cookie: appsess=alice-session");
    assertThat(signedIn.text())
        .as("an app cannot plant Gatehouse's session cookie")
        .doesNotContain("gatehouse_session");
    RawHttp.send(port, "GET /echo HTTP/1.1", "Host: www.example.com");
    assertThat(upstream.last().uri()).isEqualTo("/echo");
    assertThat(upstream.last().header("Cookie")).isNull();
  }

  @Test
  void aQueryWithCharactersBrowsersSendRawReachesTheAppReadable() throws Exception {
    RawHttp.Head head =
        RawHttp.send(port, "GET /p?r=a|b&s={x}&t=%zz&u=%41 HTTP/1.1", "Host: www.example.com");
    assertThat(head.status()).isEqualTo(200);
    assertThat(upstream.last().uri()).isEqualTo("/p?r=a%7Cb&s=%7Bx%7D&t=%25zz&u=%41");
  }

  @Test
  void aSessionRouteSendsBrowsersToSignInAndScriptsA401AndTheAppSeesNothing() throws Exception {
    RawHttp.Head browser =
        RawHttp.send(port, "GET /reports HTTP/1.1", "Host: app.example.com", "Accept: text/html");
    assertThat(browser.status()).isEqualTo(302);
    assertThat(browser.text())
        .contains("Location: https://auth.example.com/login?rd=")
        .contains("app.example.com%2Freports");
    assertThat(RawHttp.send(port, "GET /reports HTTP/1.1", "Host: app.example.com").status())
        .isEqualTo(401);
    assertThat(upstream.seen()).isEmpty();
  }

  @Test
  void aSignedInUserReachesTheAppAsThemselvesAndTheAppNeverSeesTheSsoCookie() throws Exception {
    String session = signIn();
    RawHttp.Head head =
        RawHttp.send(
            port,
            "GET /reports?year=2026 HTTP/1.1",
            "Host: app.example.com",
            "Cookie: theme=dark; " + TestGatehouse.SESSION_COOKIE + "=" + session + "; lang=en",
            "X-HERO-USER: root",
            "Connection: close, X-Internal-Secret, Keep-Alive",
            "X-Internal-Secret: 42",
            "Keep-Alive: timeout=5",
            "Proxy-Authorization: Basic c2VjcmV0");
    assertThat(head.status()).isEqualTo(200);
    EchoUpstream.Seen seen = upstream.last();
    assertThat(seen.uri()).isEqualTo("/reports?year=2026");
    assertThat(seen.header("X-Hero-User")).isEqualTo("alice");
    assertThat(seen.header("Cookie")).isEqualTo("theme=dark; lang=en");
    assertThat(seen.header("X-Internal-Secret")).as("named in Connection: hop-by-hop").isNull();
    assertThat(seen.header("Keep-Alive")).isNull();
    assertThat(seen.header("Proxy-Authorization")).isNull();
    // An h2c upgrade (the classic way to smuggle requests past a proxy's rules) reaches the app
    // as the plain request that was decided on, never as an upgrade.
    upstream.clear();
    RawHttp.Head h2c =
        RawHttp.send(
            port,
            "GET /reports HTTP/1.1",
            "Host: app.example.com",
            "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + session,
            "Connection: Upgrade, HTTP2-Settings",
            "Upgrade: h2c",
            "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA");
    assertThat(h2c.status()).isEqualTo(200);
    assertThat(h2c.text()).doesNotContain("101");
    assertThat(upstream.last().header("Upgrade")).isNull();
    assertThat(upstream.last().header("HTTP2-Settings")).isNull();
  }

  @Test
  void identityOrForwardingHeadersSpeltWithUnderscoresAreRefused() throws Exception {
    String session = signIn();
    for (String forged :
        List.of("X_Hero_User: root", "Remote_User: root", "X_Forwarded_For: 1.2.3.4")) {
      RawHttp.Head head =
          RawHttp.send(
              port,
              "GET / HTTP/1.1",
              "Host: app.example.com",
              "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + session,
              forged);
      assertThat(head.status()).as(forged).isEqualTo(400);
    }
    assertThat(upstream.seen()).isEmpty();
  }

  @Test
  void theAppReceivesExactlyThePathThatWasDecidedOn() throws Exception {
    String session = signIn();
    String cookie = "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + session;
    Map<String, String> sentAndSeen =
        Map.of(
            "/files/my%20doc", "/files/my%20doc",
            "/a/b/../c", "/a/c",
            "/a/%2e%2e/admin", "/admin",
            "/a//b", "/a/b");
    for (Map.Entry<String, String> path : sentAndSeen.entrySet()) {
      upstream.clear();
      RawHttp.Head head =
          RawHttp.send(port, "GET " + path.getKey() + " HTTP/1.1", "Host: app.example.com", cookie);
      // Jetty itself may refuse an ambiguous encoding outright; anything plainer must pass.
      assertThat(head.status())
          .as(path.getKey())
          .isIn(
              path.getKey().contains("%2e") || path.getKey().contains("//")
                  ? List.of(200, 400)
                  : List.of(200));
      if (head.status() == 200) {
        assertThat(upstream.last().uri()).as(path.getKey()).isEqualTo(path.getValue());
      } else {
        assertThat(upstream.seen()).as(path.getKey()).isEmpty();
      }
    }
  }

  @Test
  void aBearerRouteTakesAnApiKeyKeepsItFromTheAppAndStripsThePrefix() throws Exception {
    var key =
        gatehouse
            .app()
            .apiKeys()
            .createApplication("backup", "", List.of(), List.of(), Optional.empty());
    RawHttp.Head head =
        RawHttp.send(
            port,
            "POST /v1/upload HTTP/1.1",
            "Host: api.example.com",
            "Authorization: Bearer " + key.key(),
            "Content-Length: 0");
    assertThat(head.status()).isEqualTo(200);
    EchoUpstream.Seen seen = upstream.last();
    assertThat(seen.uri()).isEqualTo("/upload");
    assertThat(seen.header("X-Hero-User")).isEqualTo("backup");
    assertThat(seen.header("Authorization")).as("Gatehouse's credential stays here").isNull();

    RawHttp.Head none = RawHttp.send(port, "GET /v1/upload HTTP/1.1", "Host: api.example.com");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.text()).contains("WWW-Authenticate: Bearer");
    String session = signIn();
    assertThat(
            RawHttp.send(
                    port,
                    "GET /v1/upload HTTP/1.1",
                    "Host: api.example.com",
                    "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + session)
                .status())
        .as("a session is no credential on a bearer route")
        .isEqualTo(401);
    assertThat(RawHttp.send(port, "GET /v3/x HTTP/1.1", "Host: api.example.com").status())
        .as("outside every route of a proxied host")
        .isEqualTo(404);
    RawHttp.send(
        port,
        "GET /v2/jobs/7?full=1 HTTP/1.1",
        "Host: api.example.com",
        "Authorization: Bearer " + key.key());
    assertThat(upstream.last().uri())
        .as("rewrite-prefix: the route's prefix replaced")
        .isEqualTo("/internal/api/jobs/7?full=1");
  }

  @Test
  void requestSmugglingShapesAreRefusedBeforeAnyUpstreamSeesThem() throws Exception {
    String host = "Host: www.example.com";
    List<List<String>> shapes =
        List.of(
            List.of(
                "POST / HTTP/1.1",
                host,
                "Content-Length: 4",
                "Transfer-Encoding: chunked",
                "",
                "0",
                "",
                ""),
            List.of("POST / HTTP/1.1", host, "Content-Length: 4", "Content-Length: 5", "", "abcde"),
            List.of("GET / HTTP/1.1", host, "X-Folded: a", " b", "", ""));
    for (List<String> shape : shapes) {
      assertThat(rawStatus(String.join("\r\n", shape))).as(shape.toString()).isEqualTo(400);
    }
    assertThat(upstream.seen()).isEmpty();
  }

  @Test
  void aRouteNamesItsOwnIdentityClaimsAndContextHeadersAndNoClientCanForgeThem() throws Exception {
    gatehouse.app().directory().addGroup("devs");
    gatehouse.app().directory().addMember("devs", "alice");
    gatehouse.app().directory().addRole("grafana-editor");
    gatehouse.app().directory().setClaim("grafana-editor", "grafana_role", "Éditeur");
    gatehouse.app().directory().grantRole("grafana-editor", "devs");
    String session = signIn();
    RawHttp.Head head =
        RawHttp.send(
            port,
            "GET /dashboards HTTP/1.1",
            "Host: hero.example.com",
            "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + session,
            "X-App-Role: Admin",
            "X-App-Claims: {\"grafana_role\":[\"Admin\"]}",
            "x-app-context: {}");
    assertThat(head.status()).isEqualTo(200);
    EchoUpstream.Seen seen = upstream.seen().isEmpty() ? second.last() : upstream.last();
    assertThat(seen.header("X-App-User")).isEqualTo("alice");
    assertThat(seen.header("X-Hero-User")).as("the route renames it").isNull();
    assertThat(
            new String(
                seen.header("X-App-Role").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                java.nio.charset.StandardCharsets.UTF_8))
        .as("UTF-8 bytes on the wire (the upstream reads octets as Latin-1)")
        .isEqualTo("Éditeur");
    JsonNode claims = new ObjectMapper().readTree(seen.header("X-App-Claims"));
    assertThat(claims.get("grafana_role").get(0).asText()).isEqualTo("Éditeur");
    assertThat(seen.header("X-App-Claims")).as("ASCII on the wire").doesNotContain("É");
    JsonNode context = new ObjectMapper().readTree(seen.header("X-App-Context"));
    assertThat(context.get("credential").asText()).isEqualTo("session");
    assertThat(context.get("client_address").asText()).isEqualTo("127.0.0.1");
    assertThat(seen.header("X-App-JWT")).as("the route names the JWT: always sent").contains(".");

    // Another route's client cannot smuggle this route's names through either.
    RawHttp.send(
        port, "GET / HTTP/1.1", "Host: www.example.com", "X-App-User: root", "X-App-Role: Admin");
    assertThat(upstream.last().header("X-App-User")).isNull();
    assertThat(upstream.last().header("X-App-Role")).isNull();
  }

  @Test
  void aRedirectToTheAppsOwnOriginIsRewrittenToThePublicUrl() throws Exception {
    var key =
        gatehouse
            .app()
            .apiKeys()
            .createApplication("backup", "", List.of(), List.of(), Optional.empty());
    RawHttp.Head head =
        RawHttp.send(
            port,
            "GET /v1/redirect HTTP/1.1",
            "Host: api.example.com",
            "Authorization: Bearer " + key.key());
    assertThat(head.status()).isEqualTo(302);
    assertThat(head.text())
        .as("prefix restored, the upstream's address never shown")
        .contains("Location: https://api.example.com/v1/next?from=redirect")
        .doesNotContain(upstream.address())
        .as("HSTS is Gatehouse's to set, and only over TLS")
        .doesNotContain("Strict-Transport-Security");
  }

  @Test
  void aRouteWithSeveralUpstreamsSharesRequestsBetweenThem() throws Exception {
    String session = signIn();
    for (int i = 0; i < 4; i++) {
      assertThat(
              RawHttp.send(
                      port,
                      "GET /n" + i + " HTTP/1.1",
                      "Host: hero.example.com",
                      "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + session)
                  .status())
          .isEqualTo(200);
    }
    assertThat(upstream.seen()).hasSize(2);
    assertThat(second.seen()).hasSize(2);
  }

  @Test
  void aPublicRouteIsStillUnderTheAccessRules() throws Exception {
    // auth: none takes no credential; the default policy (deny) still decides for the host.
    assertThat(RawHttp.send(port, "GET / HTTP/1.1", "Host: closed.example.com").status())
        .isEqualTo(403);
    assertThat(upstream.seen()).isEmpty();
  }

  @Test
  void tunnelsEchoesAndBodiesGatehouseCannotReadAreRefusedNotForwarded() throws Exception {
    String session = signIn();
    String cookie = "Cookie: " + TestGatehouse.SESSION_COOKIE + "=" + session;
    assertThat(
            RawHttp.send(port, "CONNECT app.example.com:443 HTTP/1.1", "Host: app.example.com")
                .status())
        .isIn(400, 405);
    assertThat(RawHttp.send(port, "TRACE / HTTP/1.1", "Host: app.example.com", cookie).status())
        .isEqualTo(405);
    assertThat(
            rawStatus(
                "POST / HTTP/1.1\r\nHost: www.example.com\r\nTransfer-Encoding: gzip, chunked"
                    + "\r\n\r\n0\r\n\r\n"))
        .as("a coding Gatehouse would silently drop")
        .isEqualTo(501);
    assertThat(upstream.seen()).isEmpty();
    // The body streams to the app as it arrives: an app that answers before reading it all has
    // answered (200); otherwise the malformed chunk is the client's fault (400), never a 502 that
    // blames the app, and nothing after it reaches the app as a request of its own.
    assertThat(
            rawStatus(
                "POST /upload HTTP/1.1\r\nHost: www.example.com\r\nTransfer-Encoding: chunked"
                    + "\r\n\r\n3\r\nabc\r\nzz\r\nabc\r\n0\r\n\r\n"))
        .as("the client's malformed chunk is the client's fault")
        .isIn(200, 400);
    assertThat(upstream.seen()).allSatisfy(seen -> assertThat(seen.uri()).isEqualTo("/upload"));
  }

  @Test
  void theAppSeesTheClientsOwnHeadersNotTheProxysAdditions() throws Exception {
    assertThat(
            RawHttp.send(
                    port,
                    "GET /ua HTTP/1.1",
                    "Host: www.example.com",
                    "User-Agent: curl/8.0",
                    "Expect: 100-continue")
                .status())
        .isEqualTo(200);
    assertThat(upstream.last().header("User-Agent")).isEqualTo("curl/8.0");
    assertThat(upstream.last().header("Expect")).isNull();
    RawHttp.send(port, "GET /no-ua HTTP/1.1", "Host: www.example.com");
    assertThat(upstream.last().header("User-Agent")).as("none invented").isNull();
  }

  @Test
  void theGatehouseHostStillServesThePortal() throws Exception {
    assertThat(RawHttp.send(port, "GET /login HTTP/1.1", "Host: auth.example.com").status())
        .isEqualTo(200);
    assertThat(upstream.seen()).isEmpty();
  }

  private String signIn() throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.signIn("alice", PASSWORD);
    return browser.sessionCookie().orElseThrow();
  }

  private int rawStatus(String request) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] head = new byte[12];
      int read = in.readNBytes(head, 0, 12);
      String line = new String(head, 0, read, StandardCharsets.ISO_8859_1);
      return Integer.parseInt(line.substring(9, 12));
    }
  }
}
