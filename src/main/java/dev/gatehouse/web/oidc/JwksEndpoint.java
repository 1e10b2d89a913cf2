package dev.gatehouse.web.oidc;

import com.nimbusds.jose.jwk.JWKSet;
import dev.gatehouse.keys.SigningKeys;
import dev.gatehouse.web.Exchange;

/**
 * {@code GET /.well-known/jwks.json}: the public signing keys (never a private part), rendered to
 * bytes once per key-set change. Cacheable for five minutes and readable cross-origin. Thread-safe.
 */
public final class JwksEndpoint {
  @SuppressWarnings("ArrayRecordComponent") // never modified after rendering
  private record Rendered(JWKSet keys, byte[] json) {}

  private final SigningKeys keys;
  private volatile Rendered rendered;

  /** Serves {@code keys}. */
  public JwksEndpoint(SigningKeys keys) {
    this.keys = keys;
  }

  /** {@code GET /.well-known/jwks.json}. */
  @SuppressWarnings("ReferenceEquality") // a reload makes a new set: identity is the cheap test
  public void jwks(Exchange exchange) {
    JWKSet current = keys.publicKeys();
    Rendered cached = rendered;
    if (cached == null || cached.keys() != current) {
      // toPublicJWKSet again: a private part can never leave, whatever the set holds.
      cached =
          new Rendered(
              current,
              current
                  .toPublicJWKSet()
                  .toString()
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      rendered = cached;
    }
    exchange.addHeader("Cache-Control", "public, max-age=300");
    exchange.addHeader("Access-Control-Allow-Origin", "*");
    exchange.respond(200, "application/jwk-set+json", cached.json());
  }
}
