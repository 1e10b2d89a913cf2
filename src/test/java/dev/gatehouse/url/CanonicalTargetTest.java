package dev.gatehouse.url;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** SECURITY.md §1: one canonical view of a request target; anything ambiguous is refused. */
class CanonicalTargetTest {

  @Test
  void theShortcutForPathsThatAreCanonicalAlreadyAgreesWithTheFullCanonicalisation() {
    // Every path up to five characters over the characters that matter to canonicalisation, and
    // random longer ones: the shortcut never changes an answer.
    char[] alphabet = {'/', '.', '%', '2', 'e', 'E', 'f', 'a', '~', ' ', ';'};
    java.util.List<String> paths = new java.util.ArrayList<>();
    collect("", 5, alphabet, paths);
    java.util.Random random = new java.util.Random(15);
    for (int i = 0; i < 200_000; i++) {
      StringBuilder path = new StringBuilder("/");
      int length = 1 + random.nextInt(24);
      for (int j = 0; j < length; j++) {
        path.append(alphabet[random.nextInt(alphabet.length)]);
      }
      paths.add(path.toString());
    }
    int shortcut = 0;
    for (String path : paths) {
      Optional<String> quick = Canonicalizer.path(path);
      assertThat(quick).as(path).isEqualTo(Canonicalizer.pathTheLongWay(path));
      shortcut += quick.isPresent() && quick.get().equals(path) ? 1 : 0;
    }
    assertThat(shortcut).as("paths that are canonical already").isGreaterThan(1_000);
  }

  private static void collect(
      String prefix, int left, char[] alphabet, java.util.List<String> out) {
    out.add("/" + prefix);
    if (left > 0) {
      for (char c : alphabet) {
        collect(prefix + c, left - 1, alphabet, out);
      }
    }
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
    "/, /",
    "/app, /app",
    "/app/, /app/",
    "/a//b, /a/b",
    "//a///b//, /a/b/",
    "/a/./b, /a/b",
    "/a/b/.., /a/",
    "/a/b/../c, /a/c",
    "/a/%62, /a/b",
    "/a/%2e%2e/b, /b",
    "/caf%C3%A9, /café",
    "/a?x=../../etc, /a",
    "/A/B, /A/B",
    "/a/b/., /a/b/",
    "/v1.2/file.txt, /v1.2/file.txt",
    "/a%20b/c, /a b/c",
  })
  void canonicalisesPaths(String raw, String expected) {
    assertThat(Canonicalizer.path(raw.contains("?") ? raw.substring(0, raw.indexOf('?')) : raw))
        .contains(expected);
  }

  @ParameterizedTest(name = "refuses path {0}")
  @ValueSource(
      strings = {
        "",
        "a/b",
        "/a%2fb",
        "/a%2Fb",
        "/a%5cb",
        "/a\\b",
        "/a;jsessionid=1",
        "/..;/admin",
        "/a/%3b/b",
        "/a%00b",
        "/a%0d%0aSet-Cookie:x",
        "/a\tb",
        "/a b",
        "/a%252fb",
        "/a%25",
        "/a%zz",
        "/a%",
        "/a%c3",
        "/a%ff",
        "/..",
        "/a/../../b",
        "/%2e%2e/",
        "/a#frag",
        "/a%7f",
        "/é",
        "/admin.",
        "/admin../x",
        "/admin%20",
        "/%20admin",
        "/public/..%20/admin",
        "/%EF%BC%8E%EF%BC%8E/admin",
        "/%E2%88%95admin",
      })
  void refusesAmbiguousPaths(String raw) {
    assertThat(Canonicalizer.path(raw)).isEmpty();
  }

  @ParameterizedTest(name = "{0} {1} → {2}")
  @CsvSource({
    "https, App.Example.COM, app.example.com",
    "https, app.example.com., app.example.com",
    "https, app.example.com:443, app.example.com",
    "http, app.example.com:80, app.example.com",
    "https, app.example.com:8443, app.example.com:8443",
    "HTTPS, app.example.com, app.example.com",
    "https, bücher.example, xn--bcher-kva.example",
    "https, [::1]:8443, [::1]:8443",
  })
  void canonicalisesHosts(String scheme, String host, String authority) {
    Optional<CanonicalTarget> target = Canonicalizer.target(scheme, host, "/x");
    assertThat(target).map(CanonicalTarget::authority).contains(authority);
  }

  @ParameterizedTest(name = "refuses host {0}")
  @ValueSource(
      strings = {
        "",
        "app.example.com..",
        "app..example.com",
        "app.example.com:0",
        "app.example.com:99999",
        "app.example.com:80a",
        "app.example.com:",
        "user@app.example.com",
        "app example.com",
        "app.example.com\r\nX: y",
        "app_example.com",
        "[::1",
        "[::1]x",
        "a/b",
      })
  void refusesBadHosts(String host) {
    assertThat(Canonicalizer.target("https", host, "/")).isEmpty();
  }

  @ParameterizedTest(name = "refuses scheme {0}")
  @ValueSource(strings = {"ftp", "javascript", "", "https:"})
  void refusesOtherSchemes(String scheme) {
    assertThat(Canonicalizer.target(scheme, "app.example.com", "/")).isEmpty();
  }

  @org.junit.jupiter.api.Test
  void refusesANetworkPathReferenceAsTheTarget() {
    assertThat(Canonicalizer.target("https", "app.example.com", "//evil.example.com/admin"))
        .as("an app may read //host/path as another host's /admin")
        .isEmpty();
    assertThat(Canonicalizer.target("https", "app.example.com", "/a//b")).isPresent();
  }
}
