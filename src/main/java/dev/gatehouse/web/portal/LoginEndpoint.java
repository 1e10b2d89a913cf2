package dev.gatehouse.web.portal;

import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.signin.password.PasswordSignIn;
import dev.gatehouse.signin.totp.TotpService;
import dev.gatehouse.url.RedirectValidator;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /login} shows the form; {@code POST /login} signs in and answers {@code 303} to the
 * validated return URL. Every kind of failure renders the same page with the same status, so the
 * answer does not tell whether the account exists, is disabled, or the password was wrong.
 * Thread-safe.
 */
public final class LoginEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(LoginEndpoint.class);

  private final PasswordSignIn signIn;
  private final WebSessions sessions;
  private final RedirectValidator redirects;
  private final Templates templates;
  private final ErrorPages errors;
  private final MeterRegistry metrics;
  private final String home;
  private final TotpService totp;
  private final TotpEndpoint secondFactor;

  private final AuditLog audit;
  private final boolean signUpOpen;
  private final java.util.function.Supplier<java.util.List<Views.ProviderButton>> providers;

  /** Wires the endpoint. */
  public LoginEndpoint(
      PasswordSignIn signIn,
      WebSessions sessions,
      RedirectValidator redirects,
      Templates templates,
      ErrorPages errors,
      MeterRegistry metrics,
      String publicOrigin,
      TotpService totp,
      TotpEndpoint secondFactor,
      boolean signUpOpen,
      AuditLog audit,
      java.util.function.Supplier<java.util.List<Views.ProviderButton>> providers) {
    this.signIn = signIn;
    this.sessions = sessions;
    this.redirects = redirects;
    this.templates = templates;
    this.errors = errors;
    this.metrics = metrics;
    this.home = publicOrigin + "/";
    this.totp = totp;
    this.secondFactor = secondFactor;
    this.audit = audit;
    this.signUpOpen = signUpOpen;
    this.providers = providers;
  }

  /** {@code GET /login}. */
  public void show(Exchange exchange) {
    Optional<String> rd = exchange.query("rd").flatMap(redirects::validate);
    // reauth=1: an application asked for a fresh sign-in (OIDC prompt=login or max_age).
    // step_up=1: an access rule asks for two factors the session lacks; signing in again with a
    // passkey, or a password and an authenticator code, gives the session its second factor.
    Optional<WebSessions.Current> current = sessions.current(exchange);
    boolean stepUp =
        exchange.query("step_up").isPresent()
            && current.map(c -> !c.session().amr().contains("mfa")).orElse(false);
    if (current.isPresent() && exchange.query("reauth").isEmpty() && !stepUp) {
      exchange.redirect(302, rd.orElse(home));
      return;
    }
    // idp=<provider> (an application's hint): straight to that provider, unless the application
    // asked for a fresh sign-in or a second factor, which this page decides.
    Optional<String> idp =
        exchange
            .query("idp")
            .filter(id -> providers.get().stream().anyMatch(p -> p.id().equals(id)));
    if (idp.isPresent() && exchange.query("reauth").isEmpty() && !stepUp) {
      exchange.redirect(
          302,
          "/login/upstream/"
              + idp.get()
              + "/start"
              + rd.map(
                      r ->
                          "?rd="
                              + java.net.URLEncoder.encode(
                                  r, java.nio.charset.StandardCharsets.UTF_8))
                  .orElse(""));
      return;
    }
    String notice =
        stepUp
            ? "This page asks for a second factor. Sign in again with your passkey, or with your"
                + " password and authenticator code. No passkey or authenticator app yet? Add one"
                + " on your account page (/account) first."
            : exchange.query("setup").isPresent()
                ? "The administrator account is ready. Sign in with it."
                : exchange.query("signed_out").isPresent()
                    ? "You are signed out."
                    : exchange.query("reset").isPresent()
                        ? "Your password is changed and you are signed out everywhere. Sign in with the new one."
                        : exchange.query("reauth").isPresent()
                            ? "The application asks you to sign in again."
                            : "";
    // login_hint from an OIDC request pre-fills the username (it decides nothing).
    String hint = exchange.query("login_hint").filter(h -> h.length() <= 128).orElse("");
    render(exchange, 200, hint, rd.orElse(""), "", notice);
  }

  /** {@code POST /login}. */
  public void submit(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String username = exchange.formOrEmpty("username");
    String rdField = exchange.formOrEmpty("rd");
    Optional<String> rd = rdField.isEmpty() ? Optional.empty() : redirects.validate(rdField);
    PasswordSignIn.Outcome outcome =
        signIn.signIn(
            username,
            exchange.formOrEmpty("password"),
            exchange.clientAddress(),
            exchange.header("User-Agent").orElse(""));
    switch (outcome) {
      case PasswordSignIn.Success success -> {
        count("success");
        LOG.info(
            "sign-in: user {} signed in from {} (session {})",
            success.user().username(),
            exchange.clientAddress(),
            success.issued().session().id());
        sessions.start(exchange, success.issued());
        exchange.redirect(303, rd.orElse(home));
      }
      case PasswordSignIn.SecondFactor second -> {
        count("second-factor");
        audit.record(
            "signin.password-ok",
            Optional.of(second.user().id()),
            second.user().username(),
            exchange.clientAddress(),
            "second factor pending");
        exchange.addCookie(secondFactor.challengeCookie(totp.challenge(second.user().id())));
        exchange.redirect(
            303,
            home
                + "login/totp"
                + rd.map(
                        r ->
                            "?rd="
                                + java.net.URLEncoder.encode(
                                    r, java.nio.charset.StandardCharsets.UTF_8))
                    .orElse(""));
      }
      case PasswordSignIn.Failed failed -> {
        count("failure");
        // What was typed as a username is not recorded: people type passwords there too.
        audit.record("signin.failure", Optional.empty(), "", exchange.clientAddress(), "password");
        LOG.info("sign-in: failed attempt from {}", exchange.clientAddress());
        render(exchange, 401, username, rd.orElse(""), SafeMessage.SIGNIN_FAILED.text(), "");
      }
      case PasswordSignIn.Throttled throttled -> {
        count("throttled");
        audit.record(
            "signin.throttled", Optional.empty(), "", exchange.clientAddress(), "password");
        LOG.info("sign-in: throttled attempt from {}", exchange.clientAddress());
        long seconds = Math.max(1, throttled.retryAfter().toSeconds());
        exchange.addHeader("Retry-After", Long.toString(seconds));
        render(
            exchange,
            429,
            username,
            rd.orElse(""),
            "Too many attempts. Wait " + Views.seconds(seconds) + " and try again.",
            "");
      }
    }
  }

  private void count(String result) {
    metrics.counter("gatehouse.signins", "method", "password", "result", result).increment();
  }

  private void render(
      Exchange exchange, int status, String username, String rd, String error, String notice) {
    String safeUsername = username.length() > 256 ? "" : username;
    exchange.html(
        status,
        templates.render(
            "login.jte",
            new Views.LoginView(
                sessions.csrfToken(exchange),
                safeUsername,
                rd,
                error,
                notice,
                signUpOpen,
                providers.get(),
                // An application asked for a fresh sign-in: a provider's button asks the provider
                // for one too, instead of taking its existing session.
                exchange.query("reauth").isPresent())));
  }
}
