package dev.gatehouse.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gatehouse.forwardauth.Verifier;
import dev.gatehouse.kernel.Cidr;
import dev.gatehouse.kernel.Secret;
import dev.gatehouse.policy.AccessPolicy;
import dev.gatehouse.policy.PathMatcher;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.signin.magiclink.Registrations;
import java.io.IOException;
import java.net.IDN;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the configuration: defaults, then {@code gatehouse.yml}, then {@code GATEHOUSE_…}
 * environment variables, then {@code …-file} secrets; validates every value. Stateless and
 * thread-safe.
 */
public final class ConfigLoader {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
  private static final Set<String> LOG_LEVELS = Set.of("error", "warn", "info", "debug", "trace");

  private ConfigLoader() {}

  /**
   * Loads and validates the configuration.
   *
   * @param file the YAML file, if any
   * @param environment the process environment (only {@code GATEHOUSE_…} variables are read)
   * @throws ConfigException naming the key, value and what is allowed, for any invalid input
   */
  public static GatehouseConfig load(Optional<Path> file, Map<String, String> environment) {
    Map<String, Object> raw = new LinkedHashMap<>();
    if (file.isPresent()) {
      readYaml(file.get(), raw);
    }
    for (ConfigKey key : ConfigKeys.ALL) {
      String fromEnv = environment.get(key.environmentVariable());
      if (fromEnv != null) {
        raw.put(key.name(), key.structured() ? parseStructured(key, fromEnv) : fromEnv);
      }
      if (key.secret()) {
        String fileFromEnv = environment.get(key.environmentVariable() + "_FILE");
        if (fileFromEnv != null) {
          raw.put(key.fileKey(), fileFromEnv);
        }
      }
    }
    return new Values(raw).build();
  }

  private static void readYaml(Path file, Map<String, Object> raw) {
    JsonNode root;
    try {
      byte[] bytes = Files.readAllBytes(file);
      root = new ObjectMapper(new YAMLFactory()).readTree(bytes);
    } catch (JacksonException e) {
      throw new ConfigException(
          "(file)",
          "cannot parse "
              + file
              + " as YAML at line "
              + e.getLocation().getLineNr()
              + ": "
              + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException("(file)", "cannot read " + file + ": " + e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return;
    }
    if (!root.isObject()) {
      throw new ConfigException("(file)", file + " must be a YAML mapping of keys to values");
    }
    flatten("", root, raw);
  }

  private static void flatten(String prefix, JsonNode node, Map<String, Object> raw) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String name = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
      JsonNode value = field.getValue();
      if (isKnown(name)
          && ConfigKeys.BY_NAME.get(name) != null
          && ConfigKeys.BY_NAME.get(name).structured()) {
        raw.put(name, value);
      } else if (value.isObject() && !isKnown(name)) {
        flatten(name, value, raw);
      } else if (!isKnown(name)) {
        throw new ConfigException(
            name,
            "unknown configuration key " + name + " (see docs/configuration.md for all keys)");
      } else if (value.isArray()) {
        List<String> items = new ArrayList<>();
        value.forEach(item -> items.add(item.asText()));
        raw.put(name, items);
      } else if (value.isValueNode()) {
        raw.put(name, value.isNull() ? "" : value.asText());
      } else {
        throw new ConfigException(name, name + " must be a plain value, not a mapping");
      }
    }
  }

  private static JsonNode parseStructured(ConfigKey key, String text) {
    try {
      JsonNode node = new ObjectMapper(new YAMLFactory()).readTree(text);
      return node == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : node;
    } catch (JacksonException e) {
      throw new ConfigException(
          key.name(),
          "cannot parse "
              + key.environmentVariable()
              + " as YAML or JSON: "
              + e.getOriginalMessage());
    }
  }

  private static boolean isKnown(String name) {
    if (ConfigKeys.BY_NAME.containsKey(name)) {
      return true;
    }
    return name.endsWith("-file")
        && Optional.ofNullable(ConfigKeys.BY_NAME.get(name.substring(0, name.length() - 5)))
            .map(ConfigKey::secret)
            .orElse(false);
  }

  /** Typed access to raw values with validation. Not thread-safe; used once per load. */
  private static final class Values {
    private final Map<String, Object> raw;

    Values(Map<String, Object> raw) {
      this.raw = raw;
    }

