package dev.gatehouse.oidc;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.openid.connect.sdk.claims.AccessTokenHash;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.kernel.UserId;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The authorization-code flow after the user said yes: codes (256 bits, stored hashed, single use,
 * 60 seconds; a second use revokes everything the first produced), their exchange with PKCE S256,
 * refresh tokens rotated on every use (a rotated one coming back revokes the whole grant,
 * atomically under races and across restarts), and ID tokens. Thread-safe.
 */
public final class CodeFlow {
  /** How long a code may wait for its exchange. */
  public static final Duration CODE_LIFETIME = Duration.ofSeconds(60);

  /** What the user agreed to, as the authorization endpoint hands it over. */
  public record Approved(
      Client client,
      UserId user,
      String sessionId,
      Instant authTime,
      Set<String> amr,
      String redirectUri,
      Set<String> scopes,
      Optional<String> nonce,
      Optional<String> codeChallenge) {}

  /** Outcome at the token endpoint. */
  public sealed interface Result permits Issued, Refused {}

  /** Tokens for the client. */
  public record Issued(
      AccessTokens.Issued access, Optional<String> refreshToken, Optional<String> idToken)
      implements Result {}

  /** An OAuth error. */
  public record Refused(ErrorObject error) implements Result {}

  private final TokenRepository repository;
  private final AccessTokens accessTokens;
  private final Directory directory;
  private final UserClaims userClaims;
  private final Clock clock;
  private final SecureRandom random;
  private final String issuer;

  private final dev.gatehouse.keys.AtRestCipher atRest;

  /** Wires the flow as {@code issuer}. */
  public CodeFlow(
      TokenRepository repository,
      AccessTokens accessTokens,
      Directory directory,
      Clock clock,
      SecureRandom random,
      String issuer,
      dev.gatehouse.keys.AtRestCipher atRest) {
    this.repository = repository;
    this.atRest = atRest;
    this.accessTokens = accessTokens;
    this.directory = directory;
    this.userClaims = new UserClaims(directory);
    this.clock = clock;
    this.random = random;
    this.issuer = issuer;
  }

  /** Stores a new grant and returns its code. */
  public String issueCode(Approved approved) {
    Instant now = clock.instant();
    String code = Tokens.newToken(random);
    String grantId = id();
    repository.insertGrantWithCode(
        new TokenRepository.Grant(
            grantId,
            approved.client().id(),
            approved.user(),
            approved.sessionId(),
            approved.scopes(),
            approved.authTime(),
            approved.amr(),
            now,
            now.plus(approved.client().refreshTokenLifetime())),
        new TokenRepository.Code(
            Tokens.sha256Hex(code),
            grantId,
            approved.client().id(),
            approved.redirectUri(),
            approved.nonce().orElse(""),
            approved.codeChallenge().orElse(""),
            now,
            now.plus(CODE_LIFETIME)));
    return code;
  }

  /** Exchanges a code (RFC 6749 §4.1.3 with PKCE, RFC 7636). */
  public Result redeem(
      Client client, String code, String redirectUri, Optional<String> codeVerifier) {
    if (!client.grantTypes().contains(Client.GrantType.AUTHORIZATION_CODE)) {
      return new Refused(OAuth2Error.UNAUTHORIZED_CLIENT);
    }
    if (!Tokens.looksLikeToken(code)) {
      return new Refused(OAuth2Error.INVALID_GRANT);
    }
    Instant now = clock.instant();
    TokenRepository.Use use = repository.useCode(Tokens.sha256Hex(code), client.id(), now);
    if (!(use instanceof TokenRepository.Used used)) {
      accessTokens.forgetCachedRecords(); // a replay revoked tokens: stop serving cached ones
      return new Refused(OAuth2Error.INVALID_GRANT.setDescription("the code is not usable"));
    }
    TokenRepository.Code stored = used.code().orElseThrow();
    if (!stored.redirectUri().equals(redirectUri)) {
      repository.revokeGrant(stored.grantId(), now);
      return new Refused(OAuth2Error.INVALID_GRANT.setDescription("redirect_uri does not match"));
    }
    if (stored.codeChallenge().isEmpty()) {
      if (codeVerifier.isPresent()) {
        // A verifier without a challenge is a downgrade attempt (RFC 9700 §2.1.1).
        repository.revokeGrant(stored.grantId(), now);
        return new Refused(
            OAuth2Error.INVALID_GRANT.setDescription("code_verifier without a code_challenge"));
      }
    } else {
      boolean ok =
          codeVerifier.isPresent()
              && codeVerifier.get().length() >= 43
              && codeVerifier.get().length() <= 128
              && Tokens.constantTimeEquals(
                  CodeChallenge.compute(
                          CodeChallengeMethod.S256, new CodeVerifier(codeVerifier.get()))
                      .getValue(),
                  stored.codeChallenge());
      if (!ok) {
        repository.revokeGrant(stored.grantId(), now);
        return new Refused(OAuth2Error.INVALID_GRANT.setDescription("PKCE verification failed"));
      }
    }
    return tokens(
        client, used.grant(), Optional.of(stored.nonce()).filter(n -> !n.isEmpty()), true);
  }

  /**
   * Revokes a refresh token of {@code client} (RFC 7009): its whole grant ends, with the access
   * tokens it produced. False when it is not one of the client's.
   */
  public boolean revokeRefreshToken(Client client, String refreshToken) {
    if (!Tokens.looksLikeToken(refreshToken)) {
      return false;
    }
    boolean revoked =
        repository.revokeByRefreshToken(
            Tokens.sha256Hex(refreshToken), client.id(), clock.instant());
    if (revoked) {
      accessTokens.forgetCachedRecords();
    }
    return revoked;
  }

