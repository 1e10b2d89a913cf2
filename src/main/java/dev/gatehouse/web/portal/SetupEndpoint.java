package dev.gatehouse.web.portal;

import dev.gatehouse.admin.FirstRunSetup;
import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /setup?token=…} shows the first-administrator form while the one-time link is valid;
 * {@code POST /setup} creates the administrator and consumes the link. Thread-safe.
 */
public final class SetupEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(SetupEndpoint.class);

  private final FirstRunSetup setup;
  private final PasswordPolicy policy;
  private final WebSessions sessions;
  private final Templates templates;
  private final ErrorPages errors;
  private final String publicOrigin;

  /** Wires the endpoint. */
  public SetupEndpoint(
      FirstRunSetup setup,
      PasswordPolicy policy,
      WebSessions sessions,
      Templates templates,
      ErrorPages errors,
      String publicOrigin) {
    this.setup = setup;
    this.policy = policy;
    this.sessions = sessions;
    this.templates = templates;
    this.errors = errors;
    this.publicOrigin = publicOrigin;
  }

  /** {@code GET /setup}. */
  public void show(Exchange exchange) {
    String token = exchange.query("token").orElse("");
    if (!setup.isUsable(token)) {
      errors.render(exchange, SafeMessage.SETUP_LINK_INVALID);
      return;
    }
    render(exchange, 200, token, "", "", "", "");
  }

  /** {@code POST /setup}. */
  public void submit(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String token = exchange.formOrEmpty("token");
    String username = exchange.formOrEmpty("username");
    String email = exchange.formOrEmpty("email");
    String displayName = exchange.formOrEmpty("display_name");
    boolean passkeyOnly = exchange.form("passkey_only").map("yes"::equals).orElse(false);
    FirstRunSetup.Outcome outcome =
        setup.complete(
            token,
            username,
            email,
            displayName,
            passkeyOnly ? Optional.empty() : Optional.of(exchange.formOrEmpty("password")),
            exchange.header("User-Agent").orElse(""),
            exchange.clientAddress());
    switch (outcome) {
      case FirstRunSetup.Created created -> {
        LOG.info("first-run setup: administrator {} created", created.admin().username());
        if (created.session().isPresent()) {
          sessions.start(exchange, created.session().get());
          exchange.redirect(303, publicOrigin + "/account?done=setup-passkey");
        } else {
          exchange.redirect(303, publicOrigin + "/login?setup=done");
        }
      }
      case FirstRunSetup.Invalid invalid ->
          render(exchange, 400, token, username, email, displayName, invalid.message());
      case FirstRunSetup.LinkUnusable unusable ->
          errors.render(exchange, SafeMessage.SETUP_LINK_INVALID);
    }
  }

  private void render(
      Exchange exchange,
      int status,
      String token,
      String username,
      String email,
      String displayName,
      String error) {
    exchange.html(
        status,
        templates.render(
            "setup.jte",
            new Views.SetupView(
                sessions.csrfToken(exchange),
                token,
                clip(username),
                clip(email),
                clip(displayName),
                error,
                policy.minLength(),
                policy.maxLength())));
  }

  private static String clip(String text) {
    return text.length() > 256 ? "" : text;
  }
}
