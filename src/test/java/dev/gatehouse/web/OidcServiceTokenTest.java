package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenIntrospectionRequest;
import com.nimbusds.oauth2.sdk.TokenIntrospectionResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionSuccessResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.Clients;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Service tokens end to end, spoken to with Nimbus's client classes: client_credentials, JWKS,
 * introspection, revocation, and the tokens at forward-auth. On both databases.
 */
class OidcServiceTokenTest {
  private static final String SECRET = "backup-secret-backup-secret-0123456789";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private TestGatehouse gatehouse;

  static List<TestDatabases.Kind> kinds() {
    return TestDatabases.kinds();
  }

  private void start(TestDatabases.Kind kind) throws Exception {
    Path secretFile = dir.resolve("backup.secret");
    Files.writeString(secretFile, SECRET + "\n");
    String clients =
        "[{id: backup, secret-file: '"
            + secretFile
            + "', grant-types: [client_credentials], scopes: ['backup:read', 'backup:write'],"
            + " groups: [robots], audiences: ['https://api.example.com', 'https://files.example.com']},"
            + " {id: other, secret-file: '"
            + secretFile
            + "', grant-types: [client_credentials], scopes: ['x'], audiences: ['https://api.example.com']},"
            + " {id: stranger, secret-file: '"
            + secretFile
            + "', grant-types: [client_credentials], scopes: ['x']}]";
    String rules =
        "[{hosts: [api.example.com], paths: [/write], scopes: ['backup:write'], policy: authenticated},"
            + " {hosts: [files.example.com], policy: authenticated, identity-jwt: true},"
            + " {hosts: [api.example.com, files.example.com, app.example.com], policy: authenticated}]";
    gatehouse =
        TestGatehouse.start(
            kind,
            dir.resolve("data"),
            clock,
            Map.of("GATEHOUSE_OIDC_CLIENTS", clients, "GATEHOUSE_ACCESS_RULES", rules));
  }

