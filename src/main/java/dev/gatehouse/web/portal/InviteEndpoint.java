package dev.gatehouse.web.portal;

import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.signin.magiclink.Invitations;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.util.Optional;

/**
 * {@code GET /invite?token=…} shows the welcome form (never consumes); {@code POST /invite} sets a
 * password (or none, to add a passkey next) and signs the invitee in. Thread-safe.
 */
public final class InviteEndpoint {
  private final Invitations invitations;
  private final PasswordPolicy policy;
  private final WebSessions sessions;
  private final Templates templates;
  private final ErrorPages errors;
  private final String publicOrigin;

  /** Wires the page. */
  public InviteEndpoint(
      Invitations invitations,
      PasswordPolicy policy,
      WebSessions sessions,
      Templates templates,
      ErrorPages errors,
      String publicOrigin) {
    this.invitations = invitations;
    this.policy = policy;
    this.sessions = sessions;
    this.templates = templates;
    this.errors = errors;
    this.publicOrigin = publicOrigin;
  }

  /** The page's view. */
  public record InviteView(
      String csrf, String token, String username, String error, int minLength, int maxLength) {}

  /** {@code GET /invite}. */
  public void show(Exchange exchange) {
    String token = exchange.query("token").orElse("");
    Optional<User> user = invitations.peek(token);
    if (user.isEmpty()) {
      errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      return;
    }
    render(exchange, 200, token, user.get().username(), "");
  }

  /** {@code POST /invite}. */
  public void accept(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String token = exchange.formOrEmpty("token");
    boolean passkeyOnly = exchange.form("passkey_only").map("yes"::equals).orElse(false);
    Optional<String> password =
        passkeyOnly ? Optional.empty() : Optional.of(exchange.formOrEmpty("password"));
    switch (invitations.accept(
        token, password, exchange.header("User-Agent").orElse(""), exchange.clientAddress())) {
      case Invitations.Welcome welcome -> {
        sessions.start(exchange, welcome.issued());
        exchange.redirect(303, publicOrigin + "/account");
      }
      case Invitations.WeakPassword weak ->
          render(
              exchange,
              400,
              token,
              invitations.peek(token).map(User::username).orElse(""),
              weak.message());
      case Invitations.Invalid invalid -> errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
    }
  }

  private void render(Exchange exchange, int status, String token, String username, String error) {
    exchange.html(
        status,
        templates.render(
            "invite.jte",
            new InviteView(
                sessions.csrfToken(exchange),
                token,
                username,
                error,
                policy.minLength(),
                policy.maxLength())));
  }
}
