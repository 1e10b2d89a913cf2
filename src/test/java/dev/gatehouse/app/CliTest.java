package dev.gatehouse.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line against a real data directory, also while the server runs on it. */
class CliTest {
  @TempDir Path dir;

  record Result(int status, String out, String err) {}

  private Result run(String stdin, Map<String, String> extraEnv, String... args) {
    Map<String, String> env = new HashMap<>();
    env.put("GATEHOUSE_DATA_DIR", dir.resolve("data").toString());
    env.putAll(extraEnv);
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    InputStream oldIn = System.in;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      int status = Main.run(args, env);
      return new Result(
          status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      System.setIn(oldIn);
    }
  }

  private Result run(String... args) {
    return run("", Map.of(), args);
  }

  @Test
  void aBadConfigurationValueExitsTwoNamingTheKey() {
    Result result = run("", Map.of("GATEHOUSE_SESSION_IDLE_TIMEOUT", "soon"), "config", "check");
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).contains("session.idle-timeout", "\"soon\"", "must be a duration");
    assertThat(run("config", "check").status()).isZero();
  }

  @Test
  void aMissingConfigFileExitsTwo() {
    Result result = run("--config", dir.resolve("nope.yml").toString(), "config", "check");
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).contains("nope.yml");
  }

  @Test
  void manageUsersGroupsRolesAndClaims() {
    assertThat(
            run(
                    "correct horse battery staple\n",
                    Map.of(),
                    "user",
                    "add",
                    "Alice",
                    "--email",
                    "alice@example.com",
                    "--name",
                    "Alice A",
                    "--password-stdin")
                .out())
        .contains("created user alice");
    assertThat(run("group", "add", "ops").status()).isZero();
    assertThat(run("group", "add-member", "ops", "alice").out()).contains("added alice to ops");
    assertThat(run("role", "add", "grafana-admin").status()).isZero();
    assertThat(run("role", "grant", "grafana-admin", "ops").status()).isZero();
    assertThat(run("role", "set-claim", "grafana-admin", "grafana_role", "Admin").status())
        .isZero();
    Result show = run("user", "show", "alice");
    assertThat(show.out())
        .contains(
            "groups:        ops",
            "roles:         grafana-admin",
            "claim grafana_role: Admin",
            "alice@example.com");
    assertThat(run("user", "list").out()).contains("alice", "enabled");
    assertThat(run("user", "disable", "alice").status()).isZero();
    assertThat(run("user", "list").out()).contains("disabled");
    assertThat(run("user", "enable", "alice").status()).isZero();
    assertThat(run("group", "list").out()).contains("ops: alice");
    assertThat(run("user", "delete", "alice").status()).isZero();
    Result missing = run("user", "show", "alice");
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.err()).contains("user alice not found");
  }

  @Test
  void invalidNamesAndWeakPasswordsAreRefusedWithAReason() {
    Result badGroup = run("group", "add", "a,b");
    assertThat(badGroup.status()).isEqualTo(1);
    assertThat(badGroup.err()).contains("without commas");
    Result weak = run("short\n", Map.of(), "user", "add", "bob", "--password-stdin");
    assertThat(weak.status()).isEqualTo(1);
    assertThat(weak.err()).contains("15 to 256 characters");
  }

  @Test
  void worksOnTheSameDataDirectoryWhileTheServerRuns() throws Exception {
    try (TestGatehouse server =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            MutableClock.atFixedInstant(),
            Map.of())) {
      assertThat(
              run(
                      "correct horse battery staple\n",
                      Map.of(),
                      "user",
                      "add",
                      "carol",
                      "--password-stdin")
                  .status())
          .isZero();
      assertThat(server.app().directory().findByUsername("carol")).isPresent();
      assertThat(server.browser().signIn("carol", "correct horse battery staple").statusCode())
          .isEqualTo(303);
      Result sessions = run("session", "list", "--user", "carol");
      assertThat(sessions.out()).contains("carol", "pwd");
      assertThat(run("session", "revoke", "--user", "carol").out()).contains("revoked 1 session");
    }
  }

  @Test
  void backupWritesAPrivateConsistentCopy() throws Exception {
    run("user", "add", "dave");
    Path backup = dir.resolve("backup.db");
    Result result = run("backup", backup.toString());
    assertThat(result.status()).isZero();
    assertThat(Files.size(backup)).isPositive();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup)))
        .isEqualTo("rw-------");
    Result again = run("backup", backup.toString());
    assertThat(again.status()).isEqualTo(1);
    assertThat(again.err()).contains("already exists");
    assertThat(run("--config", writeConfig(backup), "user", "list").out()).contains("dave");
  }

  @Test
  void theDataDirectoryAndDatabaseArePrivate() throws Exception {
    run("user", "list");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data"))))
        .isEqualTo("rwx------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("data/gatehouse.db"))))
        .isEqualTo("rw-------");
  }

  private String writeConfig(Path database) throws Exception {
    Path config = dir.resolve("restore.yml");
    Files.writeString(config, "database:\n  url: jdbc:sqlite:" + database + "\n");
    return config.toString();
  }
}
