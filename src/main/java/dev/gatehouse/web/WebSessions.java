package dev.gatehouse.web;

import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.session.Session;
import dev.gatehouse.session.SessionCookie;
import dev.gatehouse.session.SessionService;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpCookie;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser side of sessions: reading the session cookie (refusing duplicates), setting and
 * clearing it, and CSRF tokens bound to the session or to a pre-session cookie. Thread-safe.
 */
public final class WebSessions {
  private static final Logger LOG = LoggerFactory.getLogger(WebSessions.class);
  private static final String CSRF_FIELD = "csrf";

  private final SessionService sessions;
  private final SessionCookie cookie;
  private final String csrfCookieName;
  private final Csrf csrf;
  private final Duration cookieLifetime;
  private final SecureRandom random;
  private final java.util.function.Consumer<Session> onSignIn;

  /** Wires the browser session handling. */
  public WebSessions(
      SessionService sessions,
      SessionCookie cookie,
      Csrf csrf,
      Duration cookieLifetime,
      SecureRandom random,
      java.util.function.Consumer<Session> onSignIn) {
    this.sessions = sessions;
    this.cookie = cookie;
    this.csrfCookieName = cookie.secure() ? "__Host-gatehouse_csrf" : "gatehouse_csrf";
    this.csrf = csrf;
    this.cookieLifetime = cookieLifetime;
    this.random = random;
    this.onSignIn = onSignIn;
  }

  /** A session resolved from the request, with its cookie token. */
  public record Current(Session session, String token) {
    @Override
    public String toString() {
      return "Current[session=" + session.id() + "]";
    }
  }

  /**
   * The request's live session. Two cookies of the session's name mean a sibling subdomain tossed
   * one in (SECURITY.md §4): the request is treated as unauthenticated and the event is logged.
   */
  public Optional<Current> current(Exchange exchange) {
    List<String> values = exchange.cookies(cookie.name());
    if (values.size() > 1) {
      LOG.warn(
          "security event: {} session cookies in one request from {} (cookie tossing?); treated as"
              + " signed out",
          values.size(),
          exchange.clientAddress());
      return Optional.empty();
    }
    if (values.isEmpty()) {
      return Optional.empty();
    }
    String token = values.get(0);
    // A session opened on a further cookie domain by a hand-off is good for that domain's apps
    // only: never for the portal (its account pages, its sign-out, a new hand-off).
    return sessions
        .resolve(token)
        .filter(s -> s.parentId().isEmpty())
        .map(s -> new Current(s, token));
  }

  /**
   * Sets the session cookie for a freshly issued session (replacing any clearing cookie) and tells
   * the sign-in hook (alerts). A failing hook never fails the sign-in.
   */
  public void start(Exchange exchange, SessionService.Issued issued) {
    // The browser's previous session ends here; signed in again as the same user, what apps were
    // given in it carries on in the new one.
    for (String token : exchange.cookies(cookie.name())) {
      sessions.handOver(token, issued.session());
    }
    exchange.removeCookie(cookie.name());
    exchange.addCookie(sessionCookie(issued.token(), cookieLifetime));
    try {
      onSignIn.accept(issued.session());
    } catch (RuntimeException e) {
      LOG.error("sign-in hook failed for session {}: {}", issued.session().id(), e.toString());
    }
  }

  /** Ends the request's session (if any) and clears the cookie. */
  public void end(Exchange exchange) {
    for (String token : exchange.cookies(cookie.name())) {
      sessions.revokeToken(token);
    }
    exchange.addCookie(sessionCookie("", Duration.ZERO));
  }

  private HttpCookie sessionCookie(String value, Duration maxAge) {
    HttpCookie.Builder builder =
        HttpCookie.build(cookie.name(), value)
            .path("/")
            .httpOnly(true)
            .secure(cookie.secure())
            .sameSite(HttpCookie.SameSite.LAX)
            .maxAge(maxAge.toSeconds());
    cookie.domain().ifPresent(builder::domain);
    return builder.build();
  }

  /** The CSRF token to embed in a form on this page (sets the pre-session cookie when needed). */
  public String csrfToken(Exchange exchange) {
    return csrf.token(binding(exchange, true));
  }

  /**
   * Whether a script's POST carries a valid CSRF token in {@code X-CSRF-Token} and comes from our
   * own origin (for JSON requests made by the passkey script).
   */
  public boolean csrfValidHeader(Exchange exchange) {
    if (!csrf.sameOrigin(exchange.header("Origin"), exchange.header("Sec-Fetch-Site"))) {
      return false;
    }
    String binding = binding(exchange, false);
    return !binding.isEmpty() && csrf.valid(binding, exchange.singleHeader("X-CSRF-Token"));
  }

  /** Whether a POST carries a valid CSRF token and comes from our own origin. */
  public boolean csrfValid(Exchange exchange) {
    if (!csrf.sameOrigin(exchange.header("Origin"), exchange.header("Sec-Fetch-Site"))) {
      LOG.info(
          "refused cross-origin POST to {} from {}", exchange.path(), exchange.clientAddress());
      return false;
    }
    String binding = binding(exchange, false);
    return !binding.isEmpty() && csrf.valid(binding, exchange.form(CSRF_FIELD));
  }

  private String binding(Exchange exchange, boolean createCookie) {
    Optional<Current> current = current(exchange);
    if (current.isPresent()) {
      return "s:" + current.get().session().tokenHash();
    }
    List<String> values = exchange.cookies(csrfCookieName);
    if (values.size() == 1 && Tokens.looksLikeToken(values.get(0))) {
      return "c:" + values.get(0);
    }
    if (!createCookie) {
      return "";
    }
    String fresh = Tokens.newToken(random);
    exchange.addCookie(
        HttpCookie.build(csrfCookieName, fresh)
            .path("/")
            .httpOnly(true)
            .secure(cookie.secure())
            .sameSite(HttpCookie.SameSite.LAX)
            .build());
    return "c:" + fresh;
  }
}
