package dev.gatehouse.app;

import dev.gatehouse.admin.Accounts;
import dev.gatehouse.admin.FirstRunSetup;
import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.credential.PasswordHasher;
import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.forwardauth.IdentityJwts;
import dev.gatehouse.forwardauth.IdentityResolver;
import dev.gatehouse.forwardauth.Verifier;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.keys.AtRestCipher;
import dev.gatehouse.keys.SigningKeys;
import dev.gatehouse.mail.LogTransport;
import dev.gatehouse.mail.MailTransport;
import dev.gatehouse.mail.OutboxWorker;
import dev.gatehouse.mail.SmtpTransport;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.ClientCredentialsGrant;
import dev.gatehouse.oidc.Clients;
import dev.gatehouse.oidc.CodeFlow;
import dev.gatehouse.oidc.Logout;
import dev.gatehouse.session.HandOffs;
import dev.gatehouse.session.SessionCookie;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.signin.Throttle;
import dev.gatehouse.signin.magiclink.AccountNotices;
import dev.gatehouse.signin.magiclink.EmailAddresses;
import dev.gatehouse.signin.magiclink.Invitations;
import dev.gatehouse.signin.magiclink.MagicLinkService;
import dev.gatehouse.signin.magiclink.PasswordResetService;
import dev.gatehouse.signin.magiclink.Registrations;
import dev.gatehouse.signin.magiclink.SignInAlerts;
import dev.gatehouse.signin.passkey.PasskeyService;
import dev.gatehouse.signin.password.PasswordSignIn;
import dev.gatehouse.signin.totp.TotpService;
import dev.gatehouse.signin.upstream.UpstreamSignIn;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.JdbcApiKeys;
import dev.gatehouse.store.JdbcAudit;
import dev.gatehouse.store.JdbcClients;
import dev.gatehouse.store.JdbcGroups;
import dev.gatehouse.store.JdbcHandOffs;
import dev.gatehouse.store.JdbcMagicLinks;
import dev.gatehouse.store.JdbcOutbox;
import dev.gatehouse.store.JdbcPasskeys;
import dev.gatehouse.store.JdbcRegistrations;
import dev.gatehouse.store.JdbcRoles;
import dev.gatehouse.store.JdbcServerSecrets;
import dev.gatehouse.store.JdbcSessions;
import dev.gatehouse.store.JdbcSetupTokens;
import dev.gatehouse.store.JdbcSigningKeys;
import dev.gatehouse.store.JdbcThrottle;
import dev.gatehouse.store.JdbcTokens;
import dev.gatehouse.store.JdbcTotp;
import dev.gatehouse.store.JdbcUpstream;
import dev.gatehouse.store.JdbcUsers;
import dev.gatehouse.store.StoreException;
import dev.gatehouse.url.RedirectValidator;
import dev.gatehouse.web.ClientAddress;
import dev.gatehouse.web.Csrf;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.HttpMetrics;
import dev.gatehouse.web.Router;
import dev.gatehouse.web.StaticAsset;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.Tls;
import dev.gatehouse.web.WebServer;
import dev.gatehouse.web.WebSessions;
import dev.gatehouse.web.forwardauth.EchoEndpoint;
import dev.gatehouse.web.forwardauth.ForwardAuthEndpoints;
import dev.gatehouse.web.oidc.AuthorizeEndpoint;
import dev.gatehouse.web.oidc.DiscoveryEndpoint;
import dev.gatehouse.web.oidc.IntrospectionEndpoint;
import dev.gatehouse.web.oidc.JwksEndpoint;
import dev.gatehouse.web.oidc.LogoutEndpoint;
import dev.gatehouse.web.oidc.RevocationEndpoint;
import dev.gatehouse.web.oidc.TokenEndpoint;
import dev.gatehouse.web.oidc.UserInfoEndpoint;
import dev.gatehouse.web.ops.OpsEndpoints;
import dev.gatehouse.web.portal.AccountEndpoint;
import dev.gatehouse.web.portal.EmailEndpoint;
import dev.gatehouse.web.portal.HandOffEndpoint;
import dev.gatehouse.web.portal.HomeEndpoint;
import dev.gatehouse.web.portal.InviteEndpoint;
import dev.gatehouse.web.portal.LoginEndpoint;
import dev.gatehouse.web.portal.MagicLinkEndpoint;
import dev.gatehouse.web.portal.PasskeyEndpoint;
import dev.gatehouse.web.portal.RegisterEndpoint;
import dev.gatehouse.web.portal.ResetEndpoint;
import dev.gatehouse.web.portal.SecurityEndpoint;
import dev.gatehouse.web.portal.SetupEndpoint;
import dev.gatehouse.web.portal.TotpEndpoint;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Wires every part by plain constructors: the one place that knows all concrete classes. Used by
 * the CLI (without the web server) and by {@code serve}. Thread-safe after construction.
 */
