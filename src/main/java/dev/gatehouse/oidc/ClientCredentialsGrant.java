package dev.gatehouse.oidc;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code client_credentials} grant: a confidential client gets an access token for itself, with
 * only the scopes it is assigned and for audiences it is configured for. There is no refresh token:
 * the client simply asks again. Thread-safe.
 */
public final class ClientCredentialsGrant {
  /** Outcome. */
  public sealed interface Result permits Granted, Refused {}

  /** The token. */
  public record Granted(AccessTokens.Issued token) implements Result {}

  /** An OAuth error (RFC 6749 §5.2). */
  public record Refused(ErrorObject error) implements Result {}

  private final AccessTokens tokens;

  /** Issues through {@code tokens}. */
  public ClientCredentialsGrant(AccessTokens tokens) {
    this.tokens = tokens;
  }

  /**
   * Grants {@code client} (already authenticated) a token.
   *
   * @param requestedScopes the {@code scope} parameter, empty when absent (all assigned API scopes)
   * @param resources the RFC 8707 resource indicators (each must be one of the client's audiences);
   *     none means all of them, or the client itself when it has none
   */
  public Result grant(
      Client client, Optional<Set<String>> requestedScopes, List<String> resources) {
    if (!client.grantTypes().contains(Client.GrantType.CLIENT_CREDENTIALS) || client.isPublic()) {
      return new Refused(
          OAuth2Error.UNAUTHORIZED_CLIENT.setDescription(
              "client_credentials is not enabled for this client"));
    }
    Set<String> scopes;
    if (requestedScopes.isPresent() && !requestedScopes.get().isEmpty()) {
      if (!client.scopes().containsAll(requestedScopes.get())) {
        Set<String> extra = new TreeSet<>(requestedScopes.get());
        extra.removeAll(client.scopes());
        return new Refused(
            OAuth2Error.INVALID_SCOPE.setDescription(
                "not assigned to this client: " + String.join(" ", extra)));
      }
      scopes = new TreeSet<>(requestedScopes.get());
    } else {
      scopes = new TreeSet<>(client.scopes());
      scopes.removeAll(Clients.STANDARD_SCOPES); // user scopes mean nothing without a user
    }
    List<String> audience = new ArrayList<>();
    for (String resource : resources) {
      if (!client.audiences().contains(resource)) {
        return new Refused(
            new ErrorObject("invalid_target", "not an audience of this client: " + resource, 400));
      }
      audience.add(resource);
    }
    if (audience.isEmpty()) {
      audience.addAll(new TreeSet<>(client.audiences()));
    }
    if (audience.isEmpty()) {
      audience.add(client.id());
    }
    return new Granted(
        tokens.issue(
            client, Optional.empty(), Optional.empty(), scopes, audience, Optional.empty()));
  }
}