    GatehouseConfig build() {
      URI publicUrl = publicUrl();
      Optional<String> cookieDomain = cookieDomain(publicUrl);
      List<GatehouseConfig.MoreDomain> moreDomains =
          MoreDomains.parse(structured(ConfigKeys.MORE_DOMAINS), publicUrl, cookieDomain);
      Duration idle = duration(ConfigKeys.IDLE_TIMEOUT, Duration.ofMinutes(1), Duration.ofDays(30));
      Duration absolute =
          duration(ConfigKeys.ABSOLUTE_TIMEOUT, Duration.ofMinutes(1), Duration.ofDays(365));
      if (absolute.compareTo(idle) < 0) {
        throw ConfigException.invalid(
            ConfigKeys.ABSOLUTE_TIMEOUT,
            string(ConfigKeys.ABSOLUTE_TIMEOUT),
            "must be at least session.idle-timeout (" + string(ConfigKeys.IDLE_TIMEOUT) + ")");
      }
      int minLength = integer(ConfigKeys.PASSWORD_MIN_LENGTH, 8, 64);
      int maxLength = integer(ConfigKeys.PASSWORD_MAX_LENGTH, 64, 4096);
      String[] listen = hostPort(ConfigKeys.LISTEN);
      GatehouseConfig.Registration registration = registration();
      Verifier.Headers headers = identityHeaders();
      return new GatehouseConfig(
          Path.of(nonEmpty(ConfigKeys.DATA_DIR)),
          Optional.of(string(ConfigKeys.AT_REST_KEY_FILE).strip())
              .filter(f -> !f.isEmpty())
              .map(Path::of),
          new GatehouseConfig.Server(
              listen[0],
              Integer.parseInt(listen[1]),
              publicUrl,
              cidrs(ConfigKeys.TRUSTED_PROXIES),
              metricsListen(),
              tls(publicUrl, Integer.parseInt(listen[1])),
              httpRedirectListen(),
              localhostBypass()),
          new GatehouseConfig.Database(
              databaseUrl(),
              string(ConfigKeys.DATABASE_USERNAME),
              secret(ConfigKeys.DATABASE_PASSWORD),
              integer(ConfigKeys.DATABASE_POOL_SIZE, 1, 64)),
          new GatehouseConfig.Sessions(cookieName(), cookieDomain, idle, absolute, moreDomains),
          new GatehouseConfig.Passwords(
              minLength,
              maxLength,
              integer(ConfigKeys.ARGON2_MEMORY, 19456, 4 * 1024 * 1024),
              integer(ConfigKeys.ARGON2_ITERATIONS, 2, 100),
              integer(ConfigKeys.ARGON2_PARALLELISM, 1, 16)),
          new GatehouseConfig.SignIn(
              integer(ConfigKeys.ACCOUNT_FREE_ATTEMPTS, 1, 1000),
              integer(ConfigKeys.ADDRESS_FREE_ATTEMPTS, 1, 100000),
              duration(ConfigKeys.MAX_BACKOFF, Duration.ofSeconds(1), Duration.ofDays(1)),
              duration(ConfigKeys.ATTEMPT_WINDOW, Duration.ofMinutes(1), Duration.ofDays(7)),
              duration(
                  ConfigKeys.EMAIL_LINK_LIFETIME, Duration.ofMinutes(1), Duration.ofMinutes(15))),
          registration,
          OidcClients.parse(structured(ConfigKeys.OIDC_CLIENTS)),
          OidcClients.secretFiles(structured(ConfigKeys.OIDC_CLIENTS)),
          IdentityProviders.parse(structured(ConfigKeys.IDENTITY_PROVIDERS), registration),
          proxyRoutes(publicUrl, headers, moreDomains),
          new GatehouseConfig.ForwardAuth(
              new AccessPolicy(
                  AccessRules.parse(structured(ConfigKeys.ACCESS_RULES), pathCase()),
                  defaultPolicy()),
              headers),
          mail(),
          webauthn(publicUrl),
          webhook(),
          new GatehouseConfig.Logging(logFormat(), logLevel()),
          settings());
    }