  @Test
  void aRotatedSecretFileTakesEffectWithoutARestartAndTheOldSecretStopsWorking() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    assertThat(token(basic("backup", SECRET), null).indicatesSuccess()).isTrue();
    String rotated = "rotated-backup-secret-0123456789-abcdefghij";
    Path secretFile = dir.resolve("backup.secret");
    Files.writeString(secretFile, rotated + "\n");
    Files.setLastModifiedTime(
        secretFile, java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(5)));
    assertThat(token(basic("backup", rotated), null).indicatesSuccess()).isTrue();
    assertThat(token(basic("backup", SECRET), null).toErrorResponse().getErrorObject().getCode())
        .isEqualTo("invalid_client");
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
  }

  private URI endpoint(String path) {
    return URI.create(gatehouse.baseUrl() + path);
  }

  private static ClientAuthentication basic(String id, String secret) {
    return new ClientSecretBasic(new ClientID(id), new Secret(secret));
  }

  private TokenResponse token(ClientAuthentication auth, Scope scope, URI... resources)
      throws Exception {
    TokenRequest.Builder request =
        new TokenRequest.Builder(endpoint("/oauth/token"), auth, new ClientCredentialsGrant());
    if (scope != null) {
      request.scope(scope);
    }
    if (resources.length > 0) {
      request.resources(resources);
    }
    return TokenResponse.parse(request.build().toHTTPRequest().send());
  }

  private AccessToken accessToken(Scope scope, URI... resources) throws Exception {
    TokenResponse response = token(basic("backup", SECRET), scope, resources);
    assertThat(response.indicatesSuccess()).as("%s", response).isTrue();
    return response.toSuccessResponse().getTokens().getAccessToken();
  }

  private HttpResponse<String> verify(String host, String path, String bearer) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(endpoint("/api/verify"))
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Host", host)
            .header("X-Forwarded-Uri", path)
            .header("X-Forwarded-Method", "GET")
            .header("Authorization", "Bearer " + bearer)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private TokenIntrospectionResponse introspect(ClientAuthentication auth, String token)
      throws Exception {
    return TokenIntrospectionResponse.parse(
        new TokenIntrospectionRequest(
                endpoint("/oauth/introspect"), auth, new BearerAccessToken(token))
            .toHTTPRequest()
            .send());
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aClientCredentialsTokenIsAnRfc9068JwtVerifiableAgainstThePublishedKeys(
      TestDatabases.Kind kind) throws Exception {
    start(kind);
    AccessToken token = accessToken(new Scope("backup:read"));
    assertThat(token.getType().getValue()).isEqualTo("Bearer");
    assertThat(token.getScope().toStringList()).containsExactly("backup:read");
    assertThat(token.getLifetime()).isEqualTo(600);

    HTTPResponse jwksResponse =
        new com.nimbusds.oauth2.sdk.http.HTTPRequest(
                com.nimbusds.oauth2.sdk.http.HTTPRequest.Method.GET,
                endpoint("/.well-known/jwks.json"))
            .send();
    JWKSet jwks = JWKSet.parse(jwksResponse.getBody());
    assertThat(jwks.getKeys()).hasSize(3).allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
    assertThat(jwksResponse.getBody()).doesNotContain("\"d\"");

    DefaultJWTProcessor<SecurityContext> rp = new DefaultJWTProcessor<>();
    rp.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
    rp.setJWSKeySelector(
        new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, new ImmutableJWKSet<>(jwks)));
    rp.setJWTClaimsSetVerifier((claims, context) -> {}); // the fixed test clock is in the past
    JWTClaimsSet claims = rp.process(token.getValue(), null);
    assertThat(claims.getIssuer()).isEqualTo(TestGatehouse.PUBLIC_ORIGIN);
    assertThat(claims.getSubject()).isEqualTo("backup");
    assertThat(claims.getAudience())
        .containsExactlyInAnyOrder("https://api.example.com", "https://files.example.com");
    assertThat(claims.getStringClaim("client_id")).isEqualTo("backup");
    assertThat(claims.getJWTID()).isNotBlank();
    assertThat(claims.getExpirationTime().toInstant())
        .isEqualTo(
            clock
                .instant()
                .plus(Duration.ofMinutes(10))
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void clientsAuthenticateOnceWithTheirOwnSecretAndGetOnlyTheirScopesAndAudiences(
      TestDatabases.Kind kind) throws Exception {
    start(kind);
    assertThat(
            token(new ClientSecretPost(new ClientID("backup"), new Secret(SECRET)), null)
                .indicatesSuccess())
        .as("client_secret_post")
        .isTrue();
    ErrorObject wrong =
        token(basic("backup", SECRET + "x"), null).toErrorResponse().getErrorObject();
    assertThat(wrong.getCode()).isEqualTo("invalid_client");
    assertThat(wrong.getHTTPStatusCode()).isEqualTo(401);
    assertThat(token(basic("nobody", SECRET), null).toErrorResponse().getErrorObject().getCode())
        .isEqualTo("invalid_client");
    assertThat(
            token(basic("backup", SECRET), new Scope("admin"))
                .toErrorResponse()
                .getErrorObject()
                .getCode())
        .isEqualTo("invalid_scope");
    assertThat(
            token(basic("backup", SECRET), null, URI.create("https://evil.example.com"))
                .toErrorResponse()
                .getErrorObject()
                .getCode())
        .isEqualTo("invalid_target");

    HttpResponse<String> both =
        HTTP.send(
            HttpRequest.newBuilder(endpoint("/oauth/token"))
                .header(
                    "Authorization",
                    new ClientSecretBasic(new ClientID("backup"), new Secret(SECRET))
                        .toHTTPAuthorizationHeader())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&client_id=backup&client_secret=" + SECRET))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(both.statusCode()).as("two authentication methods at once").isIn(400, 401);

    HttpResponse<String> junk =
        HTTP.send(
            HttpRequest.newBuilder(endpoint("/oauth/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=%00%ff&&=="))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(junk.statusCode()).isEqualTo(400);
    assertThat(junk.body()).contains("\"error\":").doesNotContain("Exception");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void forwardAuthAcceptsATokenOnlyWhereItsAudienceAndScopesSay(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    String read = accessToken(new Scope("backup:read")).getValue();
    HttpResponse<String> allowed = verify("api.example.com", "/files", read);
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.headers().firstValue("Remote-User")).contains("backup");
    assertThat(allowed.headers().firstValue("Remote-Groups")).contains("robots");
    assertThat(verify("app.example.com", "/", read).statusCode())
        .as("not an audience of the token")
        .isEqualTo(403);
    assertThat(verify("api.example.com", "/write", read).statusCode())
        .as("the rule needs backup:write")
        .isEqualTo(403);
    String write = accessToken(new Scope("backup:write")).getValue();
    assertThat(verify("api.example.com", "/write", write).statusCode()).isEqualTo(200);
    String narrowed = accessToken(null, URI.create("https://files.example.com")).getValue();
    assertThat(verify("files.example.com", "/", narrowed).statusCode()).isEqualTo(200);
    assertThat(verify("api.example.com", "/", narrowed).statusCode()).isEqualTo(403);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aRuleCanHandTheUpstreamASignedIdentityJwtForItsHostOnly(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    String token = accessToken(null).getValue();
    HttpResponse<String> files = verify("files.example.com", "/", token);
    assertThat(files.statusCode()).isEqualTo(200);
    String assertion = files.headers().firstValue("Remote-JWT").orElseThrow();
    JWKSet jwks = JWKSet.parse(gatehouse.app().signingKeys().publicKeys().toString());
    DefaultJWTProcessor<SecurityContext> upstream = new DefaultJWTProcessor<>();
    upstream.setJWSKeySelector(
        new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, new ImmutableJWKSet<>(jwks)));
    upstream.setJWTClaimsSetVerifier((claims, context) -> {}); // the fixed test clock
    JWTClaimsSet claims = upstream.process(assertion, null);
    assertThat(claims.getAudience()).containsExactly("https://files.example.com");
    assertThat(claims.getSubject()).isEqualTo("backup");
    assertThat(claims.getStringListClaim("groups")).containsExactly("robots");
    assertThat(SignedJWT.parse(assertion).getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
    assertThat(verify("api.example.com", "/", token).headers().firstValue("Remote-JWT"))
        .as("sent empty where no rule asks for it, so a forged one is overwritten")
        .contains("");
    assertThat(verify("files.example.com", "/", assertion).statusCode())
        .as("an identity assertion is not a bearer token")
        .isEqualTo(401);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void introspectionAnswersOnlyTheTokensOwnerOrAudienceAndRevocationEndsTheToken(
      TestDatabases.Kind kind) throws Exception {
    start(kind);
    String token = accessToken(new Scope("backup:read")).getValue();
    TokenIntrospectionSuccessResponse mine =
        introspect(basic("backup", SECRET), token).toSuccessResponse();
    assertThat(mine.isActive()).isTrue();
    assertThat(mine.getScope().toStringList()).containsExactly("backup:read");
    assertThat(mine.getClientID().getValue()).isEqualTo("backup");
    assertThat(introspect(basic("other", SECRET), token).toSuccessResponse().isActive())
        .as("other serves https://api.example.com, an audience of the token")
        .isTrue();
    assertThat(introspect(basic("stranger", SECRET), token).toSuccessResponse().isActive())
        .as("not its token, not its audience")
        .isFalse();
    assertThat(introspect(basic("backup", "wrong"), token).indicatesSuccess()).isFalse();

    HTTPResponse revoked =
        new TokenRevocationRequest(
                endpoint("/oauth/revoke"), basic("stranger", SECRET), new BearerAccessToken(token))
            .toHTTPRequest()
            .send();
    assertThat(revoked.getStatusCode()).isEqualTo(200);
    assertThat(verify("api.example.com", "/", token).statusCode())
        .as("another client cannot revoke it")
        .isEqualTo(200);
    new TokenRevocationRequest(
            endpoint("/oauth/revoke"), basic("backup", SECRET), new BearerAccessToken(token))
        .toHTTPRequest()
        .send();
    clock.advance(Duration.ofSeconds(2)); // past the one-second record cache of another node
    assertThat(verify("api.example.com", "/", token).statusCode()).isEqualTo(401);
    assertThat(introspect(basic("backup", SECRET), token).toSuccessResponse().isActive()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void forgedUnsignedAndExpiredTokensAreRefusedAndForeignJwtsIgnored(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    String genuine = accessToken(null).getValue();
    JWTClaimsSet claims = SignedJWT.parse(genuine).getJWTClaimsSet();

    String none =
        new PlainJWT(new PlainHeader.Builder().type(new JOSEObjectType("at+jwt")).build(), claims)
            .serialize();
    assertThat(verify("api.example.com", "/", none).statusCode()).as("alg none").isEqualTo(401);

    // HS256 keyed with the public key: the classic algorithm-confusion forgery.
    ECKey published =
        gatehouse.app().signingKeys().publicKeys().getKeys().stream()
            .filter(k -> k instanceof ECKey)
            .map(k -> (ECKey) k)
            .findFirst()
            .orElseThrow();
    byte[] macKey = published.toJSONString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    SignedJWT hs =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .keyID(published.getKeyID())
                .type(new JOSEObjectType("at+jwt"))
                .build(),
            claims);
    hs.sign(new MACSigner(java.util.Arrays.copyOf(macKey, 64)));
    assertThat(verify("api.example.com", "/", hs.serialize()).statusCode())
        .as("HS256 with the public key")
        .isEqualTo(401);
    assertThat(introspect(basic("backup", SECRET), hs.serialize()).toSuccessResponse().isActive())
        .isFalse();
    for (String forged : List.of(none, hs.serialize())) {
      HttpResponse<String> userinfo =
          HTTP.send(
              HttpRequest.newBuilder(endpoint("/oauth/userinfo"))
                  .header("Authorization", "Bearer " + forged)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(userinfo.statusCode()).as("userinfo with a forged token").isEqualTo(401);
      assertThat(userinfo.headers().firstValue("WWW-Authenticate"))
          .get()
          .asString()
          .contains("invalid_token");
    }

    String tampered =
        genuine.substring(0, genuine.lastIndexOf('.') + 1)
            + "AAAA"
            + genuine.substring(genuine.lastIndexOf('.') + 5);
    assertThat(verify("api.example.com", "/", tampered).statusCode()).isEqualTo(401);

    clock.advance(Duration.ofMinutes(11));
    assertThat(verify("api.example.com", "/", genuine).statusCode()).as("expired").isEqualTo(401);
    assertThat(introspect(basic("backup", SECRET), genuine).toSuccessResponse().isActive())
        .isFalse();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aDisabledClientLosesItsTokensAndKeysSurviveARestartAndARotation(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    Clients clients = gatehouse.app().clients();
    Clients.Created svc =
        clients.add(
            new Client(
                "svc",
                "Service",
                Optional.empty(),
                List.of(),
                Set.of(Client.GrantType.CLIENT_CREDENTIALS),
                Set.of("x"),
                Set.of(),
                Set.of(),
                Set.of("https://api.example.com"),
                Client.Consent.REQUIRED,
                true,
                Duration.ofMinutes(10),
                Duration.ofDays(30),
                Duration.ZERO,
                Optional.empty(),
                List.of(),
                "ES256",
                "ES256",
                Client.AccessTokenFormat.JWT,
                false,
                false,
                ""),
            true);
    String secret = svc.secret().orElseThrow();
    TokenResponse first = token(basic("svc", secret), null);
    String svcToken = first.toSuccessResponse().getTokens().getAccessToken().getValue();
    String backupToken = accessToken(null).getValue();
    String jwksBefore = gatehouse.app().signingKeys().publicKeys().toString();

    gatehouse.restart();
    assertThat(gatehouse.app().signingKeys().publicKeys().toString()).isEqualTo(jwksBefore);
    assertThat(verify("api.example.com", "/", backupToken).statusCode())
        .as("a restart keeps keys and tokens")
        .isEqualTo(200);

    List<String> fresh = gatehouse.app().signingKeys().rotate(Duration.ofMinutes(5));
    JWKSet published = gatehouse.app().signingKeys().publicKeys();
    assertThat(published.getKeys()).as("published before first use").hasSize(6);
    assertThat(fresh).allSatisfy(kid -> assertThat(published.getKeyByKeyId(kid)).isNotNull());
    String beforeActivation = accessToken(null).getValue();
    assertThat(fresh).doesNotContain(SignedJWT.parse(beforeActivation).getHeader().getKeyID());
    clock.advance(Duration.ofMinutes(6));
    String afterActivation = accessToken(null).getValue();
    assertThat(fresh).contains(SignedJWT.parse(afterActivation).getHeader().getKeyID());
    assertThat(verify("api.example.com", "/", beforeActivation).statusCode())
        .as("a token of the retired key works while it lives")
        .isEqualTo(200);
    assertThat(verify("api.example.com", "/", afterActivation).statusCode()).isEqualTo(200);

    String svcNow =
        token(basic("svc", secret), null)
            .toSuccessResponse()
            .getTokens()
            .getAccessToken()
            .getValue();
    assertThat(verify("api.example.com", "/", svcNow).statusCode()).isEqualTo(200);
    Client stored = gatehouse.app().clients().find("svc").orElseThrow();
    gatehouse.app().clients().update(stored.withDisabled(true));
    clock.advance(Duration.ofSeconds(2));
    assertThat(verify("api.example.com", "/", svcNow).statusCode()).isEqualTo(401);
    assertThat(token(basic("svc", secret), null).indicatesSuccess()).isFalse();
    assertThat(verify("api.example.com", "/", svcToken).statusCode())
        .as("every token of the disabled client, also the older one")
        .isEqualTo(401);
  }
}
