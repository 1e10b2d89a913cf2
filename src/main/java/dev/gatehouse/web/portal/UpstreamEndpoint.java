package dev.gatehouse.web.portal;

import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.signin.upstream.UpstreamProvider;
import dev.gatehouse.signin.upstream.UpstreamSignIn;
import dev.gatehouse.url.RedirectValidator;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.http.HttpCookie;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sign-in through upstream providers: {@code POST /login/upstream} (the provider's button, CSRF
 * checked) starts a flow — a flow cookie for this browser, then the provider — and {@code GET
 * /login/upstream/<id>/callback} finishes it, opening a session and returning to the validated
 * {@code rd}. Refusals are pages that name the provider and what to do. Thread-safe.
 */
public final class UpstreamEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamEndpoint.class);

  private final UpstreamSignIn upstream;
  private final SessionService sessionService;
  private final WebSessions sessions;
  private final RedirectValidator redirects;
  private final Templates templates;
  private final ErrorPages errors;
  private final String publicOrigin;
  private final boolean secure;
  private final String flowCookie;
  private final java.time.Clock clock;
  private final java.util.function.Predicate<dev.gatehouse.kernel.UserId> otherWays;

  /**
   * Wires the endpoint; {@code secure} when the public URL is https; {@code otherWays} tells
   * whether a user can sign in without any upstream provider.
   */
  public UpstreamEndpoint(
      UpstreamSignIn upstream,
      SessionService sessionService,
      WebSessions sessions,
      RedirectValidator redirects,
      Templates templates,
      ErrorPages errors,
      String publicOrigin,
      boolean secure,
      java.time.Clock clock,
      java.util.function.Predicate<dev.gatehouse.kernel.UserId> otherWays) {
    this.upstream = upstream;
    this.sessionService = sessionService;
    this.sessions = sessions;
    this.redirects = redirects;
    this.templates = templates;
    this.errors = errors;
    this.publicOrigin = publicOrigin;
    this.secure = secure;
    this.clock = clock;
    this.otherWays = otherWays;
    this.flowCookie = secure ? "__Host-gatehouse_upstream" : "gatehouse_upstream";
  }

  /**
   * {@code GET /login/upstream/<id>/start} and {@code GET /login/upstream/<id>/callback}, for every
   * provider — including one added with the CLI while the server runs. Anything else under the
   * prefix is not found.
   */
  public void route(Exchange exchange) {
    String rest = exchange.path().substring("/login/upstream/".length());
    int slash = rest.indexOf('/');
    String id = slash < 0 ? "" : rest.substring(0, slash);
    String action = slash < 0 ? "" : rest.substring(slash + 1);
    if (!id.matches("[a-z0-9][a-z0-9-]{0,31}") || upstream.provider(id).isEmpty()) {
      errors.render(exchange, SafeMessage.NOT_FOUND);
    } else if (action.equals("start")) {
      // A GET (any page can make a browser send one) never replaces a session: a browser that is
      // signed in goes where it was headed.
      if (sessions.current(exchange).isPresent()) {
        exchange.redirect(
            303, exchange.query("rd").flatMap(redirects::validate).orElse(publicOrigin + "/"));
        return;
      }
      begin(exchange, id, exchange.query("rd").orElse(""), false);
    } else if (action.equals("callback")) {
      callback(exchange, id);
    } else {
      errors.render(exchange, SafeMessage.NOT_FOUND);
    }
  }

  /** {@code POST /login/upstream}: the provider's button on the sign-in page. */
  public void start(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    begin(
        exchange,
        exchange.formOrEmpty("provider"),
        exchange.formOrEmpty("rd"),
        exchange.formOrEmpty("reauth").equals("1"));
  }

  // GET /login/upstream/<id>/start?rd=… (an application's idp hint) may start a flow too: it signs
  // nobody in by itself — only the user, at the provider, can — and the flow is bound to this
  // browser.

  private void begin(Exchange exchange, String id, String rdField, boolean fresh) {
    Optional<UpstreamProvider> provider = upstream.provider(id);
    if (provider.isEmpty()) {
      errors.render(exchange, SafeMessage.NOT_FOUND);
      return;
    }
    String returnTo = rdField.isEmpty() ? "" : redirects.validate(rdField).orElse("");
    answer(
        exchange,
        provider.get(),
        upstream.start(provider.get(), returnTo, exchange.clientAddress(), fresh),
        " Try again in a moment, or sign in another way.");
  }

  private void answer(
      Exchange exchange, UpstreamProvider provider, UpstreamSignIn.Begun begun, String advice) {
    switch (begun) {
      case UpstreamSignIn.Started started -> {
        exchange.addCookie(flowCookie(withSecret(exchange, started.browserSecret())));
        exchange.redirect(303, started.authorization().toString());
      }
      case UpstreamSignIn.Unreachable unreachable ->
          refuse(exchange, 502, provider.name() + " cannot be reached right now." + advice);
      case UpstreamSignIn.Throttled throttled -> {
        exchange.addHeader("Retry-After", Long.toString(throttled.retryAfter().toSeconds()));
        refuse(
            exchange,
            429,
            "Too many sign-ins were started from your network just now. Wait "
                + Views.seconds(throttled.retryAfter().toSeconds())
                + " and try again.");
      }
    }
  }

  /**
   * The flow cookie's value with {@code secret} added: one secret per flow under way in this
   * browser (the newest three), so a second tab — or a page that starts a flow behind the user's
   * back — does not break the flow the user is in.
   */
  private String withSecret(Exchange exchange, String secret) {
    List<String> kept = new java.util.ArrayList<>(secrets(exchange));
    kept.add(secret);
    return String.join(".", kept.subList(Math.max(0, kept.size() - 3), kept.size()));
  }

  private List<String> secrets(Exchange exchange) {
    List<String> cookies = exchange.cookies(flowCookie);
    if (cookies.size() != 1) {
      return List.of();
    }
    return java.util.Arrays.stream(cookies.get(0).split("\\."))
        .filter(part -> part.matches("[A-Za-z0-9_-]{43}"))
        .limit(3)
        .toList();
  }

  private void callback(Exchange exchange, String id) {
    String path = exchange.path();
    Optional<UpstreamProvider> provider = upstream.provider(id);
    if (provider.isEmpty()) {
      errors.render(exchange, SafeMessage.NOT_FOUND);
      return;
    }
    List<String> secrets = secrets(exchange);
    // Each protocol parameter once (RFC 6749 3.1): with two, which one was checked is a guess.
    try {
      var parameters = com.nimbusds.oauth2.sdk.util.URLUtils.parseParameters(exchange.rawQuery());
      for (String name : List.of("state", "code", "iss", "error")) {
        if (parameters.getOrDefault(name, List.of()).size() > 1) {
          refuse(
              exchange,
              400,
              provider.get().name()
                  + " sent back an answer Gatehouse cannot read. Start again from the sign-in"
                  + " page.");
          return;
        }
      }
    } catch (RuntimeException unreadable) {
      // the parse below refuses it
    }
    URI callback;
    try {
      callback =
          URI.create(
              publicOrigin
                  + path
                  + (exchange.rawQuery().isEmpty() ? "" : "?" + exchange.rawQuery()));
    } catch (IllegalArgumentException unreadable) {
      refuse(
          exchange,
          400,
          provider.get().name()
              + " sent back an answer Gatehouse cannot read. Start again from the sign-in page.");
      return;
    }
    UpstreamSignIn.Outcome outcome =
        upstream.finish(
            provider.get(),
            callback,
            secrets,
            sessions.current(exchange).map(c -> c.session().userId()),
            exchange.clientAddress());
    if (!(outcome instanceof UpstreamSignIn.Refused)) {
      // Done: every flow of this browser ends with the sign-in it was for.
      exchange.addCookie(
          HttpCookie.build(flowCookie, "")
              .path("/")
              .httpOnly(true)
              .secure(secure)
              .maxAge(0)
              .build());
    }
    switch (outcome) {
      case UpstreamSignIn.SignedIn signedIn -> {
        SessionService.Issued issued =
            sessionService.issue(
                signedIn.user().id(),
                Set.copyOf(signedIn.amr()),
                exchange.header("User-Agent").orElse(""),
                exchange.clientAddress(),
                signedIn.provider().id(),
                signedIn.providerAmr(),
                signedIn.providerAcr());
        LOG.info(
            "sign-in: user {} signed in through {} from {} (session {})",
            signedIn.user().username(),
            signedIn.provider().id(),
            exchange.clientAddress(),
            issued.session().id());
        sessions.start(exchange, issued);
        exchange.redirect(
            303, signedIn.returnTo().isEmpty() ? publicOrigin + "/" : signedIn.returnTo());
      }
      case UpstreamSignIn.Linked linked -> exchange.redirect(303, "/account?done=linked");
      case UpstreamSignIn.Refused refused -> refuse(exchange, refused.status(), refused.message());
    }
  }

  /**
   * {@code POST /account/upstream/link}: links an identity at a provider to the signed-in user.
   * Like adding a passkey, it needs a session that proved itself recently with a password or
   * passkey.
   */
  public void link(Exchange exchange) {
    Optional<AccountAction> action = accountAction(exchange);
    if (action.isEmpty()) {
      return;
    }
    WebSessions.Current current = action.get().current();
    Optional<UpstreamProvider> provider = Optional.of(action.get().provider());
    if (!current.session().mayChangeSignInMethods(clock.instant())) {
      refuse(
          exchange,
          403,
          "To link "
              + provider.get().name()
              + ", sign out and sign in again with your password or a passkey, then link it from"
              + " your account page within 30 minutes.");
      return;
    }
    answer(
        exchange,
        provider.get(),
        upstream.startLink(provider.get(), current.session().userId()),
        " Try again in a moment.");
  }

  /**
   * {@code POST /account/upstream/unlink}: removes a link, unless it is the account's last way to
   * sign in (no password, passkey, address for emailed links or other provider).
   */
  public void unlink(Exchange exchange) {
    Optional<AccountAction> action = accountAction(exchange);
    if (action.isEmpty()) {
      return;
    }
    Optional<UpstreamProvider> provider = Optional.of(action.get().provider());
    if (!action.get().current().session().mayChangeSignInMethods(clock.instant())) {
      refuse(
          exchange,
          403,
          "To unlink "
              + provider.get().name()
              + ", sign out and sign in again with your password or a passkey, then unlink it from"
              + " your account page within 30 minutes.");
      return;
    }
    dev.gatehouse.kernel.UserId user = action.get().current().session().userId();
    boolean otherLinks =
        upstream.linksOf(user).stream().anyMatch(l -> !l.providerId().equals(provider.get().id()));
    if (!otherLinks && !otherWays.test(user)) {
      refuse(
          exchange,
          409,
          provider.get().name()
              + " is the only way to sign in to this account. Add a passkey or a password first.");
      return;
    }
    upstream.unlink(user, provider.get(), exchange.clientAddress());
    // What came in through the provider goes with it, this browser's session included.
    boolean endedThis = false;
    for (var session : sessionService.list(Optional.of(user))) {
      if (session.idp().equals(provider.get().id())) {
        sessionService.revoke(session.id());
        endedThis |= session.id().equals(action.get().current().session().id());
      }
    }
    exchange.redirect(303, endedThis ? "/login?signed_out=1" : "/account?done=unlinked");
  }

  /** A signed-in user's POST from the account page naming a provider. */
  private record AccountAction(WebSessions.Current current, UpstreamProvider provider) {}

  /**
   * The session, a valid CSRF token and a known provider, or the answer that says which is missing
   * (then empty).
   */
  private Optional<AccountAction> accountAction(Exchange exchange) {
    Optional<WebSessions.Current> current = sessions.current(exchange);
    if (current.isEmpty()) {
      exchange.redirect(
          303,
          "/login?rd="
              + java.net.URLEncoder.encode(
                  publicOrigin + "/account", java.nio.charset.StandardCharsets.UTF_8));
      return Optional.empty();
    }
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return Optional.empty();
    }
    Optional<UpstreamProvider> provider = upstream.provider(exchange.formOrEmpty("provider"));
    if (provider.isEmpty()) {
      errors.render(exchange, SafeMessage.NOT_FOUND);
      return Optional.empty();
    }
    return Optional.of(new AccountAction(current.get(), provider.get()));
  }

  private HttpCookie flowCookie(String secret) {
    return HttpCookie.build(flowCookie, secret)
        .path("/")
        .httpOnly(true)
        .secure(secure)
        .sameSite(HttpCookie.SameSite.LAX)
        .maxAge(600)
        .build();
  }

  private void refuse(Exchange exchange, int status, String message) {
    exchange.html(
        status,
        templates.render("upstream_refused.jte", new Views.UpstreamRefusedView(status, message)));
  }
}