    /** Every key as it is in effect; secrets only as set or not, never their values. */
    private List<GatehouseConfig.Setting> settings() {
      List<GatehouseConfig.Setting> out = new java.util.ArrayList<>();
      for (ConfigKey key : ConfigKeys.ALL) {
        Object value = raw.get(key.name());
        if (key.secret()) {
          Object file = raw.get(key.fileKey());
          boolean set = value != null && !String.valueOf(value).isEmpty();
          String shown =
              file != null && !String.valueOf(file).isEmpty()
                  ? "set, read from " + file
                  : set ? "set" : "not set";
          out.add(new GatehouseConfig.Setting(key.name(), shown, set || file != null));
          continue;
        }
        if (value == null) {
          out.add(new GatehouseConfig.Setting(key.name(), key.defaultValue(), false));
        } else if (value instanceof JsonNode node) {
          out.add(new GatehouseConfig.Setting(key.name(), redacted(node).toString(), true));
        } else {
          out.add(
              new GatehouseConfig.Setting(
                  key.name(),
                  String.valueOf(value)
                      .replaceAll("(?i)(password|secret|token)=[^&;]*", "$1=[redacted]"),
                  true));
        }
      }
      return List.copyOf(out);
    }

    /** A structured value with any field that could hold a secret itself replaced. */
    private static JsonNode redacted(JsonNode node) {
      JsonNode copy = node.deepCopy();
      redactInPlace(copy);
      return copy;
    }

    private static void redactInPlace(JsonNode node) {
      if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
        for (String field : List.copyOf(iterable(object))) {
          String lower = field.toLowerCase(Locale.ROOT);
          // secret, client-secret, secret-sha256, password…; never a -file path, nor a setting
          // that merely mentions tokens (access-token-lifetime).
          boolean secret = lower.matches("([a-z0-9]+-)*(secret|password|token)(-sha256)?");
          if (secret) {
            object.put(field, "[redacted]");
          } else {
            redactInPlace(object.get(field));
          }
        }
      } else if (node != null && node.isArray()) {
        node.forEach(Values::redactInPlace);
      }
    }

    private static List<String> iterable(com.fasterxml.jackson.databind.node.ObjectNode object) {
      List<String> names = new java.util.ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      return names;
    }

    private List<GatehouseConfig.ProxyRoute> proxyRoutes(
        URI publicUrl, Verifier.Headers headers, List<GatehouseConfig.MoreDomain> moreDomains) {
      List<GatehouseConfig.ProxyRoute> routes =
          ProxyRoutes.parse(structured(ConfigKeys.PROXY_ROUTES), publicUrl, headers);
      for (GatehouseConfig.ProxyRoute route : routes) {
        for (GatehouseConfig.MoreDomain domain : moreDomains) {
          if (route.host().equals(domain.portalUrl().getHost())) {
            throw ConfigException.invalid(
                ConfigKeys.PROXY_ROUTES,
                route.host(),
                "is the portal address of " + domain.domain() + " in session.more-domains");
          }
        }
      }
      return routes;
    }

    private JsonNode structured(ConfigKey key) {
      Object value = raw.get(key.name());
      if (value == null) {
        return parseStructured(key, key.defaultValue());
      }
      if (value instanceof JsonNode node) {
        return node;
      }
      throw ConfigException.invalid(key, String.valueOf(value), "must be a YAML list or mapping");
    }

    private GatehouseConfig.WebAuthn webauthn(URI publicUrl) {
      String host = publicUrl.getHost();
      String rpId = string(ConfigKeys.RP_ID).strip().toLowerCase(Locale.ROOT);
      if (rpId.isEmpty()) {
        rpId = host;
      } else if (!(host.equals(rpId) || host.endsWith("." + rpId))
          || !rpId.matches("[a-z0-9.-]+")) {
        throw ConfigException.invalid(
            ConfigKeys.RP_ID,
            rpId,
            "must be the host of server.public-url (" + host + ") or one of its parent domains");
      }
      List<String> origins = list(ConfigKeys.RP_ORIGINS);
      for (String origin : origins) {
        if (!origin.matches("https://[a-z0-9.-]+(:[0-9]{1,5})?|http://localhost(:[0-9]{1,5})?")) {
          throw ConfigException.invalid(
              ConfigKeys.RP_ORIGINS,
              origin,
              "every entry must be an origin such as https://auth.example.com");
        }
      }
      String publicOrigin =
          publicUrl.toString().endsWith("/")
              ? publicUrl.toString().substring(0, publicUrl.toString().length() - 1)
              : publicUrl.toString();
      return new GatehouseConfig.WebAuthn(
          rpId, origins.isEmpty() ? List.of(publicOrigin) : List.copyOf(origins));
    }

