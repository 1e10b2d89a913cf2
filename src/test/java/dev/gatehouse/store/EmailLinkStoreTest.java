package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.mail.Message;
import dev.gatehouse.signin.magiclink.MagicLinkRepository;
import dev.gatehouse.signin.magiclink.MagicLinkRepository.EmailChange;
import dev.gatehouse.signin.magiclink.RegistrationRepository;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.StoreFixture;
import dev.gatehouse.testing.TestDatabases;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Address verification, address change and sign-up storage on both databases. */
class EmailLinkStoreTest {
  @TempDir Path dir;
  private Database database;
  private Directory directory;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private int messages;

  private void open(TestDatabases.Kind kind) {
    database = StoreFixture.open(kind, dir);
    directory =
        new Directory(
            new JdbcUsers(database),
            new JdbcGroups(database),
            new JdbcRoles(database),
            clock,
            new SecureRandom());
  }

  private JdbcOutbox outbox() {
    return new JdbcOutbox(
        database,
        dev.gatehouse.keys.AtRestCipher.fromKeyFile(
            dir.resolve("at-rest.key"), new SecureRandom()));
  }

  @AfterEach
  void close() {
    if (database != null) {
      database.close();
    }
  }

  static List<TestDatabases.Kind> kinds() {
    return TestDatabases.kinds();
  }

  private MagicLinkRepository.Link link(
      String hash, MagicLinkRepository.Purpose purpose, UserId user, String payload) {
    Instant now = clock.instant();
    return new MagicLinkRepository.Link(
        hash, purpose, user, "", now, now.plus(Duration.ofHours(1)), payload);
  }

  private Message.Queued message(String to) {
    messages++;
    return new Message.Queued("m" + messages, new Message(to, "s", "t", "h"), Optional.empty(), 0);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void mailQueuedInPlainTextByAnOlderVersionIsSealedBeforeItIsRead(TestDatabases.Kind kind) {
    open(kind);
    String link = "https://auth.example.com/reset?token=" + "A".repeat(43);
    database
        .jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body,"
                            + " status, attempts, created_at, next_attempt_at, sealed) VALUES"
                            + " ('old', 'a@example.com', 'Reset', :text, :html, 'pending', 0, 1, 1, 0)")
                    .bind("text", "Reset: " + link)
                    .bind("html", "<a href=\"" + link + "\">reset</a>")
                    .execute());
    JdbcOutbox outbox = outbox();
    assertThat(outbox.sealPlainRows()).isEqualTo(1);
    String stored =
        database
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT text_body || html_body FROM mail_outbox WHERE id = 'old'")
                        .mapTo(String.class)
                        .one());
    assertThat(stored).doesNotContain("token=");
    assertThat(outbox.due(clock.instant(), 10))
        .singleElement()
        .satisfies(q -> assertThat(q.message().text()).isEqualTo("Reset: " + link));
    outbox.markSent("old", clock.instant());
    String afterSending =
        database
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT text_body || html_body FROM mail_outbox")
                        .mapTo(String.class)
                        .one());
    assertThat(afterSending).as("a sent message keeps no body").isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void anEmailChangeMovesTheUserOnceAndRefusesAnAddressTakenMeanwhile(TestDatabases.Kind kind) {
    open(kind);
    JdbcMagicLinks links = new JdbcMagicLinks(database, outbox());
    User amy = directory.addUser("amy", Optional.of("amy@example.com"), "", false);
    Instant now = clock.instant();
    links.replaceAndQueue(
        link("h1", MagicLinkRepository.Purpose.EMAIL_CHANGE, amy.id(), "amy@new.example"),
        message("amy@new.example"),
        now);

    assertThat(links.changeEmail("h1", now, Optional.of(message("amy@example.com"))))
        .isEqualTo(EmailChange.CHANGED);
    User after = directory.findById(amy.id()).orElseThrow();
    assertThat(after.email()).contains("amy@new.example");
    assertThat(after.emailVerified()).isTrue();
    assertThat(links.changeEmail("h1", now, Optional.empty())).isEqualTo(EmailChange.UNUSABLE);

    links.replaceAndQueue(
        link("h2", MagicLinkRepository.Purpose.EMAIL_CHANGE, amy.id(), "bo@example.com"),
        message("bo@example.com"),
        now);
    directory.addUser("bo", Optional.of("bo@example.com"), "", false);
    assertThat(links.changeEmail("h2", now, Optional.empty())).isEqualTo(EmailChange.TAKEN);
    assertThat(directory.findById(amy.id()).orElseThrow().email()).contains("amy@new.example");
    assertThat(outbox().list(10)).as("two links and one notice").hasSize(3);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aVerificationLinkVerifiesOnlyTheAddressItWasSentTo(TestDatabases.Kind kind) {
    open(kind);
    JdbcMagicLinks links = new JdbcMagicLinks(database, outbox());
    User cy = directory.addUser("cy", Optional.of("cy@example.com"), "", false);
    Instant now = clock.instant();
    links.replaceAndQueue(
        link("v1", MagicLinkRepository.Purpose.VERIFY, cy.id(), ""),
        message("cy@example.com"),
        now);
    assertThat(links.verifyEmail("v1", "cy@old.example", now)).isFalse();
    assertThat(directory.findById(cy.id()).orElseThrow().emailVerified()).isFalse();

    links.replaceAndQueue(
        link("v2", MagicLinkRepository.Purpose.VERIFY, cy.id(), ""),
        message("cy@example.com"),
        now);
    assertThat(links.verifyEmail("v2", "cy@example.com", now)).isTrue();
    assertThat(directory.findById(cy.id()).orElseThrow().emailVerified()).isTrue();
    assertThat(links.verifyEmail("v2", "cy@example.com", now)).as("once").isFalse();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aSignUpCreatesTheAccountOnceAndATakenUsernameLeavesTheLinkUsable(TestDatabases.Kind kind) {
    open(kind);
    JdbcRegistrations registrations = new JdbcRegistrations(database, outbox());
    directory.addUser("dee", Optional.empty(), "", false);
    Instant now = clock.instant();
    registrations.createAndQueue(
        new RegistrationRepository.Pending("r1", "dee@example.com", now, now.plusSeconds(60)),
        message("dee@example.com"),
        now);
    User taken = directory.newUser("dee", Optional.of("dee@example.com"), "", false, true);
    assertThat(registrations.complete("r1", taken, Optional.empty(), now))
        .isEqualTo(RegistrationRepository.Completed.USERNAME_TAKEN);
    assertThat(registrations.findUsable("r1", now)).isPresent();

    User dee2 = directory.newUser("dee2", Optional.of("dee@example.com"), "", false, true);
    assertThat(registrations.complete("r1", dee2, Optional.of("hash"), now))
        .isEqualTo(RegistrationRepository.Completed.CREATED);
    assertThat(directory.findByEmail("dee@example.com")).map(User::username).contains("dee2");
    assertThat(new JdbcUsers(database).passwordHash(dee2.id())).contains("hash");
    User again = directory.newUser("dee3", Optional.of("dee@example.com"), "", false, true);
    assertThat(registrations.complete("r1", again, Optional.empty(), now))
        .isEqualTo(RegistrationRepository.Completed.UNUSABLE);
    assertThat(registrations.findUsable("r1", now.plusSeconds(61))).isEmpty();
  }
}
