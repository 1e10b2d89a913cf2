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
  void rolesClientsMailAndRenamesWorkRemotelyEvenForNamesWithSpacesAndPlusSigns() {
    assertThat(remote("user", "add", "bea").status()).isZero();
    assertThat(remote("group", "add", "night shift+1").status()).isZero();
    assertThat(remote("group", "add-member", "night shift+1", "bea").status()).isZero();
    assertThat(remote("role", "add", "editor").status()).isZero();
    assertThat(remote("role", "grant", "editor", "night shift+1").status()).isZero();
    assertThat(remote("role", "set-claim", "editor", "grafana_role", "Editor").status()).isZero();
    assertThat(remote("role", "list").out())
        .contains("editor: groups [night shift+1] claims {grafana_role=Editor}");

    CliRunner.Result renamed = remote("group", "rename", "night shift+1", "late shift");
    assertThat(renamed.status()).as(renamed.err()).isZero();
    assertThat(remote("group", "list").out()).contains("late shift: bea");
    assertThat(remote("role", "rename", "editor", "writer").status()).isZero();
    assertThat(remote("role", "list").out()).contains("writer: groups [late shift]");
    assertThat(remote("role", "unset-claim", "writer", "grafana_role").status()).isZero();
    assertThat(remote("role", "revoke", "writer", "late shift").status()).isZero();
    assertThat(remote("role", "delete", "writer").status()).isZero();
    assertThat(server.app().directory().listRoles()).isEmpty();

    CliRunner.Result client =
        remote(
            "client",
            "add",
            "reports",
            "--grant",
            "client_credentials",
            "--scope",
            "reports:read",
            "--allowed-group",
            "late shift",
            "--access-token-lifetime",
            "5m");
    assertThat(client.status()).as(client.err()).isZero();
    assertThat(client.out()).contains("client secret (shown once");
    String secret =
        client
            .out()
            .lines()
            .filter(l -> l.startsWith("  ") && !l.contains(":"))
            .findFirst()
            .orElseThrow()
            .strip();
    assertThat(server.app().clients().authenticate("reports", Optional.of(secret))).isPresent();
    assertThat(remote("client", "show", "reports").out())
        .contains("allowed groups:    late shift")
        .contains("access tokens:     PT5M")
        .doesNotContain(secret);
    assertThat(remote("client", "update", "reports", "--disable").status()).isZero();
    assertThat(remote("client", "list").out())
        .containsPattern("reports\\s+confidential\\s+disabled");
    CliRunner.Result rotated = remote("client", "rotate-secret", "reports");
    assertThat(rotated.status()).isZero();
    assertThat(rotated.out()).doesNotContain(secret);
    assertThat(remote("client", "delete", "reports").status()).isZero();
    assertThat(server.app().clients().find("reports")).isEmpty();

    assertThat(remote("mail", "queue").out()).startsWith("ID");
    assertThat(remote("mail", "retry").out()).contains("requeued 0 messages");
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

  @Test
  void aRedirectIsNotTakenForAnEmptyAnswer() throws Exception {
    com.sun.net.httpserver.HttpServer login =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    login.createContext(
        "/",
        exchange -> {
          exchange.getResponseHeaders().add("Location", "/login");
          exchange.sendResponseHeaders(302, -1);
          exchange.close();
        });
    login.start();
    try {
      CliRunner.Result result =
          cli.run("--remote", "http://localhost:" + login.getAddress().getPort(), "user", "list");
      assertThat(result.status()).isEqualTo(1);
      assertThat(result.err()).contains("answered 302 to /login, not the admin API");
    } finally {
      login.stop(0);
    }
    assertThat(remote("user", "add", "bea", "--email", "bea@example.com").status()).isZero();
    assertThat(remote("user", "show", "bea").out())
        .contains("username:      bea")
        .contains("email:         bea@example.com");
  }
}