    private GatehouseConfig.Registration registration() {
      String value = string(ConfigKeys.REGISTRATION_POLICY).strip().toLowerCase(Locale.ROOT);
      Registrations.Policy policy =
          switch (value) {
            case "closed" -> Registrations.Policy.CLOSED;
            case "invite" -> Registrations.Policy.INVITE;
            case "open" -> Registrations.Policy.OPEN;
            case "domains" -> Registrations.Policy.DOMAINS;
            default ->
                throw ConfigException.invalid(
                    ConfigKeys.REGISTRATION_POLICY,
                    value,
                    "must be one of closed, invite, open, domains");
          };
      List<String> domains = new ArrayList<>();
      for (String domain : list(ConfigKeys.REGISTRATION_DOMAINS)) {
        String canonical = domain.strip().toLowerCase(Locale.ROOT);
        if (!canonical.matches("[a-z0-9-]+(\\.[a-z0-9-]+)+")) {
          throw ConfigException.invalid(
              ConfigKeys.REGISTRATION_DOMAINS,
              domain,
              "every entry must be a domain name such as example.com");
        }
        domains.add(canonical);
      }
      if (policy == Registrations.Policy.DOMAINS && domains.isEmpty()) {
        throw ConfigException.invalid(
            ConfigKeys.REGISTRATION_DOMAINS,
            "[]",
            "must list at least one domain when registration.policy is domains");
      }
      if (policy != Registrations.Policy.DOMAINS && !domains.isEmpty()) {
        throw ConfigException.invalid(
            ConfigKeys.REGISTRATION_POLICY,
            value,
            "must be domains when registration.domains is set (the domains would be ignored)");
      }
      return new GatehouseConfig.Registration(policy, List.copyOf(domains));
    }

    private Optional<URI> webhook() {
      String value = secret(ConfigKeys.AUDIT_WEBHOOK).reveal().strip();
      if (value.isEmpty()) {
        return Optional.empty();
      }
      if (!value.matches(
          "https://[^\\s]+|http://(localhost|127\\.0\\.0\\.1)(:[0-9]{1,5})?(/[^\\s]*)?")) {
        throw ConfigException.invalid(
            ConfigKeys.AUDIT_WEBHOOK,
            value,
            "must be an https:// URL (http:// only for localhost)");
      }
      try {
        return Optional.of(new URI(value));
      } catch (URISyntaxException e) {
        throw ConfigException.invalid(ConfigKeys.AUDIT_WEBHOOK, value, "must be a valid URL");
      }
    }

    private GatehouseConfig.Mail mail() {
      String host = string(ConfigKeys.SMTP_HOST).strip();
      if (!host.isEmpty() && !host.matches("[A-Za-z0-9.:\\[\\]-]{1,253}")) {
        throw ConfigException.invalid(
            ConfigKeys.SMTP_HOST, host, "must be a host name or IP address");
      }
      String security = string(ConfigKeys.SMTP_SECURITY).strip().toLowerCase(Locale.ROOT);
      if (!Set.of("starttls", "tls", "none").contains(security)) {
        throw ConfigException.invalid(
            ConfigKeys.SMTP_SECURITY, security, "must be starttls, tls or none");
      }
      String from = string(ConfigKeys.MAIL_FROM).strip();
      if (from.isEmpty() || from.chars().anyMatch(c -> c < 0x20) || !from.contains("@")) {
        throw ConfigException.invalid(
            ConfigKeys.MAIL_FROM, from, "must be an address such as Gatehouse <auth@example.com>");
      }
      return new GatehouseConfig.Mail(
          Optional.of(host).filter(h -> !h.isEmpty()),
          integer(ConfigKeys.SMTP_PORT, 1, 65535),
          security,
          string(ConfigKeys.SMTP_USERNAME).strip(),
          secret(ConfigKeys.SMTP_PASSWORD),
          from);
    }

    private PathMatcher.Case pathCase() {
      String value = string(ConfigKeys.PATH_CASE);
      return PathMatcher.Case.parse(value)
          .orElseThrow(
              () ->
                  ConfigException.invalid(
                      ConfigKeys.PATH_CASE, value, "must be insensitive or sensitive"));
    }

    private Policy defaultPolicy() {
      String value = string(ConfigKeys.DEFAULT_POLICY).strip();
      return Policy.parse(value)
          .orElseThrow(
              () ->
                  ConfigException.invalid(
                      ConfigKeys.DEFAULT_POLICY,
                      value,
                      "must be bypass, authenticated, two-factor or deny"));
    }

