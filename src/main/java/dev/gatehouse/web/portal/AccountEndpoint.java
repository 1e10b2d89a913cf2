package dev.gatehouse.web.portal;

import dev.gatehouse.admin.Accounts;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.session.Session;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.signin.passkey.PasskeyService;
import dev.gatehouse.signin.totp.TotpService;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

/**
 * The account page: sessions (with device and last use; end one or all others), password change
 * (needs the current password; ends the other sessions), passkeys and the authenticator app.
 * Thread-safe.
 */
public final class AccountEndpoint {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  private final Directory directory;
  private final SessionService sessionService;
  private final PasskeyService passkeys;
  private final TotpService totp;
  private final Accounts accounts;
  private final WebSessions sessions;
  private final Templates templates;
  private final ErrorPages errors;
  private final AuditLog audit;
  private final Clock clock;
  private final String publicOrigin;
  private final Connections connections;

  /** The applications a user gave access to, and taking it back (OIDC consents). */
  public interface Connections {
    /** Client id to the scopes consented, for {@code user}. */
    java.util.Map<String, java.util.Set<String>> of(dev.gatehouse.kernel.UserId user);

    /** The client's display name. */
    String name(String clientId);

    /** Forgets the consent and ends the grants the client holds for the user. */
    void revoke(dev.gatehouse.kernel.UserId user, String clientId);
  }

  /** Wires the page. */
  public AccountEndpoint(
      Directory directory,
      SessionService sessionService,
      PasskeyService passkeys,
      TotpService totp,
      Accounts accounts,
      WebSessions sessions,
      Templates templates,
      ErrorPages errors,
      AuditLog audit,
      Clock clock,
      String publicOrigin,
      Connections connections,
      dev.gatehouse.signin.upstream.UpstreamSignIn upstream) {
    this.directory = directory;
    this.sessionService = sessionService;
    this.passkeys = passkeys;
    this.totp = totp;
    this.accounts = accounts;
    this.sessions = sessions;
    this.templates = templates;
    this.errors = errors;
    this.audit = audit;
    this.clock = clock;
    this.publicOrigin = publicOrigin;
    this.connections = connections;
    this.upstream = upstream;
  }

  private final dev.gatehouse.signin.upstream.UpstreamSignIn upstream;

  /** The page's view. */
  public record AccountView(
      String csrf,
      String username,
      String email,
      boolean emailVerified,
      boolean canChange,
      boolean totpOn,
      List<PasskeyRow> passkeys,
      List<SessionRow> sessions,
      List<AppRow> apps,
      List<ProviderRow> providers,
      String notice,
      String error) {}

  /** An upstream identity provider, and whether (since when) the user is linked to it. */
  public record ProviderRow(String id, String name, boolean linked, String since) {}

  /** One application the user gave access to. */
  public record AppRow(String clientId, String name, String scopes) {}

  /** One passkey row. */
  public record PasskeyRow(
      String id, String name, String created, String lastUsed, boolean flagged) {}

  /** One session row. */
  public record SessionRow(
      String id,
      String device,
      String address,
      String signedIn,
      String lastSeen,
      String methods,
      boolean current) {}

  /** {@code GET /account}. */
  public void show(Exchange exchange) {
    Optional<Ctx> ctx = context(exchange, false);
    if (ctx.isPresent()) {
      String notice =
          exchange
              .query("done")
              .map(
                  d ->
                      switch (d) {
                        case "password" ->
                            "Your password is changed; your other sessions have ended.";
                        case "sessions" -> "Done: those sessions have ended.";
                        case "app" -> "Done: that application no longer has access.";
                        case "linked" -> "Done: you can now sign in through that provider.";
                        case "unlinked" -> "Done: that provider no longer signs you in.";
                        case "setup-passkey" ->
                            "You are the administrator. Add your passkey now: this account has no"
                                + " password, and this chance lasts 30 minutes.";
                        case "welcome" ->
                            "Welcome! Your account is ready. Add a passkey below to sign in"
                                + " without a password.";
                        case "verify-sent" ->
                            "A confirmation link is on its way to your address (24 hours, once).";
                        case "change-sent" ->
                            "A link is on its way to the new address. Your address changes when"
                                + " you follow it (24 hours, once).";
                        case "change-refused" ->
                            "That address cannot be used: enter a valid address other than your"
                                + " current one.";
                        case "verify-wait", "change-wait" ->
                            "Too many emails were sent just now. Wait a while and try again.";
                        default -> "";
                      })
              .orElse("");
      render(exchange, 200, ctx.get(), notice, "");
    }
  }

  /** {@code POST /account/sessions/revoke}: ends one of the user's sessions. */
  public void revokeSession(Exchange exchange) {
    Optional<Ctx> ctx = context(exchange, true);
    if (ctx.isEmpty()) {
      return;
    }
    String id = exchange.formOrEmpty("id");
    boolean own =
        sessionService.list(Optional.of(ctx.get().user().id())).stream()
            .anyMatch(s -> s.id().equals(id));
    if (own && id.matches("[0-9a-f]{16}")) {
      sessionService.revoke(id);
      audit.record(
          "session.revoked",
          Optional.of(ctx.get().user().id()),
          ctx.get().user().username(),
          exchange.clientAddress(),
          "session " + id);
    }
    exchange.redirect(303, publicOrigin + "/account?done=sessions");
  }

