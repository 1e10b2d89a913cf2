package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every page and every form of the admin console, tried by an anonymous browser, a signed-in user
 * who is not an administrator, and an administrator's browser tricked into a cross-site or
 * token-less POST: none of them sees or changes anything.
 */
class AdminConsoleAuthorizationTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;
  private TestGatehouse gatehouse;
  private String beaId;

  @BeforeEach
  void start() throws Exception {
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of());
    User root = gatehouse.app().directory().addUser("root", Optional.empty(), "Root", true);
    gatehouse.app().accounts().setPassword(root, PASSWORD);
    User bea = gatehouse.app().directory().addUser("bea", Optional.empty(), "Bea", false);
    gatehouse.app().accounts().setPassword(bea, PASSWORD);
    beaId = bea.id().value();
    gatehouse.app().directory().addGroup("ops");
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
  }

  private List<String[]> routes() {
    String user = "/admin/users/" + beaId;
    return List.of(
        new String[] {"GET", "/admin"},
        new String[] {"GET", "/admin/users"},
        new String[] {"GET", "/admin/users?q=bea"},
        new String[] {"GET", user},
        new String[] {"GET", "/admin/groups"},
        new String[] {"GET", "/admin/clients"},
        new String[] {"GET", "/admin/keys"},
        new String[] {"GET", "/admin/sessions"},
        new String[] {"GET", "/admin/audit"},
        new String[] {"GET", "/admin/roles"},
        new String[] {"GET", "/admin/mail"},
        new String[] {"GET", "/admin/access"},
        new String[] {"GET", "/admin/config"},
        new String[] {"POST", "/admin/access"},
        new String[] {"POST", "/admin/roles/create"},
        new String[] {"POST", "/admin/roles/delete"},
        new String[] {"POST", "/admin/roles/grant"},
        new String[] {"POST", "/admin/roles/revoke"},
        new String[] {"POST", "/admin/roles/set-claim"},
        new String[] {"POST", "/admin/roles/unset-claim"},
        new String[] {"POST", "/admin/mail/retry"},
        new String[] {"POST", "/admin/users"},
        new String[] {"POST", user + "/edit"},
        new String[] {"POST", user + "/disable"},
        new String[] {"POST", user + "/enable"},
        new String[] {"POST", user + "/reset"},
        new String[] {"POST", user + "/end-sessions"},
        new String[] {"POST", user + "/delete"},
        new String[] {"POST", user + "/join"},
        new String[] {"POST", user + "/leave"},
        new String[] {"POST", user + "/remove-passkey"},
        new String[] {"POST", user + "/remove-totp"},
        new String[] {"POST", user + "/unlink"},
        new String[] {"POST", "/admin/groups"},
        new String[] {"POST", "/admin/groups/add"},
        new String[] {"POST", "/admin/groups/remove"},
        new String[] {"POST", "/admin/groups/delete"},
        new String[] {"POST", "/admin/clients"},
        new String[] {"POST", "/admin/clients/x/edit"},
        new String[] {"POST", "/admin/clients/x/rotate"},
        new String[] {"POST", "/admin/clients/x/delete"},
        new String[] {"POST", "/admin/keys"},
        new String[] {"POST", "/admin/keys/x/revoke"},
        new String[] {"POST", "/admin/sessions/x/end"});
  }

  private static final Map<String, String> FORM =
      Map.of(
          "username", "bea",
          "name", "evil",
          "group", "ops",
          "id", "evil",
          "kind", "application",
          "owner", "evil",
          "admin", "on",
          "display_name", "pwned");

  private static HttpResponse<String> send(
      TestBrowser browser, String method, String path, Optional<String> origin, boolean csrf)
      throws Exception {
    HttpRequest.Builder request = browser.request(path);
    if (method.equals("GET")) {
      request.GET();
    } else {
      Map<String, String> form = new java.util.HashMap<>(FORM);
      if (csrf) {
        form.put("csrf", browser.csrf());
      }
      request
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(TestBrowser.encode(form)));
      origin.ifPresent(o -> request.header("Origin", o));
    }
    return browser.send(request.build());
  }

  @Test
  void nobodyButAnAdministratorSeesOrChangesAnythingInTheConsole() throws Exception {
    TestBrowser anonymous = gatehouse.browser();
    TestBrowser beasBrowser = gatehouse.browser();
    beasBrowser.signIn("bea", PASSWORD);
    beasBrowser.get("/");
    List<String> failures = new ArrayList<>();
    for (String[] route : routes()) {
      HttpResponse<String> anon =
          send(anonymous, route[0], route[1], Optional.of(TestGatehouse.PUBLIC_ORIGIN), false);
      if (route[0].equals("GET")
          ? !(anon.statusCode() == 302
              && anon.headers().firstValue("Location").orElse("").contains("/login?rd="))
          : anon.statusCode() < 400 && anon.statusCode() != 302) {
        failures.add("anonymous " + String.join(" ", route) + ": " + anon.statusCode());
      }
      HttpResponse<String> bea =
          send(beasBrowser, route[0], route[1], Optional.of(TestGatehouse.PUBLIC_ORIGIN), true);
      if (bea.statusCode() != 403) {
        failures.add("non-admin " + String.join(" ", route) + ": " + bea.statusCode());
      }
    }
    assertThat(failures).isEmpty();
    assertUnchanged();
  }

  @Test
  void anAdministratorsBrowserIsNotMadeToChangeAnythingFromAnotherSiteOrWithoutItsToken()
      throws Exception {
    TestBrowser root = gatehouse.browser();
    root.signIn("root", PASSWORD);
    root.get("/admin/users");
    List<String> failures = new ArrayList<>();
    for (String[] route : routes()) {
      if (route[0].equals("GET")) {
        continue;
      }
      HttpResponse<String> crossSite =
          send(root, route[0], route[1], Optional.of("https://evil.example.net"), true);
      HttpResponse<String> tokenless =
          send(root, route[0], route[1], Optional.of(TestGatehouse.PUBLIC_ORIGIN), false);
      if (crossSite.statusCode() != 403 || tokenless.statusCode() != 403) {
        failures.add(
            String.join(" ", route)
                + ": cross-site "
                + crossSite.statusCode()
                + ", without token "
                + tokenless.statusCode());
      }
    }
    assertThat(failures).isEmpty();
    assertUnchanged();
  }

  @Test
  void aGroupNameNeverBecomesPartOfAConsoleAddress() throws Exception {
    gatehouse.app().directory().addGroup("../users/" + beaId + "/delete?");
    TestBrowser root = gatehouse.browser();
    root.signIn("root", PASSWORD);
    HttpResponse<String> page = root.get("/admin/groups");
    assertThat(page.body()).doesNotContain("action=\"/admin/groups/..");
    HttpResponse<String> deleted =
        root.post("/admin/groups/delete", Map.of("group", "../users/" + beaId + "/delete?"));
    assertThat(deleted.statusCode()).isEqualTo(303);
    assertThat(gatehouse.app().directory().findByUsername("bea")).isPresent();
    assertThat(gatehouse.app().directory().listGroups()).containsExactly("ops");
    // Problems travel as codes: text put into the address is never shown as Gatehouse's.
    assertThat(root.get("/admin/users?problem=Your+account+is+locked").body())
        .doesNotContain("Your account is locked");
  }

  private void assertUnchanged() {
    User bea = gatehouse.app().directory().findByUsername("bea").orElseThrow();
    assertThat(bea.admin()).isFalse();
    assertThat(bea.disabled()).isFalse();
    assertThat(bea.displayName()).isEqualTo("Bea");
    assertThat(gatehouse.app().directory().listGroups()).containsExactly("ops");
    assertThat(gatehouse.app().directory().members("ops")).isEmpty();
    assertThat(gatehouse.app().apiKeys().list(Optional.empty())).isEmpty();
    assertThat(gatehouse.app().clients().list()).isEmpty();
    assertThat(gatehouse.app().directory().findByUsername("evil")).isEmpty();
    assertThat(gatehouse.app().directory().listRoles()).isEmpty();
  }
}
