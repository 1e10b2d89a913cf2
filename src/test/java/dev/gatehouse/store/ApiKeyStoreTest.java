package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.apikey.ApiKey;
import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.StoreFixture;
import dev.gatehouse.testing.TestDatabases;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** API keys on both databases. */
class ApiKeyStoreTest {
  @TempDir Path dir;
  private Database database;
  private Directory directory;
  private final MutableClock clock = MutableClock.atFixedInstant();

  private ApiKeyService open(TestDatabases.Kind kind) {
    database = StoreFixture.open(kind, dir);
    directory =
        new Directory(
            new JdbcUsers(database),
            new JdbcGroups(database),
            new JdbcRoles(database),
            clock,
            new SecureRandom());
    return new ApiKeyService(new JdbcApiKeys(database), clock, new SecureRandom());
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
  void onlyTheHashIsStoredAndTheWholeKeyMustMatch(TestDatabases.Kind kind) {
    ApiKeyService keys = open(kind);
    User user = directory.addUser("amy", Optional.empty(), "", false);
    ApiKeyService.Issued issued =
        keys.createPersonal(user.id(), "laptop", List.of("app.example.com"), Optional.empty());
    List<String> stored =
        database
            .jdbi()
            .withHandle(
                h -> h.createQuery("SELECT secret_hash FROM api_keys").mapTo(String.class).list());
    assertThat(stored).hasSize(1).doesNotContain(issued.key());
    assertThat(stored.get(0)).doesNotContain(issued.key().substring(21));
    assertThat(keys.authenticate(issued.key())).map(ApiKey::owner).contains(Optional.of(user.id()));
    String tampered =
        issued.key().substring(0, issued.key().length() - 1)
            + (issued.key().endsWith("A") ? "B" : "A");
    assertThat(keys.authenticate(tampered)).isEmpty();
    assertThat(keys.authenticate("ghk_" + issued.record().id())).isEmpty();
    assertThat(keys.list(Optional.of(user.id())))
        .extracting(ApiKey::hosts)
        .containsExactly(List.of("app.example.com"));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void expiredRevokedAndDisabledOwnersKeysFail(TestDatabases.Kind kind) {
    ApiKeyService keys = open(kind);
    User ben = directory.addUser("ben", Optional.empty(), "", false);
    String expiring =
        keys.createPersonal(ben.id(), "", List.of(), Optional.of(Duration.ofHours(1))).key();
    ApiKeyService.Issued revoked =
        keys.createApplication("backup", "nightly", List.of(), List.of("robots"), Optional.empty());
    String owned = keys.createPersonal(ben.id(), "", List.of(), Optional.empty()).key();
    assertThat(keys.authenticate(expiring)).isPresent();
    assertThat(keys.authenticate(revoked.key())).map(ApiKey::groups).contains(List.of("robots"));

    clock.advance(Duration.ofHours(1));
    assertThat(keys.authenticate(expiring)).isEmpty();
    assertThat(keys.revoke(revoked.record().id())).isTrue();
    assertThat(keys.authenticate(revoked.key())).isEmpty();

    directory.setDisabled(ben.id(), true);
    keys.invalidate();
    assertThat(keys.authenticate(owned)).isEmpty();
    directory.setDisabled(ben.id(), false);
    clock.advance(ApiKeyService.CACHE_TTL.plusMillis(1));
    assertThat(keys.authenticate(owned)).isPresent();
    assertThat(keys.revokeAll(ben.id())).isEqualTo(2);
    assertThat(keys.authenticate(owned)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void lastUseIsRecordedAtMostOnceAMinute(TestDatabases.Kind kind) {
    ApiKeyService keys = open(kind);
    ApiKeyService.Issued issued =
        keys.createApplication("ci", "ci", List.of(), List.of(), Optional.empty());
    keys.authenticate(issued.key());
    clock.advance(Duration.ofSeconds(30));
    keys.authenticate(issued.key());
    assertThat(keys.list(Optional.empty()).get(0).lastUsedAt())
        .contains(MutableClock.atFixedInstant().instant());
    clock.advance(Duration.ofSeconds(31));
    keys.authenticate(issued.key());
    assertThat(keys.list(Optional.empty()).get(0).lastUsedAt()).contains(clock.instant());
  }
}
