package dev.gatehouse.web.portal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.session.Session;
import dev.gatehouse.signin.passkey.PasskeyRepository;
import dev.gatehouse.signin.passkey.PasskeyService;
import dev.gatehouse.url.RedirectValidator;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.WebSessions;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passkeys on the web: JSON ceremonies for the script ({@code /passkeys/…}, CSRF token in {@code
 * X-CSRF-Token}) and the account page that lists, adds and removes them. Adding or removing a
 * passkey needs a session started within the last 30 minutes with a password or a passkey: a
 * magic-link session alone is not enough (step-up by method, not only by time). Thread-safe.
 */
public final class PasskeyEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(PasskeyEndpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PasskeyService passkeys;
  private final Directory directory;
  private final WebSessions sessions;
  private final ErrorPages errors;
  private final MeterRegistry metrics;
  private final Clock clock;
  private final String publicOrigin;
  private final RedirectValidator redirects;

  private final AuditLog audit;

  /** Wires the endpoints. */
  public PasskeyEndpoint(
      PasskeyService passkeys,
      Directory directory,
      WebSessions sessions,
      ErrorPages errors,
      MeterRegistry metrics,
      Clock clock,
      String publicOrigin,
      RedirectValidator redirects,
      AuditLog audit) {
    this.passkeys = passkeys;
    this.directory = directory;
    this.sessions = sessions;
    this.errors = errors;
    this.metrics = metrics;
    this.clock = clock;
    this.publicOrigin = publicOrigin;
    this.redirects = redirects;
    this.audit = audit;
  }

  /** {@code POST /passkeys/register/start}. */
  public void registerStart(Exchange exchange) {
    Optional<User> user = stepUpUser(exchange);
    if (user.isEmpty()) {
      return;
    }
    PasskeyService.Started started = passkeys.startRegistration(user.get());
    exchange.json(200, envelope(started));
  }

  /** {@code POST /passkeys/register/finish}. */
  public void registerFinish(Exchange exchange) {
    Optional<User> user = stepUpUser(exchange);
    if (user.isEmpty()) {
      return;
    }
    JsonNode body = parse(exchange);
    Optional<PasskeyRepository.Passkey> added =
        passkeys.finishRegistration(
            user.get(),
            text(body, "ceremony"),
            body.path("credential").toString(),
            text(body, "name"));
    if (added.isEmpty()) {
      exchange.json(400, "{\"error\":\"The passkey could not be verified. Try again.\"}");
      return;
    }
    audit.record(
        "factor.added",
        Optional.of(user.get().id()),
        user.get().username(),
        exchange.clientAddress(),
        "passkey " + added.get().name());
    LOG.info("passkey: user {} added passkey \"{}\"", user.get().username(), added.get().name());
    exchange.json(200, "{\"ok\":true}");
  }

  /** {@code POST /passkeys/signin/start}. */
  public void signInStart(Exchange exchange) {
    if (!sessions.csrfValidHeader(exchange)) {
      exchange.json(403, "{\"error\":\"" + SafeMessage.CSRF_FAILED.text() + "\"}");
      return;
    }
    exchange.json(200, envelope(passkeys.startSignIn()));
  }

  /** {@code POST /passkeys/signin/finish}. */
  public void signInFinish(Exchange exchange) {
    if (!sessions.csrfValidHeader(exchange)) {
      exchange.json(403, "{\"error\":\"" + SafeMessage.CSRF_FAILED.text() + "\"}");
      return;
    }
    JsonNode body = parse(exchange);
    PasskeyService.SignIn outcome =
        passkeys.finishSignIn(
            text(body, "ceremony"),
            body.path("credential").toString(),
            exchange.header("User-Agent").orElse(""),
            exchange.clientAddress());
    switch (outcome) {
      case PasskeyService.SignedIn signedIn -> {
        metrics.counter("gatehouse.signins", "method", "passkey", "result", "success").increment();
        LOG.info(
            "sign-in: user {} signed in with a passkey from {} (session {})",
            signedIn.user().username(),
            exchange.clientAddress(),
            signedIn.issued().session().id());
        sessions.start(exchange, signedIn.issued());
        // Back to where the sign-in was asked for (an app, an OIDC authorization), if valid.
        String target =
            Optional.of(text(body, "rd"))
                .filter(r -> !r.isEmpty())
                .flatMap(redirects::validate)
                .orElse(publicOrigin + "/");
        ObjectNode answer = JSON.createObjectNode().put("redirect", target);
        exchange.json(200, answer.toString());
      }
      case PasskeyService.Refused refused -> {
        metrics.counter("gatehouse.signins", "method", "passkey", "result", "failure").increment();
        LOG.info(
            "sign-in: passkey refused from {}: {}", exchange.clientAddress(), refused.reason());
        audit.record(
            "signin.failure",
            Optional.empty(),
            "",
            exchange.clientAddress(),
            "passkey: " + refused.reason());
        exchange.json(401, "{\"error\":\"This passkey was not accepted.\"}");
      }
    }
  }

  /** {@code POST /account/passkeys/remove}. */
  public void remove(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    Optional<WebSessions.Current> current = sessions.current(exchange);
    if (current.isEmpty() || !mayChange(current.get().session())) {
      errors.render(exchange, SafeMessage.FORBIDDEN);
      return;
    }
    if (passkeys.remove(current.get().session().userId(), exchange.formOrEmpty("id"))) {
      audit.record(
          "factor.removed",
          Optional.of(current.get().session().userId()),
          "",
          exchange.clientAddress(),
          "passkey");
    }
    exchange.redirect(303, publicOrigin + "/account");
  }

  private Optional<User> stepUpUser(Exchange exchange) {
    if (!sessions.csrfValidHeader(exchange)) {
      exchange.json(403, "{\"error\":\"" + SafeMessage.CSRF_FAILED.text() + "\"}");
      return Optional.empty();
    }
    Optional<WebSessions.Current> current = sessions.current(exchange);
    if (current.isEmpty()) {
      exchange.json(401, "{\"error\":\"Sign in first.\"}");
      return Optional.empty();
    }
    if (!mayChange(current.get().session())) {
      exchange.json(
          403, "{\"error\":\"Sign in again with your password or a passkey to change passkeys.\"}");
      return Optional.empty();
    }
    return directory.findById(current.get().session().userId()).filter(u -> !u.disabled());
  }

  private boolean mayChange(Session session) {
    return session.mayChangeSignInMethods(clock.instant());
  }

  private static String envelope(PasskeyService.Started started) {
    try {
      ObjectNode node = JSON.createObjectNode();
      node.put("ceremony", started.ceremony());
      node.set("options", JSON.readTree(started.optionsJson()));
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot build WebAuthn options", e);
    }
  }

  private static JsonNode parse(Exchange exchange) {
    try {
      JsonNode node = JSON.readTree(exchange.jsonBody());
      if (node == null || !node.isObject()) {
        throw new Exchange.BadRequestException("JSON object expected");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new Exchange.BadRequestException("malformed JSON");
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isTextual() ? "" : value.asText();
  }
}
