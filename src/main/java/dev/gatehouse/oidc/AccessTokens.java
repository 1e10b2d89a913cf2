package dev.gatehouse.oidc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.gatehouse.kernel.CacheTicker;
import dev.gatehouse.kernel.NonBlocking;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.keys.SigningKeys;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens, each backed by a stored record so it can be revoked and introspected, in the
 * client's format:
 *
 * <ul>
 *   <li>JWTs per RFC 9068 ({@code typ: at+jwt}, {@code iss}, {@code sub}, {@code aud}, {@code exp},
 *       {@code iat}, {@code jti}, {@code client_id}, {@code scope}) signed with the current key of
 *       the client's algorithm (ES256, RS256 or EdDSA);
 *   <li>opaque references: {@code gat_} and 256 random bits, stored only as their SHA-256 (the
 *       record's key), resolved only here — nothing to sign or verify, for services that only
 *       present tokens back to Gatehouse.
 * </ul>
 *
 * <p>Verification accepts only ES256/RS256/EdDSA signatures by our own published keys (no {@code
 * none}, no HMAC, header keys such as {@code jku}/{@code jwk} ignored, a key only for its own
 * algorithm), type {@code at+jwt} (so an ID token is never an access token), our issuer, a live
 * {@code exp}, an existing unrevoked record and an enabled client. Signature checks are cached per
 * token; record look-ups for one second, so a revocation on another node counts within a second.
 * Thread-safe.
 */
public final class AccessTokens {
  /** The JOSE type of access tokens (RFC 9068). */
  public static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");

  /** The prefix of opaque access tokens (so they are told from JWTs, keys and refresh tokens). */
  public static final String OPAQUE_PREFIX = "gat_";

  private static final int MAX_TOKEN_LENGTH = 8192;
  private static final Duration RECORD_CACHE = Duration.ofSeconds(1);

  /** A token as handed out. */
  public record Issued(
      String token, String jti, Instant expiresAt, Set<String> scopes, List<String> audience) {}

  /** A valid token, as its record says. */
  public record Verified(
      String jti,
      String clientId,
      Optional<UserId> user,
      Optional<String> grantId,
      Set<String> scopes,
      List<String> audience,
      Instant expiresAt,
      Set<String> amr) {}

  private final SigningKeys keys;
  private final TokenRepository repository;
  private final Clients clients;
  private final Clock clock;
  private final SecureRandom random;
  private final String issuer;
  private final DefaultJWTProcessor<SecurityContext> processor;
  private final Cache<String, JWTClaimsSet> verifiedSignatures;
  private final LoadingCache<String, Optional<TokenRepository.Status>> records;
  private final ConcurrentHashMap<String, com.nimbusds.jose.JWSSigner> signers =
      new ConcurrentHashMap<>();

  /** Wires tokens issued as {@code issuer} (the public URL). */
  public AccessTokens(
      SigningKeys keys,
      TokenRepository repository,
      Clients clients,
      Clock clock,
      SecureRandom random,
      String issuer) {
    this.keys = keys;
    this.repository = repository;
    this.clients = clients;
    this.clock = clock;
    this.random = random;
    this.issuer = issuer;
    this.processor = processor(keys, issuer, TYPE, clock);
    this.verifiedSignatures =
        Caffeine.newBuilder()
            .maximumSize(4096)
            .expireAfterWrite(Duration.ofMinutes(5))
            .ticker(CacheTicker.forClock(clock)::getAsLong)
            .build();
    this.records =
        Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(RECORD_CACHE)
            .ticker(CacheTicker.forClock(clock)::getAsLong)
            .build(repository::accessToken);
  }

  /**
   * A verifier of JWTs signed by our keys as {@code issuer}, of JOSE type {@code type}: ES256/RS256
   * only, keys only from our own set, {@code exp} and {@code iat} required.
   */
  static DefaultJWTProcessor<SecurityContext> processor(
      SigningKeys keys, String issuer, JOSEObjectType type, Clock clock) {
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(type));
    processor.setJWSKeySelector(
        (header, context) -> {
          if (!SigningKeys.ALGORITHMS.contains(header.getAlgorithm())) {
            return List.of();
          }
          // Our key named by kid, and only for the algorithm it was made for.
          JWKSelector selector = new JWKSelector(JWKMatcher.forJWSHeader(header));
          List<JWK> found = selector.select(keys.publicKeys());
          if (found.isEmpty() && keys.reloadForUnknownKey()) {
            // A key another process (the CLI, another node) made since the last reload: look once.
            found = selector.select(keys.publicKeys());
          }
          List<java.security.Key> out = new ArrayList<>();
          for (JWK key : found) {
            if (header.getAlgorithm().equals(key.getAlgorithm())) {
              try {
                out.add(SigningKeys.javaPublicKey(key));
              } catch (JOSEException e) {
                // not usable: skipped, so the token fails as unverifiable
              }
            }
          }
          return out;
        });
    processor.setJWSVerifierFactory(SigningKeys.verifierFactory());
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            (String) null,
            new JWTClaimsSet.Builder().issuer(issuer).build(),
            Set.of("exp", "iat", "jti", "sub")) {
          @Override
          protected Date currentTime() {
            return Date.from(clock.instant()); // our clock: we made the token ourselves
          }
        };
    // nbf is whole seconds, so a token used within its first second needs some slack; expiry is
    // checked exactly afterwards, on our clock.
    claims.setMaxClockSkew(5);
    processor.setJWTClaimsSetVerifier(claims);
    return processor;
  }

  /**
   * Issues a token for {@code client}, acting for {@code user} (or for itself when empty), and
   * stores its record first.
   */
  public Issued issue(
      Client client,
      Optional<UserId> user,
      Optional<String> grantId,
      Set<String> scopes,
      List<String> audience,
      Optional<Instant> authTime) {
    Instant now = clock.instant();
    Instant expires = now.plus(client.accessTokenLifetime());
    String token;
    String key; // of the record: the jti of a JWT, the SHA-256 of an opaque token (never itself)
    if (client.accessTokenFormat() == Client.AccessTokenFormat.OPAQUE) {
      token = OPAQUE_PREFIX + Tokens.newToken(random);
      key = Tokens.sha256Hex(token);
    } else {
      byte[] id = new byte[16];
      random.nextBytes(id);
      key = HexFormat.of().formatHex(id);
      JWTClaimsSet.Builder claims =
          new JWTClaimsSet.Builder()
              .issuer(issuer)
              .subject(user.map(UserId::value).orElse(client.id()))
              .audience(audience)
              .issueTime(Date.from(now))
              .notBeforeTime(Date.from(now))
              .expirationTime(Date.from(expires))
              .jwtID(key)
              .claim("client_id", client.id())
              .claim("scope", String.join(" ", scopes));
      authTime.ifPresent(t -> claims.claim("auth_time", t.getEpochSecond()));
      token = sign(claims.build(), JWSAlgorithm.parse(client.accessTokenAlg()), TYPE);
    }
    // The record first: a token handed out is one that can be looked up and revoked.
    repository.insertAccessToken(
        new TokenRepository.AccessTokenRecord(
            key,
            grantId,
            client.id(),
            user,
            Set.copyOf(scopes),
            List.copyOf(audience),
            now,
            expires));
    return new Issued(token, key, expires, Set.copyOf(scopes), audience);
  }

  /** Signs {@code claims} with the current key of {@code alg}. */
  String sign(JWTClaimsSet claims, JWSAlgorithm alg, JOSEObjectType type) {
    JWK key =
        keys.signingKey(alg).orElseThrow(() -> new IllegalStateException("no " + alg + " key"));
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(type).build(), claims);
    try {
      jwt.sign(signers.computeIfAbsent(key.getKeyID(), kid -> signer(key)));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign with key " + key.getKeyID(), e);
    }
    return jwt.serialize();
  }

  private static com.nimbusds.jose.JWSSigner signer(JWK key) {
    try {
      return SigningKeys.signer(key);
    } catch (JOSEException e) {
      throw new IllegalStateException("unusable signing key " + key.getKeyID(), e);
    }
  }

  /** The token's record, when the token is valid right now; empty for anything else. */
  public Optional<Verified> verify(String token) {
    Optional<String> key = recordKey(token);
    if (key.isEmpty()) {
      return Optional.empty();
    }
    Optional<TokenRepository.Status> status = records.getIfPresent(key.get());
    if (status == null) {
      NonBlocking.mayBlock(); // a miss waits for the store, or for the thread loading it
      status = records.get(key.get());
    }
    if (status.isEmpty() || status.get().revoked()) {
      return Optional.empty();
    }
    TokenRepository.AccessTokenRecord record = status.get().token();
    if (!record.expiresAt().isAfter(clock.instant())
        || clients.find(record.clientId()).map(Client::disabled).orElse(true)) {
      return Optional.empty();
    }
    return Optional.of(
        new Verified(
            record.jti(),
            record.clientId(),
            record.user(),
            record.grantId(),
            record.scopes(),
            record.audience(),
            record.expiresAt(),
            status.get().amr()));
  }

  /**
   * The key of a token's record: the SHA-256 of an opaque token of ours, the {@code jti} of a
   * well-signed, unexpired JWT of ours; empty for anything else (the record is not consulted).
   */
  private Optional<String> recordKey(String token) {
    if (isOpaque(token)) {
      return Optional.of(Tokens.sha256Hex(token));
    }
    return claims(token).map(JWTClaimsSet::getJWTID);
  }

  /**
   * Whether {@code token} has the shape of a compact JWS: three parts of base64url, no padding
   * (cheap, checked on every use; what forward-auth takes for a JWT).
   */
  public static boolean isCompactJws(String token) {
    int dots = 0;
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '.') {
        dots++;
      } else if (!Tokens.isBase64UrlChar(c)) {
        return false;
      }
    }
    return dots == 2;
  }

  /**
   * Whether the signature of a compact JWS is in its one canonical encoding. Base64 decoders
   * forgive unused trailing bits, so one token would otherwise have several accepted spellings.
   */
  private static boolean canonicalSignature(String token) {
    String signature = token.substring(token.lastIndexOf('.') + 1);
    return com.nimbusds.jose.util.Base64URL.encode(
            new com.nimbusds.jose.util.Base64URL(signature).decode())
        .toString()
        .equals(signature);
  }

  /** Whether {@code token} has the exact shape of an opaque access token of ours. */
  public static boolean isOpaque(String token) {
    return token.startsWith(OPAQUE_PREFIX)
        && Tokens.looksLikeToken(token.substring(OPAQUE_PREFIX.length()));
  }

  /** The claims of a well-signed, unexpired token of ours (the record is not consulted). */
  private Optional<JWTClaimsSet> claims(String token) {
    if (token.length() > MAX_TOKEN_LENGTH || !isCompactJws(token)) {
      return Optional.empty();
    }
    JWTClaimsSet claims = verifiedSignatures.getIfPresent(token);
    if (claims == null) {
      if (!canonicalSignature(token)) {
        return Optional.empty(); // checked before caching, so only canonical tokens are cached
      }
      try {
        claims = processor.process(token, null);
      } catch (ParseException | BadJOSEException | JOSEException | RuntimeException e) {
        return Optional.empty(); // fail closed on anything unexpected
      }
      verifiedSignatures.put(token, claims);
    }
    Date exp = claims.getExpirationTime();
    if (exp == null || !exp.toInstant().isAfter(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(claims);
  }

  /**
   * The claims of an ID token we signed, used as {@code id_token_hint} at logout: signature (our
   * keys, ES256/RS256), issuer and type are checked; expiry is not (hints are often old).
   */
  public Optional<JWTClaimsSet> verifyIdTokenHint(String token) {
    if (token.length() > MAX_TOKEN_LENGTH) {
      return Optional.empty();
    }
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
      if (!SigningKeys.ID_TOKEN_ALGORITHMS.contains(alg)
          || (jwt.getHeader().getType() != null
              && !JOSEObjectType.JWT.equals(jwt.getHeader().getType()))) {
        return Optional.empty();
      }
      JWK key = keys.publicKeys().getKeyByKeyId(jwt.getHeader().getKeyID());
      if (key == null || !alg.getName().equals(String.valueOf(key.getAlgorithm()))) {
        return Optional.empty();
      }
      boolean valid =
          key instanceof ECKey ec
              ? jwt.verify(dev.gatehouse.keys.Es256Jws.verifier(ec))
              : jwt.verify(new com.nimbusds.jose.crypto.RSASSAVerifier((RSAKey) key));
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      return valid && issuer.equals(claims.getIssuer()) ? Optional.of(claims) : Optional.empty();
    } catch (ParseException | JOSEException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * A short-lived identity assertion for an upstream (forward-auth): ES256, {@code typ: JWT}, with
   * {@code audience} and {@code claims}; never an access token (its type differs and it has no
   * record).
   */
  public String signIdentity(
      String iss,
      String audience,
      String subject,
      java.util.Map<String, Object> claims,
      Instant now,
      Duration lifetime) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    JWTClaimsSet.Builder builder =
        new JWTClaimsSet.Builder()
            .issuer(iss)
            .audience(audience)
            .subject(subject)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(lifetime)))
            .jwtID(HexFormat.of().formatHex(id));
    claims.forEach(builder::claim);
    return sign(builder.build(), JWSAlgorithm.ES256, JOSEObjectType.JWT);
  }

  /**
   * Whether a bearer token is ours to judge: an opaque token of ours by its shape, a JWT that names
   * us as its issuer (unverified: only to decide whose business it is).
   */
  public boolean claimsOurIssuer(String token) {
    if (isOpaque(token)) {
      return true;
    }
    try {
      return issuer.equals(SignedJWT.parse(token).getJWTClaimsSet().getIssuer());
    } catch (ParseException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The record key of an access token of ours (even if revoked; a JWT only while unexpired), for
   * revocation; else empty.
   */
  public Optional<String> jtiOf(String token) {
    return recordKey(token);
  }

  /** Revokes an access token of {@code clientId}; false when it is not one. */
  public boolean revoke(String jti, String clientId) {
    boolean revoked = repository.revokeAccessToken(jti, clientId, clock.instant());
    records.invalidate(jti);
    return revoked;
  }

  /** Forgets cached record look-ups (after a revocation of many tokens). */
  public void forgetCachedRecords() {
    records.invalidateAll();
  }

  /** Scopes as a set from a space-separated string. */
  public static Set<String> scopes(String value) {
    Set<String> out = new HashSet<>();
    for (String part : value.split(" ")) {
      if (!part.isEmpty()) {
        out.add(part);
      }
    }
    return out;
  }
}
