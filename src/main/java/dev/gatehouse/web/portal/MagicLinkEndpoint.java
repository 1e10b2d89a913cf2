package dev.gatehouse.web.portal;

import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.signin.magiclink.MagicLinkService;
import dev.gatehouse.url.RedirectValidator;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpCookie;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Magic-link sign-in pages. {@code POST /login/email} always answers the same page; {@code GET
 * /login/email/confirm} only shows a button (mail scanners open links); {@code POST
 * /login/email/confirm} signs in. A {@code __Host-} pending cookie binds the link to the browser
 * that asked. Thread-safe.
 */
public final class MagicLinkEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(MagicLinkEndpoint.class);

  private final MagicLinkService links;
  private final WebSessions sessions;
  private final Templates templates;
  private final ErrorPages errors;
  private final MeterRegistry metrics;
  private final String home;
  private final String pendingCookie;
  private final String returnCookie;
  private final RedirectValidator redirects;
  private final boolean secure;
  private final SecureRandom random = new SecureRandom();

  /** Wires the pages. */
  public MagicLinkEndpoint(
      MagicLinkService links,
      WebSessions sessions,
      Templates templates,
      ErrorPages errors,
      MeterRegistry metrics,
      String publicOrigin,
      RedirectValidator redirects,
      boolean secure) {
    this.links = links;
    this.sessions = sessions;
    this.templates = templates;
    this.errors = errors;
    this.metrics = metrics;
    this.home = publicOrigin + "/";
    this.secure = secure;
    this.pendingCookie = secure ? "__Host-gatehouse_pending" : "gatehouse_pending";
    this.returnCookie = secure ? "__Host-gatehouse_return" : "gatehouse_return";
    this.redirects = redirects;
  }

  /** {@code GET /login/email}. */
  public void showRequest(Exchange exchange) {
    renderRequest(
        exchange, 200, "", false, "", exchange.query("rd").flatMap(redirects::validate).orElse(""));
  }

  /** {@code POST /login/email}. */
  public void request(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String email = exchange.formOrEmpty("email");
    if (email.length() > 320) {
      email = "";
    }
    String pending = Tokens.newToken(random);
    exchange.addCookie(
        HttpCookie.build(pendingCookie, pending)
            .path("/")
            .httpOnly(true)
            .secure(secure)
            .sameSite(HttpCookie.SameSite.LAX)
            .maxAge(links.lifetime().toSeconds())
            .build());
    // Where to go once the link is used in this browser (an app, an OIDC authorization).
    Optional<String> rd =
        exchange.form("rd").filter(r -> !r.isEmpty()).flatMap(redirects::validate);
    rd.ifPresent(
        target ->
            exchange.addCookie(
                HttpCookie.build(returnCookie, target)
                    .path("/")
                    .httpOnly(true)
                    .secure(secure)
                    .sameSite(HttpCookie.SameSite.LAX)
                    .maxAge(links.lifetime().toSeconds())
                    .build()));
    switch (links.request(email, pending, exchange.clientAddress())) {
      case MagicLinkService.Accepted accepted -> {
        metrics.counter("gatehouse.magiclinks.requested").increment();
        renderRequest(exchange, 200, email, true, "");
      }
      case MagicLinkService.Throttled throttled ->
          renderRequest(
              exchange, 429, email, false, Views.throttled(exchange, throttled.retryAfter()));
    }
  }

  /** {@code GET /login/email/confirm?token=…}: never consumes the link. */
  public void showConfirm(Exchange exchange) {
    String token = exchange.query("token").orElse("");
    if (!links.isUsable(token)) {
      errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      return;
    }
    boolean otherDevice = !links.isSameBrowser(token, pending(exchange));
    renderConfirm(exchange, 200, token, otherDevice, "");
  }

  /** {@code POST /login/email/confirm}. */
  public void confirm(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String token = exchange.formOrEmpty("token");
    boolean confirmedOtherDevice = exchange.form("other_device").map("yes"::equals).orElse(false);
    MagicLinkService.Used used =
        links.use(
            token,
            pending(exchange),
            confirmedOtherDevice,
            exchange.header("User-Agent").orElse(""),
            exchange.clientAddress());
    switch (used) {
      case MagicLinkService.SignedIn signedIn -> {
        metrics.counter("gatehouse.signins", "method", "email", "result", "success").increment();
        LOG.info(
            "sign-in: user {} signed in by email link from {} (session {})",
            signedIn.user().username(),
            exchange.clientAddress(),
            signedIn.issued().session().id());
        sessions.start(exchange, signedIn.issued());
        exchange.addCookie(
            HttpCookie.build(pendingCookie, "")
                .path("/")
                .httpOnly(true)
                .secure(secure)
                .maxAge(0)
                .build());
        List<String> back = exchange.cookies(returnCookie);
        Optional<String> target =
            back.size() == 1 ? redirects.validate(back.get(0)) : Optional.empty();
        if (!back.isEmpty()) {
          exchange.addCookie(
              HttpCookie.build(returnCookie, "")
                  .path("/")
                  .httpOnly(true)
                  .secure(secure)
                  .maxAge(0)
                  .build());
        }
        exchange.redirect(303, target.orElse(home));
      }
      case MagicLinkService.ConfirmOtherDevice other ->
          renderConfirm(exchange, 200, token, true, "");
      case MagicLinkService.Invalid invalid -> {
        metrics.counter("gatehouse.signins", "method", "email", "result", "failure").increment();
        errors.render(exchange, SafeMessage.MAGIC_LINK_INVALID);
      }
    }
  }

  private Optional<String> pending(Exchange exchange) {
    List<String> values = exchange.cookies(pendingCookie);
    return values.size() == 1 ? Optional.of(values.get(0)) : Optional.empty();
  }

  private void renderRequest(
      Exchange exchange, int status, String email, boolean sent, String error) {
    renderRequest(
        exchange,
        status,
        email,
        sent,
        error,
        exchange.form("rd").filter(r -> !r.isEmpty()).flatMap(redirects::validate).orElse(""));
  }

  private void renderRequest(
      Exchange exchange, int status, String email, boolean sent, String error, String rd) {
    exchange.html(
        status,
        templates.render(
            "login_email.jte",
            new Views.MagicLinkRequestView(sessions.csrfToken(exchange), email, sent, error, rd)));
  }

  private void renderConfirm(
      Exchange exchange, int status, String token, boolean otherDevice, String error) {
    exchange.html(
        status,
        templates.render(
            "login_email_confirm.jte",
            new Views.MagicLinkConfirmView(
                sessions.csrfToken(exchange), token, otherDevice, error)));
  }
}
