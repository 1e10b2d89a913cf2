package dev.gatehouse.web.oidc;

import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.ClientCredentialsGrant;
import dev.gatehouse.oidc.Clients;
import dev.gatehouse.web.Exchange;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /oauth/token}: parses with Nimbus (any parse failure is a 400 {@code
 * invalid_request}, never a 500), authenticates the client and runs the grant. Thread-safe.
 */
public final class TokenEndpoint {
  private final Clients clients;
  private final ClientCredentialsGrant clientCredentials;
  private final MeterRegistry metrics;
  private final Clock clock;
  private final URI endpoint;

  /** Wires the endpoint at {@code publicOrigin}/oauth/token. */
  public TokenEndpoint(
      Clients clients,
      ClientCredentialsGrant clientCredentials,
      MeterRegistry metrics,
      Clock clock,
      String publicOrigin) {
    this.clients = clients;
    this.clientCredentials = clientCredentials;
    this.metrics = metrics;
    this.clock = clock;
    this.endpoint = URI.create(publicOrigin + "/oauth/token");
  }

  /** {@code POST /oauth/token}. */
  public void token(Exchange exchange) {
    TokenRequest request;
    try {
      request = TokenRequest.parse(NimbusHttp.request(exchange, endpoint));
    } catch (ParseException e) {
      refuse(
          exchange,
          "parse",
          Optional.ofNullable(e.getErrorObject()).orElse(OAuth2Error.INVALID_REQUEST));
      return;
    } catch (RuntimeException e) {
      refuse(exchange, "parse", OAuth2Error.INVALID_REQUEST); // Nimbus may throw unchecked on junk
      return;
    }
    Optional<Client> client =
        ClientAuth.authenticate(clients, request, Optional.ofNullable(request.getClientID()));
    if (client.isEmpty()) {
      if (ClientAuth.usedBasic(request)) {
        exchange.addHeader("WWW-Authenticate", "Basic realm=\"gatehouse\"");
      }
      refuse(exchange, "invalid_client", OAuth2Error.INVALID_CLIENT);
      return;
    }
    switch (request.getAuthorizationGrant()) {
      case com.nimbusds.oauth2.sdk.ClientCredentialsGrant grant -> {
        Optional<Set<String>> scopes =
            Optional.ofNullable(request.getScope()).map(s -> Set.copyOf(s.toStringList()));
        List<String> resources =
            Optional.ofNullable(request.getResources()).orElse(List.of()).stream()
                .map(URI::toString)
                .toList();
        switch (clientCredentials.grant(client.get(), scopes, resources)) {
          case ClientCredentialsGrant.Granted granted -> {
            metrics.counter("gatehouse.oauth.tokens", "grant", "client_credentials").increment();
            issued(exchange, granted.token());
          }
          case ClientCredentialsGrant.Refused refused ->
              refuse(exchange, "client_credentials", refused.error());
        }
      }
      default -> refuse(exchange, "unsupported", OAuth2Error.UNSUPPORTED_GRANT_TYPE);
    }
  }

  private void issued(Exchange exchange, AccessTokens.Issued token) {
    long lifetime = Math.max(1, Duration.between(clock.instant(), token.expiresAt()).toSeconds());
    BearerAccessToken access =
        new BearerAccessToken(
            token.token(),
            lifetime,
            token.scopes().isEmpty() ? null : new Scope(token.scopes().toArray(String[]::new)));
    NimbusHttp.respond(
        exchange, new AccessTokenResponse(new Tokens(access, null)).toHTTPResponse());
  }

  private void refuse(Exchange exchange, String reason, ErrorObject error) {
    metrics.counter("gatehouse.oauth.token_errors", "reason", reason).increment();
    NimbusHttp.error(exchange, error);
  }
}
