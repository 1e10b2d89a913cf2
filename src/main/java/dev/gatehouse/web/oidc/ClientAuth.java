package dev.gatehouse.web.oidc;

import com.nimbusds.oauth2.sdk.AbstractOptionallyAuthenticatedRequest;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.id.ClientID;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.Clients;
import java.util.List;
import java.util.Optional;

/**
 * Client authentication at the token, introspection and revocation endpoints: {@code
 * client_secret_basic} (Nimbus decodes the form-encoding inside Basic, RFC 6749 §2.3.1) or {@code
 * client_secret_post}, exactly one; a public client (auth method {@code none}) only names itself
 * with {@code client_id}, and a confidential client can never authenticate that way.
 */
final class ClientAuth {
  private ClientAuth() {}

  /**
   * The enabled client the request authenticates as; empty for bad, missing or doubled credentials.
   *
   * @param publicId the {@code client_id} a public client sent instead of credentials, if any
   */
  static Optional<Client> authenticate(
      Clients clients,
      AbstractOptionallyAuthenticatedRequest request,
      Optional<ClientID> publicId) {
    // Nimbus answers null, not an empty list, when the request carries no credentials at all.
    List<ClientAuthentication> candidates = request.getClientAuthenticationCandidates();
    if (candidates != null && candidates.size() > 1) {
      return Optional.empty(); // RFC 6749 §2.3: one method only
    }
    ClientAuthentication auth = request.getClientAuthentication();
    if (auth == null) {
      return publicId.flatMap(id -> clients.authenticate(id.getValue(), Optional.empty()));
    }
    String secret;
    if (auth instanceof ClientSecretBasic basic) {
      secret = basic.getClientSecret().getValue();
    } else if (auth instanceof ClientSecretPost post) {
      secret = post.getClientSecret().getValue();
    } else {
      return Optional.empty(); // private_key_jwt and friends are not offered
    }
    return clients.authenticate(auth.getClientID().getValue(), Optional.of(secret));
  }

  /** Whether the request tried HTTP Basic (a 401 must then challenge it). */
  static boolean usedBasic(AbstractOptionallyAuthenticatedRequest request) {
    return request.getClientAuthentication() instanceof ClientSecretBasic;
  }
}
