package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.mail.OutboxRepository;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestProxy;
import dev.gatehouse.testing.TestSmtp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A database dump (or backup) read by an attacker during an SMTP outage holds no usable link: the
 * queued sign-in, reset and invitation messages are sealed, and their bodies are gone once sent.
 * When SMTP comes back every message is delivered exactly once and its link works.
 */
class OutboxAtRestTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static final Pattern TOKEN = Pattern.compile("token=([A-Za-z0-9_-]{43})");

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private TestGatehouse gatehouse;
  private TestSmtp smtp;

  static List<TestDatabases.Kind> kinds() {
    return TestDatabases.kinds();
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (smtp != null) {
      smtp.close();
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aDumpDuringAnSmtpOutageHoldsNoUsableLinkAndEveryMessageArrivesOnceAfterIt(
      TestDatabases.Kind kind) throws Exception {
    int port = TestProxy.freePort(); // nothing listens there yet: SMTP is down
    Map<String, String> settings = new HashMap<>(TestSmtp.settings(port));
    settings.put("GATEHOUSE_REGISTRATION_POLICY", "invite");
    gatehouse = TestGatehouse.start(kind, dir.resolve("data"), clock, settings);
    User frank =
        gatehouse
            .app()
            .directory()
            .addUser("frank", Optional.of("frank@example.com"), "Frank", false);
    gatehouse.app().accounts().setPassword(frank, PASSWORD);
    TestBrowser browser = gatehouse.browser();
    browser.get("/login/email");
    assertThat(browser.post("/login/email", Map.of("email", "frank@example.com")).statusCode())
        .isLessThan(400);
    browser.get("/reset/request");
    assertThat(browser.post("/reset/request", Map.of("email", "frank@example.com")).statusCode())
        .isLessThan(400);
    gatehouse.app().invitations().invite("ivan@example.com", Optional.empty(), false);

    assertThat(gatehouse.app().mailWorker().deliverDue()).as("SMTP is down").isZero();
    List<OutboxRepository.Row> queued = gatehouse.app().outbox().list(10);
    assertThat(queued).hasSize(3).allSatisfy(row -> assertThat(row.status()).isEqualTo("pending"));
    String whileDown = dump(kind);
    assertThat(TOKEN.matcher(whileDown).find()).as("a link in the dump").isFalse();

    smtp = TestSmtp.startOn(port);
    clock.advance(Duration.ofMinutes(1)); // past the retry back-off
    List<TestSmtp.Mail> delivered = smtp.deliver(gatehouse);
    assertThat(delivered).hasSize(3);
    clock.advance(Duration.ofMinutes(5));
    assertThat(smtp.deliver(gatehouse)).as("exactly once").isEmpty();

    String afterwards = dump(kind);
    for (TestSmtp.Mail mail : delivered) {
      String token = mail.token();
      assertThat(whileDown)
          .as("the token of %s while queued", mail.subject())
          .doesNotContain(token);
      assertThat(afterwards).as("the token of %s once sent", mail.subject()).doesNotContain(token);
      assertThat(gatehouse.browser().get(mail.link()).statusCode())
          .as("the delivered link of %s works", mail.subject())
          .isEqualTo(200);
    }
    assertThat(gatehouse.app().outbox().list(10))
        .allSatisfy(row -> assertThat(row.status()).isEqualTo("sent"));
  }

  /**
   * Everything an attacker with the database gets: every value of every table, and for SQLite the
   * raw bytes of the database file and its write-ahead log.
   */
  private String dump(TestDatabases.Kind kind) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Connection connection = gatehouse.app().database().jdbi().open().getConnection()) {
      DatabaseMetaData meta = connection.getMetaData();
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          meta.getTables(null, connection.getSchema(), "%", new String[] {"TABLE"})) {
        while (rs.next()) {
          tables.add(rs.getString("TABLE_NAME"));
        }
      }
      assertThat(tables).contains("mail_outbox", "magic_links");
      try (Statement statement = connection.createStatement()) {
        for (String table : tables) {
          try (ResultSet rows = statement.executeQuery("SELECT * FROM " + table)) {
            int columns = rows.getMetaData().getColumnCount();
            while (rows.next()) {
              for (int i = 1; i <= columns; i++) {
                out.append(rows.getString(i)).append('\n');
              }
            }
          }
        }
      }
    }
    if (kind == TestDatabases.Kind.SQLITE) {
      try (Stream<Path> files = Files.list(dir.resolve("data"))) {
        for (Path file : files.filter(f -> f.getFileName().toString().contains(".db")).toList()) {
          out.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
        }
      }
    }
    return out.toString();
  }
}
