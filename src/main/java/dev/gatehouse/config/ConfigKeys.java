package dev.gatehouse.config;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Every configuration key Gatehouse understands, in documentation order. */
public final class ConfigKeys {
  private ConfigKeys() {}

  static final ConfigKey DATA_DIR =
      key(
          "data-dir",
          "./data",
          "Directory for the SQLite database and generated secrets (created 0700).");
  static final ConfigKey LISTEN =
      key("server.listen", "127.0.0.1:9091", "Address and port to listen on, `host:port`.");
  static final ConfigKey METRICS_LISTEN =
      key(
          "server.metrics-listen",
          "127.0.0.1:9092",
          "Where `/metrics` (Prometheus) is served, `host:port`, apart from the portal so that it"
              + " never answers on the public host; `off` serves no metrics. `/healthz` and"
              + " `/readyz` answer there too.");
  static final ConfigKey PUBLIC_URL =
      key(
          "server.public-url",
          "http://localhost:9091",
          "The URL users reach Gatehouse at. Every link and redirect is built from it, never from request"
              + " headers. Must be `https://` except for `localhost`.");
  static final ConfigKey TRUSTED_PROXIES =
      key(
          "server.trusted-proxies",
          "[127.0.0.1/32, ::1/128]",
          "CIDRs of reverse proxies whose `X-Forwarded-For` is believed for the client address. From any"
              + " other peer the header is ignored.");
  static final ConfigKey TLS =
      key(
          "server.tls",
          "auto",
          "Whether Gatehouse serves HTTPS itself. `auto`: with `server.tls-cert-file` and"
              + " `server.tls-key-file`, those; else when `server.public-url` is `https` on the very"
              + " port Gatehouse listens on (users reach Gatehouse directly, no proxy in front), a"
              + " self-signed certificate kept in `<data-dir>/tls/`; otherwise plain HTTP (a proxy"
              + " in front terminates TLS). `on`: always HTTPS; `off`: never.");
  static final ConfigKey TLS_CERT_FILE =
      key(
          "server.tls-cert-file",
          "",
          "PEM certificate chain (leaf first) to serve; re-read when the file changes.");
  static final ConfigKey TLS_KEY_FILE =
      key(
          "server.tls-key-file",
          "",
          "PEM private key (PKCS#8 or traditional RSA/EC) of `server.tls-cert-file`; re-read when"
              + " the file changes.");
  static final ConfigKey HTTP_REDIRECT_LISTEN =
      key(
          "server.http-redirect-listen",
          "off",
          "With HTTPS: a plain-HTTP `host:port` that only redirects (308) to `server.public-url`,"
              + " e.g. `0.0.0.0:80`; `off` opens none.");
  static final ConfigKey AT_REST_KEY_FILE =
      key(
          "keys.at-rest-key-file",
          "",
          "A file holding the at-rest key (base64, 256 bits) that seals signing keys, authenticator"
              + " seeds, provider secrets and queued mail; every node sharing a database mounts the"
              + " same one. Made with `gatehouse keys at-rest-new FILE`; never created by `serve`."
              + " Empty: `<data-dir>/at-rest.key`, made at first start.");
  static final ConfigKey LOCALHOST_BYPASS =
      key(
          "server.localhost-bypass",
          "false",
          "Local-first mode: `true` lets connections whose socket peer is 127.0.0.1 or ::1 through"
              + " proxy routes without sign-in (never judged from `X-Forwarded-For` or `Host`;"
              + " cross-site browser requests are still refused), and writes a bootstrap API key to"
              + " `<data-dir>/bootstrap-token` (0600) at first start. Needs"
              + " `server.trusted-proxies` without loopback (e.g. `[]`): behind a proxy on the same"
              + " machine every request would look local.");
  static final ConfigKey DATABASE_URL =
      key(
          "database.url",
          "",
          "Empty: SQLite at `<data-dir>/gatehouse.db`. Otherwise a JDBC URL: `jdbc:postgresql://host/db`"
              + " for PostgreSQL (several nodes may share it) or `jdbc:sqlite:/path/file.db`.");
  static final ConfigKey DATABASE_USERNAME =
      key("database.username", "", "PostgreSQL user name (empty: the driver's default).");
  static final ConfigKey DATABASE_PASSWORD =
      secret("database.password", "", "PostgreSQL password. Also as `database.password-file`.");
  static final ConfigKey DATABASE_POOL_SIZE =
      key("database.pool-size", "8", "Maximum database connections, 1 to 64.");
  static final ConfigKey COOKIE_NAME =
      key(
          "session.cookie-name",
          "gatehouse_session",
          "Session cookie name; Gatehouse adds the `__Secure-` or `__Host-` prefix itself.");
  static final ConfigKey COOKIE_DOMAIN =
      key(
          "session.cookie-domain",
          "",
          "Parent domain the session cookie is shared with (e.g. `example.com` for all its subdomains);"
              + " also the domain that `rd` return URLs may point into. Empty: host-only `__Host-` cookie.");
  static final ConfigKey MORE_DOMAINS =
      structured(
          "session.more-domains",
          "[]",
          "Further registrable domains whose apps share the one sign-in (e.g. apps on"
              + " `example.org` beside `session.cookie-domain: example.com`). Each has `domain`"
              + " and `portal-url`, a Gatehouse address inside it (e.g. `https://auth.example.org`,"
              + " pointed at Gatehouse like the public URL): a browser gets that domain's cookie"
              + " through a one-time, one-minute hand-off code bound to the browser. Return URLs"
              + " may point into these domains too; signing out ends the session on all of them.");
  static final ConfigKey IDLE_TIMEOUT =
      key("session.idle-timeout", "1h", "A session unused this long ends (e.g. `30m`, `1h`).");
  static final ConfigKey ABSOLUTE_TIMEOUT =
      key(
          "session.absolute-timeout",
          "24h",
          "A session ends this long after sign-in however active it is. At least the idle timeout.");
  static final ConfigKey PASSWORD_MIN_LENGTH =
      key(
          "password.min-length",
          "15",
          "Shortest password accepted when one is set, in characters (NIST SP 800-63B-4: 15 for a single"
              + " factor). 8 to 64.");
  static final ConfigKey PASSWORD_MAX_LENGTH =
      key(
          "password.max-length",
          "256",
          "Longest password accepted, in characters; longer input is refused before hashing. 64 to 4096.");
  static final ConfigKey ARGON2_MEMORY =
      key(
          "password.argon2-memory-kib",
          "19456",
          "Argon2id memory cost in KiB (at least 19456 = 19 MiB). Hashes are upgraded at sign-in when"
              + " parameters change.");
  static final ConfigKey ARGON2_ITERATIONS =
      key("password.argon2-iterations", "2", "Argon2id time cost (at least 2).");
  static final ConfigKey ARGON2_PARALLELISM =
      key("password.argon2-parallelism", "1", "Argon2id lanes (1 to 16).");
  static final ConfigKey ACCOUNT_FREE_ATTEMPTS =
      key(
          "signin.account-free-attempts",
          "5",
          "Failed sign-ins per username before back-off starts; each further failure doubles the wait.");
  static final ConfigKey ADDRESS_FREE_ATTEMPTS =
      key(
          "signin.address-free-attempts",
          "20",
          "Failed sign-ins per client address before back-off starts.");
  static final ConfigKey MAX_BACKOFF =
      key("signin.max-backoff", "15m", "Longest wait imposed by back-off.");
  static final ConfigKey ATTEMPT_WINDOW =
      key(
          "signin.attempt-window",
          "15m",
          "Failures older than this (counted from the last one) are forgotten.");
  static final ConfigKey EMAIL_LINK_LIFETIME =
      key(
          "signin.email-link-lifetime",
          "10m",
          "How long an emailed sign-in link works (1m to 15m).");
  static final ConfigKey REGISTRATION_POLICY =
      key(
          "registration.policy",
          "closed",
          "Who may create an account: `closed` (administrators only, `gatehouse user add`), `invite`"
              + " (administrators also invite by email, `gatehouse user invite`), `open` (anyone"
              + " signs up with an address they receive mail at) or `domains` (as `open`, for the"
              + " addresses in `registration.domains` only).");
  static final ConfigKey REGISTRATION_DOMAINS =
      key(
          "registration.domains",
          "[]",
          "Email domains self sign-up is open to under `registration.policy: domains`, exact (e.g."
              + " `[example.com]`).");
  static final ConfigKey IDENTITY_PROVIDERS =
      structured(
          "identity-providers",
          "[]",
          "Upstream OpenID Connect (or plain OAuth 2) providers users may sign in through (a"
              + " button each on the sign-in page). `type: oauth2` (GitHub-style, no OpenID"
              + " Connect) takes `authorization-endpoint`, `token-endpoint`, `userinfo-endpoint`"
              + " and `subject-claim` (default id) instead of discovery. Each has `id` (its"
              + " redirect URI is"
              + " `<public-url>/login/upstream/<id>/callback`); `name`; `issuer` (discovery is"
              + " read from it); `client-id`; `client-secret-file`; `scopes` (default openid,"
              + " profile, email); `registration` (closed, invite, open or domains; default"
              + " `registration.policy`: what a first sign-in of an unknown identity may do —"
              + " closed and invite create no account); `domains` (for domains; default"
              + " `registration.domains`); `trust-email` (link an existing account by an address"
              + " the provider marks verified and the account's owner confirmed; default false); `trust-mfa` (the provider's `amr`"
              + " can satisfy two-factor rules; default false); `username-claim`"
              + " (preferred_username), `email-claim` (email), `name-claim` (name), `groups-claim`"
              + " (none: groups are not taken; they are refreshed at every sign-in),"
              + " `allowed-groups` (the groups taken; all when empty), `drop-missing-groups` (a"
              + " group the provider stops sending is taken away at the next sign-in — only"
              + " memberships that came from it; default false) and `end-session` (signing out"
              + " of Gatehouse also signs out at the provider, when it offers an end-session"
              + " endpoint; default false).");
  static final ConfigKey PROXY_ROUTES =
      structured(
          "proxy.routes",
          "[]",
          "Apps Gatehouse serves itself as the gateway (proxy mode), on its own listener. Each has"
              + " `from` (the URL users open: scheme, a host other than the public URL's, optional"
              + " path prefix), `to` (one or more upstream origins, e.g. `http://127.0.0.1:3000`,"
              + " taking turns), `auth` (`none`, `session`, `bearer` or `session-or-bearer`; no"
              + " default), `strip-prefix` (default false) or `rewrite-prefix` (the app sees"
              + " this prefix in place of the route's), `preserve-host` (default false),"
              + " `timeout` (default 30s), `websockets` (default false: upgrades refused with 403)"
              + " and `headers` (`user`, `email`, `name`, `groups`, `jwt`, `claim-headers`: names"
              + " defaulting to `forward-auth.*`; `claims`, `context`: JSON headers sent only when"
              + " named; naming `jwt` sends the identity JWT on every request). The access rules"
              + " apply as for forward-auth (also to `auth: none`, anonymously); the upstream"
              + " receives the route's identity headers, rebuilt `X-Forwarded-*`, no hop-by-hop or"
              + " client-sent identity headers and no Gatehouse session cookie.");
  static final ConfigKey OIDC_CLIENTS =
      structured(
          "oidc.clients",
          "[]",
          "OpenID Connect / OAuth clients, read-only at run time (`gatehouse client add` makes"
              + " stored ones). Each has `id`; `name`; `public: true` or a secret as `secret-file`"
              + " (a file holding it) or `secret-sha256`; `redirect-uris` (exact); `grant-types`"
              + " (authorization_code, refresh_token, client_credentials; default the first two);"
              + " `scopes` (default openid, profile, email, groups, offline_access; API scopes"
              + " too); `allowed-groups` (users outside them are refused); `groups` (the client's"
              + " own, for client_credentials); `audiences` (resources its tokens are for);"
              + " `consent` (required or trusted); `require-pkce` (default true; always for public"
              + " clients); `access-token-lifetime` (10m); `refresh-token-lifetime` (30d);"
              + " `refresh-reuse-grace` (0s, strict; up to 60s lets a just-rotated refresh token be"
              + " used again by a parallel tab or worker, RFC 9700 §4.14.2);"
              + " `backchannel-logout-uri`; `post-logout-redirect-uris`; `signing-alg` of ID"
              + " tokens (RS256, the default most relying parties expect, or ES256);"
              + " `access-token-signing-alg` (ES256, the default, RS256 or EdDSA: what the"
              + " resource servers verify); `access-token-format` (jwt, the default, or opaque: a"
              + " random `gat_` reference only Gatehouse resolves, for services that present"
              + " tokens back to forward-auth or introspection; revocable, nothing to sign);"
              + " `disabled`;"
              + " `home-url` (where people open the app: listed on the portal's start page for"
              + " those its `allowed-groups` admit).");
  static final ConfigKey DEFAULT_POLICY =
      key(
          "access.default-policy",
          "deny",
          "Policy when no rule matches: `bypass`, `authenticated`, `two-factor` or `deny`.");
  static final ConfigKey PATH_CASE =
      key(
          "access.path-case",
          "insensitive",
          "How rule `paths` compare letters: `insensitive` (`/admin` also covers `/Admin` and"
              + " `/ADMIN`, as Express, ASP.NET Core and IIS route them) or `sensitive`. A rule's own"
              + " `path-case` overrides it.");
  static final ConfigKey ACCESS_RULES =
      structured(
          "access.rules",
          "[]",
          "Ordered access rules for forward-auth; the first match decides. Each rule has optional"
              + " `hosts` (exact or `*.example.com`), `paths` (prefix at a segment boundary, glob with"
              + " `*`/`**`, or a regex starting with `^`; matched against the canonical path, never the"
              + " query), `methods`, `networks` (CIDRs), `subjects` (`user:NAME`, `group:NAME`,"
              + " `app:NAME`), `scopes` (an OAuth access token must carry all of them),"
              + " `audiences` (an access token must carry one; by default its audience must name"
              + " the request host), `path-case` (overrides `access.path-case`) and a required"
              + " `policy`. In the environment: the list as YAML"
              + " or JSON.");
  static final ConfigKey HEADER_USER =
      key(
          "forward-auth.header-user",
          "Remote-User",
          "Header carrying the username (or application name).");
  static final ConfigKey HEADER_EMAIL =
      key("forward-auth.header-email", "Remote-Email", "Header carrying the email address.");
  static final ConfigKey HEADER_NAME =
      key("forward-auth.header-name", "Remote-Name", "Header carrying the display name.");
  static final ConfigKey HEADER_GROUPS =
      key(
          "forward-auth.header-groups",
          "Remote-Groups",
          "Header carrying the groups, comma-separated.");
  static final ConfigKey HEADER_JWT =
      key(
          "forward-auth.header-jwt",
          "Remote-JWT",
          "Header carrying a signed identity JWT (ES256, 60 s, audience https://HOST, verifiable"
              + " against /.well-known/jwks.json) on requests allowed by a rule with"
              + " `identity-jwt: true`; empty otherwise.");
  static final ConfigKey CLAIM_HEADERS =
      structured(
          "forward-auth.claim-headers",
          "{}",
          "Extra identity headers from claims granted through roles: a map of claim name to header name,"
              + " e.g. `{grafana_role: Remote-Grafana-Role}`. Several values are comma-separated.");
  static final ConfigKey RP_ID =
      key(
          "webauthn.rp-id",
          "",
          "Passkey relying-party id: the host of server.public-url (empty) or one of its parent domains."
              + " Passkeys are bound to it: changing it later strands registered passkeys.");
  static final ConfigKey RP_ORIGINS =
      key(
          "webauthn.origins",
          "[]",
          "Origins allowed to use passkeys, exactly (`https://auth.example.com`). Empty: the public URL.");
  static final ConfigKey AUDIT_WEBHOOK =
      secret(
          "audit.webhook-url",
          "",
          "When set, every security event is also POSTed there as JSON (best effort, 5 s timeout,"
              + " never blocking the action). https, or http only to localhost. A secret (Slack's"
              + " and Discord's webhook URLs carry theirs in the path): never shown, and readable"
              + " from `audit.webhook-url-file`.");
  static final ConfigKey SMTP_HOST =
      key(
          "mail.smtp-host",
          "",
          "SMTP server for outgoing mail. Empty: messages are printed to the terminal (development).");
  static final ConfigKey SMTP_PORT = key("mail.smtp-port", "587", "SMTP port.");
  static final ConfigKey SMTP_SECURITY =
      key(
          "mail.smtp-security",
          "starttls",
          "`starttls` (required, not opportunistic), `tls` (implicit, usually port 465) or `none` (only for a"
              + " relay on the same host).");
  static final ConfigKey SMTP_USERNAME =
      key("mail.smtp-username", "", "SMTP user name; empty: no authentication.");
  static final ConfigKey SMTP_PASSWORD =
      secret("mail.smtp-password", "", "SMTP password. Also as `mail.smtp-password-file`.");
  static final ConfigKey MAIL_FROM =
      key("mail.from", "Gatehouse <gatehouse@localhost>", "Sender of every message.");
  static final ConfigKey LOG_FORMAT =
      key(
          "log.format",
          "text",
          "`text` for people, `json` for log collectors (one object a line).");
  static final ConfigKey LOG_LEVEL =
      key("log.level", "info", "`error`, `warn`, `info`, `debug` or `trace`.");

