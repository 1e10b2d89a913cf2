package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.HostBrowser;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apps on two registrable domains share one sign-in: the portal on {@code auth.example.com} with
 * the cookie domain {@code example.com}, and {@code example.org} whose cookie comes through the
 * hand-off on {@code auth.example.org}. Driven with a browser that keeps cookies per domain the way
 * real ones do, through proxy mode ({@code app.example.org}) and forward-auth ({@code
 * wiki.example.org}); the attacks on the hand-off code are tried from outside.
 */
class CrossDomainHandOffTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static final String PORTAL = "https://auth.example.com";
  private static final String OTHER_PORTAL = "https://auth.example.org";
  private static final String COOKIE = "__Secure-gatehouse_session";

  @TempDir Path dir;
  private EchoUpstream upstream;
  private TestGatehouse gatehouse;
  private MutableClock clock;

  @BeforeEach
  void start() throws Exception {
    upstream = EchoUpstream.start();
    clock = new MutableClock(Clock.systemUTC().instant());
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            clock,
            Map.of(
                "GATEHOUSE_SESSION_MORE_DOMAINS",
                "[{domain: example.org, portal-url: '" + OTHER_PORTAL + "'}]",
                "GATEHOUSE_PROXY_ROUTES",
                "[{from: 'https://app.example.org', to: 'http://"
                    + upstream.address()
                    + "', auth: session},"
                    + " {from: 'https://app.example.com', to: 'http://"
                    + upstream.address()
                    + "', auth: session}]",
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [app.example.org, wiki.example.org, app.example.com],"
                    + " policy: authenticated}]"));
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
  }

  @Test
  void aBrowserSignedInOnThePortalReachesAnAppOnTheOtherDomainThroughOneHandOff() throws Exception {
    HostBrowser browser = new HostBrowser(gatehouse.port());
    assertThat(browser.signIn(PORTAL, "alice", PASSWORD).status()).isEqualTo(303);
    assertThat(browser.cookieFor("app.example.com", COOKIE)).isPresent();
    assertThat(browser.cookieFor("app.example.org", COOKIE))
        .as("the portal's cookie cannot reach the other domain")
        .isEmpty();

    HostBrowser.Response app = browser.get("https://app.example.org/reports?q=1");
    assertThat(app.status()).isEqualTo(302);
    assertThat(app.location())
        .isEqualTo(
            OTHER_PORTAL + "/handoff/start?rd=https%3A%2F%2Fapp.example.org%2Freports%3Fq%3D1");

    HostBrowser.Response start = browser.get(app.location());
    assertThat(start.status()).isEqualTo(302);
    assertThat(start.location()).startsWith(PORTAL + "/handoff/issue?domain=example.org&binding=");
    String nonce = browser.cookieFor("auth.example.org", "__Host-gatehouse_handoff").orElseThrow();
    assertThat(start.location()).as("the nonce itself never leaves its host").doesNotContain(nonce);
    assertThat(browser.cookieFor("app.example.org", "__Host-gatehouse_handoff"))
        .as("the nonce cookie is host-only")
        .isEmpty();

    HostBrowser.Response issue = browser.get(start.location());
    assertThat(issue.status()).isEqualTo(302);
    assertThat(issue.location()).startsWith(OTHER_PORTAL + "/handoff/finish?code=");

    HostBrowser.Response finish = browser.get(issue.location());
    assertThat(finish.status()).isEqualTo(302);
    assertThat(finish.location()).isEqualTo("https://app.example.org/reports?q=1");
    assertThat(finish.headers("Set-Cookie"))
        .anySatisfy(
            c ->
                assertThat(c)
                    .startsWith(COOKIE + "=")
                    .containsIgnoringCase("Domain=example.org")
                    .containsIgnoringCase("Secure")
                    .containsIgnoringCase("HttpOnly")
                    .containsIgnoringCase("SameSite=Lax"));
    assertThat(browser.cookieFor("auth.example.org", "__Host-gatehouse_handoff"))
        .as("the nonce is spent")
        .isEmpty();
    String child = browser.cookieFor("app.example.org", COOKIE).orElseThrow();
    assertThat(child).isNotEqualTo(browser.cookieFor("app.example.com", COOKIE).orElseThrow());

    HostBrowser.Response through = browser.get(finish.location());
    assertThat(through.status()).isEqualTo(200);
    assertThat(upstream.last().header("Remote-User")).isEqualTo("alice");
    assertThat(upstream.last().header("Cookie")).isNull();

    // The same cookie opens forward-auth apps of that domain too.
    HostBrowser.Response verify = forwardAuth(Optional.of(child), "wiki.example.org", "/page");
    assertThat(verify.status()).isEqualTo(200);
    assertThat(verify.header("Remote-User")).contains("alice");
    // And one sign-in is one session: the account page lists it once.
    assertThat(gatehouse.app().sessions().list(Optional.empty())).hasSize(1);
  }

  @Test
  void forwardAuthSendsABrowserWithoutTheOtherDomainsCookieToTheHandOffOnThatDomain()
      throws Exception {
    HostBrowser.Response verify = forwardAuth(Optional.empty(), "wiki.example.org", "/page?a=b");
    assertThat(verify.status()).isEqualTo(302);
    assertThat(verify.location())
        .isEqualTo(
            OTHER_PORTAL + "/handoff/start?rd=https%3A%2F%2Fwiki.example.org%2Fpage%3Fa%3Db");
    HostBrowser.Response home = forwardAuth(Optional.empty(), "app.example.com", "/");
    assertThat(home.location()).startsWith(PORTAL + "/login?rd=");
  }

  @Test
  void aBrowserNotYetSignedInSignsInOnThePortalAndComesBackWithBothCookies() throws Exception {
    HostBrowser browser = new HostBrowser(gatehouse.port());
    HostBrowser.Response login = browser.navigate("https://app.example.org/inbox");
    assertThat(login.status()).isEqualTo(200);
    assertThat(login.body()).contains("name=\"password\"");
    String rd = HostBrowser.hidden(login, "rd");
    assertThat(rd)
        .as("the sign-in form carries the way back through the hand-off")
        .startsWith(PORTAL + "/handoff/issue?domain=example.org&binding=");
    HostBrowser.Response signedIn =
        browser.post(
            PORTAL + "/login",
            "username=alice&password="
                + PASSWORD.replace(" ", "+")
                + "&rd="
                + encode(rd)
                + "&csrf="
                + HostBrowser.csrf(login));
    assertThat(signedIn.status()).isEqualTo(303);
    HostBrowser.Response app = browser.navigate(signedIn.location());
    assertThat(app.status()).isEqualTo(200);
    assertThat(upstream.last().uri()).isEqualTo("/inbox");
    assertThat(browser.cookieFor("app.example.com", COOKIE)).isPresent();
    assertThat(browser.cookieFor("app.example.org", COOKIE)).isPresent();
  }

  @Test
  void aCodeIsWorthNothingInAnotherBrowserAndIsUsedUpByTheAttempt() throws Exception {
    HostBrowser victim = new HostBrowser(gatehouse.port());
    victim.signIn(PORTAL, "alice", PASSWORD);
    HostBrowser.Response start =
        victim.get(OTHER_PORTAL + "/handoff/start?rd=https%3A%2F%2Fapp.example.org%2F");
    String finishUrl = victim.get(start.location()).location();

    // The code leaks (a log, a referrer): an attacker's browser has no nonce of the victim's.
    HostBrowser attacker = new HostBrowser(gatehouse.port());
    HostBrowser.Response stolen = attacker.get(finishUrl);
    assertThat(stolen.status()).isEqualTo(400);
    assertThat(stolen.body()).contains("works once, for a minute");
    assertThat(attacker.cookieFor("app.example.org", COOKIE)).isEmpty();
    // The attempt used it up: not even its own browser can redeem it now.
    assertThat(victim.get(finishUrl).status()).isEqualTo(400);
    assertThat(victim.cookieFor("app.example.org", COOKIE)).isEmpty();

    // An attacker with a nonce of their own cannot make it fit either.
    attacker.get(OTHER_PORTAL + "/handoff/start?rd=https%3A%2F%2Fapp.example.org%2F");
    HostBrowser.Response again =
        victim.get(OTHER_PORTAL + "/handoff/start?rd=https%3A%2F%2Fapp.example.org%2F");
    String victimsCode = victim.get(again.location()).location();
    assertThat(attacker.get(victimsCode).status()).isEqualTo(400);
  }

  @Test
  void anAttackerCannotSignAVictimIntoTheAttackersAccountWithTheirOwnCode() throws Exception {
    // Login CSRF: the attacker runs the hand-off for their own account, then sends the victim the
    // finish link; the victim's browser holds no nonce of the attacker's.
    User mallory = gatehouse.app().directory().addUser("mallory", Optional.empty(), "M", false);
    gatehouse.app().accounts().setPassword(mallory, PASSWORD);
    HostBrowser attacker = new HostBrowser(gatehouse.port());
    attacker.signIn(PORTAL, "mallory", PASSWORD);
    HostBrowser.Response start =
        attacker.get(OTHER_PORTAL + "/handoff/start?rd=https%3A%2F%2Fapp.example.org%2F");
    String finishUrl = attacker.get(start.location()).location();

    HostBrowser victim = new HostBrowser(gatehouse.port());
    victim.get(OTHER_PORTAL + "/handoff/start?rd=https%3A%2F%2Fapp.example.org%2F");
    assertThat(victim.get(finishUrl).status()).isEqualTo(400);
    assertThat(victim.cookieFor("app.example.org", COOKIE)).isEmpty();
  }

  @Test
  void aCodeWorksOnceAndForAMinuteOnly() throws Exception {
    HostBrowser browser = new HostBrowser(gatehouse.port());
    browser.signIn(PORTAL, "alice", PASSWORD);
    HostBrowser.Response start =
        browser.get(OTHER_PORTAL + "/handoff/start?rd=https%3A%2F%2Fapp.example.org%2F");
    String finishUrl = browser.get(start.location()).location();
    clock.advance(Duration.ofSeconds(61));
    assertThat(browser.get(finishUrl).status()).isEqualTo(400);
    assertThat(browser.cookieFor("app.example.org", COOKIE)).isEmpty();

    clock.advance(Duration.ofSeconds(1));
    start = browser.get(OTHER_PORTAL + "/handoff/start?rd=https%3A%2F%2Fapp.example.org%2F");
    finishUrl = browser.get(start.location()).location();
    String nonce = browser.cookieFor("auth.example.org", "__Host-gatehouse_handoff").orElseThrow();
    assertThat(browser.get(finishUrl).status()).isEqualTo(302);
    String first = browser.cookieFor("app.example.org", COOKIE).orElseThrow();
    // Replayed with the spent nonce put back into the browser: the code is gone.
    browser.put(
        new HostBrowser.Cookie("__Host-gatehouse_handoff", nonce, "auth.example.org", true));
    assertThat(browser.get(finishUrl).status()).isEqualTo(400);
    assertThat(browser.cookieFor("app.example.org", COOKIE)).contains(first);
  }

  @Test
  void signingOutOnThePortalEndsTheSessionOnTheOtherDomainAtOnce() throws Exception {
    HostBrowser browser = new HostBrowser(gatehouse.port());
    browser.signIn(PORTAL, "alice", PASSWORD);
    assertThat(browser.navigate("https://app.example.org/").status()).isEqualTo(200);
    String child = browser.cookieFor("app.example.org", COOKIE).orElseThrow();
    assertThat(forwardAuth(Optional.of(child), "wiki.example.org", "/").status()).isEqualTo(200);

    HostBrowser.Response home = browser.get(PORTAL + "/");
    assertThat(browser.post(PORTAL + "/logout", "csrf=" + HostBrowser.csrf(home)).status())
        .isEqualTo(303);
    assertThat(forwardAuth(Optional.of(child), "wiki.example.org", "/").status())
        .as("no cache window: the sign-out ended the other domain's session on this node")
        .isEqualTo(302);
    assertThat(browser.get("https://app.example.org/").status()).isEqualTo(302);
  }

  @Test
  void theOtherDomainsSessionEndsWithTheSignInsAbsoluteCapAndWithItsRevocation() throws Exception {
    HostBrowser browser = new HostBrowser(gatehouse.port());
    browser.signIn(PORTAL, "alice", PASSWORD);
    browser.navigate("https://app.example.org/");
    String child = browser.cookieFor("app.example.org", COOKIE).orElseThrow();
    String id = gatehouse.app().sessions().list(Optional.empty()).get(0).id();
    assertThat(gatehouse.app().sessions().revoke(id)).isEqualTo(1);
    assertThat(forwardAuth(Optional.of(child), "wiki.example.org", "/").status()).isEqualTo(302);

    // A sign-in kept busy on the portal's domain for 12 hours, then handed to the other domain:
    // that session ends when the sign-in's 24 hours are over, not 24 hours after the hand-off.
    HostBrowser again = new HostBrowser(gatehouse.port());
    again.signIn(PORTAL, "alice", PASSWORD);
    String portalCookie = again.cookieFor("app.example.com", COOKIE).orElseThrow();
    for (int hour = 0; hour < 12; hour++) {
      clock.advance(Duration.ofMinutes(59));
      assertThat(forwardAuth(Optional.of(portalCookie), "app.example.com", "/").status())
          .isEqualTo(200);
    }
    assertThat(again.navigate("https://app.example.org/").status()).isEqualTo(200);
    String second = again.cookieFor("app.example.org", COOKIE).orElseThrow();
    for (int hour = 12; hour < 24; hour++) {
      clock.advance(Duration.ofMinutes(59));
      assertThat(forwardAuth(Optional.of(second), "wiki.example.org", "/").status()).isEqualTo(200);
    }
    // 30 minutes on: not idle, but past the sign-in's absolute cap.
    clock.advance(Duration.ofMinutes(30));
    assertThat(forwardAuth(Optional.of(second), "wiki.example.org", "/").status()).isEqualTo(302);
  }

  @Test
  void eachDomainsSessionIsGoodOnItsOwnDomainOnlyAndNeverForThePortal() throws Exception {
    HostBrowser browser = new HostBrowser(gatehouse.port());
    browser.signIn(PORTAL, "alice", PASSWORD);
    browser.navigate("https://app.example.org/");
    String child = browser.cookieFor("app.example.org", COOKIE).orElseThrow();
    String root = browser.cookieFor("app.example.com", COOKIE).orElseThrow();
    assertThat(forwardAuth(Optional.of(child), "wiki.example.org", "/").status()).isEqualTo(200);
    // The value carried to another domain's host (an app that received it) opens nothing there.
    assertThat(forwardAuth(Optional.of(child), "app.example.com", "/").status()).isEqualTo(302);
    assertThat(forwardAuth(Optional.of(root), "wiki.example.org", "/").status()).isEqualTo(302);
    // Nor the portal: its account pages, its sign-out, a new hand-off.
    HostBrowser thief = new HostBrowser(gatehouse.port());
    thief.put(new HostBrowser.Cookie(COOKIE, child, "example.com", false));
    assertThat(thief.get(PORTAL + "/account").location()).startsWith(PORTAL + "/login");
    HostBrowser.Response issue =
        thief.get(
            PORTAL
                + "/handoff/issue?domain=example.org&binding="
                + "c".repeat(64)
                + "&rd="
                + encode("https://app.example.org/"));
    assertThat(issue.status()).isEqualTo(302);
    assertThat(issue.location()).startsWith(PORTAL + "/login?rd=");
  }

  @Test
  void usingOnlyTheOtherDomainKeepsTheSignInAliveAndItsIdleEndEndsBoth() throws Exception {
    HostBrowser browser = new HostBrowser(gatehouse.port());
    browser.signIn(PORTAL, "alice", PASSWORD);
    browser.navigate("https://app.example.org/");
    String child = browser.cookieFor("app.example.org", COOKIE).orElseThrow();
    String root = browser.cookieFor("app.example.com", COOKIE).orElseThrow();
    for (int i = 0; i < 3; i++) {
      clock.advance(Duration.ofMinutes(50));
      assertThat(forwardAuth(Optional.of(child), "wiki.example.org", "/").status()).isEqualTo(200);
    }
    assertThat(forwardAuth(Optional.of(root), "app.example.com", "/").status())
        .as("activity on example.org was activity of the sign-in")
        .isEqualTo(200);
    // Signing out now ends the session of the other domain too.
    HostBrowser.Response home = browser.get(PORTAL + "/");
    browser.post(PORTAL + "/logout", "csrf=" + HostBrowser.csrf(home));
    assertThat(forwardAuth(Optional.of(child), "wiki.example.org", "/").status()).isEqualTo(302);
  }

  @Test
  void theOtherDomainsPortalAddressHandsOverAndSendsEverythingElseToThePortal() throws Exception {
    HostBrowser browser = new HostBrowser(gatehouse.port());
    HostBrowser.Response login = browser.get(OTHER_PORTAL + "/login?rd=%2Faccount");
    assertThat(login.status()).isEqualTo(302);
    assertThat(login.location()).isEqualTo(PORTAL + "/login?rd=%2Faccount");
    assertThat(browser.post(OTHER_PORTAL + "/logout", "csrf=x").status()).isEqualTo(421);
    // The fully qualified name (a trailing dot) is the same host, not a way round the rule.
    HostBrowser.Response dotted = browser.get(OTHER_PORTAL + "./login?rd=%2Faccount");
    assertThat(dotted.status()).isEqualTo(302);
    assertThat(dotted.location()).isEqualTo(PORTAL + "/login?rd=%2Faccount");
    assertThat(browser.post(OTHER_PORTAL + "./logout", "csrf=x").status()).isEqualTo(421);
    // Two hand-offs pending in one browser (two tabs) share its nonce: either still works.
    browser.signIn(PORTAL, "alice", PASSWORD);
    HostBrowser.Response first =
        browser.get(OTHER_PORTAL + "/handoff/start?rd=" + encode("https://app.example.org/a"));
    HostBrowser.Response second =
        browser.get(OTHER_PORTAL + "/handoff/start?rd=" + encode("https://app.example.org/b"));
    String finish = browser.get(first.location()).location();
    assertThat(second.status()).isEqualTo(302);
    HostBrowser.Response done = browser.get(finish);
    assertThat(done.status()).isEqualTo(302);
    assertThat(done.location()).isEqualTo("https://app.example.org/a");
  }

  @Test
  void returnUrlsOutsideTheConfiguredDomainsAreRefusedAtEveryStep() throws Exception {
    HostBrowser browser = new HostBrowser(gatehouse.port());
    browser.signIn(PORTAL, "alice", PASSWORD);
    for (String rd :
        new String[] {
          "https://evil.example.net/",
          "https://example.org.evil.net/",
          "https://app.example.org@evil.net/",
          "//app.example.org/",
          "http://app.example.org/"
        }) {
      HostBrowser.Response start = browser.get(OTHER_PORTAL + "/handoff/start?rd=" + encode(rd));
      assertThat(start.location()).as(rd).isEqualTo(PORTAL + "/");
      String binding = "a".repeat(64);
      HostBrowser.Response issue =
          browser.get(
              PORTAL
                  + "/handoff/issue?domain=example.org&binding="
                  + binding
                  + "&rd="
                  + encode(rd));
      assertThat(issue.status()).as(rd).isEqualTo(400);
    }
    // A return URL on the portal's own domain is not a hand-off, and the domain must match.
    String binding = "b".repeat(64);
    assertThat(
            browser
                .get(
                    PORTAL
                        + "/handoff/issue?domain=example.org&binding="
                        + binding
                        + "&rd="
                        + encode("https://app.example.com/"))
                .status())
        .isEqualTo(400);
    assertThat(
            browser
                .get(
                    PORTAL
                        + "/handoff/issue?domain=example.com&binding="
                        + binding
                        + "&rd="
                        + encode("https://app.example.org/"))
                .status())
        .isEqualTo(400);
    assertThat(
            browser
                .get(
                    PORTAL
                        + "/handoff/issue?domain=example.org&binding=zz&rd="
                        + encode("https://app.example.org/"))
                .status())
        .isEqualTo(400);
    // The portal's sign-in accepts return URLs into the configured domains, and no others.
    assertThat(browser.get(PORTAL + "/login?rd=" + encode("https://app.example.org/x")).location())
        .isEqualTo("https://app.example.org/x");
    assertThat(browser.get(PORTAL + "/login?rd=" + encode("https://app.example.net/x")).location())
        .isEqualTo(PORTAL + "/");
  }

  /** A forward-auth call as a proxy in front of {@code host} makes it for a browser. */
  private HostBrowser.Response forwardAuth(Optional<String> cookie, String host, String uri)
      throws Exception {
    return HostBrowser.forwardAuth(
        gatehouse.port(),
        "X-Forwarded-Method: GET",
        "X-Forwarded-Proto: https",
        "X-Forwarded-Host: " + host,
        "X-Forwarded-Uri: " + uri,
        "Accept: text/html",
        cookie.map(c -> "Cookie: " + COOKIE + "=" + c).orElse("X-No-Cookie: 1"));
  }

  private static String encode(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
