package dev.gatehouse.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.ClientException;
import dev.gatehouse.oidc.ClientRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Clients made with the CLI, in SQL; the settings are one JSON column (they grow with features).
 */
public final class JdbcClients implements ClientRepository {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The stored settings of a client (everything but id, secret and state). */
  record Settings(
      String name,
      List<String> redirectUris,
      List<String> grantTypes,
      List<String> scopes,
      List<String> allowedGroups,
      List<String> groups,
      List<String> audiences,
      String consent,
      boolean requirePkce,
      long accessTokenSeconds,
      long refreshTokenSeconds,
      long refreshReuseGraceSeconds,
      String backchannelLogoutUri,
      List<String> postLogoutRedirectUris,
      String signingAlg,
      String homeUrl,
      String accessTokenAlg,
      String accessTokenFormat) {}

  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcClients(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public List<Client> list() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT client_id, secret_hash, settings, disabled FROM oidc_clients"
                        + " ORDER BY client_id")
                .map(JdbcClients::client)
                .list());
  }

  @Override
  public Optional<Client> find(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT client_id, secret_hash, settings, disabled FROM oidc_clients"
                        + " WHERE client_id = :id")
                .bind("id", id)
                .map(JdbcClients::client)
                .findOne());
  }

  @Override
  public void insert(Client client, Instant now) {
    try {
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      "INSERT INTO oidc_clients (client_id, secret_hash, settings, disabled,"
                          + " created_at, updated_at) VALUES (:id, :secret, :settings, :disabled,"
                          + " :now, :now)")
                  .bind("id", client.id())
                  .bind("secret", client.secretHash().orElse(null))
                  .bind("settings", settings(client))
                  .bind("disabled", client.disabled())
                  .bind("now", now.toEpochMilli())
                  .execute());
    } catch (UnableToExecuteStatementException e) {
      if (StoreException.isUniqueViolation(e)) {
        throw new ClientException.Duplicate(client.id());
      }
      throw e;
    }
  }

  @Override
  public boolean update(Client client, Instant now) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE oidc_clients SET secret_hash = :secret, settings = :settings,"
                            + " disabled = :disabled, updated_at = :now WHERE client_id = :id")
                    .bind("id", client.id())
                    .bind("secret", client.secretHash().orElse(null))
                    .bind("settings", settings(client))
                    .bind("disabled", client.disabled())
                    .bind("now", now.toEpochMilli())
                    .execute())
        == 1;
  }

  @Override
  public boolean delete(String id) {
    return jdbi.inTransaction(
        h -> {
          h.createUpdate("DELETE FROM oauth_access_tokens WHERE client_id = :id")
              .bind("id", id)
              .execute();
          h.createUpdate("DELETE FROM oauth_grants WHERE client_id = :id").bind("id", id).execute();
          return h.createUpdate("DELETE FROM oidc_clients WHERE client_id = :id")
                  .bind("id", id)
                  .execute()
              == 1;
        });
  }

  /** Inside a group's rename: clients' allowed groups and own groups name {@code to}. */
  static void renameGroup(org.jdbi.v3.core.Handle h, String from, String to) {
    List<Map.Entry<String, String>> rows =
        h.createQuery("SELECT client_id, settings FROM oidc_clients")
            .map((rs, ctx) -> Map.entry(rs.getString("client_id"), rs.getString("settings")))
            .list();
    for (Map.Entry<String, String> row : rows) {
      com.fasterxml.jackson.databind.node.ObjectNode settings;
      try {
        settings = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(row.getValue());
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("unreadable settings of client " + row.getKey(), e);
      }
      boolean changed = false;
      for (String field : List.of("allowedGroups", "groups")) {
        TreeSet<String> groups = new TreeSet<>();
        settings.withArray(field).forEach(g -> groups.add(g.asText()));
        if (groups.remove(from)) {
          groups.add(to);
          var array = settings.putArray(field);
          groups.forEach(array::add);
          changed = true;
        }
      }
      if (changed) {
        h.createUpdate("UPDATE oidc_clients SET settings = :settings WHERE client_id = :id")
            .bind("settings", settings.toString())
            .bind("id", row.getKey())
            .execute();
      }
    }
  }

  private static String settings(Client c) {
    Settings settings =
        new Settings(
            c.name(),
            c.redirectUris(),
            c.grantTypes().stream().map(Client.GrantType::value).sorted().toList(),
            List.copyOf(new TreeSet<>(c.scopes())),
            List.copyOf(new TreeSet<>(c.allowedGroups())),
            List.copyOf(new TreeSet<>(c.groups())),
            List.copyOf(new TreeSet<>(c.audiences())),
            c.consent().name(),
            c.requirePkce(),
            c.accessTokenLifetime().toSeconds(),
            c.refreshTokenLifetime().toSeconds(),
            c.refreshReuseGrace().toSeconds(),
            c.backchannelLogoutUri().orElse(""),
            c.postLogoutRedirectUris(),
            c.signingAlg(),
            c.homeUrl(),
            c.accessTokenAlg(),
            c.accessTokenFormat().value());
    try {
      return JSON.writeValueAsString(settings);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("client settings are plain values", e);
    }
  }

  private static Client client(ResultSet rs, StatementContext ctx) throws SQLException {
    Settings s;
    try {
      s = JSON.readValue(rs.getString("settings"), Settings.class);
    } catch (JsonProcessingException e) {
      throw new SQLException("unreadable settings of client " + rs.getString("client_id"), e);
    }
    Set<Client.GrantType> grants =
        s.grantTypes().stream()
            .map(g -> Client.GrantType.of(g).orElseThrow())
            .collect(Collectors.toUnmodifiableSet());
    return new Client(
        rs.getString("client_id"),
        s.name(),
        Optional.ofNullable(rs.getString("secret_hash")),
        List.copyOf(s.redirectUris()),
        grants,
        Set.copyOf(s.scopes()),
        Set.copyOf(s.allowedGroups()),
        Set.copyOf(s.groups()),
        Set.copyOf(s.audiences()),
        Client.Consent.valueOf(s.consent()),
        s.requirePkce(),
        Duration.ofSeconds(s.accessTokenSeconds()),
        Duration.ofSeconds(s.refreshTokenSeconds()),
        Duration.ofSeconds(s.refreshReuseGraceSeconds()),
        Optional.of(s.backchannelLogoutUri()).filter(u -> !u.isEmpty()),
        List.copyOf(s.postLogoutRedirectUris()),
        s.signingAlg(),
        // Stored before access tokens had a choice: what they were then, ES256 JWTs.
        s.accessTokenAlg() == null ? "ES256" : s.accessTokenAlg(),
        s.accessTokenFormat() == null
            ? Client.AccessTokenFormat.JWT
            : Client.AccessTokenFormat.of(s.accessTokenFormat()).orElseThrow(),
        rs.getBoolean("disabled"),
        false,
        s.homeUrl() == null ? "" : s.homeUrl()); // Stored before home URLs existed: none.
  }
}
