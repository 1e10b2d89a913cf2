package dev.gatehouse.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;

/** Mail bodies from values: markup escaped by construction, no control characters anywhere. */
class MailContentTest {
  private static final String HOSTILE_AGENT =
      "Mozilla <script>alert(1)</script> \"><a href=\"https://evil.example\">click</a>\r\n"
          + "Bcc: victim@example.com\u2028";

  private final MailContent content =
      MailContent.to(Optional.of("alice"), "signed in from " + HOSTILE_AGENT + ".")
          .withAction("Sign out everywhere", "https://auth.example.com/not-me/t0k&x=\"1\"", "Once")
          .closingWith("Bye <b>now</b>.");

  @Test
  void theHtmlPartShowsHostileValuesAsTextAndHasExactlyTheOneLink() {
    Document html = Jsoup.parse(content.html());
    assertThat(html.select("script")).isEmpty();
    assertThat(html.select("b")).isEmpty();
    assertThat(html.select("a[href]")).hasSize(1);
    assertThat(html.select("a[href]").attr("href"))
        .isEqualTo("https://auth.example.com/not-me/t0k&x=\"1\"");
    assertThat(html.text()).contains("<script>alert(1)</script>").contains("Bye <b>now</b>.");
  }

  @Test
  void theTextPartHasNoControlCharactersFromValuesAndTheLinkOnItsOwnLine() {
    String text = content.text();
    assertThat(text).doesNotContain("\r").doesNotContain("\u2028");
    assertThat(text.lines()).noneMatch(line -> line.startsWith("Bcc:"));
    assertThat(text.lines()).contains("https://auth.example.com/not-me/t0k&x=\"1\"");
    assertThat(text).startsWith("Hello alice,\n\n").endsWith("Bye <b>now</b>.\n");
  }

  @Test
  void aMailToNobodyInParticularGreetsWithoutAName() {
    MailContent plain = MailContent.to(Optional.empty(), "Welcome.");
    assertThat(plain.text()).isEqualTo("Hello,\n\nWelcome.\n");
    assertThat(Jsoup.parse(plain.html()).select("p").first().text()).isEqualTo("Hello,");
  }
}
