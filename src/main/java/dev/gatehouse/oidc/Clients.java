package dev.gatehouse.oidc;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.gatehouse.kernel.CacheTicker;
import dev.gatehouse.kernel.NonBlocking;
import dev.gatehouse.kernel.Tokens;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every client: those of the configuration file (read-only) and those made with the CLI (stored;
 * changes by another process are seen within a second). Validates clients, makes and checks their
 * secrets (256 bits, stored as SHA-256, compared in constant time, shown once). Thread-safe.
 */
public final class Clients {
  /** Scopes with a meaning in OpenID Connect; clients may also have API scopes of their own. */
  public static final List<String> STANDARD_SCOPES =
      List.of("openid", "profile", "email", "groups", "offline_access");

  /** The longest access-token lifetime (signing keys are kept published this long). */
  public static final Duration MAX_ACCESS_LIFETIME = Duration.ofHours(24);

  private static final Duration MAX_REUSE_GRACE = Duration.ofSeconds(60);

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~-]{1,64}");
  private static final Pattern SCOPE = Pattern.compile("[A-Za-z0-9:._/-]{1,64}");
  private static final String DUMMY_HASH = Tokens.sha256Hex("no such client");

  /** A new client and, for a confidential one, its secret (shown once, never stored). */
  public record Created(Client client, Optional<String> secret) {}

  private final Map<String, Client> configured;
  private final Map<String, dev.gatehouse.kernel.Secret> secretFiles;
  private final ClientRepository repository;
  private final Clock clock;
  private final SecureRandom random;
  private final LoadingCache<String, Optional<Client>> stored;

  /**
   * The configured clients (validated here) over the stored ones; {@code secretFiles} are the
   * secret files of configured clients, re-read when they change (the old secret then stops
   * working).
   */
  public Clients(
      List<Client> configured,
      Map<String, dev.gatehouse.kernel.Secret> secretFiles,
      ClientRepository repository,
      Clock clock,
      SecureRandom random) {
    Map<String, Client> byId = new LinkedHashMap<>();
    for (Client client : configured) {
      validate(client);
      if (byId.put(client.id(), client) != null) {
        throw new ClientException("client id " + client.id() + " is configured twice");
      }
    }
    this.configured = Map.copyOf(byId);
    this.secretFiles = Map.copyOf(secretFiles);
    this.repository = repository;
    this.clock = clock;
    this.random = random;
    this.stored =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(Duration.ofSeconds(1))
            .ticker(CacheTicker.forClock(clock)::getAsLong)
            .build(repository::find);
  }

  /** The client with this id (configured or stored), enabled or not. */
  public Optional<Client> find(String id) {
    if (!ID.matcher(id).matches()) {
      return Optional.empty();
    }
    Client fromConfig = configured.get(id);
    if (fromConfig == null) {
      Optional<Client> cached = stored.getIfPresent(id);
      if (cached == null) {
        NonBlocking.mayBlock(); // a miss waits for the store, or for the thread loading it
        cached = stored.get(id);
      }
      return cached;
    }
    dev.gatehouse.kernel.Secret file = secretFiles.get(id);
    if (file == null) {
      return Optional.of(fromConfig);
    }
    // The file as it is now; a rotated-in secret shorter than the rule allows matches nothing.
    String secret = file.reveal().strip();
    return Optional.of(
        fromConfig.withSecretHash(
            Optional.of(secret.length() >= 32 ? Tokens.sha256Hex(secret) : "unusable")));
  }

  /** Every client, by id. */
  public List<Client> list() {
    List<Client> all = new ArrayList<>(configured.values());
    for (Client client : repository.list()) {
      if (!configured.containsKey(client.id())) {
        all.add(client);
      }
    }
    all.sort(Comparator.comparing(Client::id));
    return all;
  }

  /**
   * The enabled client these credentials belong to: a confidential client with its secret, or a
   * public client with none. The work is the same for unknown clients.
   */
  public Optional<Client> authenticate(String id, Optional<String> secret) {
    Optional<Client> client = find(id).filter(c -> !c.disabled());
    if (client.isEmpty()) {
      Tokens.constantTimeEquals(DUMMY_HASH, Tokens.sha256Hex(secret.orElse("")));
      return Optional.empty();
    }
    if (client.get().isPublic()) {
      return secret.isEmpty() ? client : Optional.empty();
    }
    boolean ok =
        secret.isPresent()
            && Tokens.constantTimeEquals(
                client.get().secretHash().orElseThrow(), Tokens.sha256Hex(secret.get()));
    return ok ? client : Optional.empty();
  }

  /** Stores a new client; a confidential one gets a fresh secret, returned once. */
  public Created add(Client draft, boolean confidential) {
    if (configured.containsKey(draft.id())) {
      throw new ClientException.Duplicate(draft.id());
    }
    Optional<String> secret = confidential ? Optional.of(newSecret()) : Optional.empty();
    Client client = draft.withSecretHash(secret.map(Tokens::sha256Hex));
    validate(client);
    repository.insert(client, clock.instant());
    stored.invalidate(client.id());
    return new Created(client, secret);
  }

  /** Replaces a stored client's settings (its secret stays). */
  public Client update(Client changed) {
    Client current = requireStored(changed.id());
    Client client = changed.withSecretHash(current.secretHash());
    validate(client);
    repository.update(client, clock.instant());
    stored.invalidate(client.id());
    return client;
  }

  /** Forgets cached stored clients: another node changed them (see {@code ChangeFeed}). */
  public void forgetCached() {
    stored.invalidateAll();
  }

  /** Deletes a stored client with every grant and token it holds. */
  public void delete(String id) {
    requireStored(id);
    repository.delete(id);
    stored.invalidate(id);
  }

  /** Gives a confidential client a new secret (the old one stops working at once). */
  public String rotateSecret(String id) {
    Client current = requireStored(id);
    if (current.isPublic()) {
      throw new ClientException("client " + id + " is public: it has no secret to rotate");
    }
    String secret = newSecret();
    repository.update(
        current.withSecretHash(Optional.of(Tokens.sha256Hex(secret))), clock.instant());
    stored.invalidate(id);
    return secret;
  }

  private Client requireStored(String id) {
    if (configured.containsKey(id)) {
      throw new ClientException(
          "client " + id + " is defined in the configuration file: change it there");
    }
    return repository.find(id).orElseThrow(() -> new ClientException("no client with id " + id));
  }

  private String newSecret() {
    return Tokens.newToken(random);
  }

  /** An https URL, or http on loopback: where a person can be sent. */
  private static boolean webAddress(String text) {
    try {
      java.net.URI uri = new java.net.URI(text);
      String host = uri.getHost() == null ? "" : uri.getHost();
      boolean loopback =
          host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
      return uri.getRawUserInfo() == null
          && !host.isEmpty()
          && ("https".equals(uri.getScheme()) || ("http".equals(uri.getScheme()) && loopback));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  /** Throws {@link ClientException} naming the first setting that is not allowed. */
  public static void validate(Client client) {
    if (!ID.matcher(client.id()).matches()) {
      throw new ClientException(
          "client id \""
              + client.id()
              + "\" must be 1 to 64 letters, digits, '.', '_', '~' or '-'");
    }
    String who = "client " + client.id() + ": ";
    if (!client.homeUrl().isEmpty() && !webAddress(client.homeUrl())) {
      throw new ClientException(
          who + "the home URL must be an https address (http only on this machine)");
    }
    if (client.grantTypes().isEmpty()) {
      throw new ClientException(who + "needs at least one grant type");
    }
    for (String group :
        com.google.common.collect.Sets.union(client.allowedGroups(), client.groups())) {
      // The rules of group names: a comma or a line break would forge a second group in the
      // Remote-Groups header of the client's tokens.
      String canonical;
      try {
        canonical = dev.gatehouse.identity.Names.groupOrRole("group", group);
      } catch (dev.gatehouse.identity.DirectoryException e) {
        throw new ClientException(who + e.getMessage());
      }
      if (!canonical.equals(group)) {
        throw new ClientException(
            who
                + "group \""
                + dev.gatehouse.kernel.Printable.of(group, 64)
                + "\" is not canonical");
      }
    }
    boolean code = client.grantTypes().contains(Client.GrantType.AUTHORIZATION_CODE);
    if (client.isPublic() && client.grantTypes().contains(Client.GrantType.CLIENT_CREDENTIALS)) {
      throw new ClientException(who + "client_credentials needs a confidential client (a secret)");
    }
    if (client.isPublic() && !client.requirePkce()) {
      throw new ClientException(who + "a public client must require PKCE");
    }
    if (client.grantTypes().contains(Client.GrantType.REFRESH_TOKEN) && !code) {
      throw new ClientException(who + "refresh_token needs authorization_code too");
    }
    if (code && client.redirectUris().isEmpty()) {
      throw new ClientException(who + "authorization_code needs at least one redirect URI");
    }
    for (String uri : client.redirectUris()) {
      checkRedirect(who, "redirect URI", uri, client.isPublic());
      checkNoResponseParameters(who, uri);
    }
    for (String uri : client.postLogoutRedirectUris()) {
      checkRedirect(who, "post-logout redirect URI", uri, client.isPublic());
    }
    if (client.backchannelLogoutUri().isPresent()) {
      checkRedirect(who, "back-channel logout URI", client.backchannelLogoutUri().get(), false);
    }
    for (String scope : client.scopes()) {
      if (!SCOPE.matcher(scope).matches()) {
        throw new ClientException(
            who + "scope \"" + scope + "\" has characters a scope cannot have");
      }
    }
    for (String audience : client.audiences()) {
      checkRedirect(who, "audience", audience, false);
    }
    if (client.accessTokenLifetime().compareTo(Duration.ofMinutes(1)) < 0
        || client.accessTokenLifetime().compareTo(MAX_ACCESS_LIFETIME) > 0) {
      throw new ClientException(who + "access-token lifetime must be 1m to 24h");
    }
    if (client.refreshTokenLifetime().compareTo(Duration.ofHours(1)) < 0
        || client.refreshTokenLifetime().compareTo(Duration.ofDays(366)) > 0) {
      throw new ClientException(who + "refresh-token lifetime must be 1h to 366d");
    }
    if (client.refreshReuseGrace().isNegative()
        || client.refreshReuseGrace().compareTo(MAX_REUSE_GRACE) > 0) {
      throw new ClientException(who + "refresh reuse grace must be 0s to 60s");
    }
    if (!client.signingAlg().equals("ES256") && !client.signingAlg().equals("RS256")) {
      throw new ClientException(who + "signing algorithm must be ES256 or RS256");
    }
    if (!Client.ACCESS_TOKEN_ALGORITHMS.contains(client.accessTokenAlg())) {
      throw new ClientException(
          who
              + "access-token signing algorithm must be ES256, RS256 or EdDSA, not \""
              + client.accessTokenAlg()
              + "\"");
    }
  }

  /**
   * https URIs, http only on loopback; public (native) clients may also use a private-use scheme
   * such as {@code com.example.app:/callback}. Never a fragment or user info.
   */
  private static void checkRedirect(String who, String what, String value, boolean nativeAllowed) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new ClientException(who + what + " \"" + value + "\" is not a URI");
    }
    String scheme = Optional.ofNullable(uri.getScheme()).orElse("").toLowerCase(Locale.ROOT);
    boolean loopback = isLoopback(uri);
    boolean privateUse = nativeAllowed && scheme.contains(".") && !scheme.startsWith("http");
    if (!uri.isAbsolute()
        || uri.getFragment() != null
        || uri.getRawUserInfo() != null
        || !(scheme.equals("https") || (scheme.equals("http") && loopback) || privateUse)) {
      throw new ClientException(
          who
              + what
              + " \""
              + value
              + "\" must be an absolute https URI (http only for localhost), without a fragment"
              + " or user info");
    }
  }

  /**
   * A redirect URI whose query already names {@code code}, {@code state}, {@code iss} or {@code
   * error} would carry two values of a response parameter, and the client could read ours or the
   * one it registered (OAuth 2.0 Security BCP; RFC 9207 mix-up defence): refused.
   */
  private static void checkNoResponseParameters(String who, String value) {
    String query = Optional.ofNullable(URI.create(value).getRawQuery()).orElse("");
    if (query.contains(";")) {
      // Some frameworks split parameters on ';' too: "x=1;code=2" would smuggle a second code.
      throw new ClientException(
          who + "redirect URI \"" + value + "\" must not use ';' in its query");
    }
    for (String pair : query.split("&")) {
      String raw = pair.split("=", 2)[0];
      String name;
      try {
        // Compared as the client's framework reads it: percent-decoded ("%63ode" is "code"),
        // any case, without a PHP-style "[]" suffix.
        name =
            java.net.URLDecoder.decode(raw, java.nio.charset.StandardCharsets.UTF_8)
                .toLowerCase(Locale.ROOT);
      } catch (IllegalArgumentException e) {
        throw new ClientException(who + "redirect URI \"" + value + "\" has a malformed query");
      }
      int bracket = name.indexOf('[');
      name = (bracket >= 0 ? name.substring(0, bracket) : name).strip();
      if (List.of("code", "state", "iss", "error", "id_token", "access_token").contains(name)) {
        throw new ClientException(
            who
                + "redirect URI \""
                + value
                + "\" must not carry the response parameter \""
                + name
                + "\" in its query");
      }
    }
  }

  /** Whether {@code uri} is http on a loopback host. */
  static boolean isLoopback(URI uri) {
    String host = Optional.ofNullable(uri.getHost()).orElse("");
    return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
  }

  /**
   * Whether {@code requested} exactly matches a registered redirect URI. Native (public) clients
   * registering a loopback URI may use any port on it (RFC 8252 §7.3); nothing else is relaxed.
   */
  public static boolean redirectMatches(Client client, String requested) {
    if (client.redirectUris().contains(requested)) {
      return true;
    }
    if (!client.isPublic()) {
      return false;
    }
    URI asked;
    try {
      asked = new URI(requested);
    } catch (URISyntaxException e) {
      return false;
    }
    if (!"http".equals(asked.getScheme()) || !isLoopback(asked) || asked.getRawUserInfo() != null) {
      return false;
    }
    for (String registered : client.redirectUris()) {
      try {
        URI uri = new URI(registered);
        if ("http".equals(uri.getScheme())
            && isLoopback(uri)
            && uri.getHost().equals(asked.getHost())
            && java.util.Objects.equals(uri.getRawPath(), asked.getRawPath())
            && java.util.Objects.equals(uri.getRawQuery(), asked.getRawQuery())
            && asked.getRawFragment() == null) {
          return true;
        }
      } catch (URISyntaxException e) {
        // validated at registration; cannot happen
      }
    }
    return false;
  }

  /** The scopes {@code requested} narrowed to what {@code client} may have. */
  public static Set<String> allowedScopes(Client client, Set<String> requested) {
    Set<String> out = new java.util.TreeSet<>(requested);
    out.retainAll(client.scopes());
    return out;
  }
}
