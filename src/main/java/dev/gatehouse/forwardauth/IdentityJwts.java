package dev.gatehouse.forwardauth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.kernel.CacheTicker;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.policy.Subject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Signed identity assertions for upstreams: a JWT (ES256, {@code typ: JWT}, 60 s, audience {@code
 * https://HOST}) naming who the verify answer allowed, verifiable against the JWKS. A signature is
 * costly next to a verify answer, so one is reused per subject and host for 30 s of its 60.
 * Thread-safe.
 */
public final class IdentityJwts {
  static final Duration LIFETIME = Duration.ofSeconds(60);
  private static final Duration REUSE = Duration.ofSeconds(30);

  private final AccessTokens signer;
  private final Clock clock;
  private final String issuer;
  private final Cache<String, String> recent;

  /** Signs with {@code signer}'s keys as {@code issuer}. */
  public IdentityJwts(AccessTokens signer, Clock clock, String issuer) {
    this.signer = signer;
    this.clock = clock;
    this.issuer = issuer;
    this.recent =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(REUSE)
            .ticker(CacheTicker.forClock(clock)::getAsLong)
            .build();
  }

  /** The assertion for {@code subject} at {@code host}. */
  public String forSubject(Subject subject, String host) {
    String key =
        subject.kind() + "\u0000" + subject.name() + "\u0000" + host + "\u0000" + subject.groups();
    return recent.get(key, k -> sign(subject, host));
  }

  private String sign(Subject subject, String host) {
    return signer.signIdentity(
        issuer,
        "https://" + host,
        subject.name(),
        Map.of(
            "preferred_username", subject.name(),
            "email", subject.email(),
            "name", subject.displayName(),
            "groups", List.copyOf(subject.groups()),
            "kind", subject.kind().name().toLowerCase(java.util.Locale.ROOT)),
        clock.instant(),
        LIFETIME);
  }
}
