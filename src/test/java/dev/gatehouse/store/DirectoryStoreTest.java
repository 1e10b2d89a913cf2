package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.StoreFixture;
import dev.gatehouse.testing.TestDatabases;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The directory on both databases. */
class DirectoryStoreTest {
  @TempDir Path dir;
  private Database database;

  private Directory open(TestDatabases.Kind kind) {
    database = StoreFixture.open(kind, dir);
    return new Directory(
        new JdbcUsers(database),
        new JdbcGroups(database),
        new JdbcRoles(database),
        MutableClock.atFixedInstant(),
        new SecureRandom());
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

  @ParameterizedTest
  @MethodSource("kinds")
  void twoAdministratorsDemotingEachOtherAtOnceLeaveOneStanding(TestDatabases.Kind kind)
      throws Exception {
    Directory directory = open(kind);
    User ann = directory.addUser("ann", Optional.empty(), "", true);
    User bob = directory.addUser("bob", Optional.empty(), "", true);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    java.util.List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
    for (User leaving : List.of(ann, bob)) {
      results.add(
          pool.submit(
              () -> {
                go.await();
                return directory.whileKeepingAnAdmin(
                    leaving.id(),
                    () -> {
                      try {
                        Thread.sleep(200); // Both are inside at once unless they take turns.
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      directory.setAdmin(leaving.id(), false);
                    });
              }));
    }
    go.countDown();
    assertThat(List.of(results.get(0).get(), results.get(1).get()))
        .containsExactlyInAnyOrder(true, false);
    pool.shutdown();
    assertThat(directory.hasActiveAdmin()).isTrue();
    User carl = directory.addUser("carl", Optional.empty(), "", false);
    assertThat(directory.whileKeepingAnAdmin(carl.id(), () -> {})).as("not an admin").isTrue();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void usernamesAndEmailsAreUniqueInCanonicalForm(TestDatabases.Kind kind) {
    Directory directory = open(kind);
    User alice = directory.addUser("Alice", Optional.of("Alice@Example.COM"), "Alice A.", false);
    assertThat(alice.username()).isEqualTo("alice");
    assertThat(alice.email()).contains("alice@example.com");
    assertThatThrownBy(() -> directory.addUser("ALICE", Optional.empty(), "", false))
        .isInstanceOf(DirectoryException.DuplicateException.class)
        .hasMessageContaining("username");
    assertThatThrownBy(
            () -> directory.addUser("alice2", Optional.of("alice@EXAMPLE.com"), "", false))
        .isInstanceOf(DirectoryException.DuplicateException.class)
        .hasMessageContaining("email");
    assertThat(directory.findByUsername("ＡＬＩＣＥ")).map(User::id).contains(alice.id());
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void usersWithoutEmailDoNotCollide(TestDatabases.Kind kind) {
    Directory directory = open(kind);
    directory.addUser("bob", Optional.empty(), "", false);
    directory.addUser("carol", Optional.empty(), "", false);
    assertThat(directory.listUsers()).extracting(User::username).containsExactly("bob", "carol");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void groupsRolesAndClaimsResolveForAUser(TestDatabases.Kind kind) {
    Directory directory = open(kind);
    User dave = directory.addUser("dave", Optional.empty(), "", false);
    directory.addGroup("ops");
    directory.addGroup("dev team");
    directory.addMember("ops", "dave");
    directory.addMember("dev team", "dave");
    directory.addRole("grafana-admin");
    directory.grantRole("grafana-admin", "ops");
    directory.setClaim("grafana-admin", "grafana_role", "Admin");
    assertThatThrownBy(() -> directory.setClaim("grafana-admin", "teams", "a,b"))
        .isInstanceOf(DirectoryException.InvalidValueException.class);
    assertThat(directory.groupsOf(dave.id())).containsExactly("dev team", "ops");
    assertThat(directory.rolesOf(dave.id())).containsExactly("grafana-admin");
    assertThat(directory.claimsOf(dave.id())).isEqualTo(Map.of("grafana_role", List.of("Admin")));

    directory.removeMember("ops", "dave");
    assertThat(directory.rolesOf(dave.id())).isEmpty();
    assertThat(directory.claimsOf(dave.id())).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void deletingAUserRemovesItsMemberships(TestDatabases.Kind kind) {
    Directory directory = open(kind);
    User erin = directory.addUser("erin", Optional.empty(), "", false);
    directory.addGroup("ops");
    directory.addMember("ops", "erin");
    directory.deleteUser(erin.id());
    assertThat(directory.members("ops")).isEmpty();
    assertThat(directory.findByUsername("erin")).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void groupNamesThatWouldBeAmbiguousInHeadersAreRefused(TestDatabases.Kind kind) {
    Directory directory = open(kind);
    for (String bad : List.of("a,b", " ops", "ops ", "o\nps", "", "x".repeat(65))) {
      assertThatThrownBy(() -> directory.addGroup(bad))
          .as(bad)
          .isInstanceOf(DirectoryException.InvalidValueException.class);
    }
    directory.addGroup("ops");
    assertThatThrownBy(() -> directory.addGroup("ops"))
        .isInstanceOf(DirectoryException.DuplicateException.class);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void anAdministratorCountsOnlyWhileEnabled(TestDatabases.Kind kind) {
    Directory directory = open(kind);
    assertThat(directory.hasActiveAdmin()).isFalse();
    User root = directory.addUser("root", Optional.empty(), "", true);
    assertThat(directory.hasActiveAdmin()).isTrue();
    directory.setDisabled(root.id(), true);
    assertThat(directory.hasActiveAdmin()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aRenamedGroupKeepsItsMembersGrantsKeysAndClientsAndARenamedRoleItsClaims(
      TestDatabases.Kind kind) {
    Directory directory = open(kind);
    User amy = directory.addUser("amy", Optional.empty(), "", false);
    directory.addGroup("ops");
    directory.addGroup("staff");
    directory.addMember("ops", "amy");
    directory.addRole("editor");
    directory.grantRole("editor", "ops");
    directory.setClaim("editor", "grafana_role", "Editor");
    JdbcApiKeys keys = new JdbcApiKeys(database);
    java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
    keys.insert(
        new dev.gatehouse.apikey.ApiKey(
            "k1",
            dev.gatehouse.apikey.ApiKey.Kind.APPLICATION,
            Optional.empty(),
            Optional.of("backup"),
            "backup",
            List.of(),
            List.of("staff", "ops"),
            now,
            Optional.empty(),
            Optional.empty(),
            List.of()),
        "hash");
    JdbcClients clients = new JdbcClients(database);
    clients.insert(client("grafana", java.util.Set.of("ops", "staff")), now);
    clients.insert(client("wiki", java.util.Set.of("staff")), now);

    assertThat(directory.renameGroup("ops", "operators")).isEqualTo("operators");

    assertThat(directory.listGroups()).containsExactly("operators", "staff");
    assertThat(directory.groupsOf(amy.id())).containsExactly("operators");
    assertThat(directory.rolesOf(amy.id())).containsExactly("editor");
    assertThat(keys.list(Optional.empty()).get(0).groups())
        .containsExactlyInAnyOrder("staff", "operators");
    assertThat(clients.find("grafana").orElseThrow().allowedGroups())
        .containsExactlyInAnyOrder("operators", "staff");
    assertThat(clients.find("grafana").orElseThrow().groups())
        .containsExactlyInAnyOrder("operators", "staff");
    assertThat(clients.find("wiki").orElseThrow().allowedGroups()).containsExactly("staff");
    assertThatThrownBy(() -> directory.renameGroup("operators", "staff"))
        .isInstanceOf(DirectoryException.DuplicateException.class);
    assertThat(directory.groupsOf(amy.id()))
        .as("a refused rename changes nothing")
        .containsExactly("operators");
    assertThatThrownBy(() -> directory.renameGroup("nobody", "x"))
        .isInstanceOf(DirectoryException.NotFoundException.class);

    assertThat(directory.renameRole("editor", "writer")).isEqualTo("writer");
    assertThat(directory.rolesOf(amy.id())).containsExactly("writer");
    assertThat(directory.claimsOf(amy.id())).containsEntry("grafana_role", List.of("Editor"));
    assertThat(directory.listRoles()).extracting(r -> r.name()).containsExactly("writer");

    new JdbcUpstream(database).recordUpstreamGroups(amy.id(), "corp", java.util.Set.of("staff"));
    assertThatThrownBy(() -> directory.renameGroup("staff", "people"))
        .as("a provider's next sign-in would bring the old name back")
        .isInstanceOf(DirectoryException.ConflictException.class);
    assertThat(directory.listGroups()).containsExactly("operators", "staff");
  }

  private static dev.gatehouse.oidc.Client client(String id, java.util.Set<String> groups) {
    return new dev.gatehouse.oidc.Client(
        id,
        id,
        Optional.empty(),
        List.of(),
        java.util.Set.of(dev.gatehouse.oidc.Client.GrantType.CLIENT_CREDENTIALS),
        java.util.Set.of("x"),
        groups,
        groups,
        java.util.Set.of(),
        dev.gatehouse.oidc.Client.Consent.REQUIRED,
        true,
        java.time.Duration.ofMinutes(10),
        java.time.Duration.ofDays(30),
        java.time.Duration.ZERO,
        Optional.empty(),
        List.of(),
        "ES256",
        "ES256",
        dev.gatehouse.oidc.Client.AccessTokenFormat.JWT,
        false,
        false,
        "");
  }
}
