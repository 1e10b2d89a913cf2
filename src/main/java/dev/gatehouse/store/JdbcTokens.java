package dev.gatehouse.store;

import dev.gatehouse.kernel.UserId;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.TokenRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Grants and access-token records in SQL. */
public final class JdbcTokens implements TokenRepository, AutoCloseable {
  private final Jdbi jdbi;
  private final GroupCommit<AccessTokenRecord> accessTokenWriter;

  /** Repository over {@code database}. */
  public JdbcTokens(Database database) {
    this.jdbi = database.jdbi();
    // Access-token records are the one write per grant: committed in groups (one fsync each).
    this.accessTokenWriter =
        new GroupCommit<>(
            "gatehouse-token-writer",
            256,
            records ->
                jdbi.useTransaction(
                    h -> {
                      for (AccessTokenRecord record : records) {
                        insertAccessToken(h, record);
                      }
                    }));
  }

  @Override
  public void close() {
    accessTokenWriter.close();
  }

  private static String joined(Set<String> values) {
    return String.join(" ", new java.util.TreeSet<>(values));
  }

  @Override
  public void insertGrantWithCode(Grant grant, Code code) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate(
                  "INSERT INTO oauth_grants (id, client_id, user_id, session_id, scopes, auth_time,"
                      + " amr, created_at, expires_at) VALUES (:id, :client, :user, :session,"
                      + " :scopes, :authTime, :amr, :created, :expires)")
              .bind("id", grant.id())
              .bind("client", grant.clientId())
              .bind("user", grant.user().value())
              .bind("session", grant.sessionId())
              .bind("scopes", joined(grant.scopes()))
              .bind("authTime", grant.authTime().toEpochMilli())
              .bind("amr", joined(grant.amr()))
              .bind("created", grant.createdAt().toEpochMilli())
              .bind("expires", grant.expiresAt().toEpochMilli())
              .execute();
          h.createUpdate(
                  "INSERT INTO oauth_codes (code_hash, grant_id, client_id, redirect_uri, nonce,"
                      + " code_challenge, created_at, expires_at) VALUES (:hash, :grant, :client,"
                      + " :redirect, :nonce, :challenge, :created, :expires)")
              .bind("hash", code.codeHash())
              .bind("grant", code.grantId())
              .bind("client", code.clientId())
              .bind("redirect", code.redirectUri())
              .bind("nonce", code.nonce())
              .bind("challenge", code.codeChallenge())
              .bind("created", code.createdAt().toEpochMilli())
              .bind("expires", code.expiresAt().toEpochMilli())
              .execute();
        });
  }

  @Override
  public Use useCode(String codeHash, String clientId, Instant now) {
    return jdbi.inTransaction(
        h -> {
          Optional<Code> code =
              h.createQuery(
                      "UPDATE oauth_codes SET used_at = :now WHERE code_hash = :hash"
                          + " AND used_at IS NULL AND expires_at > :now AND client_id = :client"
                          + " RETURNING code_hash, grant_id, client_id, redirect_uri, nonce,"
                          + " code_challenge, created_at, expires_at")
                  .bind("hash", codeHash)
                  .bind("client", clientId)
                  .bind("now", now.toEpochMilli())
                  .map(
                      (rs, ctx) ->
                          new Code(
                              rs.getString("code_hash"),
                              rs.getString("grant_id"),
                              rs.getString("client_id"),
                              rs.getString("redirect_uri"),
                              rs.getString("nonce"),
                              rs.getString("code_challenge"),
                              Instant.ofEpochMilli(rs.getLong("created_at")),
                              Instant.ofEpochMilli(rs.getLong("expires_at"))))
                  .findOne();
          if (code.isPresent()) {
            Optional<Grant> grant = liveGrant(h, code.get().grantId(), now);
            return grant.<Use>map(g -> new Used(g, code)).orElseGet(Unusable::new);
          }
          return replayed(
              h,
              h.createQuery(
                      "SELECT grant_id FROM oauth_codes WHERE code_hash = :hash"
                          + " AND used_at IS NOT NULL")
                  .bind("hash", codeHash)
                  .mapTo(String.class)
                  .findOne(),
              now);
        });
  }

  @Override
  public void insertRefreshToken(String tokenHash, String grantId, String clientId, Instant now) {
    jdbi.useHandle(h -> insertRefresh(h, tokenHash, grantId, clientId, now));
  }

  private static void insertRefresh(
      Handle h, String tokenHash, String grantId, String clientId, Instant now) {
    h.createUpdate(
            "INSERT INTO oauth_refresh_tokens (token_hash, grant_id, client_id, created_at)"
                + " VALUES (:hash, :grant, :client, :now)")
        .bind("hash", tokenHash)
        .bind("grant", grantId)
        .bind("client", clientId)
        .bind("now", now.toEpochMilli())
        .execute();
  }

  @Override
  public Use rotateRefreshToken(
      String oldHash,
      String newHash,
      Optional<String> sealedNew,
      String clientId,
      Instant now,
      Duration reuseGrace) {
    return jdbi.inTransaction(
        h -> {
          // Successors kept for a grace are dropped once it is over (at most 60 s).
          h.createUpdate(
                  "UPDATE oauth_refresh_tokens SET successor_sealed = NULL WHERE successor_sealed"
                      + " IS NOT NULL AND used_at < :cutoff")
              .bind("cutoff", now.minus(Duration.ofSeconds(60)).toEpochMilli())
              .execute();
          Optional<String> grantId =
              h.createQuery(
                      "UPDATE oauth_refresh_tokens SET used_at = :now, successor_sealed = :sealed"
                          + " WHERE token_hash = :hash AND used_at IS NULL AND client_id = :client"
                          + " RETURNING grant_id")
                  .bind("hash", oldHash)
                  .bind("client", clientId)
                  .bind("now", now.toEpochMilli())
                  .bind("sealed", reuseGrace.isZero() ? null : sealedNew.orElse(null))
                  .mapTo(String.class)
                  .findOne();
          if (grantId.isPresent()) {
            Optional<Grant> grant = liveGrant(h, grantId.get(), now);
            if (grant.isEmpty()) {
              return new Unusable();
            }
            insertRefresh(h, newHash, grantId.get(), clientId, now);
            return new Used(grant.get(), Optional.empty());
          }
          if (!reuseGrace.isZero()) {
            Optional<Map.Entry<String, String>> recent =
                h.createQuery(
                        "SELECT grant_id, successor_sealed FROM oauth_refresh_tokens WHERE"
                            + " token_hash = :hash AND client_id = :client AND used_at >= :since"
                            + " AND successor_sealed IS NOT NULL")
                    .bind("hash", oldHash)
                    .bind("client", clientId)
                    .bind("since", now.minus(reuseGrace).toEpochMilli())
                    .map(
                        (rs, ctx) ->
                            Map.entry(rs.getString("grant_id"), rs.getString("successor_sealed")))
                    .findOne();
            if (recent.isPresent()) {
              Optional<Grant> grant = liveGrant(h, recent.get().getKey(), now);
              if (grant.isPresent()) {
                return new Reused(grant.get(), recent.get().getValue());
              }
            }
          }
          return replayed(
              h,
              h.createQuery(
                      "SELECT grant_id FROM oauth_refresh_tokens WHERE token_hash = :hash"
                          + " AND client_id = :client AND used_at IS NOT NULL")
                  .bind("hash", oldHash)
                  .bind("client", clientId)
                  .mapTo(String.class)
                  .findOne(),
              now);
        });
  }

  /**
   * A code or refresh token used before came back: whoever holds it, the grant it came from is
   * revoked with everything it produced (RFC 9700 §4.14).
   */
  private static Use replayed(Handle h, Optional<String> usedBefore, Instant now) {
    if (usedBefore.isEmpty()) {
      return new Unusable();
    }
    revokeGrant(h, usedBefore.get(), now);
    return new Replayed(usedBefore.get());
  }

  @Override
  public Optional<Grant> grantOfRefreshToken(String tokenHash, String clientId, Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT grant_id FROM oauth_refresh_tokens WHERE token_hash = :hash"
                        + " AND client_id = :client AND used_at IS NULL")
                .bind("hash", tokenHash)
                .bind("client", clientId)
                .mapTo(String.class)
                .findOne()
                .flatMap(id -> liveGrant(h, id, now)));
  }

  @Override
  public boolean revokeByRefreshToken(String tokenHash, String clientId, Instant now) {
    return jdbi.inTransaction(
        h -> {
          Optional<String> grant =
              h.createQuery(
                      "SELECT grant_id FROM oauth_refresh_tokens WHERE token_hash = :hash"
                          + " AND client_id = :client")
                  .bind("hash", tokenHash)
                  .bind("client", clientId)
                  .mapTo(String.class)
                  .findOne();
          grant.ifPresent(g -> revokeGrant(h, g, now));
          return grant.isPresent();
        });
  }

  @Override
  public Optional<Grant> liveGrant(String id, Instant now) {
    return jdbi.withHandle(h -> liveGrant(h, id, now));
  }

  private static Optional<Grant> liveGrant(Handle h, String id, Instant now) {
    return h.createQuery(
            "SELECT id, client_id, user_id, session_id, scopes, auth_time, amr, created_at,"
                + " expires_at FROM oauth_grants WHERE id = :id AND revoked_at IS NULL"
                + " AND expires_at > :now")
        .bind("id", id)
        .bind("now", now.toEpochMilli())
        .map(JdbcTokens::grant)
        .findOne();
  }

  private static Grant grant(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx)
      throws java.sql.SQLException {
    return new Grant(
        rs.getString("id"),
        rs.getString("client_id"),
        new UserId(rs.getString("user_id")),
        rs.getString("session_id"),
        AccessTokens.scopes(rs.getString("scopes")),
        Instant.ofEpochMilli(rs.getLong("auth_time")),
        AccessTokens.scopes(rs.getString("amr")),
        Instant.ofEpochMilli(rs.getLong("created_at")),
        Instant.ofEpochMilli(rs.getLong("expires_at")));
  }

  @Override
  public void revokeGrant(String id, Instant now) {
    jdbi.useTransaction(h -> revokeGrant(h, id, now));
  }

  private static void revokeGrant(Handle h, String id, Instant now) {
    h.createUpdate(
            "UPDATE oauth_grants SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
        .bind("id", id)
        .bind("now", now.toEpochMilli())
        .execute();
    h.createUpdate(
            "UPDATE oauth_access_tokens SET revoked_at = :now WHERE grant_id = :id"
                + " AND revoked_at IS NULL")
        .bind("id", id)
        .bind("now", now.toEpochMilli())
        .execute();
  }

  @Override
  public List<Grant> revokeSessionGrants(String sessionId, Instant now) {
    return jdbi.inTransaction(
        h -> {
          List<Grant> grants =
              h.createQuery(
                      "SELECT id, client_id, user_id, session_id, scopes, auth_time, amr,"
                          + " created_at, expires_at FROM oauth_grants WHERE session_id = :session"
                          + " AND revoked_at IS NULL")
                  .bind("session", sessionId)
                  .map(JdbcTokens::grant)
                  .list();
          for (Grant grant : grants) {
            if (!grant.scopes().contains("offline_access")) {
              revokeGrant(h, grant.id(), now);
            }
          }
          return grants;
        });
  }

  @Override
  public void moveSessionGrants(String fromSessionId, String toSessionId) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE oauth_grants SET session_id = :to WHERE session_id = :from"
                        + " AND revoked_at IS NULL")
                .bind("from", fromSessionId)
                .bind("to", toSessionId)
                .execute());
  }

  @Override
  public Optional<Set<String>> consent(UserId user, String clientId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT scopes FROM oauth_consents WHERE user_id = :user AND client_id = :client")
                .bind("user", user.value())
                .bind("client", clientId)
                .mapTo(String.class)
                .findOne()
                .map(AccessTokens::scopes));
  }

  @Override
  public void saveConsent(UserId user, String clientId, Set<String> scopes, Instant now) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO oauth_consents (user_id, client_id, scopes, granted_at)"
                        + " VALUES (:user, :client, :scopes, :now) ON CONFLICT (user_id, client_id)"
                        + " DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at")
                .bind("user", user.value())
                .bind("client", clientId)
                .bind("scopes", joined(scopes))
                .bind("now", now.toEpochMilli())
                .execute());
  }

  @Override
  public java.util.Map<String, Set<String>> consents(UserId user) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT client_id, scopes FROM oauth_consents WHERE user_id = :user"
                        + " ORDER BY client_id")
                .bind("user", user.value())
                .reduceRows(
                    new java.util.LinkedHashMap<String, Set<String>>(),
                    (map, row) -> {
                      map.put(
                          row.getColumn("client_id", String.class),
                          AccessTokens.scopes(row.getColumn("scopes", String.class)));
                      return map;
                    }));
  }

  @Override
  public void revokeConsent(UserId user, String clientId, Instant now) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate("DELETE FROM oauth_consents WHERE user_id = :user AND client_id = :client")
              .bind("user", user.value())
              .bind("client", clientId)
              .execute();
          for (String grant :
              h.createQuery(
                      "SELECT id FROM oauth_grants WHERE user_id = :user AND client_id = :client"
                          + " AND revoked_at IS NULL")
                  .bind("user", user.value())
                  .bind("client", clientId)
                  .mapTo(String.class)
                  .list()) {
            revokeGrant(h, grant, now);
          }
        });
  }

  @Override
  public void insertAccessToken(AccessTokenRecord token) {
    accessTokenWriter.submit(token);
  }

  private static void insertAccessToken(Handle h, AccessTokenRecord token) {
    h.createUpdate(
            "INSERT INTO oauth_access_tokens (jti, grant_id, client_id, user_id, scopes,"
                + " audience, created_at, expires_at) VALUES (:jti, :grant, :client, :user,"
                + " :scopes, :audience, :created, :expires)")
        .bind("jti", token.jti())
        .bind("grant", token.grantId().orElse(null))
        .bind("client", token.clientId())
        .bind("user", token.user().map(UserId::value).orElse(null))
        .bind("scopes", String.join(" ", token.scopes()))
        .bind("audience", String.join(" ", token.audience()))
        .bind("created", token.createdAt().toEpochMilli())
        .bind("expires", token.expiresAt().toEpochMilli())
        .execute();
  }

  @Override
  public Optional<Status> accessToken(String jti) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT t.jti, t.grant_id, t.client_id, t.user_id, t.scopes, t.audience,"
                        + " t.created_at, t.expires_at, t.revoked_at, g.id AS grant_found,"
                        + " g.revoked_at AS grant_revoked, g.amr AS grant_amr"
                        + " FROM oauth_access_tokens t LEFT JOIN oauth_grants g ON g.id = t.grant_id"
                        + " WHERE t.jti = :jti")
                .bind("jti", jti)
                .map(
                    (rs, ctx) -> {
                      rs.getLong("revoked_at");
                      boolean revoked = !rs.wasNull();
                      rs.getLong("grant_revoked");
                      boolean grantRevoked = !rs.wasNull();
                      String grant = rs.getString("grant_id");
                      // A grant that is gone (its user deleted) takes its tokens with it.
                      boolean grantMissing = grant != null && rs.getString("grant_found") == null;
                      String user = rs.getString("user_id");
                      return new Status(
                          new AccessTokenRecord(
                              rs.getString("jti"),
                              Optional.ofNullable(grant),
                              rs.getString("client_id"),
                              Optional.ofNullable(user).map(UserId::new),
                              AccessTokens.scopes(rs.getString("scopes")),
                              List.copyOf(
                                  Arrays.stream(rs.getString("audience").split(" "))
                                      .filter(a -> !a.isEmpty())
                                      .toList()),
                              Instant.ofEpochMilli(rs.getLong("created_at")),
                              Instant.ofEpochMilli(rs.getLong("expires_at"))),
                          revoked || grantRevoked || grantMissing,
                          AccessTokens.scopes(
                              Optional.ofNullable(rs.getString("grant_amr")).orElse("")));
                    })
                .findOne());
  }

  @Override
  public boolean revokeAccessToken(String jti, String clientId, Instant now) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE oauth_access_tokens SET revoked_at = COALESCE(revoked_at, :now)"
                            + " WHERE jti = :jti AND client_id = :client")
                    .bind("jti", jti)
                    .bind("client", clientId)
                    .bind("now", now.toEpochMilli())
                    .execute())
        == 1;
  }

  @Override
  public int revokeClient(String clientId, Instant now) {
    return jdbi.inTransaction(
        h -> {
          h.createUpdate(
                  "UPDATE oauth_grants SET revoked_at = :now WHERE client_id = :client"
                      + " AND revoked_at IS NULL")
              .bind("client", clientId)
              .bind("now", now.toEpochMilli())
              .execute();
          return h.createUpdate(
                  "UPDATE oauth_access_tokens SET revoked_at = :now WHERE client_id = :client"
                      + " AND revoked_at IS NULL")
              .bind("client", clientId)
              .bind("now", now.toEpochMilli())
              .execute();
        });
  }

  @Override
  public Set<String> clientsHoldingTokens() {
    return jdbi.withHandle(
        h ->
            Set.copyOf(
                h.createQuery(
                        "SELECT client_id FROM oauth_grants WHERE revoked_at IS NULL UNION"
                            + " SELECT client_id FROM oauth_access_tokens WHERE revoked_at IS NULL")
                    .mapTo(String.class)
                    .list()));
  }

  @Override
  public int purgeExpired(Instant before) {
    return jdbi.inTransaction(
        h ->
            h.createUpdate("DELETE FROM oauth_access_tokens WHERE expires_at < :before")
                    .bind("before", before.toEpochMilli())
                    .execute()
                + h.createUpdate("DELETE FROM oauth_codes WHERE expires_at < :before")
                    .bind("before", before.toEpochMilli())
                    .execute()
                // A grant past its end takes its refresh tokens and codes with it (cascade).
                + h.createUpdate("DELETE FROM oauth_grants WHERE expires_at < :before")
                    .bind("before", before.toEpochMilli())
                    .execute());
  }

  @Override
  public int dropSealedSuccessors(Instant usedBefore) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "UPDATE oauth_refresh_tokens SET successor_sealed = NULL WHERE successor_sealed"
                        + " IS NOT NULL AND used_at < :cutoff")
                .bind("cutoff", usedBefore.toEpochMilli())
                .execute());
  }
}
