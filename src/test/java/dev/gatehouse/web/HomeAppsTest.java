package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The portal's start page lists the apps the signed-in person may open, by the real rules. */
class HomeAppsTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;

  @Test
  void eachPersonSeesTheAppsTheRulesLetThemOpenAndNoOthers() throws Exception {
    try (TestGatehouse gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of(
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [grafana.example.com], subjects: ['group:ops'], policy: authenticated},"
                    + " {hosts: [grafana.example.com], policy: deny},"
                    + " {hosts: [vault.example.com], policy: two-factor},"
                    + " {hosts: [wiki.example.com, '*.example.com'], policy: authenticated}]",
                "GATEHOUSE_OIDC_CLIENTS",
                "[{id: wiki-rp, name: Team wiki, public: true, redirect-uris:"
                    + " ['https://rp.example.com/cb'], home-url: 'https://rp.example.com/',"
                    + " allowed-groups: [ops]}]",
                "GATEHOUSE_PROXY_ROUTES",
                "[{from: 'https://notes.example.com/app/', to: 'http://127.0.0.1:9',"
                    + " auth: session}]"))) {
      User ann = gatehouse.app().directory().addUser("ann", Optional.empty(), "", false);
      gatehouse.app().accounts().setPassword(ann, PASSWORD);
      User olga = gatehouse.app().directory().addUser("olga", Optional.empty(), "", false);
      gatehouse.app().accounts().setPassword(olga, PASSWORD);
      gatehouse.app().directory().addGroup("ops");
      gatehouse.app().directory().addMember("ops", "olga");

      assertThat(appsOf(gatehouse, "ann"))
          .containsExactly("https://notes.example.com/app/", "https://wiki.example.com/");
      assertThat(appsOf(gatehouse, "olga"))
          .containsExactly(
              "https://notes.example.com/app/",
              "https://grafana.example.com/",
              "https://wiki.example.com/",
              "https://rp.example.com/");
    }
  }

  private static java.util.List<String> appsOf(TestGatehouse gatehouse, String username)
      throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.signIn(username, PASSWORD);
    Document home = Jsoup.parse(browser.get("/").body());
    return home.select("#apps a").eachAttr("href");
  }
}