  /** All keys, in documentation order. */
  public static final List<ConfigKey> ALL =
      List.of(
          DATA_DIR,
          LISTEN,
          METRICS_LISTEN,
          PUBLIC_URL,
          TRUSTED_PROXIES,
          TLS,
          TLS_CERT_FILE,
          TLS_KEY_FILE,
          HTTP_REDIRECT_LISTEN,
          LOCALHOST_BYPASS,
          AT_REST_KEY_FILE,
          DATABASE_URL,
          DATABASE_USERNAME,
          DATABASE_PASSWORD,
          DATABASE_POOL_SIZE,
          COOKIE_NAME,
          COOKIE_DOMAIN,
          MORE_DOMAINS,
          IDLE_TIMEOUT,
          ABSOLUTE_TIMEOUT,
          PASSWORD_MIN_LENGTH,
          PASSWORD_MAX_LENGTH,
          ARGON2_MEMORY,
          ARGON2_ITERATIONS,
          ARGON2_PARALLELISM,
          ACCOUNT_FREE_ATTEMPTS,
          ADDRESS_FREE_ATTEMPTS,
          MAX_BACKOFF,
          ATTEMPT_WINDOW,
          EMAIL_LINK_LIFETIME,
          REGISTRATION_POLICY,
          REGISTRATION_DOMAINS,
          OIDC_CLIENTS,
          PROXY_ROUTES,
          IDENTITY_PROVIDERS,
          DEFAULT_POLICY,
          PATH_CASE,
          ACCESS_RULES,
          HEADER_USER,
          HEADER_EMAIL,
          HEADER_NAME,
          HEADER_GROUPS,
          HEADER_JWT,
          CLAIM_HEADERS,
          RP_ID,
          RP_ORIGINS,
          AUDIT_WEBHOOK,
          SMTP_HOST,
          SMTP_PORT,
          SMTP_SECURITY,
          SMTP_USERNAME,
          SMTP_PASSWORD,
          MAIL_FROM,
          LOG_FORMAT,
          LOG_LEVEL);

  static final Map<String, ConfigKey> BY_NAME =
      ALL.stream().collect(Collectors.toUnmodifiableMap(ConfigKey::name, Function.identity()));

  private static ConfigKey key(String name, String defaultValue, String description) {
    return new ConfigKey(name, defaultValue, description, false, false);
  }

  private static ConfigKey secret(String name, String defaultValue, String description) {
    return new ConfigKey(name, defaultValue, description, true, false);
  }

  private static ConfigKey structured(String name, String defaultValue, String description) {
    return new ConfigKey(name, defaultValue, description, false, true);
  }
}
