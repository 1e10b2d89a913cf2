package dev.gatehouse.web.oidc;

import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenIntrospectionRequest;
import com.nimbusds.oauth2.sdk.TokenIntrospectionSuccessResponse;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.Subject;
import com.nimbusds.oauth2.sdk.token.AccessTokenType;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.Clients;
import dev.gatehouse.web.Exchange;
import java.net.URI;
import java.util.Date;
import java.util.Optional;

/**
 * {@code POST /oauth/introspect} (RFC 7662): needs client authentication and answers only about the
 * caller's own tokens or tokens meant for an audience it serves; everything else, like every
 * invalid token, is {@code {"active": false}}. Thread-safe.
 */
public final class IntrospectionEndpoint {
  private final Clients clients;
  private final AccessTokens tokens;
  private final Directory directory;
  private final String issuer;
  private final URI endpoint;

  /** Wires the endpoint at {@code publicOrigin}/oauth/introspect. */
  public IntrospectionEndpoint(
      Clients clients, AccessTokens tokens, Directory directory, String publicOrigin) {
    this.clients = clients;
    this.tokens = tokens;
    this.directory = directory;
    this.issuer = publicOrigin;
    this.endpoint = URI.create(publicOrigin + "/oauth/introspect");
  }

  /** {@code POST /oauth/introspect}. */
  public void introspect(Exchange exchange) {
    TokenIntrospectionRequest request;
    try {
      request = TokenIntrospectionRequest.parse(NimbusHttp.request(exchange, endpoint));
    } catch (ParseException | RuntimeException e) {
      NimbusHttp.error(exchange, OAuth2Error.INVALID_REQUEST);
      return;
    }
    Optional<Client> caller = ClientAuth.authenticate(clients, request, Optional.empty());
    if (caller.isEmpty() || caller.get().isPublic()) {
      if (ClientAuth.usedBasic(request)) {
        exchange.addHeader("WWW-Authenticate", "Basic realm=\"gatehouse\"");
      }
      NimbusHttp.error(exchange, OAuth2Error.INVALID_CLIENT);
      return;
    }
    Optional<AccessTokens.Verified> token =
        tokens
            .verify(request.getToken().getValue())
            .filter(
                t ->
                    t.clientId().equals(caller.get().id())
                        || t.audience().stream().anyMatch(caller.get().audiences()::contains));
    TokenIntrospectionSuccessResponse response;
    if (token.isEmpty()) {
      response = new TokenIntrospectionSuccessResponse.Builder(false).build();
    } else {
      AccessTokens.Verified t = token.get();
      TokenIntrospectionSuccessResponse.Builder builder =
          new TokenIntrospectionSuccessResponse.Builder(true)
              .tokenType(AccessTokenType.BEARER)
              .clientID(new ClientID(t.clientId()))
              .issuer(new Issuer(issuer))
              .expirationTime(Date.from(t.expiresAt()))
              .audience(t.audience().stream().map(Audience::new).toList())
              .subject(new Subject(t.user().map(u -> u.value()).orElse(t.clientId())))
              .jwtID(new com.nimbusds.oauth2.sdk.id.JWTID(t.jti()));
      if (!t.scopes().isEmpty()) {
        builder.scope(new Scope(t.scopes().toArray(String[]::new)));
      }
      t.user().flatMap(directory::findById).map(User::username).ifPresent(builder::username);
      response = builder.build();
    }
    NimbusHttp.respond(exchange, response.toHTTPResponse());
  }
}
