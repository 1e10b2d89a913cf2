package dev.gatehouse.web.portal;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.session.Session;
import dev.gatehouse.signin.totp.TotpService;
import dev.gatehouse.url.RedirectValidator;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpCookie;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TOTP pages: the code step after a password ({@code /login/totp}, bound to a {@code __Host-}
 * challenge cookie) and enrolment on the account page ({@code /account/totp}: QR code as inline
 * SVG, no script; confirm with a code; recovery codes shown once). Enrolling and turning TOTP off
 * need step-up. Thread-safe.
 */
public final class TotpEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(TotpEndpoint.class);

  private final TotpService totp;
  private final Directory directory;
  private final WebSessions sessions;
  private final RedirectValidator redirects;
  private final Templates templates;
  private final ErrorPages errors;
  private final MeterRegistry metrics;
  private final Clock clock;
  private final String publicOrigin;
  private final String challengeCookie;
  private final boolean secure;

  private final AuditLog audit;

  /** Wires the pages. */
  public TotpEndpoint(
      TotpService totp,
      Directory directory,
      WebSessions sessions,
      RedirectValidator redirects,
      Templates templates,
      ErrorPages errors,
      MeterRegistry metrics,
      Clock clock,
      String publicOrigin,
      boolean secure,
      AuditLog audit) {
    this.totp = totp;
    this.directory = directory;
    this.sessions = sessions;
    this.redirects = redirects;
    this.templates = templates;
    this.errors = errors;
    this.metrics = metrics;
    this.clock = clock;
    this.publicOrigin = publicOrigin;
    this.secure = secure;
    this.audit = audit;
    this.challengeCookie = secure ? "__Host-gatehouse_mfa" : "gatehouse_mfa";
  }

  /** The code page view. */
  public record CodeView(String csrf, String rd, String error) {}

  /** The enrolment page view; {@code qrSvg} is markup we generate (no user input). */
  public record EnrolView(
      String csrf,
      boolean enabled,
      int recoveryLeft,
      String secret,
      String qrSvg,
      List<String> recoveryCodes,
      String error) {}

  /** The cookie that carries a second-factor challenge for five minutes. */
  HttpCookie challengeCookie(String token) {
    return HttpCookie.build(challengeCookie, token)
        .path("/")
        .httpOnly(true)
        .secure(secure)
        .sameSite(HttpCookie.SameSite.LAX)
        .maxAge(300)
        .build();
  }

  /** {@code GET /login/totp}. */
  public void showCode(Exchange exchange) {
    String rd = exchange.query("rd").flatMap(redirects::validate).orElse("");
    renderCode(exchange, 200, rd, "");
  }

  /** {@code POST /login/totp}. */
  public void submitCode(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    List<String> challenge = exchange.cookies(challengeCookie);
    Optional<String> rd =
        exchange.form("rd").filter(r -> !r.isEmpty()).flatMap(redirects::validate);
    TotpService.Second outcome =
        totp.complete(
            challenge.size() == 1 ? challenge.get(0) : "",
            exchange.formOrEmpty("code"),
            exchange.header("User-Agent").orElse(""),
            exchange.clientAddress());
    switch (outcome) {
      case TotpService.Completed done -> {
        metrics
            .counter("gatehouse.signins", "method", "password+totp", "result", "success")
            .increment();
        LOG.info(
            "sign-in: user {} completed the second factor (session {})",
            done.user(),
            done.issued().session().id());
        sessions.start(exchange, done.issued());
        exchange.addCookie(
            HttpCookie.build(challengeCookie, "")
                .path("/")
                .httpOnly(true)
                .secure(secure)
                .maxAge(0)
                .build());
        exchange.redirect(303, rd.orElse(publicOrigin + "/"));
      }
      case TotpService.WrongCode wrong -> {
        metrics
            .counter("gatehouse.signins", "method", "password+totp", "result", "failure")
            .increment();
        audit.record("signin.failure", Optional.empty(), "", exchange.clientAddress(), "totp code");
        renderCode(
            exchange,
            401,
            rd.orElse(""),
            "That code is not right. Use the current code from your app, or a recovery code.");
      }
      case TotpService.Throttled throttled -> {
        exchange.addHeader(
            "Retry-After", Long.toString(Math.max(1, throttled.retryAfter().toSeconds())));
        renderCode(exchange, 429, rd.orElse(""), "Too many attempts. Wait a moment and try again.");
      }
      case TotpService.Expired expired -> exchange.redirect(303, publicOrigin + "/login");
    }
  }

  /** {@code GET /account/totp}: status, or a fresh enrolment. */
  public void showEnrol(Exchange exchange) {
    Optional<User> user = stepUp(exchange);
    if (user.isEmpty()) {
      return;
    }
    if (totp.isEnabled(user.get().id())) {
      render(
          exchange,
          200,
          new EnrolView(
              sessions.csrfToken(exchange),
              true,
              totp.recoveryCodesLeft(user.get().id()),
              "",
              "",
              List.of(),
              ""));
      return;
    }
    TotpService.Pending pending = totp.startEnrollment(user.get());
    render(
        exchange,
        200,
        new EnrolView(
            sessions.csrfToken(exchange),
            false,
            0,
            pending.secretBase32(),
            qr(pending.otpauthUri()),
            List.of(),
            ""));
  }

  /** {@code POST /account/totp}: confirm with a code. */
  public void confirm(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    Optional<User> user = stepUp(exchange);
    if (user.isEmpty()) {
      return;
    }
    Optional<List<String>> codes =
        totp.confirmEnrollment(user.get().id(), exchange.formOrEmpty("code"));
    if (codes.isEmpty()) {
      TotpService.Pending pending = totp.startEnrollment(user.get());
      render(
          exchange,
          400,
          new EnrolView(
              sessions.csrfToken(exchange),
              false,
              0,
              pending.secretBase32(),
              qr(pending.otpauthUri()),
              List.of(),
              "That code did not match. Scan this new code and try again."));
      return;
    }
    LOG.info("totp: user {} turned on two-factor sign-in", user.get().username());
    audit.record(
        "factor.added",
        Optional.of(user.get().id()),
        user.get().username(),
        exchange.clientAddress(),
        "totp");
    render(
        exchange,
        200,
        new EnrolView(
            sessions.csrfToken(exchange), true, codes.get().size(), "", "", codes.get(), ""));
  }

  /** {@code POST /account/totp/disable}. */
  public void disable(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    Optional<User> user = stepUp(exchange);
    if (user.isEmpty()) {
      return;
    }
    totp.disable(user.get().id());
    LOG.info("totp: user {} turned off two-factor sign-in", user.get().username());
    audit.record(
        "factor.removed",
        Optional.of(user.get().id()),
        user.get().username(),
        exchange.clientAddress(),
        "totp");
    exchange.redirect(303, publicOrigin + "/account");
  }

  private Optional<User> stepUp(Exchange exchange) {
    Optional<WebSessions.Current> current = sessions.current(exchange);
    if (current.isEmpty()) {
      exchange.redirect(exchange.method().equals("GET") ? 302 : 303, publicOrigin + "/login");
      return Optional.empty();
    }
    Session session = current.get().session();
    if (!session.mayChangeSignInMethods(clock.instant())) {
      errors.render(exchange, SafeMessage.STEP_UP_REQUIRED);
      return Optional.empty();
    }
    return directory.findById(session.userId()).filter(u -> !u.disabled());
  }

  private void renderCode(Exchange exchange, int status, String rd, String error) {
    exchange.html(
        status,
        templates.render("login_totp.jte", new CodeView(sessions.csrfToken(exchange), rd, error)));
  }

  private void render(Exchange exchange, int status, EnrolView view) {
    exchange.html(status, templates.render("account_totp.jte", view));
  }

  private static String qr(String text) {
    try {
      BitMatrix matrix = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0);
      StringBuilder path = new StringBuilder();
      for (int y = 0; y < matrix.getHeight(); y++) {
        for (int x = 0; x < matrix.getWidth(); x++) {
          if (matrix.get(x, y)) {
            path.append('M').append(x + 4).append(',').append(y + 4).append("h1v1h-1z");
          }
        }
      }
      int size = matrix.getWidth() + 8;
      return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
          + size
          + " "
          + size
          + "\" width=\"220\" height=\"220\" role=\"img\" aria-label=\"QR code for your authenticator app\">"
          + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\""
          + path
          + "\"/></svg>";
    } catch (WriterException e) {
      throw new IllegalStateException("cannot draw the QR code", e);
    }
  }
}
