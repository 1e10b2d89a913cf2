package dev.gatehouse.forwardauth;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The request the proxy is asking about, as its dialect's headers describe it: scheme, host (with
 * optional port), raw request target (path and query, still encoded) and method. The adapters only
 * read headers; canonicalisation happens once, in {@link Verifier}. Immutable.
 */
public record OriginalRequest(String scheme, String host, String rawUri, String method) {

  /**
   * Caddy {@code forward_auth}, Traefik ForwardAuth and the generic endpoint: {@code
   * X-Forwarded-Proto}, {@code -Host}, {@code -Uri}, {@code -Method}. Empty when any is missing or
   * repeated (the adapter passes repeated headers as absent).
   */
  public static Optional<OriginalRequest> fromForwardedHeaders(
      Function<String, Optional<String>> header) {
    Optional<String> proto = header.apply("X-Forwarded-Proto");
    Optional<String> host = header.apply("X-Forwarded-Host");
    Optional<String> uri = header.apply("X-Forwarded-Uri");
    Optional<String> method = header.apply("X-Forwarded-Method");
    if (proto.isEmpty() || host.isEmpty() || uri.isEmpty() || method.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new OriginalRequest(
            proto.get(), host.get(), uri.get(), method.get().toUpperCase(Locale.ROOT)));
  }

  /**
   * nginx {@code auth_request}: {@code X-Original-URL} (absolute) and {@code X-Original-Method}.
   * Empty when either is missing or repeated: this dialect never falls back to {@code
   * X-Forwarded-*}, so a hand-written configuration that forgets a line fails closed instead of
   * being judged on headers that describe some other request.
   */
  public static Optional<OriginalRequest> fromOriginalHeaders(
      Function<String, Optional<String>> header) {
    Optional<String> url = header.apply("X-Original-URL");
    Optional<String> method = header.apply("X-Original-Method");
    if (url.isEmpty() || method.isEmpty()) {
      return Optional.empty();
    }
    String value = url.get();
    int schemeEnd = value.indexOf("://");
    if (schemeEnd <= 0) {
      return Optional.empty();
    }
    String rest = value.substring(schemeEnd + 3);
    int slash = rest.indexOf('/');
    int query = rest.indexOf('?');
    int end =
        slash < 0
            ? (query < 0 ? rest.length() : query)
            : (query < 0 ? slash : Math.min(slash, query));
    String rawUri = rest.substring(end);
    if (rawUri.isEmpty()) {
      rawUri = "/";
    } else if (rawUri.charAt(0) == '?') {
      rawUri = "/" + rawUri;
    }
    return Optional.of(
        new OriginalRequest(
            value.substring(0, schemeEnd),
            rest.substring(0, end),
            rawUri,
            method.get().toUpperCase(Locale.ROOT)));
  }
}
