package dev.gatehouse.web.portal;

import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.signin.magiclink.PasswordResetService;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Password reset pages: {@code /reset/request} (ask for a link; always the same answer), {@code GET
 * /reset?token=…} (the form; never consumes) and {@code POST /reset} (set the password).
 * Thread-safe.
 */
public final class ResetEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(ResetEndpoint.class);

  private final PasswordResetService resets;
  private final PasswordPolicy policy;
  private final WebSessions sessions;
  private final Templates templates;
  private final ErrorPages errors;
  private final String publicOrigin;

  private final AuditLog audit;

  /** Wires the pages. */
  public ResetEndpoint(
      PasswordResetService resets,
      PasswordPolicy policy,
      WebSessions sessions,
      Templates templates,
      ErrorPages errors,
      String publicOrigin,
      AuditLog audit) {
    this.resets = resets;
    this.policy = policy;
    this.sessions = sessions;
    this.templates = templates;
    this.errors = errors;
    this.publicOrigin = publicOrigin;
    this.audit = audit;
  }

  /** {@code GET /reset/request}. */
  public void showRequest(Exchange exchange) {
    renderRequest(exchange, 200, "", false, "");
  }

  /** {@code POST /reset/request}. */
  public void request(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String email = exchange.formOrEmpty("email");
    if (email.length() > 320) {
      email = "";
    }
    Optional<Duration> wait = resets.request(email, exchange.clientAddress());
    if (wait.isPresent()) {
      renderRequest(exchange, 429, email, false, Views.throttled(exchange, wait.get()));
      return;
    }
    renderRequest(exchange, 200, email, true, "");
  }

  /** {@code GET /reset?token=…}. */
  public void showForm(Exchange exchange) {
    String token = exchange.query("token").orElse("");
    if (!resets.isUsable(token)) {
      errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      return;
    }
    renderForm(exchange, 200, token, "");
  }

  /** {@code POST /reset}. */
  public void reset(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String token = exchange.formOrEmpty("token");
    switch (resets.reset(token, exchange.formOrEmpty("password"))) {
      case PasswordResetService.Done done -> {
        LOG.info(
            "password reset: user {} set a new password; all its sessions ended",
            done.user().username());
        audit.record(
            "password.reset",
            Optional.of(done.user().id()),
            done.user().username(),
            exchange.clientAddress(),
            "all sessions ended");
        sessions.end(exchange);
        exchange.redirect(303, publicOrigin + "/login?reset=done");
      }
      case PasswordResetService.WeakPassword weak ->
          renderForm(exchange, 400, token, weak.message());
      case PasswordResetService.Invalid invalid ->
          errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
    }
  }

  private void renderRequest(
      Exchange exchange, int status, String email, boolean sent, String error) {
    exchange.html(
        status,
        templates.render(
            "reset_request.jte",
            new Views.MagicLinkRequestView(sessions.csrfToken(exchange), email, sent, error, "")));
  }

  private void renderForm(Exchange exchange, int status, String token, String error) {
    exchange.html(
        status,
        templates.render(
            "reset.jte",
            new Views.ResetView(
                sessions.csrfToken(exchange),
                token,
                error,
                policy.minLength(),
                policy.maxLength())));
  }
}
