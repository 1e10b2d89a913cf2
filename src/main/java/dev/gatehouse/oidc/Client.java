package dev.gatehouse.oidc;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A relying party or service that gets tokens from Gatehouse. Immutable.
 *
 * @param secretHash SHA-256 (hex) of the client secret; empty for a public client
 * @param redirectUris exact redirect URIs (a loopback one matches any port, for native apps only)
 * @param scopes the scopes it may be given
 * @param allowedGroups users outside every one of these groups are refused; empty allows everyone
 * @param groups the client's own groups, its identity when it acts for itself (client_credentials)
 * @param audiences resources (e.g. {@code https://api.example.com}) its tokens may be meant for;
 *     client_credentials tokens carry all of them unless a {@code resource} narrows them
 * @param requirePkce whether code requests must carry a PKCE S256 challenge (always for public)
 * @param signingAlg {@code ES256} (default) or {@code RS256}, for ID tokens
 * @param accessTokenAlg {@code ES256} (default), {@code RS256} or {@code EdDSA}, for JWT access
 *     tokens (so a resource server gets the algorithm it verifies)
 * @param accessTokenFormat a signed JWT (default), or an opaque reference that only Gatehouse can
 *     resolve (forward-auth, introspection, userinfo)
 * @param fromConfig defined in the configuration file, so read-only at run time
 * @param homeUrl where people open the app (listed on the portal's start page); empty for none
 */
public record Client(
    String id,
    String name,
    Optional<String> secretHash,
    List<String> redirectUris,
    Set<GrantType> grantTypes,
    Set<String> scopes,
    Set<String> allowedGroups,
    Set<String> groups,
    Set<String> audiences,
    Consent consent,
    boolean requirePkce,
    Duration accessTokenLifetime,
    Duration refreshTokenLifetime,
    Duration refreshReuseGrace,
    Optional<String> backchannelLogoutUri,
    List<String> postLogoutRedirectUris,
    String signingAlg,
    String accessTokenAlg,
    AccessTokenFormat accessTokenFormat,
    boolean disabled,
    boolean fromConfig,
    String homeUrl) {

  /** Whether the client has no secret (a browser or native app): PKCE is then required. */
  public boolean isPublic() {
    return secretHash.isEmpty();
  }

  /** The same client with another secret hash. */
  public Client withSecretHash(Optional<String> hash) {
    return new Client(
        id,
        name,
        hash,
        redirectUris,
        grantTypes,
        scopes,
        allowedGroups,
        groups,
        audiences,
        consent,
        requirePkce,
        accessTokenLifetime,
        refreshTokenLifetime,
        refreshReuseGrace,
        backchannelLogoutUri,
        postLogoutRedirectUris,
        signingAlg,
        accessTokenAlg,
        accessTokenFormat,
        disabled,
        fromConfig,
        homeUrl);
  }

  /** The same client, enabled or disabled. */
  public Client withDisabled(boolean value) {
    return new Client(
        id,
        name,
        secretHash,
        redirectUris,
        grantTypes,
        scopes,
        allowedGroups,
        groups,
        audiences,
        consent,
        requirePkce,
        accessTokenLifetime,
        refreshTokenLifetime,
        refreshReuseGrace,
        backchannelLogoutUri,
        postLogoutRedirectUris,
        signingAlg,
        accessTokenAlg,
        accessTokenFormat,
        value,
        fromConfig,
        homeUrl);
  }

  /** The grant types a client may use. */
  public enum GrantType {
    AUTHORIZATION_CODE("authorization_code"),
    REFRESH_TOKEN("refresh_token"),
    CLIENT_CREDENTIALS("client_credentials");

    private final String value;

    GrantType(String value) {
      this.value = value;
    }

    /** The protocol name. */
    public String value() {
      return value;
    }

    /** The grant type with this protocol name. */
    public static Optional<GrantType> of(String value) {
      for (GrantType type : values()) {
        if (type.value.equals(value)) {
          return Optional.of(type);
        }
      }
      return Optional.empty();
    }
  }

  /** What an access token is. */
  public enum AccessTokenFormat {
    /** A JWT per RFC 9068, verifiable offline against the published keys (and revocable here). */
    JWT("jwt"),
    /**
     * A random reference ({@code gat_…}): nothing to verify offline, only looked up here, so
     * nothing to sign — for services that only ever present tokens back to Gatehouse.
     */
    OPAQUE("opaque");

    private final String value;

    AccessTokenFormat(String value) {
      this.value = value;
    }

    /** The configuration and API name. */
    public String value() {
      return value;
    }

    /** The format with this name, in any letter case. */
    public static Optional<AccessTokenFormat> of(String value) {
      for (AccessTokenFormat format : values()) {
        if (format.value.equalsIgnoreCase(value)) {
          return Optional.of(format);
        }
      }
      return Optional.empty();
    }
  }

  /** The access-token signing algorithms a client may choose, by their JOSE names. */
  public static final List<String> ACCESS_TOKEN_ALGORITHMS = List.of("ES256", "RS256", "EdDSA");

  /** The JOSE name of an access-token algorithm given in any letter case, if it is one. */
  public static Optional<String> accessTokenAlgorithm(String value) {
    return ACCESS_TOKEN_ALGORITHMS.stream().filter(a -> a.equalsIgnoreCase(value)).findFirst();
  }

  /** Whether users are asked before a client gets their data. */
  public enum Consent {
    /** Ask once per scope set (remembered, revocable). */
    REQUIRED,
    /** A first-party app: never ask. */
    TRUSTED
  }
}
