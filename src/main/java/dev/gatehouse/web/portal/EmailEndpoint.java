package dev.gatehouse.web.portal;

import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.signin.magiclink.EmailAddresses;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.time.Clock;
import java.util.Optional;

/**
 * The user's own address: {@code POST /account/email/verify} sends a verification link and {@code
 * POST /account/email} a change link (after a recent sign-in with a password or passkey); the links
 * open {@code GET /email/verify} and {@code GET /email/change}, which never change anything, and
 * their buttons post back. Thread-safe.
 */
public final class EmailEndpoint {
  private final EmailAddresses addresses;
  private final Directory directory;
  private final WebSessions sessions;
  private final Templates templates;
  private final ErrorPages errors;
  private final AuditLog audit;
  private final Clock clock;
  private final String publicOrigin;

  /** Wires the pages. */
  public EmailEndpoint(
      EmailAddresses addresses,
      Directory directory,
      WebSessions sessions,
      Templates templates,
      ErrorPages errors,
      AuditLog audit,
      Clock clock,
      String publicOrigin) {
    this.addresses = addresses;
    this.directory = directory;
    this.sessions = sessions;
    this.templates = templates;
    this.errors = errors;
    this.audit = audit;
    this.clock = clock;
    this.publicOrigin = publicOrigin;
  }

  /** The page a verification or change link opens: what will happen, and one button. */
  public record EmailLinkView(
      String csrf, String action, String token, String title, String text, String button) {}

  /** The answer once a link was used. */
  public record EmailDoneView(String title, String text) {}

  /** {@code POST /account/email/verify}. */
  public void requestVerification(Exchange exchange) {
    Optional<User> user = signedIn(exchange);
    if (user.isEmpty()) {
      return;
    }
    String done = addresses.requestVerification(user.get()) ? "verify-sent" : "verify-wait";
    exchange.redirect(303, publicOrigin + "/account?done=" + done);
  }

  /** {@code POST /account/email}: needs a recent sign-in with a password or passkey. */
  public void requestChange(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    Optional<WebSessions.Current> current = sessions.current(exchange);
    Optional<User> user = current.flatMap(c -> directory.findById(c.session().userId()));
    if (current.isEmpty() || user.isEmpty()) {
      exchange.redirect(303, publicOrigin + "/login");
      return;
    }
    if (!current.get().session().mayChangeSignInMethods(clock.instant())) {
      errors.render(exchange, SafeMessage.STEP_UP_REQUIRED);
      return;
    }
    String requested = exchange.formOrEmpty("email");
    String done =
        switch (addresses.requestChange(user.get(), requested.length() > 256 ? "" : requested)) {
          case EmailAddresses.LinkSent sent -> "change-sent";
          case EmailAddresses.Refused refused -> "change-refused";
          case EmailAddresses.Throttled throttled -> "change-wait";
        };
    exchange.redirect(303, publicOrigin + "/account?done=" + done);
  }

  /** {@code GET /email/verify?token=…}. */
  public void showVerify(Exchange exchange) {
    String token = exchange.query("token").orElse("");
    Optional<User> user = addresses.peekVerification(token);
    if (user.isEmpty()) {
      errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      return;
    }
    renderLink(
        exchange,
        "/email/verify",
        token,
        "Confirm your email address",
        "Press the button to confirm that " + user.get().email().orElse("") + " is your address.",
        "Confirm my address");
  }

  /** {@code POST /email/verify}. */
  public void verify(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String token = exchange.formOrEmpty("token");
    Optional<User> user = addresses.peekVerification(token);
    if (user.isEmpty() || !addresses.verify(token)) {
      errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      return;
    }
    audit.record(
        "email.verified",
        Optional.of(user.get().id()),
        user.get().username(),
        exchange.clientAddress(),
        "");
    renderDone(exchange, "Address confirmed", "Thank you: your email address is confirmed.");
  }

  /** {@code GET /email/change?token=…}. */
  public void showChange(Exchange exchange) {
    String token = exchange.query("token").orElse("");
    Optional<EmailAddresses.PendingChange> pending = addresses.peekChange(token);
    if (pending.isEmpty()) {
      errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      return;
    }
    renderLink(
        exchange,
        "/email/change",
        token,
        "Confirm your new email address",
        "Press the button to use "
            + pending.get().newAddress()
            + " for the account "
            + pending.get().user().username()
            + ". The old address will be told.",
        "Use this address");
  }

  /** {@code POST /email/change}. */
  public void change(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String token = exchange.formOrEmpty("token");
    Optional<EmailAddresses.PendingChange> pending = addresses.peekChange(token);
    Optional<User> before = addresses.change(token);
    if (pending.isEmpty() || before.isEmpty()) {
      errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      return;
    }
    audit.record(
        "email.changed",
        Optional.of(before.get().id()),
        before.get().username(),
        exchange.clientAddress(),
        "from " + before.get().email().orElse("(none)") + " to " + pending.get().newAddress());
    renderDone(
        exchange,
        "Address changed",
        "Your account now uses " + pending.get().newAddress() + ". The old address was told.");
  }

  private Optional<User> signedIn(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return Optional.empty();
    }
    Optional<User> user =
        sessions.current(exchange).flatMap(c -> directory.findById(c.session().userId()));
    if (user.isEmpty()) {
      exchange.redirect(303, publicOrigin + "/login");
    }
    return user;
  }

  private void renderLink(
      Exchange exchange, String action, String token, String title, String text, String button) {
    exchange.html(
        200,
        templates.render(
            "email_link.jte",
            new EmailLinkView(sessions.csrfToken(exchange), action, token, title, text, button)));
  }

  private void renderDone(Exchange exchange, String title, String text) {
    exchange.html(200, templates.render("email_done.jte", new EmailDoneView(title, text)));
  }
}
