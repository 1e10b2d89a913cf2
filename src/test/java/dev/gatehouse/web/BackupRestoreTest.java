package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import com.google.common.io.BaseEncoding;
import dev.gatehouse.identity.User;
import dev.gatehouse.signin.totp.TotpService;
import dev.gatehouse.testing.CliRunner;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup taken with {@code gatehouse backup} while the server runs restores, after the data
 * directory is wiped, into a server where sessions, authenticator seeds and signing keys all work.
 */
class BackupRestoreTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private TestGatehouse gatehouse;

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
  }

  @Test
  void aBackupOfARunningServerRestoresSessionsSeedsAndKeysAfterTheDataIsGone() throws Exception {
    Path data = dir.resolve("data");
    gatehouse = TestGatehouse.start(TestDatabases.Kind.SQLITE, data, clock, Map.of());
    User alice =
        gatehouse.app().directory().addUser("alice", Optional.of("a@example.com"), "Alice", false);
    gatehouse.app().accounts().setPassword(alice, PASSWORD);
    TestBrowser browser = gatehouse.browser();
    assertThat(browser.signIn("alice", PASSWORD).statusCode()).isEqualTo(303);
    String session = browser.sessionCookie().orElseThrow();
    TotpService totp = gatehouse.app().totp();
    String seed = totp.startEnrollment(alice).secretBase32();
    assertThat(totp.confirmEnrollment(alice.id(), code(seed))).isPresent();
    String jwks = gatehouse.app().signingKeys().publicKeys().toString();

    Path backup = dir.resolve("nightly.gatehouse");
    CliRunner cli = new CliRunner(gatehouse.environment(), dir, clock);
    CliRunner.Result written = cli.run("backup", backup.toString());
    assertThat(written.status()).as(written.err()).isZero();

    gatehouse.close();
    wipe(data);
    CliRunner.Result restored = cli.run("restore", backup.toString());
    assertThat(restored.status()).as(restored.err()).isZero();
    gatehouse.restart();

    assertThat(gatehouse.app().sessions().resolve(session)).as("the session").isPresent();
    assertThat(browser.get("/").body()).contains("alice");
    assertThat(gatehouse.app().signingKeys().publicKeys().toString())
        .as("the same signing keys")
        .isEqualTo(jwks);
    clock.advance(Duration.ofSeconds(30)); // a new step: TOTP codes are single-use
    TotpService.Second second =
        gatehouse
            .app()
            .totp()
            .complete(
                gatehouse.app().totp().challenge(alice.id()), code(seed), "test", "127.0.0.1");
    assertThat(second).as("the authenticator seed").isInstanceOf(TotpService.Completed.class);
  }

  private String code(String secret) throws Exception {
    return new TimeBasedOneTimePasswordGenerator(Duration.ofSeconds(30), 6, "HmacSHA1")
        .generateOneTimePasswordString(
            new SecretKeySpec(BaseEncoding.base32().decode(secret), "HmacSHA1"), clock.instant());
  }

  private static void wipe(Path directory) throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }
}