    private Verifier.Headers identityHeaders() {
      java.util.Set<String> seen = new java.util.HashSet<>();
      String user = headerName(ConfigKeys.HEADER_USER, string(ConfigKeys.HEADER_USER), seen);
      String email = headerName(ConfigKeys.HEADER_EMAIL, string(ConfigKeys.HEADER_EMAIL), seen);
      String name = headerName(ConfigKeys.HEADER_NAME, string(ConfigKeys.HEADER_NAME), seen);
      String groups = headerName(ConfigKeys.HEADER_GROUPS, string(ConfigKeys.HEADER_GROUPS), seen);
      String jwt = headerName(ConfigKeys.HEADER_JWT, string(ConfigKeys.HEADER_JWT), seen);
      JsonNode claims = structured(ConfigKeys.CLAIM_HEADERS);
      if (!claims.isObject()) {
        throw ConfigException.invalid(
            ConfigKeys.CLAIM_HEADERS,
            claims.toString(),
            "must be a mapping of claim name to header name");
      }
      Map<String, String> claimHeaders = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> entry : claims.properties()) {
        if (!entry.getKey().matches("[a-z][a-z0-9_.:-]{0,63}")) {
          throw ConfigException.invalid(
              ConfigKeys.CLAIM_HEADERS,
              entry.getKey(),
              "claim names use a-z, 0-9, '_', '.', ':' or '-'");
        }
        claimHeaders.put(
            entry.getKey(), headerName(ConfigKeys.CLAIM_HEADERS, entry.getValue().asText(), seen));
      }
      return new Verifier.Headers(
          user, email, name, groups, jwt, java.util.Collections.unmodifiableMap(claimHeaders));
    }

    private static String headerName(ConfigKey key, String value, java.util.Set<String> seen) {
      if (!value.matches("[A-Za-z0-9][A-Za-z0-9-]{0,63}")) {
        throw ConfigException.invalid(
            key, value, "must be a header name of letters, digits and '-' (no underscores)");
      }
      if (ProxyRoutes.isReservedHeader(value)) {
        throw ConfigException.invalid(
            key, value, "must not be a header HTTP itself uses; choose a name such as Remote-User");
      }
      if (!seen.add(value.toLowerCase(Locale.ROOT))) {
        throw ConfigException.invalid(key, value, "is already used for another identity header");
      }
      return value;
    }

    private String string(ConfigKey key) {
      Object value = raw.getOrDefault(key.name(), key.defaultValue());
      if (value instanceof List<?> list) {
        throw ConfigException.invalid(key, list.toString(), "must be a single value, not a list");
      }
      return (String) value;
    }

    private List<String> list(ConfigKey key) {
      Object value = raw.get(key.name());
      if (value == null) {
        String text = key.defaultValue();
        return splitList(text.substring(1, text.length() - 1));
      }
      if (value instanceof List<?> items) {
        return items.stream().map(String::valueOf).toList();
      }
      // An environment variable may spell the list as YAML does: `[a, b]` or `[]`.
      String text = ((String) value).strip();
      if (text.startsWith("[") && text.endsWith("]")) {
        text = text.substring(1, text.length() - 1);
      }
      return splitList(text);
    }

    private static List<String> splitList(String text) {
      List<String> out = new ArrayList<>();
      for (String part : text.split(",", -1)) {
        if (!part.isBlank()) {
          out.add(part.strip());
        }
      }
      return out;
    }

    private String nonEmpty(ConfigKey key) {
      String value = string(key);
      if (value.isBlank()) {
        throw ConfigException.invalid(key, value, "must not be empty");
      }
      return value;
    }

    private int integer(ConfigKey key, int min, int max) {
      String value = string(key).strip();
      try {
        int parsed = Integer.parseInt(value);
        if (parsed >= min && parsed <= max) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
      throw ConfigException.invalid(
          key, value, "must be a whole number from " + min + " to " + max);
    }

    private Duration duration(ConfigKey key, Duration min, Duration max) {
      String value = string(key).strip();
      Optional<Duration> parsed = parseDuration(value);
      if (parsed.isPresent()
          && parsed.get().compareTo(min) >= 0
          && parsed.get().compareTo(max) <= 0) {
        return parsed.get();
      }
      throw ConfigException.invalid(
          key,
          value,
          "must be a duration such as 90s, 30m, 1h or 7d, from " + show(min) + " to " + show(max));
    }

    private static String show(Duration duration) {
      return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private Secret secret(ConfigKey key) {
      Object direct = raw.get(key.name());
      Object file = raw.get(key.fileKey());
      if (direct != null && file != null) {
        throw new ConfigException(
            key.name(), "set either " + key.name() + " or " + key.fileKey() + ", not both");
      }
      if (file != null) {
        Path path = Path.of(String.valueOf(file));
        try {
          // Re-read whenever the file changes: a rotated secret takes effect without a restart.
          return Secret.fromFile(path);
        } catch (java.io.UncheckedIOException e) {
          throw new ConfigException(
              key.fileKey(),
              "cannot read "
                  + key.fileKey()
                  + " \""
                  + path
                  + "\": "
                  + e.getCause().getClass().getSimpleName());
        }
      }
      return Secret.of(string(key));
    }

    private Optional<InetSocketAddress> metricsListen() {
      if (isOff(ConfigKeys.METRICS_LISTEN)) {
        return Optional.empty();
      }
      String[] listen = hostPort(ConfigKeys.METRICS_LISTEN);
      return Optional.of(
          InetSocketAddress.createUnresolved(listen[0], Integer.parseInt(listen[1])));
    }

    private GatehouseConfig.Tls tls(URI publicUrl, int listenPort) {
      String mode = string(ConfigKeys.TLS).strip().toLowerCase(java.util.Locale.ROOT);
      String cert = string(ConfigKeys.TLS_CERT_FILE).strip();
      String key = string(ConfigKeys.TLS_KEY_FILE).strip();
      for (String file : List.of(cert, key)) {
        if (!file.isEmpty() && !java.nio.file.Files.isReadable(Path.of(file))) {
          throw ConfigException.invalid(
              file.equals(cert) ? ConfigKeys.TLS_CERT_FILE : ConfigKeys.TLS_KEY_FILE,
              file,
              "must be a readable PEM file");
        }
      }
      if (cert.isEmpty() != key.isEmpty()) {
        throw ConfigException.invalid(
            cert.isEmpty() ? ConfigKeys.TLS_CERT_FILE : ConfigKeys.TLS_KEY_FILE,
            "",
            "server.tls-cert-file and server.tls-key-file go together: set both or neither");
      }
      boolean https = "https".equals(publicUrl.getScheme());
      int publicPort = publicUrl.getPort() == -1 ? (https ? 443 : 80) : publicUrl.getPort();
      boolean direct = https && publicPort == listenPort;
      boolean serve =
          switch (mode) {
            case "on" -> true;
            case "off" -> false;
            case "auto" -> !cert.isEmpty() || direct;
            default ->
                throw ConfigException.invalid(ConfigKeys.TLS, mode, "must be auto, on or off");
          };
      if (!serve) {
        if (!isOff(ConfigKeys.HTTP_REDIRECT_LISTEN)) {
          throw ConfigException.invalid(
              ConfigKeys.HTTP_REDIRECT_LISTEN,
              string(ConfigKeys.HTTP_REDIRECT_LISTEN),
              "must stay off while Gatehouse serves plain HTTP (server.tls): it redirects to HTTPS");
        }
        if (!cert.isEmpty()) {
          throw ConfigException.invalid(
              ConfigKeys.TLS,
              mode,
              "is off, but server.tls-cert-file is set: remove the files or say auto or on");
        }
        return new GatehouseConfig.Tls.Off();
      }
      if (!https) {
        throw ConfigException.invalid(
            ConfigKeys.PUBLIC_URL,
            publicUrl.toString(),
            "must be https:// when Gatehouse serves HTTPS itself (server.tls)");
      }
      return cert.isEmpty()
          ? new GatehouseConfig.Tls.SelfSigned()
          : new GatehouseConfig.Tls.Files(Path.of(cert), Path.of(key));
    }

    private Optional<InetSocketAddress> httpRedirectListen() {
      if (isOff(ConfigKeys.HTTP_REDIRECT_LISTEN)) {
        return Optional.empty();
      }
      String[] listen = hostPort(ConfigKeys.HTTP_REDIRECT_LISTEN);
      return Optional.of(
          InetSocketAddress.createUnresolved(listen[0], Integer.parseInt(listen[1])));
    }

    /**
     * {@code server.localhost-bypass}, refused beside a trusted loopback proxy: every request such
     * a proxy forwards arrives from a loopback socket and would pass as local.
     */
    private boolean localhostBypass() {
      String value = string(ConfigKeys.LOCALHOST_BYPASS).strip().toLowerCase(Locale.ROOT);
      if (!value.equals("true") && !value.equals("false")) {
        throw ConfigException.invalid(ConfigKeys.LOCALHOST_BYPASS, value, "must be true or false");
      }
      if (value.equals("false")) {
        return false;
      }
      for (Cidr proxy : cidrs(ConfigKeys.TRUSTED_PROXIES)) {
        String network = proxy.toString().split("/", 2)[0];
        if (Cidr.parseNumericAddress("::1").map(proxy::contains).orElse(false)
            || Cidr.parseNumericAddress("127.0.0.1").map(proxy::contains).orElse(false)
            || Cidr.parseNumericAddress(network)
                .map(java.net.InetAddress::isLoopbackAddress)
                .orElse(false)) {
          throw ConfigException.invalid(
              ConfigKeys.LOCALHOST_BYPASS,
              "true",
              "must not be combined with a loopback server.trusted-proxies entry ("
                  + proxy
                  + "): behind a proxy on this machine every request would look local; set"
                  + " server.trusted-proxies to [] (or only non-loopback proxies)");
        }
      }
      return true;
    }

    /** {@code off} — or {@code false}, which YAML makes of an unquoted {@code off}. */
    private boolean isOff(ConfigKey key) {
      String value = string(key).strip();
      return value.equalsIgnoreCase("off") || value.equalsIgnoreCase("false");
    }

    private String[] hostPort(ConfigKey key) {
      String value = string(key).strip();
      int colon = value.lastIndexOf(':');
      if (colon > 0) {
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
          host = host.substring(1, host.length() - 1);
        }
        String port = value.substring(colon + 1);
        if (port.matches("\\d{1,5}") && Integer.parseInt(port) <= 65535 && !host.isBlank()) {
          return new String[] {host, port};
        }
      }
      throw ConfigException.invalid(
          key,
          value,
          "must be host:port, e.g. 127.0.0.1:9091, 0.0.0.0:9091 or [::1]:9091 (port 0 to 65535)");
    }

    private URI publicUrl() {
      ConfigKey key = ConfigKeys.PUBLIC_URL;
      String value = string(key).strip();
      String allowed =
          "must be an absolute http(s) URL with no path, query, fragment or user info, e.g."
              + " https://auth.example.com; plain http only for localhost";
      URI uri;
      try {
        uri = new URI(value);
      } catch (URISyntaxException e) {
        throw ConfigException.invalid(key, value, allowed);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
      boolean pathOk =
          uri.getRawPath() == null || uri.getRawPath().isEmpty() || "/".equals(uri.getRawPath());
      boolean local = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
      if (host.isEmpty()
          || uri.getRawUserInfo() != null
          || uri.getRawQuery() != null
          || uri.getRawFragment() != null
          || !pathOk
          || !(scheme.equals("https") || (scheme.equals("http") && local))) {
        throw ConfigException.invalid(key, value, allowed);
      }
      String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
      return URI.create(scheme + "://" + host + port);
    }

    private Optional<String> cookieDomain(URI publicUrl) {
      ConfigKey key = ConfigKeys.COOKIE_DOMAIN;
      String value = string(key).strip();
      if (value.isEmpty()) {
        return Optional.empty();
      }
      String domain = value.startsWith(".") ? value.substring(1) : value;
      String ascii;
      try {
        ascii = IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
      } catch (IllegalArgumentException e) {
        throw ConfigException.invalid(key, value, "must be a domain name such as example.com");
      }
      if (!ascii.contains(".") || ascii.endsWith(".")) {
        throw ConfigException.invalid(
            key, value, "must be a domain name with at least two labels, such as example.com");
      }
      if (!MoreDomains.registrable(ascii)) {
        throw ConfigException.invalid(
            key,
            value,
            "is an IP address or a public suffix (anyone can register names under it): name your own domain, such"
                + " as example.com");
      }
      String host = publicUrl.getHost();
      if (!(host.equals(ascii) || host.endsWith("." + ascii))) {
        throw ConfigException.invalid(
            key,
            value,
            "must be the host of server.public-url (" + host + ") or one of its parent domains");
      }
      return Optional.of(ascii);
    }

    private String cookieName() {
      ConfigKey key = ConfigKeys.COOKIE_NAME;
      String value = string(key);
      if (!value.matches("[A-Za-z0-9_]{1,64}")) {
        throw ConfigException.invalid(key, value, "must be 1 to 64 letters, digits or underscores");
      }
      return value;
    }

    private Optional<String> databaseUrl() {
      ConfigKey key = ConfigKeys.DATABASE_URL;
      String value = string(key).strip();
      if (value.isEmpty()) {
        return Optional.empty();
      }
      if (value.startsWith("jdbc:postgresql://") || value.startsWith("jdbc:sqlite:")) {
        return Optional.of(value);
      }
      throw ConfigException.invalid(
          key,
          value.replaceAll("password=[^&]*", "password=[redacted]"),
          "must be empty (embedded SQLite), jdbc:postgresql://host[:port]/database or"
              + " jdbc:sqlite:/path/to/file.db");
    }

    private List<Cidr> cidrs(ConfigKey key) {
      List<Cidr> out = new ArrayList<>();
      for (String item : list(key)) {
        out.add(
            Cidr.parse(item)
                .orElseThrow(
                    () ->
                        ConfigException.invalid(
                            key,
                            item,
                            "every entry must be an IP address or CIDR such as 10.0.0.0/8 or ::1/128")));
      }
      return List.copyOf(out);
    }

    private String logFormat() {
      String value = string(ConfigKeys.LOG_FORMAT).strip().toLowerCase(Locale.ROOT);
      if (!value.equals("text") && !value.equals("json")) {
        throw ConfigException.invalid(ConfigKeys.LOG_FORMAT, value, "must be text or json");
      }
      return value;
    }

    private String logLevel() {
      String value = string(ConfigKeys.LOG_LEVEL).strip().toLowerCase(Locale.ROOT);
      if (!LOG_LEVELS.contains(value)) {
        throw ConfigException.invalid(
            ConfigKeys.LOG_LEVEL, value, "must be one of error, warn, info, debug, trace");
      }
      return value;
    }
  }

  /**
   * Parses {@code 90s}, {@code 30m}, {@code 1h}, {@code 7d}, {@code 500ms} or ISO-8601 {@code
   * PT1H}.
   */
  static Optional<Duration> parseDuration(String text) {
    Matcher matcher = DURATION.matcher(text);
    if (matcher.matches()) {
      long amount = Long.parseLong(matcher.group(1));
      return Optional.of(
          switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
          });
    }
    if (text.startsWith("P") || text.startsWith("p")) {
      try {
        return Optional.of(Duration.parse(text));
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** The configuration reference in Markdown, generated from {@link ConfigKeys#ALL}. */
  public static String reference() {
    StringBuilder out = new StringBuilder();
    out.append("# Configuration reference\n\n")
        .append(
            "<!-- Generated by `gatehouse config docs`; a test fails when this file drifts. -->\n\n")
        .append(
            "Gatehouse reads `gatehouse.yml` (or the file named by `--config`), with keys nested by")
        .append(" their dots:\n\n```yaml\nserver:\n  public-url: https://auth.example.com\n")
        .append("session:\n  cookie-domain: example.com\n```\n\n")
        .append(
            "Every key can be overridden by an environment variable: `GATEHOUSE_` followed by the key")
        .append(" in upper case with dots and dashes as underscores (`server.public-url` →")
        .append(
            " `GATEHOUSE_SERVER_PUBLIC_URL`). Lists are comma-separated there. Every secret can")
        .append(" instead be read from a file named by `<key>-file` (`GATEHOUSE_<KEY>_FILE`).\n\n")
        .append("An invalid value stops Gatehouse with exit status 2 and a message naming the key;")
        .append(" `gatehouse config check` validates without starting.\n\n")
        .append("| key | default | environment variable | meaning |\n|---|---|---|---|\n");
    for (ConfigKey key : ConfigKeys.ALL) {
      out.append("| `")
          .append(key.name())
          .append("` | ")
          .append(key.defaultValue().isEmpty() ? "(empty)" : "`" + key.defaultValue() + "`")
          .append(" | `")
          .append(key.environmentVariable())
          .append("` | ")
          .append(key.description())
          .append(key.secret() ? " *Secret.*" : "")
          .append(" |\n");
    }
    return out.toString();
  }
}
