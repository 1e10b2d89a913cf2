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

  /** Wires the endpoint. */
  public UserInfoEndpoint(AccessTokens tokens, Directory directory) {
    this.tokens = tokens;
    this.directory = directory;
    this.claims = new UserClaims(directory);
  }

  /** {@code GET|POST /oauth/userinfo}. */
  public void userinfo(Exchange exchange) {
    exchange.addHeader("Access-Control-Allow-Origin", "*");
    Optional<String> header = exchange.singleHeader("Authorization");
    Optional<AccessTokens.Verified> token = Optional.empty();
    if (header.isPresent()) {
      try {
        token = tokens.verify(BearerAccessToken.parse(header.get()).getValue());
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
