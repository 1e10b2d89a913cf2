package dev.gatehouse.web.oidc;

import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.Clients;
import dev.gatehouse.oidc.CodeFlow;
import dev.gatehouse.web.Exchange;
import java.net.URI;
import java.util.Optional;

/**
 * {@code POST /oauth/revoke} (RFC 7009): a client revokes one of its own tokens. The answer is 200
 * whether or not the token existed or was the client's (nothing is revealed). Thread-safe.
 */
public final class RevocationEndpoint {
  private final Clients clients;
  private final AccessTokens tokens;
  private final CodeFlow codeFlow;
  private final URI endpoint;

  /** Wires the endpoint at {@code publicOrigin}/oauth/revoke. */
  public RevocationEndpoint(
      Clients clients, AccessTokens tokens, CodeFlow codeFlow, String publicOrigin) {
    this.clients = clients;
    this.tokens = tokens;
    this.codeFlow = codeFlow;
    this.endpoint = URI.create(publicOrigin + "/oauth/revoke");
  }

  /** {@code POST /oauth/revoke}. */
  public void revoke(Exchange exchange) {
    TokenRevocationRequest request;
    try {
      request = TokenRevocationRequest.parse(NimbusHttp.request(exchange, endpoint));
    } catch (ParseException | RuntimeException e) {
      NimbusHttp.error(exchange, OAuth2Error.INVALID_REQUEST);
      return;
    }
    Optional<Client> caller =
        ClientAuth.authenticate(clients, request, Optional.ofNullable(request.getClientID()));
    if (caller.isEmpty()) {
      if (ClientAuth.usedBasic(request)) {
        exchange.addHeader("WWW-Authenticate", "Basic realm=\"gatehouse\"");
      }
      NimbusHttp.error(exchange, OAuth2Error.INVALID_CLIENT);
      return;
    }
    String token = request.getToken().getValue();
    Optional<String> jti = tokens.jtiOf(token);
    if (jti.isPresent()) {
      tokens.revoke(jti.get(), caller.get().id());
    } else {
      codeFlow.revokeRefreshToken(caller.get(), token); // refresh tokens are opaque
    }
    exchange.addHeader("Cache-Control", "no-store");
    exchange.respond(200, "", "");
  }
}
