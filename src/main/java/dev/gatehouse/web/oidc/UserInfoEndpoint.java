package dev.gatehouse.web.oidc;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.BearerTokenError;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import com.nimbusds.openid.connect.sdk.UserInfoSuccessResponse;
import com.nimbusds.openid.connect.sdk.claims.UserInfo;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.UserClaims;
import dev.gatehouse.web.Exchange;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET|POST /oauth/userinfo}: the claims an access token's scopes release about its user.
 * Needs a valid access token with {@code openid}, once, in {@code Authorization: Bearer} or a POST
 * body: a token in the URL or in two places is 400 {@code invalid_request}, none at all a bare
 * {@code Bearer} challenge, an invalid one 401 {@code invalid_token}. Thread-safe.
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
    // RFC 6750: the token in the Authorization header (§2.1) or, in a POST, the form body (§2.2),
    // exactly once. Never in the URL (§2.3: it would land in logs and history), never in two
    // places at once (§2: invalid_request).
    List<String> headers = exchange.headers("Authorization");
    Map<String, List<String>> query = URLUtils.parseParameters(exchange.rawQuery());
    Map<String, List<String>> form =
        "POST".equals(exchange.method())
                && exchange
                    .header("Content-Type")
                    .map(t -> t.toLowerCase(java.util.Locale.ROOT))
                    .filter(t -> t.startsWith("application/x-www-form-urlencoded"))
                    .isPresent()
            ? URLUtils.parseParameters(exchange.rawForm())
            : Map.of();
    List<String> inBody = form.getOrDefault("access_token", List.of());
    if (query.containsKey("access_token")
        || headers.size() > 1
        || inBody.size() > 1
        || (!headers.isEmpty() && !inBody.isEmpty())) {
      exchange.addHeader(
          "WWW-Authenticate", BearerTokenError.INVALID_REQUEST.toWWWAuthenticateHeader());
      exchange.addHeader("Cache-Control", "no-store");
      exchange.json(
          400,
          "{\"error\":\"invalid_request\",\"error_description\":\"send the access token once, in"
              + " the Authorization header or a POST body\"}");
      return;
    }
    if (headers.isEmpty() && inBody.isEmpty()) {
      // No credentials at all: a bare challenge, without an error code (§3.1).
      exchange.addHeader(
          "WWW-Authenticate", BearerTokenError.MISSING_TOKEN.toWWWAuthenticateHeader());
      exchange.addHeader("Cache-Control", "no-store");
      exchange.json(401, "{\"error\":\"invalid_token\"}");
      return;
    }
    Optional<AccessTokens.Verified> token;
    try {
      token =
          tokens.verify(BearerAccessToken.parse(NimbusHttp.request(exchange, endpoint)).getValue());
    } catch (ParseException | RuntimeException e) {
      token = Optional.empty();
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
