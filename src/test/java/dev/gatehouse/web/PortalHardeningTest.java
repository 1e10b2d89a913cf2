package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CSRF, security headers, cookie tossing and hostile input against the real portal. */
class PortalHardeningTest {
  static final String PASSWORD = "correct horse battery staple";

  @TempDir static Path dir;
  static TestGatehouse gatehouse;

  @BeforeAll
  static void start() throws Exception {
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir,
            MutableClock.atFixedInstant(),
            Map.of(
                "GATEHOUSE_SIGNIN_ADDRESS_FREE_ATTEMPTS",
                "1000",
                "GATEHOUSE_SIGNIN_ACCOUNT_FREE_ATTEMPTS",
                "1000"));
    User user = gatehouse.app().directory().addUser("alice", Optional.empty(), "", false);
    gatehouse.app().accounts().setPassword(user, PASSWORD);
  }

  @AfterAll
  static void stop() {
    gatehouse.close();
  }

  @Test
  void aPostWithoutTheCsrfTokenIsRefused() throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.get("/login");
    HttpResponse<String> response =
        browser.postRaw(
            "/login",
            Map.of("username", "alice", "password", PASSWORD),
            Optional.of(TestGatehouse.PUBLIC_ORIGIN));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(browser.sessionCookie()).isEmpty();
  }

  @Test
  void aPostFromAnotherOriginIsRefusedEvenWithAValidToken() throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.get("/login");
    for (String origin :
        List.of(
            "https://evil.example.net",
            "null",
            "https://auth.example.com.evil.net",
            "http://auth.example.com")) {
      HttpResponse<String> response =
          browser.postRaw(
              "/login",
              Map.of("csrf", browser.csrf(), "username", "alice", "password", PASSWORD),
              Optional.of(origin));
      assertThat(response.statusCode()).as(origin).isEqualTo(403);
    }
    assertThat(browser.sessionCookie()).isEmpty();
  }

  @Test
  void aNullOriginIsJudgedByFetchMetadata() throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.get("/login");
    String form =
        TestBrowser.encode(
            Map.of("csrf", browser.csrf(), "username", "alice", "password", PASSWORD));
    HttpRequest crossSite =
        browser
            .request("/login")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", "null")
            .header("Sec-Fetch-Site", "cross-site")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build();
    assertThat(browser.send(crossSite).statusCode()).isEqualTo(403);
    HttpRequest sameOrigin =
        browser
            .request("/login")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", "null")
            .header("Sec-Fetch-Site", "same-origin")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build();
    assertThat(browser.send(sameOrigin).statusCode()).isEqualTo(303);
  }

  @Test
  void aTokenFromAnotherBrowserIsRefused() throws Exception {
    TestBrowser victim = gatehouse.browser();
    TestBrowser attacker = gatehouse.browser();
    attacker.get("/login");
    victim.get("/login");
    HttpResponse<String> response =
        victim.postRaw(
            "/login",
            Map.of("csrf", attacker.csrf(), "username", "alice", "password", PASSWORD),
            Optional.empty());
    assertThat(response.statusCode()).isEqualTo(403);
  }

  @Test
  void signOutNeedsTheSessionBoundToken() throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.signIn("alice", PASSWORD);
    HttpResponse<String> forged =
        browser.postRaw(
            "/logout", Map.of("csrf", "forged"), Optional.of(TestGatehouse.PUBLIC_ORIGIN));
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(browser.get("/").statusCode()).isEqualTo(200);
  }

  @Test
  void twoSessionCookiesMeanSignedOut() throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.signIn("alice", PASSWORD);
    String token = browser.sessionCookie().orElseThrow();
    HttpRequest tossed =
        HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/"))
            .header(
                "Cookie",
                TestGatehouse.SESSION_COOKIE
                    + "="
                    + token
                    + "; "
                    + TestGatehouse.SESSION_COOKIE
                    + "="
                    + "B".repeat(43))
            .build();
    assertThat(browser.send(tossed).statusCode()).isEqualTo(302);
  }

  @ParameterizedTest(name = "security headers on {0}")
  @ValueSource(
      strings = {"/login", "/setup?token=x", "/nope", "/healthz", "/static/gatehouse.css", "/"})
  void everyAnswerCarriesTheSecurityHeaders(String path) throws Exception {
    HttpResponse<String> response = gatehouse.browser().get(path);
    assertThat(response.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(
            v -> assertThat(v).contains("default-src 'self'", "frame-ancestors 'none'"));
    assertThat(response.headers().firstValue("Referrer-Policy")).contains("no-referrer");
    assertThat(response.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    assertThat(response.headers().firstValue("Strict-Transport-Security")).isPresent();
    assertThat(response.headers().firstValue("Server")).isEmpty();
  }

  @Test
  void passwordsAreCheckedExactlyAsTypedAndLongOnesWork() throws Exception {
    User user = gatehouse.app().directory().addUser("long", Optional.empty(), "", false);
    // 86 characters; NFKC changes the ligatures "ﬁ" and "ﬂ" to "fi" and "fl".
    String longPassword =
        "ﬁnch plaid nebula tractor sonnet quiver mango lantern ﬁord cobalt zephyr ﬂute harbor é";
    gatehouse.app().accounts().setPassword(user, longPassword);
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.signIn("long", longPassword).statusCode()).isEqualTo(303);
    assertThat(
            gatehouse
                .browser()
                .signIn("long", longPassword.replace("ﬁ", "fi").replace("ﬂ", "fl"))
                .statusCode())
        .as("NFKC-equivalent input verifies")
        .isEqualTo(303);
    assertThat(gatehouse.browser().signIn("long", longPassword + " ").statusCode())
        .as("no trimming")
        .isEqualTo(401);
    assertThat(gatehouse.browser().signIn("long", longPassword.substring(0, 79)).statusCode())
        .as("no truncation")
        .isEqualTo(401);
    assertThat(gatehouse.browser().signIn("long", "x".repeat(300)).statusCode())
        .as("over-long input is refused")
        .isEqualTo(401);
    assertThat(gatehouse.browser().signIn("long", "x".repeat(60_000)).statusCode())
        .as("huge input is refused")
        .isIn(400, 401);
  }

  @Test
  void opsEndpointsAnswer() throws Exception {
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(browser.get("/readyz").body()).isEqualTo("ready\n");
    browser.signIn("alice", PASSWORD);
    assertThat(browser.get("/metrics").statusCode())
        .as("no metrics on the public listener")
        .isEqualTo(404);
    HttpResponse<String> scrape =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(gatehouse.metricsUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(scrape.statusCode()).isEqualTo(200);
    String metrics = scrape.body();
    assertThat(metrics)
        .contains("gatehouse_http_requests_total{route=\"/login\",status=\"303\"}")
        .contains("gatehouse_signins_total{method=\"password\",result=\"success\"}")
        .contains("gatehouse_sessions_active");
  }

  @ParameterizedTest(name = "GET {0} never fails on the server")
  @ValueSource(
      strings = {
        "/login?rd=javascript:alert(1)",
        "/login?rd=//evil.com",
        "/login?rd=https://evil.com&rd=/",
        "/login?rd=%00",
        "/setup?token=%F0%9F%92%A9",
        "/setup?token=" + "A",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/login;jsessionid=1",
        "/login/..;/admin",
        "/metrics/../login",
      })
  void hostileQueriesAndPathsNeverYieldAServerError(String target) throws Exception {
    HttpResponse<String> response = gatehouse.browser().get(target);
    assertThat(response.statusCode()).isBetween(200, 499);
    assertThat(response.body()).doesNotContain("Exception", "at dev.gatehouse", "at org.");
    if (target.startsWith("/login?rd=")) {
      assertThat(response.body()).contains("name=\"rd\" value=\"\"");
    }
  }

  @Test
  void malformedPostsAreRefusedWithoutAServerError() throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.get("/login");
    List<HttpRequest> requests =
        List.of(
            browser
                .request("/login")
                .header("Content-Type", "application/json")
                .header("Origin", TestGatehouse.PUBLIC_ORIGIN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"alice\"}"))
                .build(),
            browser
                .request("/login")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "csrf=" + browser.csrf() + "&username=%ZZ&password=%"))
                .build(),
            browser
                .request("/login")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "csrf=" + browser.csrf() + "&username=a&username=b&password=x"))
                .build(),
            browser
                .request("/login")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "csrf=" + browser.csrf() + "&username=\u0000\r\n&password=\u0000"))
                .build(),
            browser
                .request("/setup")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "csrf=" + browser.csrf() + "&token=../../x"))
                .build(),
            browser.request("/logout").method("PUT", HttpRequest.BodyPublishers.noBody()).build());
    for (HttpRequest request : requests) {
      HttpResponse<String> response = browser.send(request);
      assertThat(response.statusCode()).as(request.toString()).isBetween(400, 499);
      assertThat(response.body()).doesNotContain("Exception", "at dev.gatehouse");
    }
  }

  @ParameterizedTest(name = "raw request {index} gets a 4xx")
  @ValueSource(
      strings = {
        "GET /login HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /login HTTP/1.1\r\n\r\n",
        "POST /login HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /lo\u0001gin HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /login HTTP/1.1\r\nHost: a\r\nX: \u0000\r\n\r\n",
        "BREW /login HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /login?rd=%ZZ HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /login?rd=%E0%80%80 HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /login HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200000\r\n\r\nusername=",
      })
  void malformedHttpNeverYieldsAServerError(String raw) throws Exception {
    URI base = URI.create(gatehouse.baseUrl());
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      int read = in.read(buffer);
      String answer = new String(buffer, 0, Math.max(read, 0), StandardCharsets.ISO_8859_1);
      assertThat(answer).startsWith("HTTP/1.1 4");
      assertThat(answer).doesNotContain("Exception", "at org.", "at dev.");
    }
  }
}
