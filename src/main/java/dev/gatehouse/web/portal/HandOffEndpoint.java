package dev.gatehouse.web.portal;

import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.session.HandOffs;
import dev.gatehouse.url.RedirectValidator;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.WebSessions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jetty.http.HttpCookie;

/**
 * The three steps of the cross-domain hand-off ({@link HandOffs}) in the browser:
 *
 * <ul>
 *   <li>{@code GET /handoff/start?rd=…} on a further domain's portal address (where a proxy sends a
 *       browser that has no cookie there): a nonce cookie, then off to the portal;
 *   <li>{@code GET /handoff/issue?domain=…&binding=…&rd=…} on the portal: sign in if needed, then a
 *       one-time code, sent back to the further domain's portal address;
 *   <li>{@code GET /handoff/finish?code=…} there: the code with the nonce opens a session on that
 *       domain, its cookie is set, and the browser returns to where it was going.
 * </ul>
 *
 * Redirect-driven like an OpenID Connect authorization request, so GET: the binding to the
 * browser's nonce is what a CSRF token is elsewhere. Every address redirected to is built from
 * configuration, never from request headers. Thread-safe.
 */
public final class HandOffEndpoint {
  private static final Duration NONCE_LIFETIME = Duration.ofMinutes(5);

  private final HandOffs handOffs;
  private final WebSessions sessions;
  private final RedirectValidator redirects;
  private final List<GatehouseConfig.MoreDomain> domains;
  private final ErrorPages errors;
  private final AuditLog audit;
  private final String publicOrigin;
  private final String sessionCookieName;
  private final String nonceCookieName;
  private final boolean secure;
  private final Duration cookieLifetime;
  private final java.time.Clock clock;

  /**
   * Wires the endpoint. {@code baseCookieName} is {@code session.cookie-name}; on the further
   * domains the cookie is {@code __Secure-<name>} with their {@code Domain} (over https).
   */
  public HandOffEndpoint(
      HandOffs handOffs,
      WebSessions sessions,
      RedirectValidator redirects,
      List<GatehouseConfig.MoreDomain> domains,
      ErrorPages errors,
      AuditLog audit,
      String publicOrigin,
      String baseCookieName,
      boolean secure,
      Duration cookieLifetime,
      java.time.Clock clock) {
    this.clock = clock;
    this.handOffs = handOffs;
    this.sessions = sessions;
    this.redirects = redirects;
    this.domains = List.copyOf(domains);
    this.errors = errors;
    this.audit = audit;
    this.publicOrigin = publicOrigin;
    this.sessionCookieName = secure ? "__Secure-" + baseCookieName : baseCookieName;
    this.nonceCookieName = secure ? "__Host-gatehouse_handoff" : "gatehouse_handoff";
    this.secure = secure;
    this.cookieLifetime = cookieLifetime;
  }

  /** {@code GET /handoff/start}: on a further domain's portal address. */
  public void start(Exchange exchange) {
    Optional<Target> target = target(exchange.query("rd"));
    if (target.isEmpty()) {
      // Nothing to return to on a further domain (someone opened this address by hand).
      exchange.redirect(302, publicOrigin + "/");
      return;
    }
    // A hand-off already pending in this browser (another tab) keeps its nonce: both codes bind
    // to it, each still works once.
    List<String> pending = exchange.cookies(nonceCookieName);
    String nonce =
        pending.size() == 1 && dev.gatehouse.kernel.Tokens.looksLikeToken(pending.get(0))
            ? pending.get(0)
            : handOffs.newNonce();
    exchange.addCookie(nonceCookie(nonce, NONCE_LIFETIME));
    exchange.redirect(
        302,
        publicOrigin
            + "/handoff/issue?domain="
            + target.get().domain().domain()
            + "&binding="
            + HandOffs.binding(nonce)
            + "&rd="
            + encode(target.get().url()));
  }

  /** {@code GET /handoff/issue}: on the portal, where the sign-in is. */
  public void issue(Exchange exchange) {
    Optional<String> binding = exchange.query("binding").filter(HandOffs::looksLikeBinding);
    Optional<Target> target = target(exchange.query("rd"));
    String domain = exchange.query("domain").orElse("");
    if (binding.isEmpty() || target.isEmpty() || !target.get().domain().domain().equals(domain)) {
      errors.render(exchange, SafeMessage.HANDOFF_INVALID);
      return;
    }
    Optional<WebSessions.Current> current = sessions.current(exchange);
    if (current.isEmpty()) {
      String again =
          "/handoff/issue?domain="
              + domain
              + "&binding="
              + binding.get()
              + "&rd="
              + encode(target.get().url());
      exchange.redirect(302, publicOrigin + "/login?rd=" + encode(again));
      return;
    }
    String code =
        handOffs.issue(current.get().session(), domain, binding.get(), target.get().url());
    exchange.redirect(302, target.get().domain().origin() + "/handoff/finish?code=" + encode(code));
  }

  /** {@code GET /handoff/finish}: on a further domain's portal address. */
  public void finish(Exchange exchange) {
    List<String> nonces = exchange.cookies(nonceCookieName);
    exchange.addCookie(nonceCookie("", Duration.ZERO));
    Optional<HandOffs.Redeemed> redeemed =
        handOffs.redeem(
            exchange.query("code").orElse(""),
            nonces.size() == 1 ? Optional.of(nonces.get(0)) : Optional.empty(),
            exchange.header("User-Agent").orElse(""),
            exchange.clientAddress());
    if (redeemed.isEmpty()) {
      errors.render(exchange, SafeMessage.HANDOFF_INVALID);
      return;
    }
    HandOffs.Redeemed done = redeemed.get();
    audit.record(
        "signin.handoff",
        Optional.of(done.issued().session().userId()),
        "",
        exchange.clientAddress(),
        "session "
            + done.issued().session().id()
            + " on "
            + done.domain()
            + " for sign-in "
            + done.issued().session().parentId());
    HttpCookie.Builder cookie =
        HttpCookie.build(sessionCookieName, done.issued().token())
            .path("/")
            .domain(done.domain())
            .httpOnly(true)
            .secure(secure)
            .sameSite(HttpCookie.SameSite.LAX)
            .maxAge(
                Math.max(
                    1,
                    Math.min(
                        cookieLifetime.toSeconds(),
                        Duration.between(clock.instant(), done.issued().session().expiresAt())
                            .toSeconds())));
    exchange.addCookie(cookie.build());
    exchange.redirect(302, done.returnTo());
  }

  /** A valid return URL inside one of the further domains. */
  private record Target(String url, GatehouseConfig.MoreDomain domain) {}

  private Optional<Target> target(Optional<String> rd) {
    Optional<String> url = rd.flatMap(redirects::validate);
    if (url.isEmpty()) {
      return Optional.empty();
    }
    String host = URI.create(url.get()).getHost().toLowerCase(Locale.ROOT);
    return domains.stream()
        .filter(domain -> domain.covers(host))
        .findFirst()
        .map(domain -> new Target(url.get(), domain));
  }

  private HttpCookie nonceCookie(String value, Duration maxAge) {
    return HttpCookie.build(nonceCookieName, value)
        .path("/")
        .httpOnly(true)
        .secure(secure)
        .sameSite(HttpCookie.SameSite.LAX)
        .maxAge(maxAge.toSeconds())
        .build();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
