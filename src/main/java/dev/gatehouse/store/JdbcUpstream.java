package dev.gatehouse.store;

import dev.gatehouse.kernel.UserId;
import dev.gatehouse.signin.upstream.UpstreamRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Upstream identities and flows in SQL. Thread-safe. */
public final class JdbcUpstream implements UpstreamRepository {
  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcUpstream(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public void saveFlow(Flow flow, Instant now) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate("DELETE FROM upstream_flows WHERE expires_at <= :now")
              .bind("now", now.toEpochMilli())
              .execute();
          h.createUpdate(
                  "INSERT INTO upstream_flows (state_hash, provider_id, binding_hash, return_to,"
                      + " link_user, expires_at) VALUES (:state, :provider, :binding, :rd, :link,"
                      + " :expires)")
              .bind("state", flow.stateHash())
              .bind("provider", flow.providerId())
              .bind("binding", flow.bindingHash())
              .bind("rd", flow.returnTo())
              .bind("link", flow.linkUser())
              .bind("expires", flow.expiresAt().toEpochMilli())
              .execute();
        });
  }

  @Override
  public Optional<Flow> findFlow(String stateHash, Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT state_hash, provider_id, binding_hash, return_to, link_user, expires_at"
                        + " FROM upstream_flows WHERE state_hash = :state AND expires_at > :now")
                .bind("state", stateHash)
                .bind("now", now.toEpochMilli())
                .map((rs, ctx) -> flow(rs))
                .findOne());
  }

  @Override
  public List<StoredProvider> storedProviders() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM upstream_providers ORDER BY created_at, id")
                .map(
                    (rs, ctx) ->
                        new StoredProvider(
                            rs.getString("id"),
                            rs.getString("definition"),
                            rs.getString("secret_sealed"),
                            Instant.ofEpochMilli(rs.getLong("created_at"))))
                .list());
  }

  @Override
  public boolean storeProvider(StoredProvider provider) {
    return jdbi.inTransaction(
        h -> {
          boolean taken =
              h.createQuery("SELECT COUNT(*) FROM upstream_providers WHERE id = :id")
                      .bind("id", provider.id())
                      .mapTo(Integer.class)
                      .one()
                  > 0;
          if (taken) {
            return false;
          }
          h.createUpdate(
                  "INSERT INTO upstream_providers (id, definition, secret_sealed, created_at)"
                      + " VALUES (:id, :definition, :secret, :created)")
              .bind("id", provider.id())
              .bind("definition", provider.definition())
              .bind("secret", provider.sealedSecret())
              .bind("created", provider.createdAt().toEpochMilli())
              .execute();
          return true;
        });
  }

  @Override
  public boolean removeProvider(String id) {
    return jdbi.withHandle(
            h ->
                h.createUpdate("DELETE FROM upstream_providers WHERE id = :id")
                    .bind("id", id)
                    .execute())
        == 1;
  }

  private static Flow flow(ResultSet rs) throws SQLException {
    return new Flow(
        rs.getString("state_hash"),
        rs.getString("provider_id"),
        rs.getString("binding_hash"),
        rs.getString("return_to"),
        rs.getString("link_user"),
        Instant.ofEpochMilli(rs.getLong("expires_at")));
  }

  @Override
  public Optional<Flow> takeFlow(String stateHash, Instant now) {
    return jdbi.inTransaction(
        h -> {
          Optional<Flow> flow =
              h.createQuery(
                      "SELECT state_hash, provider_id, binding_hash, return_to, link_user, expires_at"
                          + " FROM"
                          + " upstream_flows WHERE state_hash = :state")
                  .bind("state", stateHash)
                  .map((rs, ctx) -> flow(rs))
                  .findOne();
          if (flow.isEmpty()) {
            return Optional.<Flow>empty();
          }
          // The DELETE decides: of two racing redemptions exactly one removes the row.
          int removed =
              h.createUpdate("DELETE FROM upstream_flows WHERE state_hash = :state")
                  .bind("state", stateHash)
                  .execute();
          return removed == 1 && flow.get().expiresAt().isAfter(now)
              ? flow
              : Optional.<Flow>empty();
        });
  }

  @Override
  public Optional<Link> find(String issuer, String subject) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM upstream_identities WHERE issuer = :issuer AND subject = :subject")
                .bind("issuer", issuer)
                .bind("subject", subject)
                .map((rs, ctx) -> link(rs))
                .findOne());
  }

  @Override
  public void link(Link link) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO upstream_identities (issuer, subject, provider_id, user_id,"
                        + " created_at, last_sign_in_at) VALUES (:issuer, :subject, :provider,"
                        + " :user, :created, :last)")
                .bind("issuer", link.issuer())
                .bind("subject", link.subject())
                .bind("provider", link.providerId())
                .bind("user", link.userId().value())
                .bind("created", link.createdAt().toEpochMilli())
                .bind("last", link.lastSignInAt().toEpochMilli())
                .execute());
  }

  @Override
  public void touch(String issuer, String subject, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE upstream_identities SET last_sign_in_at = :at WHERE issuer = :issuer"
                        + " AND subject = :subject")
                .bind("issuer", issuer)
                .bind("subject", subject)
                .bind("at", at.toEpochMilli())
                .execute());
  }

  @Override
  public List<Link> linksOf(UserId user) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM upstream_identities WHERE user_id = :user ORDER BY created_at")
                .bind("user", user.value())
                .map((rs, ctx) -> link(rs))
                .list());
  }

  @Override
  public boolean unlink(UserId user, String issuer, String subject) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "DELETE FROM upstream_identities WHERE user_id = :user AND issuer = :issuer"
                            + " AND subject = :subject")
                    .bind("user", user.value())
                    .bind("issuer", issuer)
                    .bind("subject", subject)
                    .execute())
        == 1;
  }

  @Override
  public java.util.Set<String> upstreamGroups(UserId user, String providerId) {
    return jdbi.withHandle(
        h ->
            java.util.Set.copyOf(
                h.createQuery(
                        "SELECT group_name FROM upstream_groups WHERE user_id = :user AND"
                            + " provider_id = :provider")
                    .bind("user", user.value())
                    .bind("provider", providerId)
                    .mapTo(String.class)
                    .list()));
  }

  @Override
  public void recordUpstreamGroups(UserId user, String providerId, java.util.Set<String> groups) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate(
                  "DELETE FROM upstream_groups WHERE user_id = :user AND provider_id = :provider")
              .bind("user", user.value())
              .bind("provider", providerId)
              .execute();
          for (String group : groups) {
            h.createUpdate(
                    "INSERT INTO upstream_groups (user_id, provider_id, group_name) VALUES (:user,"
                        + " :provider, :group)")
                .bind("user", user.value())
                .bind("provider", providerId)
                .bind("group", group)
                .execute();
          }
        });
  }

  private static Link link(ResultSet rs) throws SQLException {
    return new Link(
        rs.getString("issuer"),
        rs.getString("subject"),
        rs.getString("provider_id"),
        new UserId(rs.getString("user_id")),
        Instant.ofEpochMilli(rs.getLong("created_at")),
        Instant.ofEpochMilli(rs.getLong("last_sign_in_at")));
  }
}
