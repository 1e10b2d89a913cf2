package dev.gatehouse.config;

import dev.gatehouse.forwardauth.Verifier;
import dev.gatehouse.kernel.Cidr;
import dev.gatehouse.kernel.Secret;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.policy.AccessPolicy;
import dev.gatehouse.signin.magiclink.Registrations;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The whole validated configuration. Build it with {@link ConfigLoader}. Immutable and thread-safe.
 *
 * @param dataDir where the SQLite database and generated secrets live
 * @param atRestKeyFile the at-rest key every node shares, when configured; else {@code
 *     <dataDir>/at-rest.key}, made at first start
 */
public record GatehouseConfig(
    Path dataDir,
    Optional<Path> atRestKeyFile,
    Server server,
    Database database,
    Sessions session,
    Passwords password,
    SignIn signin,
    Registration registration,
    List<Client> oidcClients,
    java.util.Map<String, dev.gatehouse.kernel.Secret> oidcClientSecretFiles,
    List<dev.gatehouse.signin.upstream.UpstreamProvider> identityProviders,
    List<ProxyRoute> proxyRoutes,
    ForwardAuth forwardAuth,
    Mail mail,
    WebAuthn webauthn,
    Optional<URI> auditWebhook,
    Logging log,
    List<Setting> settings) {

  /**
   * One setting as it is in effect, for people to read (the admin console): a secret's value is
   * never here, only whether it is set.
   *
   * @param changed whether the configuration file or environment set it (else the default holds)
   */
  public record Setting(String key, String value, boolean changed) {}

  /**
   * The HTTP listener and how Gatehouse is reached.
   *
   * @param metricsListen where {@code /metrics} is served ({@code host:port}); empty when off
   * @param localhostBypass local-first mode: loopback socket peers pass proxy routes unsigned-in
   */
  public record Server(
      String listenHost,
      int listenPort,
      URI publicUrl,
      List<Cidr> trustedProxies,
      Optional<InetSocketAddress> metricsListen,
      Tls tls,
      Optional<InetSocketAddress> httpRedirectListen,
      boolean localhostBypass) {
    /** Whether cookies can carry {@code Secure} (public URL is https). */
    public boolean secure() {
      return "https".equals(publicUrl.getScheme());
    }

    /** The public origin, {@code scheme://host[:port]}, as browsers send it in {@code Origin}. */
    public String publicOrigin() {
      String url = publicUrl.toString();
      return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
  }

  /**
   * Whether and how Gatehouse serves HTTPS itself: not at all, from the operator's PEM files
   * (re-read when they change), or from a self-signed certificate it makes and keeps.
   */
  public sealed interface Tls {
    /** Plain HTTP: a proxy in front terminates TLS (or nobody reaches Gatehouse from afar). */
    record Off() implements Tls {}

    /** The operator's certificate chain and key. */
    record Files(java.nio.file.Path certificate, java.nio.file.Path key) implements Tls {}

    /** A self-signed certificate in {@code <data-dir>/tls/}, reused across restarts. */
    record SelfSigned() implements Tls {}
  }

  /**
   * The identity headers a route's upstream receives.
   *
   * @param names user, email, name, groups, JWT and per-claim header names
   * @param alwaysJwt whether the signed identity JWT is sent on every allowed request of the route
   *     (the route names its header), not only when an access rule asks for it
   * @param claims the header carrying every claim as one JSON object, when named
   * @param context the header carrying how the request was authenticated as JSON, when named
   */
  public record RouteHeaders(
      Verifier.Headers names,
      boolean alwaysJwt,
      Optional<String> claims,
      Optional<String> context) {
    /** Every header name of the route, in a stable order. */
    public List<String> all() {
      List<String> all = new java.util.ArrayList<>(names.all());
      claims.ifPresent(all::add);
      context.ifPresent(all::add);
      return List.copyOf(all);
    }
  }

  /**
   * An app Gatehouse serves as the gateway (proxy mode): requests for {@code host} (any port) under
   * {@code pathPrefix} go to {@code upstreams} once {@code auth} and the access rules let them
   * through.
   *
   * @param scheme the scheme users open it with (what the access rules and redirects see)
   * @param port the port in the route's URL, -1 for the scheme's default
   * @param pathPrefix ends with {@code /}; {@code /} for the whole host
   * @param upstreams origins ({@code http[s]://host:port}); they take turns
   * @param upstreamPrefix what the upstream receives in place of {@code pathPrefix}: the same,
   *     {@code /} with {@code strip-prefix}, or {@code rewrite-prefix}; ends with {@code /}
   * @param preserveHost the upstream receives the client's {@code Host} instead of its own
   * @param timeout how long the upstream may take to answer
   */
  public record ProxyRoute(
      String scheme,
      String host,
      int port,
      String pathPrefix,
      List<URI> upstreams,
      Auth auth,
      String upstreamPrefix,
      boolean preserveHost,
      Duration timeout,
      RouteHeaders headers,
      boolean websockets) {

    /** What a request must bring. */
    public enum Auth {
      /** Nothing: a public route (still under the access rules). */
      NONE,
      /** Gatehouse's session cookie; browsers without one are sent to sign in. */
      SESSION,
      /** An API key or OAuth access token as {@code Authorization: Bearer}. */
      BEARER,
      /** Either. */
      SESSION_OR_BEARER
    }
  }

  /** The database: SQLite when {@code url} is empty. */
  public record Database(Optional<String> url, String username, Secret password, int poolSize) {}

  /** SSO session settings. */
  public record Sessions(
      String cookieName,
      Optional<String> cookieDomain,
      Duration idleTimeout,
      Duration absoluteTimeout,
      List<MoreDomain> moreDomains) {
    /** Copies the list. */
    public Sessions {
      moreDomains = List.copyOf(moreDomains);
    }

    /** The further domain {@code host} lies in, if any. */
    public Optional<MoreDomain> moreDomainOf(String host) {
      for (MoreDomain domain : moreDomains) { // a loop: asked on every verify request
        if (domain.covers(host)) {
          return Optional.of(domain);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * A further registrable domain whose apps share the sign-in: its cookie is set through a
   * cross-domain hand-off on {@code portalUrl} (a Gatehouse address on that domain).
   *
   * @param domain lower-case ASCII, e.g. {@code example.org}
   * @param portalUrl https origin inside {@code domain}, e.g. {@code https://auth.example.org}
   */
  public record MoreDomain(String domain, URI portalUrl) {
    /** Whether {@code host} (lower case) is this domain or lies under it, at a dot boundary. */
    public boolean covers(String host) {
      return host.equals(domain) || host.endsWith("." + domain);
    }

    /** The portal's origin without a trailing slash. */
    public String origin() {
      return portalUrl.toString();
    }
  }

  /** Password policy and Argon2id parameters. */
  public record Passwords(
      int minLength,
      int maxLength,
      int argon2MemoryKib,
      int argon2Iterations,
      int argon2Parallelism) {}

  /** Sign-in throttling. */
  public record SignIn(
      int accountFreeAttempts,
      int addressFreeAttempts,
      Duration maxBackoff,
      Duration attemptWindow,
      Duration emailLinkLifetime) {}

  /** Who may create an account; {@code domains} is non-empty exactly under {@code DOMAINS}. */
  public record Registration(Registrations.Policy policy, List<String> domains) {}

  /** Forward-auth: the access rules and the identity header names. */
  public record ForwardAuth(AccessPolicy access, Verifier.Headers headers) {}

  /** Outgoing mail; no SMTP host means the terminal transport. */
  public record Mail(
      Optional<String> smtpHost,
      int smtpPort,
      String smtpSecurity,
      String smtpUsername,
      Secret smtpPassword,
      String from) {}

  /** Passkeys: relying-party id and the exact origins allowed. */
  public record WebAuthn(String rpId, List<String> origins) {}

  /** Log output. */
  public record Logging(String format, String level) {}
}
