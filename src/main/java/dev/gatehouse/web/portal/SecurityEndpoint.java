package dev.gatehouse.web.portal;

import dev.gatehouse.admin.Accounts;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.signin.magiclink.SignInAlerts;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "this wasn't me" link of a sign-in alert: {@code GET} shows one button (mail scanners open
 * links), {@code POST} ends every session and API key of the user and records a security event.
 * Thread-safe.
 */
public final class SecurityEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(SecurityEndpoint.class);

  private final SignInAlerts alerts;
  private final Accounts accounts;
  private final Directory directory;
  private final WebSessions sessions;
  private final Templates templates;
  private final ErrorPages errors;
  private final AuditLog audit;

  /** Wires the page. */
  public SecurityEndpoint(
      SignInAlerts alerts,
      Accounts accounts,
      Directory directory,
      WebSessions sessions,
      Templates templates,
      ErrorPages errors,
      AuditLog audit) {
    this.alerts = alerts;
    this.accounts = accounts;
    this.directory = directory;
    this.sessions = sessions;
    this.templates = templates;
    this.errors = errors;
    this.audit = audit;
  }

  /** The page's view. */
  public record NotMeView(String csrf, String token, boolean done) {}

  /** {@code GET /security/not-me?token=…}. */
  public void show(Exchange exchange) {
    String token = exchange.query("token").orElse("");
    if (!alerts.isUsable(token)) {
      errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      return;
    }
    exchange.html(
        200,
        templates.render("not_me.jte", new NotMeView(sessions.csrfToken(exchange), token, false)));
  }

  /** {@code POST /security/not-me}. */
  public void confirm(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    Optional<UserId> user = alerts.confirmNotMe(exchange.formOrEmpty("token"));
    Optional<User> account = user.flatMap(directory::findById);
    if (account.isEmpty()) {
      errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      return;
    }
    accounts.endEverything(account.get());
    audit.record(
        "security.not-me",
        user,
        account.get().username(),
        exchange.clientAddress(),
        "all sessions and API keys ended");
    LOG.warn(
        "security event: user {} reported a sign-in that was not theirs; all sessions and API keys ended",
        account.get().username());
    exchange.html(200, templates.render("not_me.jte", new NotMeView("", "", true)));
  }
}
