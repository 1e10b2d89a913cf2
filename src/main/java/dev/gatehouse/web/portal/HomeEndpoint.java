package dev.gatehouse.web.portal;

import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.url.RedirectValidator;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * {@code GET /} shows who is signed in (or sends the browser to sign in); {@code POST /logout} ends
 * the session everywhere and clears the cookie. Thread-safe.
 */
public final class HomeEndpoint {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  private final Directory directory;
  private final WebSessions sessions;
  private final RedirectValidator redirects;
  private final Templates templates;
  private final ErrorPages errors;
  private final String publicOrigin;

  private final AuditLog audit;

  private final dev.gatehouse.signin.upstream.UpstreamSignIn upstream;
  private final dev.gatehouse.forwardauth.Apps apps;

  /** Wires the endpoint. */
  public HomeEndpoint(
      Directory directory,
      WebSessions sessions,
      RedirectValidator redirects,
      Templates templates,
      ErrorPages errors,
      String publicOrigin,
      AuditLog audit,
      dev.gatehouse.signin.upstream.UpstreamSignIn upstream,
      dev.gatehouse.forwardauth.Apps apps) {
    this.apps = apps;
    this.upstream = upstream;
    this.directory = directory;
    this.sessions = sessions;
    this.redirects = redirects;
    this.templates = templates;
    this.errors = errors;
    this.publicOrigin = publicOrigin;
    this.audit = audit;
  }

  /** {@code GET /}. */
  public void show(Exchange exchange) {
    Optional<WebSessions.Current> current = sessions.current(exchange);
    Optional<User> user = current.flatMap(c -> directory.findById(c.session().userId()));
    if (current.isEmpty() || user.isEmpty()) {
      exchange.redirect(302, publicOrigin + "/login");
      return;
    }
    User u = user.get();
    exchange.html(
        200,
        templates.render(
            "home.jte",
            new Views.HomeView(
                sessions.csrfToken(exchange),
                u.displayName(),
                u.username(),
                u.email().orElse(""),
                u.admin(),
                TIME.format(current.get().session().expiresAt()),
                apps.openTo(current.get().session(), exchange.clientAddress()))));
  }

  /**
   * {@code GET /denied?rd=…}: where browsers refused by an access rule land (the proxy sends them
   * here). 403, says who is signed in and which page was refused, and offers to sign in as someone
   * else or to sign out. It never says which rule refused: that is for the log.
   */
  public void denied(Exchange exchange) {
    Optional<String> rd = exchange.query("rd").flatMap(redirects::validate);
    Optional<User> user =
        sessions.current(exchange).flatMap(c -> directory.findById(c.session().userId()));
    String again =
        "/login" + rd.map(r -> "?rd=" + URLEncoder.encode(r, StandardCharsets.UTF_8)).orElse("");
    exchange.html(
        403,
        templates.render(
            "denied.jte",
            new Views.DeniedView(
                sessions.csrfToken(exchange),
                user.map(User::username).orElse(""),
                rd.orElse(""),
                again)));
  }

  /** {@code POST /logout}. */
  public void logout(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    Optional<WebSessions.Current> current = sessions.current(exchange);
    current.ifPresent(
        c ->
            audit.record(
                "signout",
                Optional.of(c.session().userId()),
                "",
                exchange.clientAddress(),
                "session " + c.session().id()));
    sessions.end(exchange);
    String next =
        exchange
            .form("rd")
            .flatMap(redirects::validate)
            .orElse(publicOrigin + "/login?signed_out=1");
    // A session from an upstream provider marked end-session signs out there too, then comes back
    // to the one address registered there (the provider would refuse any other rd).
    Optional<java.net.URI> upstreamLogout =
        current
            .map(c -> c.session().idp())
            .filter(idp -> !idp.isEmpty())
            .flatMap(idp -> upstream.endSession(idp, publicOrigin + "/login?signed_out=1"));
    exchange.redirect(303, upstreamLogout.map(java.net.URI::toString).orElse(next));
  }
}
