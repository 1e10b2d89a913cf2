package dev.gatehouse.web.oidc;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.BearerTokenError;
import com.nimbusds.openid.connect.sdk.UserInfoSuccessResponse;
import com.nimbusds.openid.connect.sdk.claims.UserInfo;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.UserClaims;
import dev.gatehouse.web.Exchange;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET|POST /oauth/userinfo}: the claims an access token's scopes release about its user.
 * Needs a valid access token with {@code openid} in {@code Authorization: Bearer}; anything else is
 * 401 with {@code WWW-Authenticate: Bearer error="invalid_token"}. Thread-safe.
 */
public final class UserInfoEndpoint {
  private final AccessTokens tokens;
  private final Directory directory;
  private final UserClaims claims;
  private final java.net.URI endpoint;

  /** Wires the endpoint. */
  public UserInfoEndpoint(AccessTokens tokens, Directory directory, String publicOrigin) {
    this.endpoint = java.net.URI.create(publicOrigin + "/oauth/userinfo");
    this.tokens = tokens;
    this.directory = directory;
    this.claims = new UserClaims(directory);
  }

  /** {@code GET|POST /oauth/userinfo}. */
  public void userinfo(Exchange exchange) {
    exchange.addHeader("Access-Control-Allow-Origin", "*");
    // RFC 6750: the token in the Authorization header (§2.1) or, in a POST, the form body (§2.2);
    // Nimbus reads whichever the client used.
    Optional<AccessTokens.Verified> token = Optional.empty();
    if (exchange.headers("Authorization").size() <= 1) {
      try {
        token =
            tokens.verify(
                BearerAccessToken.parse(NimbusHttp.request(exchange, endpoint)).getValue());
      } catch (ParseException | RuntimeException e) {
        token = Optional.empty();
      }
    }
    Optional<User> user =
        token
            .filter(t -> t.scopes().contains("openid"))
            .flatMap(AccessTokens.Verified::user)
            .flatMap(directory::findById)
            .filter(u -> !u.disabled());
    if (user.isEmpty()) {
      exchange.addHeader(
          "WWW-Authenticate", BearerTokenError.INVALID_TOKEN.toWWWAuthenticateHeader());
      exchange.addHeader("Cache-Control", "no-store");
      exchange.json(401, "{\"error\":\"invalid_token\"}");
      return;
    }
    JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder();
    for (Map.Entry<String, Object> claim : claims.of(user.get(), token.get().scopes()).entrySet()) {
      builder.claim(claim.getKey(), claim.getValue());
    }
    NimbusHttp.respond(
        exchange, new UserInfoSuccessResponse(new UserInfo(builder.build())).toHTTPResponse());
  }
}
