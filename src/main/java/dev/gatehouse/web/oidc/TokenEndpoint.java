package dev.gatehouse.web.oidc;

import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.token.OIDCTokens;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.ClientCredentialsGrant;
import dev.gatehouse.oidc.Clients;
import dev.gatehouse.oidc.CodeFlow;
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
  private final CodeFlow codeFlow;
  private final MeterRegistry metrics;
  private final Clock clock;
  private final URI endpoint;

  /** Wires the endpoint at {@code publicOrigin}/oauth/token. */
  public TokenEndpoint(
      Clients clients,
      ClientCredentialsGrant clientCredentials,
      CodeFlow codeFlow,
      MeterRegistry metrics,
      Clock clock,
      String publicOrigin) {
    this.clients = clients;
    this.clientCredentials = clientCredentials;
    this.codeFlow = codeFlow;
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
      case AuthorizationCodeGrant grant -> {
        if (grant.getRedirectionURI() == null) {
          refuse(
              exchange,
              "authorization_code",
              OAuth2Error.INVALID_REQUEST.setDescription("redirect_uri is required"));
          return;
        }
        answer(
            exchange,
            "authorization_code",
            codeFlow.redeem(
                client.get(),
                grant.getAuthorizationCode().getValue(),
                grant.getRedirectionURI().toString(),
                Optional.ofNullable(grant.getCodeVerifier()).map(CodeVerifier::getValue)));
      }
      case RefreshTokenGrant grant ->
          answer(
              exchange,
              "refresh_token",
              codeFlow.refresh(
                  client.get(),
                  grant.getRefreshToken().getValue(),
                  Optional.ofNullable(request.getScope()).map(s -> Set.copyOf(s.toStringList()))));
      default -> refuse(exchange, "unsupported", OAuth2Error.UNSUPPORTED_GRANT_TYPE);
    }
  }

  private void answer(Exchange exchange, String grant, CodeFlow.Result result) {
    switch (result) {
      case CodeFlow.Refused refused -> refuse(exchange, grant, refused.error());
      case CodeFlow.Issued issued -> {
        metrics.counter("gatehouse.oauth.tokens", "grant", grant).increment();
        AccessTokens.Issued token = issued.access();
        long lifetime =
            Math.max(1, Duration.between(clock.instant(), token.expiresAt()).toSeconds());
        BearerAccessToken access =
            new BearerAccessToken(
                token.token(),
                lifetime,
                token.scopes().isEmpty() ? null : new Scope(token.scopes().toArray(String[]::new)));
        RefreshToken refresh = issued.refreshToken().map(RefreshToken::new).orElse(null);
        if (issued.idToken().isPresent()) {
          NimbusHttp.respond(
              exchange,
              new OIDCTokenResponse(new OIDCTokens(issued.idToken().get(), access, refresh))
                  .toHTTPResponse());
        } else {
          NimbusHttp.respond(
              exchange, new AccessTokenResponse(new Tokens(access, refresh)).toHTTPResponse());
        }
      }
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
