package dev.gatehouse.store;

import dev.gatehouse.apikey.ApiKey;
import dev.gatehouse.apikey.ApiKeyRepository;
import dev.gatehouse.kernel.UserId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** API keys in SQL. Lists are stored newline-separated (hosts and group names hold no newline). */
public final class JdbcApiKeys implements ApiKeyRepository {
  private static final String COLUMNS =
      "k.id, k.secret_hash, k.kind, k.user_id, k.application, k.label, k.hosts, k.groups_list,"
          + " k.created_at, k.expires_at, k.last_used_at, k.scopes";

  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcApiKeys(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public void insert(ApiKey key, String secretHash) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO api_keys (id, secret_hash, kind, user_id, application, label, hosts,"
                        + " groups_list, created_at, expires_at, scopes) VALUES (:id, :hash, :kind,"
                        + " :user, :app, :label, :hosts, :groups, :created, :expires, :scopes)")
                .bind("id", key.id())
                .bind("hash", secretHash)
                .bind("kind", key.kind().name().toLowerCase(Locale.ROOT))
                .bind("user", key.owner().map(UserId::value).orElse(null))
                .bind("app", key.application().orElse(null))
                .bind("label", key.label())
                .bind("hosts", String.join("\n", key.hosts()))
                .bind("groups", String.join("\n", key.groups()))
                .bind("created", key.createdAt().toEpochMilli())
                .bind("expires", key.expiresAt().map(Instant::toEpochMilli).orElse(null))
                .bind("scopes", String.join("\n", key.scopes()))
                .execute());
  }

  @Override
  public Optional<Stored> findActive(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM api_keys k LEFT JOIN users u ON u.id = k.user_id"
                        + " WHERE k.id = :id AND k.revoked_at IS NULL"
                        + " AND (k.user_id IS NULL OR u.disabled = FALSE)")
                .bind("id", id)
                .map((rs, ctx) -> new Stored(key(rs, ctx), rs.getString("secret_hash")))
                .findOne());
  }

  @Override
  public List<ApiKey> list(Optional<UserId> owner) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM api_keys k WHERE k.revoked_at IS NULL"
                        + (owner.isPresent() ? " AND k.user_id = :user" : "")
                        + " ORDER BY k.created_at DESC")
                .bindMap(
                    owner.map(u -> java.util.Map.of("user", u.value())).orElse(java.util.Map.of()))
                .map(JdbcApiKeys::key)
                .list());
  }

  @Override
  public boolean revoke(String id, Instant at) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE api_keys SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL")
                    .bind("id", id)
                    .bind("at", at.toEpochMilli())
                    .execute())
        > 0;
  }

  @Override
  public int revokeAllForUser(UserId user, Instant at) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "UPDATE api_keys SET revoked_at = :at WHERE user_id = :user AND revoked_at IS NULL")
                .bind("user", user.value())
                .bind("at", at.toEpochMilli())
                .execute());
  }

  @Override
  public void touch(String id, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE api_keys SET last_used_at = :at WHERE id = :id")
                .bind("id", id)
                .bind("at", at.toEpochMilli())
                .execute());
  }

  private static ApiKey key(ResultSet rs, StatementContext ctx) throws SQLException {
    String user = rs.getString("user_id");
    long expires = rs.getLong("expires_at");
    Optional<Instant> expiresAt =
        rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(expires));
    long used = rs.getLong("last_used_at");
    Optional<Instant> lastUsed =
        rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(used));
    return new ApiKey(
        rs.getString("id"),
        "personal".equals(rs.getString("kind")) ? ApiKey.Kind.PERSONAL : ApiKey.Kind.APPLICATION,
        Optional.ofNullable(user).map(UserId::new),
        Optional.ofNullable(rs.getString("application")),
        rs.getString("label"),
        lines(rs.getString("hosts")),
        lines(rs.getString("groups_list")),
        Instant.ofEpochMilli(rs.getLong("created_at")),
        expiresAt,
        lastUsed,
        lines(rs.getString("scopes")));
  }

  /**
   * Inside a group's rename: application keys acting as members of {@code from} now of {@code to}.
   */
  static void renameGroup(org.jdbi.v3.core.Handle h, String from, String to) {
    List<Map.Entry<String, String>> keys =
        h.createQuery("SELECT id, groups_list FROM api_keys WHERE groups_list <> ''")
            .map((rs, ctx) -> Map.entry(rs.getString("id"), rs.getString("groups_list")))
            .list();
    for (Map.Entry<String, String> key : keys) {
      List<String> groups = lines(key.getValue());
      if (groups.contains(from)) {
        List<String> renamed =
            groups.stream().map(g -> g.equals(from) ? to : g).distinct().toList();
        h.createUpdate("UPDATE api_keys SET groups_list = :groups WHERE id = :id")
            .bind("groups", String.join("\n", renamed))
            .bind("id", key.getKey())
            .execute();
      }
    }
  }

  private static List<String> lines(String text) {
    return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
  }
}
