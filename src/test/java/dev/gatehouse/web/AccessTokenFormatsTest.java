package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.TokenIntrospectionRequest;
import com.nimbusds.oauth2.sdk.TokenIntrospectionResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionSuccessResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.keys.Ed25519Jws;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Access tokens in the format and algorithm each client chose: JWTs signed ES256, RS256 or EdDSA
 * that an independent resource server (panva's jose, from npm) verifies against the published keys,
 * and opaque references that only Gatehouse resolves, stored only as hashes. On both databases.
 */
class AccessTokenFormatsTest {
  private static final String SECRET = "formats-secret-0123456789-0123456789-abcdef";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path NODE = Path.of("src", "test", "node");

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.atFixedInstant();
  private TestGatehouse gatehouse;

  static List<TestDatabases.Kind> kinds() {
    return TestDatabases.kinds();
  }

  private Map<String, String> settings() throws Exception {
    Path secretFile = dir.resolve("svc.secret");
    Files.writeString(secretFile, SECRET + "\n");
    StringBuilder clients = new StringBuilder("[");
    for (String[] client :
        new String[][] {
          {"es", "access-token-signing-alg: ES256"},
          {"rs", "access-token-signing-alg: RS256"},
          {"ed", "access-token-signing-alg: eddsa"},
          {"ref", "access-token-format: opaque"}
        }) {
      clients
          .append(clients.length() > 1 ? ", " : "")
          .append("{id: ")
          .append(client[0])
          .append(", secret-file: '")
          .append(secretFile)
          .append("', grant-types: [client_credentials], scopes: [api],")
          .append(" audiences: ['https://api.example.com'], ")
          .append(client[1])
          .append("}");
    }
    clients.append("]");
    return Map.of(
        "GATEHOUSE_OIDC_CLIENTS",
        clients.toString(),
        "GATEHOUSE_ACCESS_RULES",
        "[{hosts: [api.example.com], policy: authenticated}]");
  }

  private void start(TestDatabases.Kind kind) throws Exception {
    gatehouse = TestGatehouse.start(kind, dir.resolve("data"), clock, settings());
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

  private String token(String client) throws Exception {
    TokenResponse response =
        TokenResponse.parse(
            new TokenRequest.Builder(
                    endpoint("/oauth/token"),
                    new ClientSecretBasic(new ClientID(client), new Secret(SECRET)),
                    new ClientCredentialsGrant())
                .build()
                .toHTTPRequest()
                .send());
    assertThat(response.indicatesSuccess()).as("%s", response).isTrue();
    return response.toSuccessResponse().getTokens().getAccessToken().getValue();
  }

  private int verify(String bearer) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(endpoint("/api/verify"))
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "api.example.com")
                .header("X-Forwarded-Uri", "/")
                .header("X-Forwarded-Method", "GET")
                .header("Authorization", "Bearer " + bearer)
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private TokenIntrospectionSuccessResponse introspect(String client, String token)
      throws Exception {
    return TokenIntrospectionResponse.parse(
            new TokenIntrospectionRequest(
                    endpoint("/oauth/introspect"),
                    new ClientSecretBasic(new ClientID(client), new Secret(SECRET)),
                    new BearerAccessToken(token))
                .toHTTPRequest()
                .send())
        .toSuccessResponse();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void eachClientsJwtsAreSignedWithItsAlgorithmAndAcceptedByForwardAuth(TestDatabases.Kind kind)
      throws Exception {
    start(kind);
    JWKSet jwks =
        JWKSet.parse(
            HTTP.send(
                    HttpRequest.newBuilder(endpoint("/.well-known/jwks.json")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    assertThat(jwks.getKeys())
        .extracting(k -> k.getAlgorithm().getName())
        .containsExactlyInAnyOrder("ES256", "RS256", "EdDSA");
    assertThat(jwks.getKeys()).allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
    for (Map.Entry<String, JWSAlgorithm> client :
        Map.of("es", JWSAlgorithm.ES256, "rs", JWSAlgorithm.RS256, "ed", JWSAlgorithm.EdDSA)
            .entrySet()) {
      String token = token(client.getKey());
      JWSHeader header = SignedJWT.parse(token).getHeader();
      assertThat(header.getAlgorithm()).as(client.getKey()).isEqualTo(client.getValue());
      assertThat(jwks.getKeyByKeyId(header.getKeyID()).getAlgorithm()).isEqualTo(client.getValue());
      assertThat(verify(token)).as("forward-auth, %s", client.getValue()).isEqualTo(200);
      assertThat(introspect(client.getKey(), token).isActive()).isTrue();
    }
    assertThat(
            HTTP.send(
                    HttpRequest.newBuilder(endpoint("/.well-known/openid-configuration")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body())
        .as("ID tokens stay ES256/RS256: OIDC defines at_hash for those only")
        .contains("\"id_token_signing_alg_values_supported\":[\"ES256\",\"RS256\"]");
  }

  @Test
  void anIndependentResourceServerVerifiesEveryAlgorithmAndRefusesATamperedToken()
      throws Exception {
    boolean present = Files.isDirectory(NODE.resolve("node_modules/jose"));
    if (!present && "required".equals(System.getenv("GATEHOUSE_TEST_NODE"))) {
      throw new IllegalStateException(
          "jose is required but not installed: run npm ci --prefix src/test/node");
    }
    Assumptions.assumeTrue(present, "jose not installed (npm ci --prefix src/test/node)");
    start(TestDatabases.Kind.SQLITE);
    String es = token("es");
    String rs = token("rs");
    String ed = token("ed");
    // The same header and claims, the signature of another token: must fail.
    String tampered = ed.substring(0, ed.lastIndexOf('.')) + es.substring(es.lastIndexOf('.'));
    List<JsonNode> answers = resourceServer(es, rs, ed, tampered);
    assertThat(answers).hasSize(4);
    assertThat(answers.get(0).path("alg").asText()).isEqualTo("ES256");
    assertThat(answers.get(1).path("alg").asText()).isEqualTo("RS256");
    assertThat(answers.get(2).path("alg").asText()).isEqualTo("EdDSA");
    assertThat(answers.subList(0, 3))
        .allSatisfy(
            a -> {
              assertThat(a.path("ok").asBoolean()).as("%s", a).isTrue();
              assertThat(a.path("sub").asText()).isIn("es", "rs", "ed");
            });
    assertThat(answers.get(3).path("ok").asBoolean()).isFalse();
    assertThat(answers.get(3).path("code").asText())
        .isEqualTo("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    assertThat(verify(tampered)).as("and Gatehouse refuses it too").isEqualTo(401);
  }

  private List<JsonNode> resourceServer(String... tokens) throws Exception {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "node",
            "rs.mjs",
            gatehouse.baseUrl() + "/.well-known/jwks.json",
            TestGatehouse.PUBLIC_ORIGIN,
            Long.toString(clock.instant().getEpochSecond())));
    command.addAll(List.of(tokens));
    Process node =
        new ProcessBuilder(command)
            .directory(NODE.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    List<JsonNode> answers = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        answers.add(JSON.readTree(line));
      }
    } finally {
      if (!node.waitFor(30, TimeUnit.SECONDS)) {
        node.destroyForcibly();
      }
    }
    return answers;
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void anOpaqueTokenIsResolvedOnlyHereStoredOnlyAsAHashSurvivesARestartAndIsRevocable(
      TestDatabases.Kind kind) throws Exception {
    start(kind);
    String token = token("ref");
    assertThat(token).startsWith("gat_").hasSize(47).doesNotContain(".");
    assertThat(verify(token)).isEqualTo(200);
    TokenIntrospectionSuccessResponse active = introspect("ref", token);
    assertThat(active.isActive()).isTrue();
    assertThat(active.getClientID().getValue()).isEqualTo("ref");
    assertThat(active.getScope().toStringList()).containsExactly("api");
    assertThat(storedValues(kind)).as("no usable token at rest").doesNotContain(token);

    gatehouse.restart();
    assertThat(verify(token)).as("a 2xx meant durable").isEqualTo(200);

    assertThat(verify("gat_" + "A".repeat(43))).as("well-formed, never issued").isEqualTo(401);
    assertThat(verify(token.substring(0, 46) + (token.endsWith("A") ? "B" : "A")))
        .as("one character changed")
        .isEqualTo(401);

    new TokenRevocationRequest(
            endpoint("/oauth/revoke"),
            new ClientSecretBasic(new ClientID("ref"), new Secret(SECRET)),
            new BearerAccessToken(token))
        .toHTTPRequest()
        .send();
    clock.advance(Duration.ofSeconds(2)); // past the one-second record cache of another node
    assertThat(verify(token)).as("revoked").isEqualTo(401);
    assertThat(introspect("ref", token).isActive()).isFalse();

    String expiring = token("ref");
    clock.advance(Duration.ofMinutes(11));
    assertThat(verify(expiring)).as("expired after its 10 minutes").isEqualTo(401);
  }

  @Test
  void anEdDsaTokenMustBeSignedByOurEd25519KeyAndNoOtherKeyOrAlgorithm() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    String genuine = token("ed");
    SignedJWT parsed = SignedJWT.parse(genuine);
    JWK ours =
        gatehouse.app().signingKeys().publicKeys().getKeyByKeyId(parsed.getHeader().getKeyID());
    assertThat(ours).isInstanceOf(OctetKeyPair.class);

    // Signed by a key of the attacker's own, under our key id.
    OctetKeyPair attacker = Ed25519Jws.generate(ours.getKeyID(), new SecureRandom());
    SignedJWT forged =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .keyID(ours.getKeyID())
                .type(new JOSEObjectType("at+jwt"))
                .build(),
            parsed.getJWTClaimsSet());
    forged.sign(Ed25519Jws.signer(attacker));
    assertThat(verify(forged.serialize())).isEqualTo(401);

    // Our EdDSA signature under the kid of our ES256 key: a key verifies only its own algorithm.
    String esKid =
        gatehouse.app().signingKeys().publicKeys().getKeys().stream()
            .filter(k -> JWSAlgorithm.ES256.equals(k.getAlgorithm()))
            .findFirst()
            .orElseThrow()
            .getKeyID();
    SignedJWT confused =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .keyID(esKid)
                .type(new JOSEObjectType("at+jwt"))
                .build(),
            parsed.getJWTClaimsSet());
    confused.sign(Ed25519Jws.signer(attacker));
    assertThat(verify(confused.serialize())).isEqualTo(401);
    assertThat(verify(genuine)).isEqualTo(200);
  }

  @Test
  void anUpgradedStoreGainsAnEd25519KeyWithoutRetiringTheKeysInUse() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    String es = token("es");
    gatehouse
        .app()
        .database()
        .jdbi()
        .useHandle(h -> h.execute("DELETE FROM signing_keys WHERE alg = 'EdDSA'"));
    gatehouse.restart(); // as the first start of this version on an older store
    assertThat(gatehouse.app().signingKeys().describe())
        .extracting(k -> k.alg() + " " + k.state())
        .containsExactlyInAnyOrder("ES256 signing", "RS256 signing", "EdDSA signing");
    assertThat(SignedJWT.parse(token("es")).getHeader().getKeyID())
        .as("the ES256 key still signs")
        .isEqualTo(SignedJWT.parse(es).getHeader().getKeyID());
    assertThat(verify(token("ed"))).isEqualTo(200);
  }

  @Test
  void tokensOfAConfiguredClientThatWasRemovedOrDisabledStayDeadWhenItComesBack() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    String opaque = token("ref");
    String signed = token("ed");
    gatehouse.close();
    Map<String, String> changed = new java.util.HashMap<>(settings());
    changed.put(
        "GATEHOUSE_OIDC_CLIENTS",
        changed
            .get("GATEHOUSE_OIDC_CLIENTS")
            .replace(
                "access-token-signing-alg: eddsa",
                "access-token-signing-alg: eddsa, disabled: true")
            .replaceAll(
                "\\{id: ref, [^}]*}",
                "{id: other, public: true, redirect-uris: ['http://127.0.0.1/cb']}"));
    gatehouse = TestGatehouse.start(TestDatabases.Kind.SQLITE, dir.resolve("data"), clock, changed);
    assertThat(verify(opaque)).as("its client is gone").isEqualTo(401);
    gatehouse.close();
    // Back as before: the same ids, which anyone editing the file may give another service.
    gatehouse =
        TestGatehouse.start(TestDatabases.Kind.SQLITE, dir.resolve("data"), clock, settings());
    assertThat(verify(opaque)).as("removed, then re-created").isEqualTo(401);
    assertThat(verify(signed)).as("disabled, then enabled").isEqualTo(401);
    assertThat(verify(token("ref"))).as("new tokens work").isEqualTo(200);
  }

  @Test
  void aJwtHasOneSpellingAtEveryEndpointAndARepeatedParameterIsRefused() throws Exception {
    start(TestDatabases.Kind.SQLITE);
    String token = token("es");
    String signature = token.substring(token.lastIndexOf('.') + 1);
    byte[] raw = java.util.Base64.getUrlDecoder().decode(signature);
    String head = token.substring(0, token.lastIndexOf('.') + 1);
    List<String> respellings =
        List.of(
            token + "==",
            head + java.util.Base64.getEncoder().encodeToString(raw),
            // ES256 signatures are 64 bytes: the last base64url character carries 4 unused bits.
            head + signature.substring(0, signature.length() - 1) + flipUnusedBits(signature));
    for (String other : respellings) {
      assertThat(other).isNotEqualTo(token);
      assertThat(introspect("es", other).isActive()).as("introspection of %s", other).isFalse();
      assertThat(
              HTTP.send(
                      HttpRequest.newBuilder(endpoint("/oauth/userinfo"))
                          .header("Authorization", "Bearer " + other)
                          .build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode())
          .as("userinfo with %s", other)
          .isEqualTo(401);
      assertThat(verify(other)).as("forward-auth with %s", other).isEqualTo(401);
    }
    assertThat(introspect("es", token).isActive()).isTrue();

    HttpResponse<String> repeated =
        HTTP.send(
            HttpRequest.newBuilder(endpoint("/oauth/introspect"))
                .header(
                    "Authorization",
                    new ClientSecretBasic(new ClientID("es"), new Secret(SECRET))
                        .toHTTPAuthorizationHeader())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + token + "&token=junk"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(repeated.statusCode()).as("RFC 6749 §3.1").isEqualTo(400);
    assertThat(repeated.body()).contains("invalid_request");
  }

  /** The last character of a base64url signature of 64 bytes with its unused low bits changed. */
  private static char flipUnusedBits(String signature) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int value = alphabet.indexOf(signature.charAt(signature.length() - 1));
    return alphabet.charAt(value ^ 0b0011);
  }

  @Test
  void anUnknownAlgorithmOrFormatIsAConfigurationErrorNamingTheField() {
    for (String[] bad :
        new String[][] {
          {"access-token-signing-alg: HS256", "access-token signing algorithm"},
          {"access-token-format: reference", "access-token-format"}
        }) {
      Map<String, String> environment =
          Map.of(
              "GATEHOUSE_DATA_DIR",
              dir.toString(),
              "GATEHOUSE_OIDC_CLIENTS",
              "[{id: svc, secret-sha256: '"
                  + "0".repeat(64)
                  + "', grant-types: [client_credentials], "
                  + bad[0]
                  + "}]");
      assertThat(
              org.junit.jupiter.api.Assertions.assertThrows(
                  ConfigException.class, () -> ConfigLoader.load(Optional.empty(), environment)))
          .hasMessageContaining(bad[1]);
    }
  }

  /**
   * Every value an attacker with the database gets: the token table's rows, and for SQLite the raw
   * bytes of the database file and its write-ahead log.
   */
  private String storedValues(TestDatabases.Kind kind) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Connection connection = gatehouse.app().database().jdbi().open().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT * FROM oauth_access_tokens")) {
      int columns = rows.getMetaData().getColumnCount();
      int count = 0;
      while (rows.next()) {
        count++;
        for (int i = 1; i <= columns; i++) {
          out.append(rows.getString(i)).append('\n');
        }
      }
      assertThat(count).as("the record is there").isPositive();
    }
    if (kind == TestDatabases.Kind.SQLITE) {
      try (Stream<Path> files = Files.list(dir.resolve("data"))) {
        for (Path file : files.filter(f -> f.getFileName().toString().contains(".db")).toList()) {
          out.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
        }
      }
    }
    return out.toString();
  }
}
