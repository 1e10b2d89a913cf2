package dev.gatehouse.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.apikey.ApiKey;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.CliRunner;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI administering a Gatehouse it does not run beside: {@code --remote URL} with an admin key,
 * from a directory with no configuration and no database, through the admin HTTP API only.
 */
class RemoteCliTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;
  private TestGatehouse server;
  private String key;
  private CliRunner cli;

  @BeforeEach
  void start() throws Exception {
    server =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("server"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of());
    User root = server.app().directory().addUser("root", Optional.empty(), "Root", true);
    server.app().accounts().setPassword(root, PASSWORD);
    key =
        server
            .app()
            .apiKeys()
            .createApplication(
                "ops", "ops", List.of(), List.of(), Optional.empty(), List.of(ApiKey.ADMIN_SCOPE))
            .key();
    Path elsewhere = Files.createDirectories(dir.resolve("laptop"));
    cli = new CliRunner(Map.of("GATEHOUSE_API_KEY", key), elsewhere, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private CliRunner.Result remote(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--remote";
    all[1] = server.baseUrl();
    System.arraycopy(args, 0, all, 2, args.length);
    return cli.run(all);
  }

  @Test
  void anOperatorAdministersUsersGroupsKeysAndSessionsFromAnotherMachine() {
    CliRunner.Result added =
        cli.run(
            PASSWORD + "\n",
            Map.of(),
            "--remote",
            server.baseUrl(),
            "user",
            "add",
            "bea",
            "--email",
            "bea@example.com",
            "--password-stdin");
    assertThat(added.status()).as(added.err()).isZero();
    assertThat(server.app().directory().findByUsername("bea")).isPresent();
    assertThat(remote("user", "list").out()).contains("bea").contains("bea@example.com");
    assertThat(remote("group", "add", "ops").status()).isZero();
    assertThat(remote("group", "add-member", "ops", "bea").status()).isZero();
    assertThat(server.app().directory().members("ops")).containsExactly("bea");
    assertThat(remote("group", "list").out()).contains("ops: bea");

    CliRunner.Result issued = remote("apikey", "create", "--app", "backup", "--name", "nightly");
    assertThat(issued.status()).as(issued.err()).isZero();
    String secret = issued.out().strip();
    assertThat(server.app().apiKeys().authenticate(secret)).isPresent();
    assertThat(remote("apikey", "list").out()).contains("backup").doesNotContain(secret);
    String id = server.app().apiKeys().authenticate(secret).get().id();
    assertThat(remote("apikey", "revoke", id).status()).isZero();
    assertThat(server.app().apiKeys().authenticate(secret)).isEmpty();

    server
        .app()
        .sessions()
        .issue(
            server.app().directory().findByUsername("bea").get().id(),
            java.util.Set.of("pwd"),
            "ua",
            "203.0.113.5");
    assertThat(remote("session", "list", "--user", "bea").out()).contains("203.0.113.5");
    assertThat(remote("session", "revoke", "--user", "bea").status()).isZero();
    assertThat(server.app().sessions().list(Optional.empty())).isEmpty();

    assertThat(remote("user", "disable", "bea").status()).isZero();
    assertThat(server.app().directory().findByUsername("bea").get().disabled()).isTrue();
    CliRunner.Result lastAdmin = remote("user", "set-admin", "root", "false");
    assertThat(lastAdmin.status()).isEqualTo(1);
    assertThat(lastAdmin.err()).contains("last enabled administrator");
    assertThat(remote("user", "delete", "bea").status()).isZero();
    assertThat(server.app().directory().findByUsername("bea")).isEmpty();
    // Each change is in the trail as done by the key.
    assertThat(server.app().audit().list(Optional.empty(), 100))
        .anySatisfy(e -> assertThat(e.actor()).startsWith("apikey:"));
  }

  @Test
  void remoteRefusesWhatItCannotDoAndSaysWhy() {
    CliRunner.Result local = remote("keys", "rotate");
    assertThat(local.status()).isNotZero();
    assertThat(local.err()).contains("only on the server's machine");
    CliRunner wrongKey =
        new CliRunner(
            Map.of("GATEHOUSE_API_KEY", "ghk_0123456789abcdef_" + "A".repeat(43)),
            dir,
            Clock.systemUTC());
    CliRunner.Result refused = wrongKey.run("--remote", server.baseUrl(), "user", "list");
    assertThat(refused.status()).isEqualTo(1);
    assertThat(refused.err()).contains("not valid").contains("401");
    CliRunner noKey = new CliRunner(Map.of(), dir, Clock.systemUTC());
    assertThat(noKey.run("--remote", server.baseUrl(), "user", "list").err())
        .contains("GATEHOUSE_API_KEY");
    assertThat(remote("user", "list").status()).isZero();
    CliRunner.Result plain = cli.run("--remote", "http://auth.example.com", "user", "list");
    assertThat(plain.err()).contains("https://");
  }
}
