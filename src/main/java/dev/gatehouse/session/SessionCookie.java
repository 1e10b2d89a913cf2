package dev.gatehouse.session;

import java.util.Optional;

/**
 * The name and scope of the session cookie (SECURITY.md §4). With a cookie domain: {@code
 * __Secure-<name>; Domain=<domain>} so sibling apps receive it. Without: host-only {@code
 * __Host-<name>}. Over plain-http development (localhost) browsers refuse {@code Secure} cookies
 * there, so the prefix and {@code Secure} are dropped; start-up logs a warning. Always {@code
 * HttpOnly; SameSite=Lax; Path=/}. Immutable.
 *
 * @param name full cookie name including its prefix
 * @param domain the {@code Domain} attribute, if shared with subdomains
 * @param secure whether the {@code Secure} attribute is set
 */
public record SessionCookie(String name, Optional<String> domain, boolean secure) {

  /**
   * Derives the cookie from the configured base name, optional domain and whether we run on https.
   */
  public static SessionCookie of(String baseName, Optional<String> domain, boolean https) {
    if (!https) {
      return new SessionCookie(baseName, Optional.empty(), false);
    }
    return domain
        .map(d -> new SessionCookie("__Secure-" + baseName, Optional.of(d), true))
        .orElseGet(() -> new SessionCookie("__Host-" + baseName, Optional.empty(), true));
  }
}
