package dev.gatehouse.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.CliRunner;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line against a real data directory, also while the server runs on it. */
class CliTest {
  @TempDir Path dir;

  /** The one clock of every server and CLI run in a test: never the real one beside a fixed one. */
  private final MutableClock clock = MutableClock.atFixedInstant();

  @BeforeEach
  void createTheDataDirectory() {
    CliRunner.Result init = run("init");
    assertThat(init.status()).as(init.err()).isZero();
    assertThat(init.out()).contains("Gatehouse data ready in");
  }

  private CliRunner.Result run(String stdin, Map<String, String> extraEnv, String... args) {
    return new CliRunner(Map.of("GATEHOUSE_DATA_DIR", dir.resolve("data").toString()), dir, clock)
        .run(stdin, extraEnv, args);
  }

  private CliRunner.Result run(String... args) {
    return run("", Map.of(), args);
  }

  @Test
  void aBadConfigurationValueExitsTwoNamingTheKey() {
    CliRunner.Result result =
        run("", Map.of("GATEHOUSE_SESSION_IDLE_TIMEOUT", "soon"), "config", "check");
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).contains("session.idle-timeout", "\"soon\"", "must be a duration");
    assertThat(run("config", "check").status()).isZero();
  }

  @Test
  void readsTheGatehouseYmlOfItsWorkingDirectoryOnly() throws Exception {
    Files.writeString(dir.resolve("gatehouse.yml"), "session:\n  idle-timeout: soon\n");
    CliRunner.Result result = run("config", "check");
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).contains("session.idle-timeout", "\"soon\"");
  }

  @Test
  void configCheckWarnsWhenOthersFallThroughASubjectRuleIntoALaterAllow() {
    CliRunner.Result result =
        run(
            "",
            Map.of(
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [app.example.com], paths: [/admin], subjects: ['group:admins'],"
                    + " policy: authenticated},"
                    + " {hosts: [app.example.com], subjects: ['group:users'], policy: authenticated}]"),
            "config",
            "check");
    assertThat(result.status()).isZero();
    assertThat(result.out())
        .contains("warning: access.rules[0] is for group:admins", "members of group:users");
  }

  @Test
  void everySubcommandAnswersHelpAndTheVersionIsTheBuiltOne() {
    assertThat(run("--version").out()).matches("gatehouse \\d+\\.\\d+\\.\\d+\\S*\\s*");
    for (String command :
        List.of(
            "serve",
            "init",
            "config",
            "config check",
            "backup",
            "restore",
            "user",
            "user add",
            "user invite",
            "group",
            "role",
            "session",
            "apikey",
            "apikey create",
            "client",
            "client add",
            "keys",
            "keys rotate",
            "keys at-rest-new",
            "keys at-rest-check",
            "snippet",
            "selftest",
            "selftest proxy",
            "mail",
            "audit")) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
        args.add(flag);
        CliRunner.Result help = run(args.toArray(String[]::new));
        assertThat(help.status()).as(command + " " + flag).isZero();
        assertThat(help.out()).as(command + " " + flag).contains("Usage: gatehouse " + command);
      }
    }
  }

  @Test
  void nodesShareAnAtRestKeyFileThatIsMadeOnceAndCheckedBeforeUse() throws Exception {
    Path shared = dir.resolve("secrets/at-rest.key");
    java.nio.file.Files.createDirectories(shared.getParent());
    Map<String, String> node = Map.of("GATEHOUSE_KEYS_AT_REST_KEY_FILE", shared.toString());
    CliRunner.Result missing = run("", node, "keys", "at-rest-check");
    assertThat(missing.status()).isNotZero();
    assertThat(missing.err()).contains("does not exist", "keys at-rest-new");

    // This data directory already sealed its signing keys with its own key: a new key cannot
    // open them, and says so instead of starting.
    assertThat(run("keys", "at-rest-new", shared.toString()).status()).isZero();
    assertThat(java.nio.file.Files.getPosixFilePermissions(shared))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThat(run("keys", "at-rest-new", shared.toString()).status())
        .as("never over an existing key")
        .isNotZero();
    CliRunner.Result wrong = run("", node, "keys", "at-rest-check");
    assertThat(wrong.status()).isNotZero();
    assertThat(wrong.err()).contains("cannot be decrypted");

    // The node's own key, copied to the shared place, opens it.
    java.nio.file.Files.delete(shared);
    java.nio.file.Files.copy(dir.resolve("data/at-rest.key"), shared);
    CliRunner.Result right = run("", node, "keys", "at-rest-check");
    assertThat(right.status()).as(right.err()).isZero();
    assertThat(right.out()).contains("opens this database");

    java.nio.file.Files.setPosixFilePermissions(
        shared, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(run("", node, "keys", "at-rest-check").err()).contains("readable by every user");
  }

  @Test
  void aBackupWithASharedAtRestKeyRestoresOnlyBesideThatSameKey() throws Exception {
    Path shared = dir.resolve("secrets/at-rest.key");
    java.nio.file.Files.createDirectories(shared.getParent());
    java.nio.file.Files.copy(dir.resolve("data/at-rest.key"), shared);
    java.nio.file.Files.delete(dir.resolve("data/at-rest.key"));
    Map<String, String> node = Map.of("GATEHOUSE_KEYS_AT_REST_KEY_FILE", shared.toString());
    Path backup = dir.resolve("nightly.backup");
    CliRunner.Result written = run("", node, "backup", backup.toString());
    assertThat(written.status()).as(written.err()).isZero();

    Map<String, String> elsewhere = new java.util.HashMap<>(node);
    elsewhere.put("GATEHOUSE_DATA_DIR", dir.resolve("restored").toString());
    CliRunner.Result restored = run("", elsewhere, "restore", backup.toString());
    assertThat(restored.status()).as(restored.err()).isZero();
    assertThat(java.nio.file.Files.exists(dir.resolve("restored/at-rest.key")))
        .as("the shared key stays the one copy")
        .isFalse();
    assertThat(run("", elsewhere, "keys", "at-rest-check").status()).isZero();

    Path other = dir.resolve("secrets/other.key");
    assertThat(run("keys", "at-rest-new", other.toString()).status()).isZero();
    Map<String, String> wrongKey =
        Map.of(
            "GATEHOUSE_KEYS_AT_REST_KEY_FILE",
            other.toString(),
            "GATEHOUSE_DATA_DIR",
            dir.resolve("third").toString());
    CliRunner.Result refused = run("", wrongKey, "restore", backup.toString());
    assertThat(refused.status()).isNotZero();
    assertThat(refused.err()).contains("another at-rest key");
    assertThat(java.nio.file.Files.exists(dir.resolve("third/gatehouse.db"))).isFalse();
  }

  @Test
  void aSelftestThatCannotConnectSaysSoInWords() {
    CliRunner.Result result = run("selftest", "proxy", "http://127.0.0.1:1/api/echo");
    assertThat(result.status()).isEqualTo(1);
    assertThat(result.err()).contains("could not connect").doesNotContain("java.", "Exception");
  }

  @Test
  void aMissingConfigFileExitsTwo() {
    CliRunner.Result result =
        run("--config", dir.resolve("nope.yml").toString(), "config", "check");
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
    CliRunner.Result show = run("user", "show", "alice");
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
    CliRunner.Result missing = run("user", "show", "alice");
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.err()).contains("user alice not found");
  }

  @Test
  void renamingAGroupTheConfigurationNamesIsRefusedAndAnyOtherFollowsItsMembers() {
    Map<String, String> rules =
        Map.of(
            "GATEHOUSE_ACCESS_RULES",
            "[{hosts: [app.example.com], subjects: ['group:admins'], policy: authenticated}]");
    assertThat(run("group", "add", "admins").status()).isZero();
    assertThat(run("group", "add", "ops").status()).isZero();
    assertThat(run("user", "add", "alice").status()).isZero();
    assertThat(run("group", "add-member", "ops", "alice").status()).isZero();
    CliRunner.Result refused = run("", rules, "group", "rename", "admins", "root-admins");
    assertThat(refused.status()).isEqualTo(1);
    assertThat(refused.err()).contains("gatehouse.yml names group admins (access rule 1)");
    CliRunner.Result renamed = run("", rules, "group", "rename", "ops", "operators");
    assertThat(renamed.status()).as(renamed.err()).isZero();
    assertThat(run("group", "list").out()).contains("admins: ").contains("operators: alice");
  }

  @Test
  void invalidNamesAndWeakPasswordsAreRefusedWithAReason() {
    CliRunner.Result badGroup = run("group", "add", "a,b");
    assertThat(badGroup.status()).isEqualTo(1);
    assertThat(badGroup.err()).contains("without commas");
    CliRunner.Result weak = run("short\n", Map.of(), "user", "add", "bob", "--password-stdin");
    assertThat(weak.status()).isEqualTo(1);
    assertThat(weak.err()).contains("15 to 256 characters");
  }

  @Test
  void worksOnTheSameDataDirectoryWhileTheServerRuns() throws Exception {
    try (TestGatehouse server =
        TestGatehouse.start(TestDatabases.Kind.SQLITE, dir.resolve("data"), clock, Map.of())) {
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
      CliRunner.Result sessions = run("session", "list", "--user", "carol");
      assertThat(sessions.out()).contains("carol", "pwd");
      assertThat(run("session", "list").out()).as("all users' sessions").contains("carol");
      server.browser().signIn("carol", "wrong password, surely");
      CliRunner.Result audit = run("audit", "--limit", "10");
      assertThat(audit.out()).contains("signin.success", "signin.failure", "carol", "password");
      assertThat(audit.out())
          .doesNotContain("wrong password, surely", "correct horse battery staple");
      assertThat(run("session", "revoke", "--user", "carol").out()).contains("revoked 1 session");
    }
  }

  @Test
  void backupWritesOnePrivateFileThatRestoresIntoAnEmptyDataDirectoryOnly() throws Exception {
    run("user", "add", "dave");
    Path backup = dir.resolve("backup.gatehouse");
    CliRunner.Result result = run("backup", backup.toString());
    assertThat(result.status()).as(result.err()).isZero();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup)))
        .isEqualTo("rw-------");
    CliRunner.Result again = run("backup", backup.toString());
    assertThat(again.status()).isEqualTo(1);
    assertThat(again.err()).contains("already exists");

    CliRunner.Result overExisting = run("restore", backup.toString());
    assertThat(overExisting.status()).isEqualTo(1);
    assertThat(overExisting.err()).contains("already holds a Gatehouse database");

    Map<String, String> elsewhere =
        Map.of("GATEHOUSE_DATA_DIR", dir.resolve("restored").toString());
    CliRunner.Result restored = run("", elsewhere, "restore", backup.toString());
    assertThat(restored.status()).as(restored.err()).isZero();
    assertThat(restored.out()).contains("1 users", "signing keys unsealed");
    assertThat(run("", elsewhere, "user", "list").out()).contains("dave");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("restored/at-rest.key"))))
        .isEqualTo("rw-------");

    Path junk = dir.resolve("junk.zip");
    Files.write(junk, new byte[] {'P', 'K', 3, 4, 0});
    Map<String, String> third = Map.of("GATEHOUSE_DATA_DIR", dir.resolve("third").toString());
    assertThat(run("", third, "restore", junk.toString()).status()).isEqualTo(1);
    assertThat(dir.resolve("third"))
        .as("a failed restore takes back what it created")
        .doesNotExist();

    // A truncated backup into an existing, too open directory: refused, no leftovers, made private.
    Path truncated = dir.resolve("truncated.gatehouse");
    byte[] whole = Files.readAllBytes(backup);
    Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
    Path open = Files.createDirectories(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> fourth = Map.of("GATEHOUSE_DATA_DIR", open.toString());
    assertThat(run("", fourth, "restore", truncated.toString()).status()).isEqualTo(1);
    try (var left = Files.list(open)) {
      assertThat(left).as("no half-written parts").isEmpty();
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open)))
        .isEqualTo("rwx------");
  }

  @Test
  void aStartWithoutTheKeyItsDatabaseNeedsChangesNothing() throws Exception {
    Path key = dir.resolve("data/at-rest.key");
    byte[] original = Files.readAllBytes(key);
    Files.delete(key);
    CliRunner.Result result = run("user", "list");
    assertThat(result.status()).isEqualTo(1);
    assertThat(result.err()).contains("at-rest.key is missing", "nothing was changed");
    assertThat(key).doesNotExist();
    Files.write(key, original);
    assertThat(run("user", "list").status()).isZero();
  }

  @Test
  void aCommandRunAgainstAnEmptyDirectoryRefusesInsteadOfCreatingADatabase() {
    Path nowhere = dir.resolve("elsewhere");
    CliRunner.Result result =
        run("", Map.of("GATEHOUSE_DATA_DIR", nowhere.toString()), "user", "list");
    assertThat(result.status()).isEqualTo(1);
    assertThat(result.err())
        .contains("no Gatehouse database at " + nowhere.toAbsolutePath().resolve("gatehouse.db"));
    assertThat(nowhere).doesNotExist();
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

  @Test
  void apiKeysAreShownOnceListedWithoutSecretsAndRevocable() {
    run("correct horse battery staple\n", Map.of(), "user", "add", "erin", "--password-stdin");
    CliRunner.Result personal =
        run("apikey", "create", "--user", "erin", "--name", "laptop", "--expires-in", "90d");
    assertThat(personal.status()).isZero();
    String key = personal.out().strip();
    assertThat(key).matches("ghk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}");
    assertThat(personal.err()).contains("cannot show it again");
    CliRunner.Result app =
        run(
            "apikey",
            "create",
            "--app",
            "backup",
            "--group",
            "robots",
            "--host",
            "*.internal.example.com");
    assertThat(app.status()).isZero();
    CliRunner.Result list = run("apikey", "list");
    assertThat(list.out())
        .contains("erin", "laptop", "backup", "*.internal.example.com")
        .doesNotContain(key.substring(21));
    String id = key.substring(4, 20);
    assertThat(run("apikey", "revoke", id).out()).contains("revoked key " + id);
    assertThat(run("apikey", "list").out()).doesNotContain(id);
    assertThat(run("apikey", "revoke", id).status()).isEqualTo(1);
    assertThat(run("apikey", "create", "--user", "erin", "--app", "x").err())
        .contains("either --user");
  }

  @Test
  void snippetsForEachProxyDeleteForgedHeaders() {
    CliRunner.Result caddy =
        run("snippet", "caddy", "--host", "app.example.com", "--upstream", "127.0.0.1:8080");
    assertThat(caddy.out())
        .contains(
            "app.example.com {",
            "forward_auth 127.0.0.1:9091",
            "uri /api/authz/forward-auth",
            "request_header -Remote_User",
            "request_header -Remote-User",
            "reverse_proxy 127.0.0.1:8080");
    CliRunner.Result nginx =
        run("snippet", "nginx", "--host", "app.example.com", "--upstream", "127.0.0.1:8080");
    assertThat(nginx.out())
        .contains(
            "auth_request /internal/gatehouse-authz",
            "server 127.0.0.1:9091;",
            "keepalive 32;",
            "proxy_pass http://gatehouse_app_example_com/api/authz/auth-request",
            "proxy_set_header Remote-User $gatehouse_remote_user",
            "proxy_set_header Remote_User \"\"");
    CliRunner.Result traefik =
        run("snippet", "traefik", "--host", "app.example.com", "--upstream", "127.0.0.1:8080");
    assertThat(traefik.out())
        .contains(
            "forwardAuth:",
            "address: \"http://127.0.0.1:9091/api/authz/forward-auth\"",
            "Remote_User: \"\"");
    assertThat(run("snippet", "apache", "--host", "a.example.com", "--upstream", "x:1").status())
        .isEqualTo(1);
  }

  @Test
  void anAdministratorSettingAPasswordMailsTheOwnerANotice() {
    assertThat(run("user", "add", "lee", "--email", "lee@example.com").status()).isZero();
    CliRunner.Result set =
        run(
            "a sturdy new passphrase for lee\n",
            Map.of(),
            "user",
            "set-password",
            "lee",
            "--password-stdin");
    assertThat(set.status()).as(set.err()).isZero();
    assertThat(set.out()).contains("a notice is mailed");
    assertThat(run("mail", "queue").out()).contains("lee@example.com", "pending");
  }

  @Test
  void anInvitationCreatesTheAccountAndQueuesItsMail() {
    Map<String, String> invite = Map.of("GATEHOUSE_REGISTRATION_POLICY", "invite");
    CliRunner.Result result =
        run("", invite, "user", "invite", "Kim@Example.com", "--username", "kim");
    assertThat(result.status()).isZero();
    assertThat(result.out()).contains("invited kim <kim@example.com>", "no SMTP configured");
    assertThat(run("mail", "queue").out()).contains("kim@example.com", "pending");
    assertThat(run("", invite, "user", "invite", "kim@example.com").status())
        .as("the address is taken")
        .isEqualTo(1);
  }

  @Test
  void invitationsAreRefusedWhileRegistrationIsClosed() {
    CliRunner.Result result = run("user", "invite", "kim@example.com");
    assertThat(result.status()).isEqualTo(1);
    assertThat(result.err()).contains("registration.policy is closed", "gatehouse user add");
    assertThat(run("user", "list").out()).doesNotContain("kim");
  }

  @Test
  void clientsAreManagedFromTheCommandLineAndTheirSecretIsShownOnce() {
    CliRunner.Result added =
        run(
            "client",
            "add",
            "grafana",
            "--name",
            "Grafana",
            "--redirect-uri",
            "https://grafana.example.com/login/generic_oauth",
            "--allowed-group",
            "ops");
    assertThat(added.status()).as(added.err()).isZero();
    assertThat(added.out()).contains("created client grafana", "client secret (shown once");
    String secret =
        added
            .out()
            .lines()
            .filter(l -> l.startsWith("  ") && l.strip().length() == 43)
            .findFirst()
            .orElseThrow()
            .strip();
    assertThat(run("client", "show", "grafana").out())
        .contains("https://grafana.example.com/login/generic_oauth", "ops", "confidential")
        .doesNotContain(secret);
    assertThat(run("client", "list").out()).contains("grafana", "authorization_code refresh_token");

    CliRunner.Result bad =
        run("client", "add", "spa", "--public", "--redirect-uri", "http://evil.example.com/cb");
    assertThat(bad.status()).isEqualTo(1);
    assertThat(bad.err()).contains("redirect URI", "https");

    assertThat(run("client", "update", "grafana", "--disable").out()).contains("disabled client");
    assertThat(run("client", "show", "grafana").out()).contains("disabled");
    CliRunner.Result rotated = run("client", "rotate-secret", "grafana");
    assertThat(rotated.out()).contains("new secret of grafana").doesNotContain(secret);
    assertThat(run("client", "delete", "grafana").status()).isZero();
    assertThat(run("client", "show", "grafana").status()).isEqualTo(1);
  }

  @Test
  void clientsOfTheConfigurationFileAreReadOnly() throws Exception {
    Path secret = dir.resolve("svc.secret");
    Files.writeString(secret, "a-long-enough-secret-for-the-service-0123");
    Map<String, String> env =
        Map.of(
            "GATEHOUSE_OIDC_CLIENTS",
            "[{id: svc, secret-file: '" + secret + "', grant-types: [client_credentials]}]");
    assertThat(run("", env, "client", "list").out()).contains("svc", "config");
    CliRunner.Result refused = run("", env, "client", "update", "svc", "--disable");
    assertThat(refused.status()).isEqualTo(1);
    assertThat(refused.err()).contains("configuration file");
  }

  @Test
  void keysAreListedAndRotatedWithTheNewOnesPublishedBeforeTheySign() {
    assertThat(run("keys", "list").out()).contains("ES256", "RS256", "EdDSA", "signing");
    CliRunner.Result rotated = run("keys", "rotate", "--activate-in", "30m");
    assertThat(rotated.out()).contains("are published");
    String listed = run("keys", "list").out();
    assertThat(listed.lines().filter(l -> l.contains("published, signs from"))).hasSize(3);
    assertThat(listed.lines().filter(l -> l.contains(" signing"))).hasSize(3);
  }
}