public final class Gatehouse implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Gatehouse.class);
  private final GatehouseConfig config;
  private final Clock clock;
  private final SecureRandom random;
  private final Database database;
  private final Directory directory;
  private final JdbcUsers users;
  private final PasswordHasher hasher;
  private final PasswordPolicy policy;
  private final JdbcSessions sessionStore;
  private final SessionService sessions;
  private final HandOffs handOffs;
  private dev.gatehouse.web.admin.AdminApi adminApi;
  private Verifier verifier;
  private final Accounts accounts;
  private final FirstRunSetup setup;
  private final PasswordSignIn passwordSignIn;
  private final JdbcServerSecrets secrets;
  private final Throttle throttle;
  private final ApiKeyService apiKeys;
  private volatile Optional<dev.gatehouse.store.ChangeFeed> changeFeed = Optional.empty();
  private final JdbcOutbox outbox;
  private final OutboxWorker mailWorker;
  private final MagicLinkService magicLinks;
  private final PasswordResetService passwordResets;
  private final PasskeyService passkeys;
  private final TotpService totp;
  private final AuditLog audit;
  private final SignInAlerts alerts;
  private final Invitations invitations;
  private final Registrations registrations;
  private final UpstreamSignIn upstream;
  private final UpstreamProviders upstreamProviders;
  private final AccountNotices notices;
  private final EmailAddresses emailAddresses;
  private final SigningKeys signingKeys;
  private final Clients clients;
  private final JdbcTokens tokens;
  private final AccessTokens accessTokens;
  private final CodeFlow codeFlow;
  private final Logout logout;

  private Gatehouse(GatehouseConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.random = new SecureRandom();
    if (config.database().url().isEmpty()) {
      createPrivateDirectory(config.dataDir());
    }
    this.database =
        Database.open(
            config.database().url(),
            config.database().username(),
            config.database().password(),
            config.database().poolSize(),
            config.dataDir());
    this.users = new JdbcUsers(database);
    this.audit =
        new AuditLog(
            new JdbcAudit(database),
            clock,
            random,
            config
                .auditWebhook()
                .<java.util.function.Consumer<dev.gatehouse.audit.AuditEvent>>map(
                    dev.gatehouse.audit.Webhook::new)
                .orElse(event -> {}));
    JdbcGroups groups = new JdbcGroups(database);
    JdbcRoles roles = new JdbcRoles(database);
    this.directory = new Directory(users, groups, roles, clock, random);
    GatehouseConfig.Passwords passwords = config.password();
    this.hasher =
        new PasswordHasher(
            passwords.argon2MemoryKib(),
            passwords.argon2Iterations(),
            passwords.argon2Parallelism(),
            random);
    this.policy = new PasswordPolicy(passwords.minLength(), passwords.maxLength());
    this.sessionStore = new JdbcSessions(database);
    this.sessions =
        new SessionService(
            sessionStore,
            clock,
            random,
            config.session().idleTimeout(),
            config.session().absoluteTimeout());
    this.handOffs = new HandOffs(new JdbcHandOffs(database), sessions, clock, random);
    this.apiKeys = new ApiKeyService(new JdbcApiKeys(database), clock, random);
    this.throttle =
        new Throttle(
            new JdbcThrottle(database),
            clock,
            config.signin().maxBackoff(),
            config.signin().attemptWindow());
    this.setup =
        new FirstRunSetup(
            new JdbcSetupTokens(database),
            directory,
            users,
            hasher,
            policy,
            sessions,
            clock,
            random);
    GatehouseConfig.SignIn signin = config.signin();
    Path keyFile = atRestKeyFile(config);
    if (config.atRestKeyFile().isPresent()) {
      String problem = AtRestCipher.sharedKeyProblem(keyFile).orElse("");
      if (!problem.isEmpty()) {
        database.close();
        throw new StoreException(problem, null);
      }
    }
    if (!Files.exists(keyFile) && database.holdsSealedData()) {
      // A new key would make the signing keys and TOTP seeds unreadable for good: change nothing.
      database.close();
      throw new StoreException(
          keyFile
              + " is missing, but the database holds signing keys, authenticator seeds or queued"
              + " mail sealed with it. Put it back (`gatehouse restore BACKUP` restores the"
              + " database and the key together, or copy it from the old data directory);"
              + " nothing was changed.",
          null);
    }
    AtRestCipher atRest = AtRestCipher.fromKeyFile(keyFile, random);
    this.signingKeys = new SigningKeys(new JdbcSigningKeys(database), atRest, clock, random);
    this.clients =
        new Clients(
            config.oidcClients(),
            config.oidcClientSecretFiles(),
            new JdbcClients(database),
            clock,
            random);
    this.tokens = new JdbcTokens(database);
    this.accessTokens =
        new AccessTokens(
            signingKeys, tokens, clients, clock, random, config.server().publicOrigin());
    this.codeFlow =
        new CodeFlow(
            tokens, accessTokens, directory, clock, random, config.server().publicOrigin(), atRest);
    this.logout =
        new Logout(
            tokens,
            clients,
            accessTokens,
            clock,
            random,
            config.server().publicOrigin(),
            new dev.gatehouse.store.JdbcLogoutQueue(database));
    sessions.onEnded(logout::sessionsEnded);
    sessions.onReplaced(logout::sessionReplaced);
    this.totp =
        new TotpService(
            new JdbcTotp(database), atRest, throttle, sessions, clock, random, "Gatehouse");
    this.passwordSignIn =
        new PasswordSignIn(
            directory,
            users,
            hasher,
            policy,
            throttle,
            sessions,
            clock,
            signin.accountFreeAttempts(),
            signin.addressFreeAttempts(),
            totp::isEnabled);
    this.secrets = new JdbcServerSecrets(database, clock);
    this.outbox = new JdbcOutbox(database, atRest);
    outbox.sealPlainRows();
    this.notices = new AccountNotices(outbox, clock, random, config.server().publicOrigin());
    this.accounts =
        new Accounts(
            directory,
            users,
            hasher,
            policy,
            sessions,
            apiKeys,
            audit,
            clock,
            throttle,
            config.signin().accountFreeAttempts(),
            notices);

    GatehouseConfig.Mail mail = config.mail();
    MailTransport transport =
        mail.smtpHost()
            .<MailTransport>map(
                host ->
                    new SmtpTransport(
                        host,
                        mail.smtpPort(),
                        SmtpTransport.Security.valueOf(
                            mail.smtpSecurity().toUpperCase(java.util.Locale.ROOT)),
                        Optional.of(mail.smtpUsername()).filter(u -> !u.isEmpty()),
                        mail.smtpPassword(),
                        mail.from()))
            .orElseGet(() -> new LogTransport(System.out));
    this.mailWorker =
        new OutboxWorker(outbox, transport, clock, config.server().publicUrl().getHost());
    this.passkeys =
        new PasskeyService(
            new JdbcPasskeys(database),
            directory,
            sessions,
            clock,
            random,
            config.webauthn().rpId(),
            "Gatehouse",
            java.util.Set.copyOf(config.webauthn().origins()));
    JdbcMagicLinks emailLinks = new JdbcMagicLinks(database, outbox);
    this.invitations =
        new Invitations(
            emailLinks,
            directory,
            users,
            hasher,
            policy,
            sessions,
            clock,
            random,
            config.server().publicOrigin());
    this.registrations =
        new Registrations(
            config.registration().policy(),
            config.registration().domains(),
            new JdbcRegistrations(database, outbox),
            outbox,
            directory,
            hasher,
            policy,
            sessions,
            throttle,
            clock,
            random,
            config.server().publicOrigin(),
            signin.addressFreeAttempts(),
            signin.accountFreeAttempts());
    JdbcUpstream upstreamStore = new JdbcUpstream(database);
    java.util.Set<String> configuredProviders =
        config.identityProviders().stream()
            .map(dev.gatehouse.signin.upstream.UpstreamProvider::id)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    this.upstreamProviders =
        new UpstreamProviders(
            upstreamStore, atRest, config.registration(), configuredProviders::contains, clock);
    this.upstream =
        new UpstreamSignIn(
            config.identityProviders(),
            upstreamProviders::load,
            throttle,
            upstreamStore,
            directory,
            audit,
            clock,
            random,
            config.server().publicOrigin());
    this.emailAddresses =
        new EmailAddresses(
            emailLinks,
            outbox,
            directory,
            throttle,
            clock,
            random,
            config.server().publicOrigin(),
            signin.accountFreeAttempts());
    this.alerts =
        new SignInAlerts(emailLinks, directory, clock, random, config.server().publicOrigin());
    this.passwordResets =
        new PasswordResetService(
            emailLinks,
            directory,
            throttle,
            users,
            hasher,
            policy,
            sessions,
            clock,
            random,
            config.server().publicOrigin(),
            signin.addressFreeAttempts(),
            signin.accountFreeAttempts(),
            notices);
    this.magicLinks =
        new MagicLinkService(
            emailLinks,
            directory,
            throttle,
            sessions,
            clock,
            random,
            config.server().publicOrigin(),
            signin.addressFreeAttempts(),
            signin.accountFreeAttempts(),
            signin.emailLinkLifetime());
  }

  /** Opens the store and builds the services (no network listener yet). */
  public static Gatehouse open(GatehouseConfig config, Clock clock) {
    return new Gatehouse(config, clock);
  }

  /**
   * Revokes what clients that no longer exist, or are disabled, still hold. A client of {@code
   * gatehouse.yml} that was disabled or removed there had its tokens refused only while it stayed
   * so: re-enabled, or re-created with the same id (with a new secret, by someone else), it got
   * them back. Clients changed at run time are revoked as it happens. A node started with an older
   * file during a rolling change may revoke a client's tokens early: it then asks for new ones.
   */
  private void revokeTokensOfGoneClients() {
    for (String id : tokens.clientsHoldingTokens()) {
      if (clients.find(id).map(dev.gatehouse.oidc.Client::disabled).orElse(true)) {
        int revoked = tokens.revokeClient(id, clock.instant());
        LOG.info("revoked {} tokens of client {}: it is disabled or no longer exists", revoked, id);
      }
    }
    accessTokens.forgetCachedRecords();
  }

  /** Builds the HTTP routes and starts listening. */
  public WebServer startWeb() throws Exception {
    GatehouseConfig.Server server = config.server();
    String origin = server.publicOrigin();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Gauge.builder("gatehouse.sessions.active", sessions, SessionService::countActive)
        .description("Sessions neither revoked nor past their absolute lifetime")
        .register(registry);
    Templates templates = new Templates();
    ErrorPages errors = new ErrorPages(templates);
    RedirectValidator redirects =
        new RedirectValidator(
            server.publicUrl(),
            config.session().cookieDomain(),
            config.session().moreDomains().stream()
                .map(GatehouseConfig.MoreDomain::domain)
                .toList());
    SessionCookie cookie =
        SessionCookie.of(
            config.session().cookieName(), config.session().cookieDomain(), server.secure());
    Csrf csrf = new Csrf(secrets.getOrCreate("csrf-key", () -> Tokens.newToken(random)), origin);
    WebSessions webSessions =
        new WebSessions(
            sessions,
            SessionCookie.of(
                config.session().cookieName(), config.session().cookieDomain(), server.secure()),
            csrf,
            config.session().absoluteTimeout(),
            random,
            session -> {
              // Every sign-in method passes here: record the sign-in, look for a new device.
              users.recordSignIn(session.userId(), session.createdAt());
              audit.record(
                  "signin.success",
                  Optional.of(session.userId()),
                  users.findById(session.userId()).map(u -> u.username()).orElse(""),
                  session.clientAddress(),
                  String.join(" ", session.amr().stream().sorted().toList()));
              alerts.onSignIn(session.userId(), session.userAgent(), session.clientAddress());
            });
    TotpEndpoint totpPage =
        new TotpEndpoint(
            totp,
            directory,
            webSessions,
            redirects,
            templates,
            errors,
            registry,
            clock,
            origin,
            cookie.secure(),
            audit);
    LoginEndpoint login =
        new LoginEndpoint(
            passwordSignIn,
            webSessions,
            redirects,
            templates,
            errors,
            registry,
            origin,
            totp,
            totpPage,
            registrations.policy().allowsSelfSignUp(),
            audit,
            () ->
                upstream.providers().stream()
                    .map(p -> new dev.gatehouse.web.portal.Views.ProviderButton(p.id(), p.name()))
                    .toList());
    dev.gatehouse.web.portal.UpstreamEndpoint upstreamPage =
        new dev.gatehouse.web.portal.UpstreamEndpoint(
            upstream,
            sessions,
            webSessions,
            redirects,
            templates,
            errors,
            origin,
            cookie.secure(),
            clock,
            user ->
                accounts.hasPassword(user)
                    || !passkeys.list(user).isEmpty()
                    // An address counts only once its owner confirmed it.
                    || directory
                        .findById(user)
                        .filter(dev.gatehouse.identity.User::emailVerified)
                        .flatMap(dev.gatehouse.identity.User::email)
                        .isPresent());
    IdentityResolver identities = new IdentityResolver(directory, clock);
    HomeEndpoint home =
        new HomeEndpoint(
            directory,
            webSessions,
            redirects,
            templates,
            errors,
            origin,
            audit,
            upstream,
            new dev.gatehouse.forwardauth.Apps(
                appAddresses(config), config.forwardAuth().access(), identities, clients::list));
    MagicLinkEndpoint magicLinkPage =
        new MagicLinkEndpoint(
            magicLinks,
            webSessions,
            templates,
            errors,
            registry,
            origin,
            redirects,
            cookie.secure());
    ResetEndpoint resetPage =
        new ResetEndpoint(passwordResets, policy, webSessions, templates, errors, origin, audit);
    PasskeyEndpoint passkeyPage =
        new PasskeyEndpoint(
            passkeys, directory, webSessions, errors, registry, clock, origin, redirects, audit);
    AccountEndpoint accountPage =
        new AccountEndpoint(
            directory,
            sessions,
            passkeys,
            totp,
            accounts,
            webSessions,
            templates,
            errors,
            audit,
            clock,
            origin,
            new AccountEndpoint.Connections() {
              @Override
              public java.util.Map<String, java.util.Set<String>> of(
                  dev.gatehouse.kernel.UserId user) {
                return tokens.consents(user);
              }

              @Override
              public String name(String clientId) {
                return clients.find(clientId).map(c -> c.name()).orElse(clientId);
              }

              @Override
              public void revoke(dev.gatehouse.kernel.UserId user, String clientId) {
                tokens.revokeConsent(user, clientId, clock.instant());
                accessTokens.forgetCachedRecords();
              }
            },
            upstream);
    SecurityEndpoint securityPage =
        new SecurityEndpoint(alerts, accounts, directory, webSessions, templates, errors, audit);
    RegisterEndpoint registerPage =
        new RegisterEndpoint(registrations, policy, webSessions, templates, errors, origin);
    EmailEndpoint emailPage =
        new EmailEndpoint(
            emailAddresses, directory, webSessions, templates, errors, audit, clock, origin);
    InviteEndpoint invitePage =
        new InviteEndpoint(invitations, policy, webSessions, templates, errors, origin);
    SetupEndpoint setupPage =
        new SetupEndpoint(setup, policy, webSessions, templates, errors, origin);
    OpsEndpoints ops = new OpsEndpoints(database::ping, registry);
    TokenEndpoint tokenEndpoint =
        new TokenEndpoint(
            clients, new ClientCredentialsGrant(accessTokens), codeFlow, registry, clock, origin);
    AuthorizeEndpoint authorize =
        new AuthorizeEndpoint(
            clients,
            codeFlow,
            tokens,
            directory,
            webSessions,
            templates,
            errors,
            registry,
            clock,
            origin,
            csrf,
            accessTokens);
    UserInfoEndpoint userInfo = new UserInfoEndpoint(accessTokens, directory, origin);
    LogoutEndpoint endSession =
        new LogoutEndpoint(clients, accessTokens, webSessions, templates, errors, origin);
    DiscoveryEndpoint discovery = new DiscoveryEndpoint(origin);
    IntrospectionEndpoint introspection =
        new IntrospectionEndpoint(clients, accessTokens, directory, origin);
    RevocationEndpoint revocation = new RevocationEndpoint(clients, accessTokens, codeFlow, origin);
    JwksEndpoint jwks = new JwksEndpoint(signingKeys);
    ClientAddress clientAddress = new ClientAddress(server.trustedProxies());
    Verifier.Headers names = config.forwardAuth().headers();
    IdentityJwts identityJwts = new IdentityJwts(accessTokens, clock, origin);
    revokeTokensOfGoneClients();
    logout.start(); // back-channel notices a failure, a restart or another node left due
    // Other nodes' revocations and changes reach this node's caches at once (PostgreSQL only).
    changeFeed =
        dev.gatehouse.store.ChangeFeed.start(
            database,
            change -> {
              switch (change) {
                case "sessions" -> sessions.forgetCached();
                case "api_keys" -> apiKeys.invalidate();
                case "access_tokens" -> accessTokens.forgetCachedRecords();
                case "clients" -> clients.forgetCached();
                case "signing_keys" -> signingKeys.reload();
                case "directory" -> identities.invalidate();
                default -> {
                  sessions.forgetCached();
                  apiKeys.invalidate();
                  accessTokens.forgetCachedRecords();
                  clients.forgetCached();
                  signingKeys.reload();
                  identities.invalidate();
                }
              }
            });
    verifier =
        new Verifier(
            sessions,
            apiKeys,
            accessTokens,
            clients,
            identities,
            identityJwts,
            config.forwardAuth().access(),
            redirects,
            names,
            origin,
            host ->
                config
                    .session()
                    .moreDomainOf(host)
                    .map(domain -> domain.origin() + "/handoff/start"),
            host -> config.session().moreDomainOf(host).map(GatehouseConfig.MoreDomain::domain));
    HandOffEndpoint handOffPage =
        new HandOffEndpoint(
            handOffs,
            webSessions,
            redirects,
            config.session().moreDomains(),
            errors,
            audit,
            origin,
            config.session().cookieName(),
            server.secure(),
            config.session().absoluteTimeout(),
            clock);
    ForwardAuthEndpoints forwardAuth =
        new ForwardAuthEndpoints(verifier, clientAddress, cookie.name(), registry);
    HttpMetrics httpMetrics = new HttpMetrics(registry);
    Router router =
        new Router(
            clientAddress, httpMetrics, errors, server.secure(), StoreException::isStoreFailure);
    router.getUnder("/login/upstream/", upstreamPage::route);
    adminApi =
        dev.gatehouse.web.admin.AdminApi.create(
            apiKeys,
            accessTokens,
            directory,
            webSessions,
            StoreException::isStoreFailure,
            accounts,
            invitations,
            passwordResets,
            sessions,
            audit,
            clients,
            () -> registrations.policy().allowsInvitations(),
            outbox,
            config.forwardAuth().access(),
            identities,
            clock,
            passkeys,
            totp,
            upstream,
            config.settings(),
            id -> {
              int revoked = tokens.revokeClient(id, clock.instant());
              accessTokens.forgetCachedRecords(); // Refused here at once, not after the TTL.
              return revoked;
            });
    router.anyUnder(dev.gatehouse.web.admin.AdminApi.BASE + "/", adminApi::handle);
    dev.gatehouse.web.admin.AdminConsole console =
        new dev.gatehouse.web.admin.AdminConsole(
            adminApi,
            webSessions,
            directory,
            templates,
            errors,
            origin,
            () -> registrations.policy().allowsInvitations());
    router.anyUnder("/admin/", console::handle).get("/admin", console::handle);
    router
        .get("/", home::show)
        .get("/login", login::show)
        .post("/login", login::submit)
        .post("/login/upstream", upstreamPage::start)
        .post("/account/upstream/link", upstreamPage::link)
        .post("/account/upstream/unlink", upstreamPage::unlink)
        .post("/logout", home::logout)
        .get("/denied", home::denied)
        .get("/register", registerPage::show)
        .post("/register", registerPage::request)
        .get("/register/confirm", registerPage::showConfirm)
        .post("/register/confirm", registerPage::confirm)
        .post("/account/email", emailPage::requestChange)
        .post("/account/email/verify", emailPage::requestVerification)
        .get("/email/verify", emailPage::showVerify)
        .post("/email/verify", emailPage::verify)
        .get("/email/change", emailPage::showChange)
        .post("/email/change", emailPage::change)
        .get("/invite", invitePage::show)
        .post("/invite", invitePage::accept)
        .get("/security/not-me", securityPage::show)
        .post("/security/not-me", securityPage::confirm)
        .get("/account", accountPage::show)
        .post("/account/sessions/revoke", accountPage::revokeSession)
        .post("/account/sessions/revoke-others", accountPage::revokeOthers)
        .post("/account/password", accountPage::changePassword)
        .post("/account/apps/revoke", accountPage::revokeApp)
        .get("/account/totp", totpPage::showEnrol)
        .post("/account/totp", totpPage::confirm)
        .post("/account/totp/disable", totpPage::disable)
        .get("/login/totp", totpPage::showCode)
        .post("/login/totp", totpPage::submitCode)
        .post("/account/passkeys/remove", passkeyPage::remove)
        .post("/passkeys/register/start", passkeyPage::registerStart)
        .post("/passkeys/register/finish", passkeyPage::registerFinish)
        .post("/passkeys/signin/start", passkeyPage::signInStart)
        .post("/passkeys/signin/finish", passkeyPage::signInFinish)
        .get(
            "/static/passkey.js",
            new StaticAsset("/static/passkey.js", "text/javascript; charset=utf-8"))
        .get(
            "/static/form_post.js",
            new StaticAsset("/static/form_post.js", "text/javascript; charset=utf-8"))
        .get("/reset/request", resetPage::showRequest)
        .post("/reset/request", resetPage::request)
        .get("/reset", resetPage::showForm)
        .post("/reset", resetPage::reset)
        .get("/login/email", magicLinkPage::showRequest)
        .post("/login/email", magicLinkPage::request)
        .get("/login/email/confirm", magicLinkPage::showConfirm)
        .post("/login/email/confirm", magicLinkPage::confirm)
        .get("/handoff/start", handOffPage::start)
        .get("/handoff/issue", handOffPage::issue)
        .get("/handoff/finish", handOffPage::finish)
        .get("/setup", setupPage::show)
        .post("/setup", setupPage::submit)
        .any("/api/authz/forward-auth", forwardAuth::forwardAuth)
        .any("/api/verify", forwardAuth::forwardAuth)
        .any("/api/auth-check", forwardAuth::forwardAuth)
        .any("/api/authz/auth-request", forwardAuth::authRequest)
        .any("/api/echo", new EchoEndpoint(names.all(), apiKeys, errors)::echo)
        .get("/.well-known/jwks.json", jwks::jwks)
        .get("/.well-known/openid-configuration", discovery::metadata)
        .get("/.well-known/oauth-authorization-server", discovery::metadata)
        .get("/oauth/authorize", authorize::authorize)
        .post("/oauth/authorize", authorize::authorize)
        .post("/oauth/consent", authorize::consent)
        .get("/oauth/userinfo", userInfo::userinfo)
        .post("/oauth/userinfo", userInfo::userinfo)
        .get("/oauth/logout", endSession::logout)
        .post("/oauth/logout", endSession::logout)
        .post("/oauth/logout/confirm", endSession::confirm)
        .post("/oauth/token", tokenEndpoint::token)
        .post("/oauth/introspect", introspection::introspect)
        .post("/oauth/revoke", revocation::revoke)
        .get("/healthz", ops::health)
        .get("/readyz", ops::ready)
        .get(
            "/static/gatehouse.css",
            new StaticAsset("/static/gatehouse.css", "text/css; charset=utf-8"));
    // Metrics only on their own listener (loopback by default): never on the public host.
    Router opsRouter =
        new Router(
                clientAddress,
                new HttpMetrics(registry),
                errors,
                server.secure(),
                StoreException::isStoreFailure)
            .get("/healthz", ops::health)
            .get("/readyz", ops::ready)
            .get("/metrics", ops::metrics);
    Optional<Tls> tls =
        switch (server.tls()) {
          case GatehouseConfig.Tls.Off off -> Optional.empty();
          case GatehouseConfig.Tls.Files files ->
              Optional.of(Tls.fromFiles(files.certificate(), files.key()));
          case GatehouseConfig.Tls.SelfSigned self ->
              Optional.of(
                  Tls.selfSigned(
                      config.dataDir().resolve("tls"), selfSignedNames(config), Clock.systemUTC()));
        };
    // A provider removed from gatehouse.yml takes its sessions with it, as `idp remove` does.
    java.util.Set<String> providerIds =
        upstream.providers().stream()
            .map(dev.gatehouse.signin.upstream.UpstreamProvider::id)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    int ended = sessions.revokeThroughProviders(idp -> !providerIds.contains(idp));
    if (ended > 0) {
      LOG.warn(
          "ended {} session(s) opened through identity providers that are no longer configured",
          ended);
    }
    // Proxy mode: hosts of proxy.routes are served through the gateway, every other host by the
    // portal.
    java.util.Set<String> furtherPortalHosts =
        config.session().moreDomains().stream()
            .map(d -> d.portalUrl().getHost().toLowerCase(java.util.Locale.ROOT))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    org.eclipse.jetty.server.Handler portal =
        furtherPortalHosts.isEmpty()
            ? router
            : new dev.gatehouse.web.portal.FurtherPortalHosts(router, furtherPortalHosts, origin);
    org.eclipse.jetty.server.Handler main =
        config.proxyRoutes().isEmpty()
            ? portal
            : new dev.gatehouse.web.proxy.Gateway(
                config.proxyRoutes(),
                portal,
                verifier,
                identityJwts,
                clientAddress,
                ForwardAuthEndpoints.variants(cookie.name()),
                names.allWithDefaults(),
                server.localhostBypass());
    if (server.localhostBypass()) {
      writeBootstrapToken();
    }
    WebServer web =
        new WebServer(
            server.listenHost(),
            server.listenPort(),
            main,
            server.metricsListen(),
            opsRouter,
            tls,
            server.httpRedirectListen(),
            origin,
            routeOrigins(config),
            Optional.of(
                new dev.gatehouse.web.forwardauth.VerifyLane(
                    forwardAuth,
                    clientAddress,
                    httpMetrics,
                    dev.gatehouse.web.portal.FurtherPortalHosts.passes(furtherPortalHosts),
                    server.secure())));
    web.start();
    return web;
  }

  /**
   * Where the apps Gatehouse knows are: its proxy routes, then every exact host the access rules
   * name (https), never the portal itself.
   */
  private static List<java.net.URI> appAddresses(GatehouseConfig config) {
    String portal = config.server().publicUrl().getHost();
    List<java.net.URI> out = new java.util.ArrayList<>();
    for (GatehouseConfig.ProxyRoute route : config.proxyRoutes()) {
      out.add(
          java.net.URI.create(
              route.scheme()
                  + "://"
                  + route.host()
                  + (route.port() < 0 ? "" : ":" + route.port())
                  + route.pathPrefix()));
    }
    for (dev.gatehouse.policy.AccessRule rule : config.forwardAuth().access().rules()) {
      for (dev.gatehouse.policy.HostMatcher host : rule.hosts()) {
        String name = host.toString();
        if (!name.contains("*") && !name.equals(portal) && name.matches("[a-z0-9.-]+")) {
          out.add(java.net.URI.create("https://" + name + "/"));
        }
      }
    }
    return out;
  }

  /** Each proxied host's https origin, as its first route names it, for the redirect listener. */
  private static java.util.Map<String, String> routeOrigins(GatehouseConfig config) {
    java.util.Map<String, String> origins = new java.util.HashMap<>();
    for (GatehouseConfig.ProxyRoute route : config.proxyRoutes()) {
      origins.putIfAbsent(
          route.host(), "https://" + route.host() + (route.port() < 0 ? "" : ":" + route.port()));
    }
    return origins;
  }

  /**
   * The names a self-signed certificate covers: the public host, the listen address when it is a
   * particular one, the hosts of proxy routes, and the loopback names.
   */
  private static List<String> selfSignedNames(GatehouseConfig config) {
    GatehouseConfig.Server server = config.server();
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    String host = server.publicUrl().getHost();
    names.add(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
    String listen = server.listenHost();
    if (!listen.equals("0.0.0.0") && !listen.equals("::") && !listen.isBlank()) {
      names.add(listen);
    }
    // The apps Gatehouse serves as the gateway are reached over the same listener, and so are the
    // portal addresses on further cookie domains.
    config.proxyRoutes().forEach(route -> names.add(route.host()));
    config.session().moreDomains().forEach(domain -> names.add(domain.portalUrl().getHost()));
    names.addAll(List.of("localhost", "127.0.0.1", "::1"));
    return List.copyOf(names);
  }

  /** The bootstrap token's file name in the data directory (local-first mode). */
  static final String BOOTSTRAP_TOKEN = "bootstrap-token";

  /** The application name of the bootstrap token's API key. */
  static final String BOOTSTRAP_APPLICATION = "bootstrap";

  /**
   * Local-first mode: makes sure {@code <data-dir>/bootstrap-token} holds a working API key for
   * scripts. Made once (created 0600 before its first byte); only its hash is stored, so the file
   * is the one copy. A deleted file means a new key, and the old one is revoked.
   */
  private void writeBootstrapToken() {
    Path file = config.dataDir().resolve(BOOTSTRAP_TOKEN);
    if (Files.exists(file)) {
      return;
    }
    for (dev.gatehouse.apikey.ApiKey old : apiKeys.list(Optional.empty())) {
      if (old.application().filter(BOOTSTRAP_APPLICATION::equals).isPresent()) {
        apiKeys.revoke(old.id());
      }
    }
    ApiKeyService.Issued issued =
        apiKeys.createApplication(
            BOOTSTRAP_APPLICATION,
            "Bootstrap token",
            List.of(),
            List.of(),
            Optional.empty(),
            List.of(dev.gatehouse.apikey.ApiKey.ADMIN_SCOPE));
    try {
      Path partial = config.dataDir().resolve(BOOTSTRAP_TOKEN + ".new");
      Files.deleteIfExists(partial);
      Files.createFile(
          partial,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(partial, issued.key() + "\n", java.nio.charset.StandardCharsets.US_ASCII);
      Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      apiKeys.revoke(issued.record().id());
      throw new UncheckedIOException("cannot write the bootstrap token to " + file, e);
    }
    LOG.warn(
        "local-first mode: a bootstrap API key for scripts was written to {} (0600); it is the only"
            + " copy",
        file);
  }

  /** The at-rest key file's name in the data directory. */
  static final String AT_REST_KEY = "at-rest.key";

  /** The at-rest key lives in the data directory, beside (never inside) the database. */
  private static Path atRestKeyFile(GatehouseConfig config) {
    createPrivateDirectory(config.dataDir());
    return config.atRestKeyFile().orElse(config.dataDir().resolve(AT_REST_KEY));
  }

  /** Creates {@code dir} (and parents) 0700 when it does not exist. */
  static void createPrivateDirectory(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dir, e);
    }
  }

  /** The validated configuration. */
  public GatehouseConfig config() {
    return config;
  }

  /** The clock everything uses. */
  public Clock clock() {
    return clock;
  }

  /** The database. */
  public Database database() {
    return database;
  }

  /** Directory use cases. */
  public Directory directory() {
    return directory;
  }

  /** Account use cases that also end sessions. */
  public Accounts accounts() {
    return accounts;
  }

  /** The mail outbox delivery (run periodically by {@code serve}). */
  public OutboxWorker mailWorker() {
    return mailWorker;
  }

  /** The mail outbox. */
  public JdbcOutbox outbox() {
    return outbox;
  }

  /** Passkeys. */
  public PasskeyService passkeys() {
    return passkeys;
  }

  /** Mails that tell users about changes to their account. */
  public AccountNotices accountNotices() {
    return notices;
  }

  /** Where {@code gatehouse.yml} names a group (rules, clients, providers); empty when nowhere. */
  public java.util.List<String> groupUsesInConfiguration(String group) {
    return dev.gatehouse.web.admin.AdminApi.groupUsesInConfiguration(
        group, config.forwardAuth().access(), clients, upstream);
  }

  /** Sign-in through upstream identity providers. */
  public UpstreamSignIn upstream() {
    return upstream;
  }

  /** The upstream providers added at run time. */
  UpstreamProviders upstreamProviders() {
    return upstreamProviders;
  }

  /** Who may create an account, and self sign-up. */
  public Registrations registrations() {
    return registrations;
  }

  /** The forward-auth core (once the web server runs). */
  public Verifier verifier() {
    return verifier;
  }

  /** The admin HTTP API, once {@link #startWeb} built it (for tests that walk its routes). */
  public dev.gatehouse.web.admin.AdminApi adminApi() {
    return adminApi;
  }

  /** Invitations. */
  public Invitations invitations() {
    return invitations;
  }

  /** The audit trail. */
  public AuditLog audit() {
    return audit;
  }

  /** TOTP. */
  public TotpService totp() {
    return totp;
  }

  /** API keys. */
  public ApiKeyService apiKeys() {
    return apiKeys;
  }

  /** Sessions. */
  public SessionService sessions() {
    return sessions;
  }

  /** First-run setup. */
  public FirstRunSetup setup() {
    return setup;
  }

  /** Password sign-in. */
  public PasswordSignIn passwordSignIn() {
    return passwordSignIn;
  }

  /** The password hasher at the configured parameters. */
  public PasswordHasher hasher() {
    return hasher;
  }

  /**
   * Deletes sessions that ended more than a day ago and throttle counters the window has forgotten;
   * run periodically by {@code serve}. Returns the number of rows deleted.
   */
  public int housekeeping() {
    signingKeys.reload();
    // Several nodes share a PostgreSQL database: one purges at a time, the others skip the round.
    return database.alone(HOUSEKEEPING_LOCK, this::purge);
  }

  /** The PostgreSQL advisory lock the node that purges holds meanwhile ("GHhouse" as a number). */
  public static final long HOUSEKEEPING_LOCK = 0x4748686f757365L;

  private int purge() {
    return sessions.purge()
        + handOffs.purge()
        + throttle.purge()
        + tokens.purgeExpired(clock.instant().minus(java.time.Duration.ofDays(1)))
        + tokens.dropSealedSuccessors(clock.instant().minus(java.time.Duration.ofSeconds(60)));
  }

  /** The token-signing keys. */
  public SigningKeys signingKeys() {
    return signingKeys;
  }

  /** OAuth / OIDC clients. */
  public Clients clients() {
    return clients;
  }

  /** Access tokens (issue, verify, revoke). */
  public AccessTokens accessTokens() {
    return accessTokens;
  }

  /** Grant and token records. */
  public JdbcTokens tokenStore() {
    return tokens;
  }

  /** Users and credentials store. */
  JdbcUsers users() {
    return users;
  }

  @Override
  public void close() {
    changeFeed.ifPresent(dev.gatehouse.store.ChangeFeed::close);
    logout.drain(java.time.Duration.ofSeconds(5)); // back-channel notices still on their way
    tokens.close();
    sessionStore.close(); // the activity noted but not yet written
    database.close();
  }
}
