package dev.gatehouse.url;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** SECURITY.md §3: return URLs only to our own host or inside the cookie domain. */
class OpenRedirectTest {
  private final RedirectValidator validator =
      new RedirectValidator(URI.create("https://auth.example.com"), Optional.of("example.com"));

  @ParameterizedTest(name = "accepts {0}")
  @CsvSource({
    "/, https://auth.example.com/",
    "/account?tab=sessions, https://auth.example.com/account?tab=sessions",
    "https://app.example.com/, https://app.example.com/",
    "https://app.example.com, https://app.example.com/",
    "https://APP.Example.com./x?y=1#z, https://app.example.com/x?y=1#z",
    "https://example.com/x, https://example.com/x",
    "https://deep.sub.example.com:8443/p, https://deep.sub.example.com:8443/p",
    "https://app.example.com:443/p, https://app.example.com/p",
    "https://auth.example.com/login, https://auth.example.com/login",
  })
  void acceptsOwnAndCookieDomainUrls(String input, String expected) {
    assertThat(validator.validate(input)).contains(expected);
  }

  @ParameterizedTest(name = "refuses {0}")
  @ValueSource(
      strings = {
        "//evil.com",
        "//evil.com/path",
        "///evil.com",
        "\\\\evil.com",
        "/\\evil.com",
        "\\/evil.com",
        "https:evil.com",
        "https:/evil.com",
        "https:///evil.com",
        "http://app.example.com/",
        "https://evil.com",
        "https://evil-example.com",
        "https://example.com.evil.com",
        "https://evilexample.com",
        "https://app.example.com@evil.com",
        "https://user@app.example.com/",
        "https://user:pw@app.example.com/",
        "https://evil.com\\@app.example.com",
        "https://app.example.com@@evil.com",
        "https://evil.com#@app.example.com",
        "https://evil.com?@app.example.com",
        "javascript:alert(1)",
        "JavaScript://app.example.com/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://app.example.com/",
        "/..;/admin",
        "https://app.example.com/..;/admin",
        "/%2f%2fevil.com",
        "/a/../../evil",
        " /account",
        "/account ",
        "/acc\tount",
        "/acc\nount",
        "https://app.example.com/\r\nSet-Cookie:x=y",
        "\u0000/account",
        "https://app.example.com\u3002evil.com/",
        "https://ap\u0000p.example.com/",
        "https://[::1]/",
        "https://127.0.0.1/",
        "https://app.example.com:0/",
        "",
        "example.com",
        "app.example.com/path",
        "https://",
        "https://:443/",
      })
  void refusesHostileValues(String input) {
    assertThat(validator.validate(input)).isEmpty();
  }

  @Test
  void withoutCookieDomainOnlyThePortalHostIsAccepted() {
    RedirectValidator hostOnly =
        new RedirectValidator(URI.create("https://auth.example.com"), Optional.empty());
    assertThat(hostOnly.validate("https://auth.example.com/x"))
        .contains("https://auth.example.com/x");
    assertThat(hostOnly.validate("https://app.example.com/x")).isEmpty();
  }

  @Test
  void furtherCookieDomainsAreAcceptedExactlyAndOnlyOverHttps() {
    RedirectValidator two =
        new RedirectValidator(
            URI.create("https://auth.example.com"),
            Optional.of("example.com"),
            java.util.List.of("example.org"));
    assertThat(two.validate("https://app.example.org/x")).contains("https://app.example.org/x");
    assertThat(two.validate("https://EXAMPLE.org")).contains("https://example.org/");
    assertThat(two.validate("https://app.example.com/x")).contains("https://app.example.com/x");
    assertThat(two.validate("http://app.example.org/x")).isEmpty();
    assertThat(two.validate("https://badexample.org/")).isEmpty();
    assertThat(two.validate("https://app.example.org.evil.net/")).isEmpty();
    assertThat(two.validate("https://app.example.net/")).isEmpty();
    assertThat(two.validate("https://app.example.org@evil.net/")).isEmpty();
  }

  @Test
  void plainHttpIsAcceptedOnlyForAnHttpLocalhostPortal() {
    RedirectValidator local =
        new RedirectValidator(URI.create("http://localhost:9091"), Optional.empty());
    assertThat(local.validate("http://localhost:9091/x")).contains("http://localhost:9091/x");
    assertThat(local.validate("/x")).contains("http://localhost:9091/x");
    assertThat(local.validate("http://localhost:8080/x"))
        .as("an app behind a local proxy: the host-only cookie reaches every port of localhost")
        .contains("http://localhost:8080/x");
    assertThat(local.validate("http://127.0.0.1:8080/x")).as("another host").isEmpty();
    assertThat(local.validate("http://localhost.evil.com/x")).isEmpty();
    assertThat(local.validate("http://evil.com/")).isEmpty();
    RedirectValidator secure =
        new RedirectValidator(URI.create("https://auth.example.com"), Optional.empty());
    assertThat(secure.validate("https://auth.example.com:8443/x"))
        .as("ports matter beyond local development")
        .isEmpty();
  }
}
