package dev.gatehouse.web.oidc;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.openid.connect.sdk.Prompt;
import com.nimbusds.openid.connect.sdk.SubjectType;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import dev.gatehouse.keys.SigningKeys;
import dev.gatehouse.oidc.Clients;
import dev.gatehouse.web.Exchange;
import java.net.URI;
import java.util.List;

/**
 * {@code GET /.well-known/openid-configuration} and {@code
 * /.well-known/oauth-authorization-server}: exactly what is supported, rendered to bytes once.
 * Cacheable and readable cross-origin. Thread-safe.
 */
public final class DiscoveryEndpoint {
  private final String publicOrigin;
  private volatile byte[] json;

  /** The metadata of the provider at {@code publicOrigin} (built at the first request). */
  public DiscoveryEndpoint(String publicOrigin) {
    this.publicOrigin = publicOrigin;
  }

  private static String build(String publicOrigin) {
    OIDCProviderMetadata metadata =
        new OIDCProviderMetadata(
            new Issuer(publicOrigin),
            List.of(SubjectType.PUBLIC),
            URI.create(publicOrigin + "/.well-known/jwks.json"));
    metadata.setAuthorizationEndpointURI(URI.create(publicOrigin + "/oauth/authorize"));
    metadata.setTokenEndpointURI(URI.create(publicOrigin + "/oauth/token"));
    metadata.setUserInfoEndpointURI(URI.create(publicOrigin + "/oauth/userinfo"));
    metadata.setIntrospectionEndpointURI(URI.create(publicOrigin + "/oauth/introspect"));
    metadata.setRevocationEndpointURI(URI.create(publicOrigin + "/oauth/revoke"));
    metadata.setEndSessionEndpointURI(URI.create(publicOrigin + "/oauth/logout"));
    metadata.setScopes(new Scope(Clients.STANDARD_SCOPES.toArray(String[]::new)));
    metadata.setResponseTypes(List.of(ResponseType.CODE));
    metadata.setResponseModes(List.of(ResponseMode.QUERY, ResponseMode.FORM_POST));
    metadata.setGrantTypes(
        List.of(
            GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN, GrantType.CLIENT_CREDENTIALS));
    metadata.setCodeChallengeMethods(List.of(CodeChallengeMethod.S256));
    metadata.setTokenEndpointAuthMethods(
        List.of(
            ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
            ClientAuthenticationMethod.CLIENT_SECRET_POST,
            ClientAuthenticationMethod.NONE));
    metadata.setIntrospectionEndpointAuthMethods(
        List.of(
            ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
            ClientAuthenticationMethod.CLIENT_SECRET_POST));
    metadata.setRevocationEndpointAuthMethods(
        List.of(
            ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
            ClientAuthenticationMethod.CLIENT_SECRET_POST,
            ClientAuthenticationMethod.NONE));
    metadata.setIDTokenJWSAlgs(List.copyOf(SigningKeys.ID_TOKEN_ALGORITHMS));
    metadata.setPromptTypes(List.of(Prompt.Type.NONE, Prompt.Type.LOGIN, Prompt.Type.CONSENT));
    metadata.setClaims(
        List.of(
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "amr",
            "azp",
            "sid",
            "at_hash",
            "name",
            "preferred_username",
            "email",
            "email_verified",
            "groups"));
    metadata.setSupportsClaimsParams(false);
    metadata.setSupportsRequestParam(false);
    metadata.setSupportsRequestURIParam(false);
    metadata.setRequiresRequestURIRegistration(false);
    metadata.setSupportsAuthorizationResponseIssuerParam(true);
    metadata.setSupportsBackChannelLogout(true);
    metadata.setSupportsBackChannelLogoutSession(true);
    metadata.setSupportsFrontChannelLogout(false);
    return metadata.toJSONObject().toJSONString();
  }

  /** {@code GET} either well-known path. */
  public void metadata(Exchange exchange) {
    exchange.addHeader("Cache-Control", "public, max-age=300");
    exchange.addHeader("Access-Control-Allow-Origin", "*");
    exchange.respond(200, "application/json", bytes());
  }

  /**
   * The UTF-8 bytes served, rendered once (a race renders them twice, identically): every request
   * is served the same array.
   */
  private byte[] bytes() {
    byte[] made = json;
    if (made == null) {
      made = build(publicOrigin).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      json = made;
    }
    return made;
  }
}