  /** Rotates a refresh token (RFC 6749 §6) and issues fresh tokens on the same grant. */
  public Result refresh(Client client, String refreshToken, Optional<Set<String>> narrower) {
    if (!client.grantTypes().contains(Client.GrantType.REFRESH_TOKEN)) {
      return new Refused(OAuth2Error.UNAUTHORIZED_CLIENT);
    }
    if (!Tokens.looksLikeToken(refreshToken)) {
      return new Refused(OAuth2Error.INVALID_GRANT);
    }
    Instant now = clock.instant();
    String hash = Tokens.sha256Hex(refreshToken);
    // Validate before rotating: a refused request must leave the token usable, or the client's
    // corrected retry would count as a replay and end the grant.
    if (narrower.isPresent()
        && repository
            .grantOfRefreshToken(hash, client.id(), now)
            .filter(g -> !g.scopes().containsAll(narrower.get()))
            .isPresent()) {
      return new Refused(OAuth2Error.INVALID_SCOPE.setDescription("more than was granted"));
    }
    String next = Tokens.newToken(random);
    String purpose = "refresh-successor:" + hash;
    Optional<String> sealedNext =
        client.refreshReuseGrace().isZero()
            ? Optional.empty()
            : Optional.of(atRest.encrypt(next.getBytes(StandardCharsets.UTF_8), purpose));
    TokenRepository.Use use =
        repository.rotateRefreshToken(
            hash, Tokens.sha256Hex(next), sealedNext, client.id(), now, client.refreshReuseGrace());
    TokenRepository.Grant grant;
    if (use instanceof TokenRepository.Used used) {
      grant = used.grant();
    } else if (use instanceof TokenRepository.Reused reused) {
      // Within the grace: the same successor as the first use, never a second chain.
      Optional<byte[]> successor = atRest.decrypt(reused.sealedSuccessor(), purpose);
      if (successor.isEmpty()) {
        return new Refused(
            OAuth2Error.INVALID_GRANT.setDescription("the refresh token is not usable"));
      }
      grant = reused.grant();
      next = new String(successor.get(), StandardCharsets.UTF_8);
    } else {
      accessTokens.forgetCachedRecords();
      return new Refused(
          OAuth2Error.INVALID_GRANT.setDescription("the refresh token is not usable"));
    }
    if (narrower.isPresent() && !grant.scopes().containsAll(narrower.get())) {
      return new Refused(OAuth2Error.INVALID_SCOPE.setDescription("more than was granted"));
    }
    Optional<User> user = directory.findById(grant.user()).filter(u -> !u.disabled());
    if (user.isEmpty()) {
      repository.revokeGrant(grant.id(), now);
      return new Refused(OAuth2Error.INVALID_GRANT);
    }
    Set<String> scopes = narrower.orElse(grant.scopes());
    AccessTokens.Issued access =
        accessTokens.issue(
            client,
            Optional.of(grant.user()),
            Optional.of(grant.id()),
            scopes,
            List.of(client.id()),
            Optional.of(grant.authTime()));
    Optional<String> idToken =
        scopes.contains("openid")
            ? Optional.of(idToken(client, user.get(), grant, scopes, Optional.empty(), access))
            : Optional.empty();
    return new Issued(access, Optional.of(next), idToken);
  }

  private Result tokens(
      Client client, TokenRepository.Grant grant, Optional<String> nonce, boolean first) {
    Optional<User> user = directory.findById(grant.user()).filter(u -> !u.disabled());
    if (user.isEmpty()) {
      repository.revokeGrant(grant.id(), clock.instant());
      return new Refused(OAuth2Error.INVALID_GRANT);
    }
    AccessTokens.Issued access =
        accessTokens.issue(
            client,
            Optional.of(grant.user()),
            Optional.of(grant.id()),
            grant.scopes(),
            List.of(client.id()),
            Optional.of(grant.authTime()));
    Optional<String> refresh = Optional.empty();
    if (first && client.grantTypes().contains(Client.GrantType.REFRESH_TOKEN)) {
      String token = Tokens.newToken(random);
      repository.insertRefreshToken(
          Tokens.sha256Hex(token), grant.id(), client.id(), clock.instant());
      refresh = Optional.of(token);
    }
    Optional<String> idToken =
        grant.scopes().contains("openid")
            ? Optional.of(idToken(client, user.get(), grant, grant.scopes(), nonce, access))
            : Optional.empty();
    return new Issued(access, refresh, idToken);
  }

  /** An ID token per OIDC Core §2, signed with the client's algorithm. */
  private String idToken(
      Client client,
      User user,
      TokenRepository.Grant grant,
      Set<String> scopes,
      Optional<String> nonce,
      AccessTokens.Issued access) {
    Instant now = clock.instant();
    JWSAlgorithm alg = JWSAlgorithm.parse(client.signingAlg());
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience(client.id())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(client.accessTokenLifetime())))
            .claim("auth_time", grant.authTime().getEpochSecond())
            .claim("azp", client.id())
            .claim("sid", grant.sessionId())
            .claim("amr", List.copyOf(new java.util.TreeSet<>(grant.amr())))
            .claim(
                "at_hash",
                AccessTokenHash.compute(new BearerAccessToken(access.token()), alg, null)
                    .getValue());
    nonce.ifPresent(n -> claims.claim("nonce", n));
    for (Map.Entry<String, Object> claim : userClaims.of(user, scopes).entrySet()) {
      claims.claim(claim.getKey(), claim.getValue());
    }
    return accessTokens.sign(claims.build(), alg, JOSEObjectType.JWT);
  }

  private String id() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
