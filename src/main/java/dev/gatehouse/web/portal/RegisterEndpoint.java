package dev.gatehouse.web.portal;

import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.signin.magiclink.Registrations;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.util.Optional;

/**
 * Self sign-up, when {@code registration.policy} is {@code open} or {@code domains}: {@code
 * GET|POST /register} asks for an address and always answers "check your email"; the link opens
 * {@code GET /register/confirm} (never consumes), whose form ({@code POST /register/confirm})
 * creates the account and signs it in. Thread-safe.
 */
public final class RegisterEndpoint {
  private final Registrations registrations;
  private final PasswordPolicy policy;
  private final WebSessions sessions;
  private final Templates templates;
  private final ErrorPages errors;
  private final String publicOrigin;

  /** Wires the pages. */
  public RegisterEndpoint(
      Registrations registrations,
      PasswordPolicy policy,
      WebSessions sessions,
      Templates templates,
      ErrorPages errors,
      String publicOrigin) {
    this.registrations = registrations;
    this.policy = policy;
    this.sessions = sessions;
    this.templates = templates;
    this.errors = errors;
    this.publicOrigin = publicOrigin;
  }

  /** The address form and its answer. */
  public record RegisterView(
      String csrf, String email, String domains, boolean sent, String error) {}

  /** The form a sign-up link opens. */
  public record RegisterConfirmView(
      String csrf,
      String token,
      String email,
      String username,
      String displayName,
      String error,
      int minLength,
      int maxLength) {}

  /** {@code GET /register}. */
  public void show(Exchange exchange) {
    if (closed(exchange)) {
      return;
    }
    renderRequest(exchange, 200, "", false, "");
  }

  /** {@code POST /register}. */
  public void request(Exchange exchange) {
    if (closed(exchange)) {
      return;
    }
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String email = clip(exchange.formOrEmpty("email"));
    switch (registrations.request(email, exchange.clientAddress())) {
      case Registrations.Sent sent -> renderRequest(exchange, 200, email, true, "");
      case Registrations.NotAllowed refused ->
          renderRequest(exchange, 400, email, false, refused.message());
      case Registrations.Throttled throttled ->
          renderRequest(
              exchange, 429, email, false, Views.throttled(exchange, throttled.retryAfter()));
    }
  }

  /** {@code GET /register/confirm?token=…}: never consumes the link. */
  public void showConfirm(Exchange exchange) {
    String token = exchange.query("token").orElse("");
    Optional<String> email = registrations.peek(token);
    if (email.isEmpty() || closed(exchange)) {
      if (email.isEmpty()) {
        errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      }
      return;
    }
    String suggested = email.get().substring(0, email.get().indexOf('@'));
    renderConfirm(exchange, 200, token, email.get(), suggested, "", "");
  }

  /** {@code POST /register/confirm}. */
  public void confirm(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String token = exchange.formOrEmpty("token");
    String username = clip(exchange.formOrEmpty("username"));
    String displayName = clip(exchange.formOrEmpty("display_name"));
    boolean passkeyOnly = exchange.form("passkey_only").map("yes"::equals).orElse(false);
    Optional<String> password =
        passkeyOnly ? Optional.empty() : Optional.of(exchange.formOrEmpty("password"));
    switch (registrations.complete(
        token,
        username,
        displayName,
        password,
        exchange.header("User-Agent").orElse(""),
        exchange.clientAddress())) {
      case Registrations.Welcome welcome -> {
        sessions.start(exchange, welcome.issued());
        exchange.redirect(303, publicOrigin + "/account?done=welcome");
      }
      case Registrations.Problem problem ->
          renderConfirm(
              exchange,
              400,
              token,
              registrations.peek(token).orElse(""),
              username,
              displayName,
              problem.message());
      case Registrations.Invalid invalid -> errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
    }
  }

  private boolean closed(Exchange exchange) {
    if (registrations.policy().allowsSelfSignUp()) {
      return false;
    }
    errors.render(exchange, SafeMessage.SIGNUP_CLOSED);
    return true;
  }

  private void renderRequest(
      Exchange exchange, int status, String email, boolean sent, String error) {
    exchange.html(
        status,
        templates.render(
            "register.jte",
            new RegisterView(
                sessions.csrfToken(exchange),
                email,
                String.join(", ", registrations.domains()),
                sent,
                error)));
  }

  private void renderConfirm(
      Exchange exchange,
      int status,
      String token,
      String email,
      String username,
      String displayName,
      String error) {
    exchange.html(
        status,
        templates.render(
            "register_confirm.jte",
            new RegisterConfirmView(
                sessions.csrfToken(exchange),
                token,
                email,
                username,
                displayName,
                error,
                policy.minLength(),
                policy.maxLength())));
  }

  private static String clip(String text) {
    return text.length() > 256 ? "" : text;
  }
}