  /** {@code POST /account/sessions/revoke-others}. */
  public void revokeOthers(Exchange exchange) {
    Optional<Ctx> ctx = context(exchange, true);
    if (ctx.isEmpty()) {
      return;
    }
    for (Session session : sessionService.list(Optional.of(ctx.get().user().id()))) {
      if (!session.id().equals(ctx.get().session().id())) {
        sessionService.revoke(session.id());
      }
    }
    audit.record(
        "session.revoked",
        Optional.of(ctx.get().user().id()),
        ctx.get().user().username(),
        exchange.clientAddress(),
        "all other sessions");
    exchange.redirect(303, publicOrigin + "/account?done=sessions");
  }

  /** {@code POST /account/apps/revoke}: takes back an application's access. */
  public void revokeApp(Exchange exchange) {
    Optional<Ctx> ctx = context(exchange, true);
    if (ctx.isEmpty()) {
      return;
    }
    String clientId = exchange.formOrEmpty("client_id");
    if (connections.of(ctx.get().user().id()).containsKey(clientId)) {
      connections.revoke(ctx.get().user().id(), clientId);
      audit.record(
          "oauth.consent-revoked",
          Optional.of(ctx.get().user().id()),
          ctx.get().user().username(),
          exchange.clientAddress(),
          "client " + clientId);
    }
    exchange.redirect(303, publicOrigin + "/account?done=app");
  }

  /** {@code POST /account/password}: needs the current password. */
  public void changePassword(Exchange exchange) {
    Optional<Ctx> ctx = context(exchange, true);
    if (ctx.isEmpty()) {
      return;
    }
    try {
      switch (accounts.changePassword(
          ctx.get().user(),
          exchange.formOrEmpty("current"),
          exchange.formOrEmpty("password"),
          ctx.get().session().id())) {
        case Accounts.Changed changed -> {}
        case Accounts.WrongPassword wrong -> {
          render(exchange, 400, ctx.get(), "", "The current password is not right.");
          return;
        }
        case Accounts.Throttled throttled -> {
          render(exchange, 429, ctx.get(), "", Views.throttled(exchange, throttled.retryAfter()));
          return;
        }
      }
    } catch (DirectoryException.InvalidValueException e) {
      render(exchange, 400, ctx.get(), "", e.getMessage());
      return;
    }
    exchange.redirect(303, publicOrigin + "/account?done=password");
  }

  private record Ctx(User user, Session session) {}

  private Optional<Ctx> context(Exchange exchange, boolean post) {
    if (post && !sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return Optional.empty();
    }
    Optional<WebSessions.Current> current = sessions.current(exchange);
    Optional<User> user = current.flatMap(c -> directory.findById(c.session().userId()));
    if (current.isEmpty() || user.isEmpty()) {
      exchange.redirect(post ? 303 : 302, publicOrigin + "/login");
      return Optional.empty();
    }
    return Optional.of(new Ctx(user.get(), current.get().session()));
  }

  private void render(Exchange exchange, int status, Ctx ctx, String notice, String error) {
    List<PasskeyRow> keys =
        passkeys.list(ctx.user().id()).stream()
            .map(
                p ->
                    new PasskeyRow(
                        p.credentialId(),
                        p.name(),
                        TIME.format(p.createdAt()),
                        p.lastUsedAt().map(TIME::format).orElse("never"),
                        p.flagged()))
            .toList();
    List<SessionRow> rows =
        sessionService.list(Optional.of(ctx.user().id())).stream()
            .map(
                s ->
                    new SessionRow(
                        s.id(),
                        s.userAgent().isEmpty() ? "unknown browser" : s.userAgent(),
                        s.clientAddress(),
                        TIME.format(s.createdAt()),
                        TIME.format(s.lastSeenAt()),
                        String.join(" ", s.amr().stream().sorted().toList())
                            + (s.idp().isEmpty()
                                ? ""
                                : " via "
                                    + upstream.provider(s.idp()).map(p -> p.name()).orElse(s.idp())
                                    + providerSaid(s)),
                        s.id().equals(ctx.session().id())))
            .toList();
    exchange.html(
        status,
        templates.render(
            "account.jte",
            new AccountView(
                sessions.csrfToken(exchange),
                ctx.user().username(),
                ctx.user().email().orElse(""),
                ctx.user().emailVerified(),
                ctx.session().mayChangeSignInMethods(clock.instant()),
                totp.isEnabled(ctx.user().id()),
                keys,
                rows,
                connections.of(ctx.user().id()).entrySet().stream()
                    .map(
                        e ->
                            new AppRow(
                                e.getKey(),
                                connections.name(e.getKey()),
                                String.join(", ", new java.util.TreeSet<>(e.getValue()))))
                    .toList(),
                providerRows(ctx.user().id()),
                notice,
                error)));
  }

  /** What the provider said of a session's sign-in: " (otp pwd, acr gold)", or nothing. */
  private static String providerSaid(dev.gatehouse.session.Session s) {
    List<String> parts = new java.util.ArrayList<>();
    if (!s.idpAmr().isEmpty()) {
      parts.add(String.join(" ", new java.util.TreeSet<>(s.idpAmr())));
    }
    if (!s.idpAcr().isEmpty()) {
      parts.add("acr " + s.idpAcr());
    }
    return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
  }

  private List<ProviderRow> providerRows(dev.gatehouse.kernel.UserId user) {
    var links = upstream.linksOf(user);
    return upstream.providers().stream()
        .map(
            p -> {
              var link = links.stream().filter(l -> l.providerId().equals(p.id())).findFirst();
              return new ProviderRow(
                  p.id(),
                  p.name(),
                  link.isPresent(),
                  link.map(l -> TIME.format(l.createdAt())).orElse(""));
            })
        .toList();
  }
}
