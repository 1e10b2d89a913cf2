package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.apikey.ApiKey;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.web.admin.AdminApi;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API from outside: its OpenAPI document read by a maintained parser and held against the
 * routes served, every operation refused to everyone who is not an administrator, and the day to
 * day work done over HTTP with an admin key.
 */
class AdminApiTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static final String SECRET = "a-client-secret-that-is-long-enough-1234";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private TestGatehouse gatehouse;
  private String adminKey;

  @BeforeEach
  void start() throws Exception {
    Path secretFile = dir.resolve("client.secret");
    Files.writeString(secretFile, SECRET + "\n");
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of(
                "GATEHOUSE_OIDC_CLIENTS",
                "[{id: ops-bot, secret-file: '"
                    + secretFile
                    + "', grant-types: [client_credentials], scopes: ['gatehouse:admin', 'x']},"
                    + " {id: plain-bot, secret-file: '"
                    + secretFile
                    + "', grant-types: [client_credentials], scopes: ['x']}]",
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [app.example.com], policy: authenticated},"
                    + " {hosts: [night.example.com], subjects: ['group:night-shift'],"
                    + " policy: authenticated}]"));
    User root = gatehouse.app().directory().addUser("root", Optional.empty(), "Root", true);
    gatehouse.app().accounts().setPassword(root, PASSWORD);
    User amy = gatehouse.app().directory().addUser("amy", Optional.empty(), "Amy", false);
    gatehouse.app().accounts().setPassword(amy, PASSWORD);
    adminKey =
        gatehouse
            .app()
            .apiKeys()
            .createApplication(
                "ops", "ops", List.of(), List.of(), Optional.empty(), List.of(ApiKey.ADMIN_SCOPE))
            .key();
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
  }

  @Test
  void theOpenApiDocumentIsValidAndDescribesExactlyTheOperationsServed() throws Exception {
    HttpResponse<String> served = call("GET", "/openapi.json", Optional.empty(), null);
    assertThat(served.statusCode()).isEqualTo(200);
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(served.body());
    assertThat(parsed.getMessages()).as("parser messages").isEmpty();
    OpenAPI api = parsed.getOpenAPI();
    assertThat(api.getOpenapi()).isEqualTo("3.1.0");
    Set<String> documented = new HashSet<>();
    api.getPaths()
        .forEach(
            (path, item) ->
                item.readOperationsMap()
                    .forEach(
                        (method, operation) -> {
                          documented.add(method.name() + " " + path);
                          assertThat(operation.getOperationId()).as(path).isNotBlank();
                          assertThat(operation.getResponses()).as(path).containsKey("default");
                        }));
    Set<String> served2 = new HashSet<>();
    for (AdminApi.Operation operation : gatehouse.app().adminApi().operations()) {
      served2.add(operation.method() + " " + operation.template());
    }
    assertThat(served2)
        .as("nothing undocumented is served, nothing documented is missing")
        .isEqualTo(documented);
    // Every documented operation answers as documented, to a real administrator's key.
    for (String operation : documented) {
      String method = operation.split(" ")[0];
      String path = operation.split(" ")[1].replaceAll("\\{[^}]+}", "nobody");
      HttpResponse<String> answer = call(method, path, Optional.of(adminKey), "{}");
      assertThat(answer.statusCode()).as(operation).isNotIn(401, 403, 405, 500);
      if (answer.statusCode() >= 400) {
        assertThat(answer.headers().firstValue("Content-Type"))
            .as(operation)
            .contains("application/problem+json");
        assertThat(JSON.readTree(answer.body()).get("type").asText())
            .startsWith("urn:gatehouse:problem:");
      }
    }
    assertThat(call("GET", "/no-such-thing", Optional.of(adminKey), null).statusCode())
        .isEqualTo(404);
    assertThat(api.getPaths().values().stream().map(PathItem::getDelete).filter(d -> d != null))
        .isNotEmpty();
  }

  @Test
  void everyOperationIsRefusedToEveryoneWhoIsNotAnAdministrator() throws Exception {
    User amy = gatehouse.app().directory().findByUsername("amy").orElseThrow();
    TestBrowser amysBrowser = gatehouse.browser();
    amysBrowser.signIn("amy", PASSWORD);
    String amysKey =
        gatehouse
            .app()
            .apiKeys()
            .createPersonal(amy.id(), "", List.of(), Optional.empty(), List.of(ApiKey.ADMIN_SCOPE))
            .key();
    User root = gatehouse.app().directory().findByUsername("root").orElseThrow();
    String rootsPlainKey =
        gatehouse.app().apiKeys().createPersonal(root.id(), "", List.of(), Optional.empty()).key();
    String appKeyWithoutScope =
        gatehouse
            .app()
            .apiKeys()
            .createApplication("ci", "ci", List.of(), List.of(), Optional.empty())
            .key();
    String plainToken = token("plain-bot", "x");
    String wrongScopeToken = token("ops-bot", "x");
    Map<String, Optional<String>> strangers = new java.util.LinkedHashMap<>();
    strangers.put("anonymous", Optional.empty());
    strangers.put("a non-admin's key with the admin scope", Optional.of(amysKey));
    strangers.put("an admin's key without the admin scope", Optional.of(rootsPlainKey));
    strangers.put("an application key without the scope", Optional.of(appKeyWithoutScope));
    strangers.put("a token of a client without the scope", Optional.of(plainToken));
    strangers.put("a token without the admin scope", Optional.of(wrongScopeToken));
    strangers.put("a forged key", Optional.of("ghk_0123456789abcdef_" + "A".repeat(43)));
    strangers.put("garbage", Optional.of("not a token"));
    List<String> failures = new ArrayList<>();
    for (AdminApi.Operation operation : gatehouse.app().adminApi().operations()) {
      String path = operation.template().replaceAll("\\{[^}]+}", "root");
      for (Map.Entry<String, Optional<String>> stranger : strangers.entrySet()) {
        HttpResponse<String> answer = call(operation.method(), path, stranger.getValue(), "{}");
        if (answer.statusCode() != 401 && answer.statusCode() != 403) {
          failures.add(operation + " by " + stranger.getKey() + ": " + answer.statusCode());
        }
      }
      // A signed-in user who is not an administrator.
      HttpRequest.Builder asAmy =
          amysBrowser
              .request(AdminApi.BASE + path)
              .header("Content-Type", "application/json")
              .header("Origin", TestGatehouse.PUBLIC_ORIGIN)
              .method(operation.method(), HttpRequest.BodyPublishers.ofString("{}"));
      int status = amysBrowser.send(asAmy.build()).statusCode();
      if (status != 403) {
        failures.add(operation + " by a non-admin session: " + status);
      }
    }
    assertThat(failures).isEmpty();
    assertThat(gatehouse.app().directory().findByUsername("root")).isPresent();
    assertThat(call("GET", "/me", Optional.of(token("ops-bot", "gatehouse:admin")), null).body())
        .contains("\"actor\":\"client:ops-bot\"");
  }

  @Test
  void anAdministratorsBrowserNeedsTheCsrfTokenForChangesButNotForReading() throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.signIn("root", PASSWORD);
    browser.get("/");
    HttpResponse<String> read =
        browser.send(browser.request(AdminApi.BASE + "/users").GET().build());
    assertThat(read.statusCode()).isEqualTo(200);
    HttpRequest.Builder create =
        browser
            .request(AdminApi.BASE + "/groups")
            .header("Content-Type", "application/json")
            .header("Origin", TestGatehouse.PUBLIC_ORIGIN)
            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"ops\"}"));
    assertThat(browser.send(create.build()).statusCode()).isEqualTo(403);
    HttpRequest.Builder crossSite =
        browser
            .request(AdminApi.BASE + "/groups")
            .header("Content-Type", "application/json")
            .header("Origin", "https://evil.example.net")
            .header("X-CSRF-Token", browser.csrf())
            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"ops\"}"));
    assertThat(browser.send(crossSite.build()).statusCode()).isEqualTo(403);
    HttpRequest.Builder withToken =
        browser
            .request(AdminApi.BASE + "/groups")
            .header("Content-Type", "application/json")
            .header("Origin", TestGatehouse.PUBLIC_ORIGIN)
            .header("X-CSRF-Token", browser.csrf())
            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"ops\"}"));
    assertThat(browser.send(withToken.build()).statusCode()).isEqualTo(201);
    assertThat(gatehouse.app().directory().listGroups()).contains("ops");
  }

  @Test
  void anAdministratorManagesUsersGroupsKeysAndSessionsOverHttp() throws Exception {
    Optional<String> key = Optional.of(adminKey);
    // Create, with a password the policy accepts; a weak one is refused and creates nobody.
    HttpResponse<String> weak =
        call("POST", "/users", key, "{\"username\":\"bea\",\"password\":\"bea\"}");
    assertThat(weak.statusCode()).isEqualTo(400);
    assertThat(gatehouse.app().directory().findByUsername("bea")).isEmpty();
    HttpResponse<String> created =
        call(
            "POST",
            "/users",
            key,
            "{\"username\":\"bea\",\"email\":\"bea@example.com\",\"display_name\":\"Bea\","
                + "\"password\":\""
                + PASSWORD
                + "\"}");
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode bea = JSON.readTree(created.body());
    String id = bea.get("id").asText();
    assertThat(bea.get("email").asText()).isEqualTo("bea@example.com");
    assertThat(bea.get("admin").asBoolean()).isFalse();
    assertThat(call("POST", "/users", key, "{\"username\":\"bea\"}").statusCode()).isEqualTo(409);
    HttpResponse<String> invite =
        call("POST", "/users", key, "{\"email\":\"cy@example.com\",\"invite\":true}");
    assertThat(invite.statusCode()).as("registration.policy: closed").isEqualTo(409);
    assertThat(invite.body()).contains("registration.policy");
    assertThat(call("POST", "/users", key, "{\"username\":\"x\",\"role\":\"god\"}").statusCode())
        .as("unknown fields are refused, not ignored")
        .isEqualTo(400);

    // Search and paging: a cursor walks every user exactly once.
    for (int i = 0; i < 5; i++) {
      call("POST", "/users", key, "{\"username\":\"page" + i + "\"}");
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page =
          JSON.readTree(
              call("GET", "/users?limit=3" + (cursor == null ? "" : "&cursor=" + cursor), key, null)
                  .body());
      page.get("items").forEach(u -> seen.add(u.get("username").asText()));
      cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
    } while (cursor != null);
    assertThat(seen)
        .containsExactly("amy", "bea", "page0", "page1", "page2", "page3", "page4", "root");
    JsonNode found = JSON.readTree(call("GET", "/users?q=EXAMPLE.com", key, null).body());
    assertThat(found.get("items")).hasSize(1);
    assertThat(call("GET", "/users?limit=0", key, null).statusCode()).isEqualTo(400);
    assertThat(call("GET", "/users?cursor=!!!", key, null).statusCode()).isEqualTo(400);

    // Groups and membership.
    assertThat(call("POST", "/groups", key, "{\"name\":\"ops\"}").statusCode()).isEqualTo(201);
    assertThat(call("PUT", "/groups/ops/members/bea", key, null).statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(call("GET", "/users/" + id, key, null).body()).get("groups"))
        .extracting(JsonNode::asText)
        .containsExactly("ops");

    // A session of Bea's, ended by disabling her; the last administrator cannot be demoted.
    TestBrowser beasBrowser = gatehouse.browser();
    beasBrowser.signIn("bea", PASSWORD);
    assertThat(
            JSON.readTree(call("GET", "/users/" + id + "/sessions", key, null).body()).get("items"))
        .hasSize(1);
    HttpResponse<String> disabled =
        call("PATCH", "/users/" + id, key, "{\"disabled\":true,\"display_name\":\"B.\"}");
    assertThat(disabled.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(disabled.body()).get("display_name").asText()).isEqualTo("B.");
    assertThat(beasBrowser.get("/").statusCode()).as("signed out by the disabling").isEqualTo(302);
    String rootId = gatehouse.app().directory().findByUsername("root").get().id().value();
    HttpResponse<String> demote = call("PATCH", "/users/" + rootId, key, "{\"admin\":false}");
    assertThat(demote.statusCode()).isEqualTo(409);
    assertThat(demote.body()).contains("last enabled administrator");
    assertThat(call("DELETE", "/users/" + rootId, key, null).statusCode()).isEqualTo(409);
    assertThat(
            call("PATCH", "/users/" + id, key, "{\"disabled\":false,\"admin\":true}").statusCode())
        .isEqualTo(200);
    assertThat(call("PATCH", "/users/" + id, key, "{\"admin\":false}").statusCode()).isEqualTo(200);
    assertThat(call("PATCH", "/users/" + id, key, "{\"disabled\":true}").statusCode())
        .isEqualTo(200);
    assertThat(call("GET", "/audit?kind=user.updated", key, null).body())
        .as("the trail says what changed, in words")
        .contains("administrator rights granted, enabled")
        .contains("administrator rights removed");

    // A key for a service, used at forward-auth, then revoked.
    HttpResponse<String> issued =
        call("POST", "/api-keys", key, "{\"application\":\"backup\",\"expires_in\":\"90d\"}");
    assertThat(issued.statusCode()).isEqualTo(201);
    String secret = JSON.readTree(issued.body()).get("secret").asText();
    String keyId = JSON.readTree(issued.body()).get("id").asText();
    assertThat(verify(secret)).isEqualTo(200);
    JsonNode listed = JSON.readTree(call("GET", "/api-keys", key, null).body());
    assertThat(listed.toString()).contains(keyId).doesNotContain(secret.substring(22));
    assertThat(call("DELETE", "/api-keys/" + keyId, key, null).statusCode()).isEqualTo(204);
    assertThat(verify(secret)).isEqualTo(401);
    assertThat(call("DELETE", "/api-keys/" + keyId, key, null).statusCode()).isEqualTo(404);

    // Delete; the audit trail names who did each change.
    assertThat(call("DELETE", "/users/" + id, key, null).statusCode()).isEqualTo(204);
    assertThat(call("GET", "/users/" + id, key, null).statusCode()).isEqualTo(404);
    JsonNode trail = JSON.readTree(call("GET", "/audit?kind=user&limit=200", key, null).body());
    List<String> kinds = new ArrayList<>();
    trail.get("items").forEach(e -> kinds.add(e.get("kind").asText()));
    assertThat(kinds).contains("user.created", "user.disabled", "user.updated", "user.deleted");
    trail
        .get("items")
        .forEach(e -> assertThat(e.get("actor").asText()).as(e.toString()).startsWith("apikey:"));
  }

  @Test
  void aClientReadAndSentBackWholeKeepsItsSecretWhichOnlyRotationChanges() throws Exception {
    Optional<String> key = Optional.of(adminKey);
    HttpResponse<String> created =
        call(
            "POST",
            "/clients",
            key,
            "{\"id\":\"reports\",\"grant_types\":[\"client_credentials\"],"
                + "\"scopes\":[\"x\"],\"access_token_lifetime\":300}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String secret = JSON.readTree(created.body()).get("secret").asText();
    assertThat(tokenStatus("reports", secret)).isEqualTo(200);

    HttpResponse<String> read = call("GET", "/clients/reports", key, null);
    JsonNode shown = JSON.readTree(read.body());
    assertThat(shown.get("secret").asText()).isEqualTo("[redacted]");
    assertThat(read.body()).doesNotContain(secret);
    // The founding redaction-wipe bug: GET, edit one field, PATCH the whole document back.
    ((com.fasterxml.jackson.databind.node.ObjectNode) shown).put("name", "Nightly reports");
    HttpResponse<String> patched = call("PATCH", "/clients/reports", key, shown.toString());
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
    assertThat(JSON.readTree(patched.body()).get("name").asText()).isEqualTo("Nightly reports");
    assertThat(tokenStatus("reports", secret)).as("the secret still works").isEqualTo(200);
    assertThat(call("PATCH", "/clients/reports", key, "{\"secret\":\"guessable\"}").statusCode())
        .isEqualTo(400);
    assertThat(call("PATCH", "/clients/reports", key, "{\"secret\":null}").statusCode())
        .isEqualTo(400);
    assertThat(tokenStatus("reports", secret)).isEqualTo(200);
    assertThat(
            call("PATCH", "/clients/reports", key, "{\"home_url\":\"http://reports.example.com/\"}")
                .statusCode())
        .as("a home URL is https")
        .isEqualTo(400);
    HttpResponse<String> home =
        call("PATCH", "/clients/reports", key, "{\"home_url\":\"https://reports.example.com/\"}");
    assertThat(JSON.readTree(home.body()).get("home_url").asText())
        .isEqualTo("https://reports.example.com/");

    // Access-token format and algorithm: shown, changed, and refused with a clear 400.
    assertThat(shown.get("access_token_format").asText()).isEqualTo("jwt");
    assertThat(shown.get("access_token_signing_alg").asText()).isEqualTo("ES256");
    HttpResponse<String> eddsa =
        call("PATCH", "/clients/reports", key, "{\"access_token_signing_alg\":\"eddsa\"}");
    assertThat(JSON.readTree(eddsa.body()).get("access_token_signing_alg").asText())
        .isEqualTo("EdDSA");
    HttpResponse<String> badAlg =
        call("PATCH", "/clients/reports", key, "{\"access_token_signing_alg\":\"HS256\"}");
    assertThat(badAlg.statusCode()).isEqualTo(400);
    assertThat(badAlg.body()).contains("ES256, RS256 or EdDSA");
    assertThat(
            call("PATCH", "/clients/reports", key, "{\"access_token_format\":\"reference\"}")
                .statusCode())
        .isEqualTo(400);
    HttpResponse<String> opaque =
        call("PATCH", "/clients/reports", key, "{\"access_token_format\":\"opaque\"}");
    assertThat(JSON.readTree(opaque.body()).get("access_token_format").asText())
        .isEqualTo("opaque");
    assertThat(tokenStatus("reports", secret)).as("opaque tokens are issued").isEqualTo(200);

    HttpResponse<String> rotated = call("POST", "/clients/reports/secret", key, "{}");
    assertThat(rotated.statusCode()).isEqualTo(200);
    String fresh = JSON.readTree(rotated.body()).get("secret").asText();
    assertThat(tokenStatus("reports", fresh)).isEqualTo(200);
    assertThat(tokenStatus("reports", secret)).isEqualTo(401);

    // Clients of the configuration file are shown, read-only.
    JsonNode configured = JSON.readTree(call("GET", "/clients/ops-bot", key, null).body());
    assertThat(configured.get("from_config").asBoolean()).isTrue();
    assertThat(call("PATCH", "/clients/ops-bot", key, "{\"name\":\"x\"}").statusCode())
        .isEqualTo(409);
    assertThat(call("POST", "/clients/ops-bot/secret", key, "{}").statusCode()).isEqualTo(409);
    assertThat(call("DELETE", "/clients/reports", key, null).statusCode()).isEqualTo(204);
    assertThat(tokenStatus("reports", fresh)).isEqualTo(401);
  }

  @Test
  void twoAdministratorsRemovingEachOtherAtOnceLeaveOneStanding() throws Exception {
    User second = gatehouse.app().directory().addUser("second", Optional.empty(), "", true);
    String rootId = gatehouse.app().directory().findByUsername("root").get().id().value();
    String secondId = second.id().value();
    String[][] attacks = {
      {"{\"admin\":false}", "{\"admin\":false}"},
      {"{\"disabled\":true}", "{\"disabled\":true}"},
      {"{\"admin\":false}", "{\"disabled\":true}"},
    };
    for (int round = 0; round < 6; round++) {
      String[] attack = attacks[round % attacks.length];
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(2);
      var first =
          pool.submit(
              () -> {
                go.await();
                return call("PATCH", "/users/" + rootId, Optional.of(adminKey), attack[0])
                    .statusCode();
              });
      var other =
          pool.submit(
              () -> {
                go.await();
                return call("PATCH", "/users/" + secondId, Optional.of(adminKey), attack[1])
                    .statusCode();
              });
      go.countDown();
      List<Integer> statuses = List.of(first.get(), other.get());
      pool.shutdown();
      assertThat(statuses).as("round " + round).containsExactlyInAnyOrder(200, 409);
      assertThat(
              gatehouse.app().directory().listUsers().stream()
                  .anyMatch(u -> u.admin() && !u.disabled()))
          .isTrue();
      // Both administrators again for the next round.
      for (String id : List.of(rootId, secondId)) {
        call("PATCH", "/users/" + id, Optional.of(adminKey), "{\"admin\":true,\"disabled\":false}");
      }
    }
  }

  @Test
  void aTokenStopsOpeningTheApiWhenItsClientLosesTheScopeAndKeysNeedAnAdministrator()
      throws Exception {
    Optional<String> key = Optional.of(adminKey);
    HttpResponse<String> created =
        call(
            "POST",
            "/clients",
            key,
            "{\"id\":\"robot\",\"grant_types\":[\"client_credentials\"],"
                + "\"scopes\":[\"gatehouse:admin\",\"x\"]}");
    String secret = JSON.readTree(created.body()).get("secret").asText();
    HttpResponse<String> issued =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/oauth/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&client_id=robot&scope=gatehouse%3Aadmin"
                            + "&client_secret="
                            + java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String token = JSON.readTree(issued.body()).get("access_token").asText();
    assertThat(call("GET", "/me", Optional.of(token), null).statusCode()).isEqualTo(200);
    call("PATCH", "/clients/robot", key, "{\"scopes\":[\"x\"]}");
    assertThat(call("GET", "/me", Optional.of(token), null).statusCode()).isEqualTo(403);

    HttpResponse<String> amysAdminKey =
        call("POST", "/api-keys", key, "{\"user\":\"amy\",\"scopes\":[\"gatehouse:admin\"]}");
    assertThat(amysAdminKey.statusCode()).isEqualTo(400);
    assertThat(amysAdminKey.body()).contains("administrator");
    String amy = gatehouse.app().directory().findByUsername("amy").get().id().value();
    assertThat(call("PATCH", "/users/" + amy, key, "{\"admin\":false,\"admin\":true}").statusCode())
        .as("a duplicate field is refused, not resolved")
        .isEqualTo(400);
  }

  @Test
  void rolesCarryClaimsToGroupsAndTheAccessCheckRunsTheRealPolicy() throws Exception {
    Optional<String> key = Optional.of(adminKey);
    assertThat(call("POST", "/groups", key, "{\"name\":\"ops\"}").statusCode()).isEqualTo(201);
    assertThat(call("PUT", "/groups/ops/members/amy", key, null).statusCode()).isEqualTo(200);
    assertThat(call("POST", "/roles", key, "{\"name\":\"editor\"}").statusCode()).isEqualTo(201);
    assertThat(call("PUT", "/roles/editor/groups/ops", key, null).statusCode()).isEqualTo(200);
    HttpResponse<String> claim =
        call("PUT", "/roles/editor/claims/grafana_role", key, "{\"value\":\"Editor\"}");
    assertThat(claim.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(claim.body()).get("claims").get("grafana_role").asText())
        .isEqualTo("Editor");
    User amy = gatehouse.app().directory().findByUsername("amy").orElseThrow();
    assertThat(gatehouse.app().directory().claimsOf(amy.id())).containsKey("grafana_role");

    JsonNode rules = JSON.readTree(call("GET", "/access/rules", key, null).body());
    assertThat(rules.get("items").get(0).get("hosts").get(0).asText()).isEqualTo("app.example.com");
    assertThat(rules.get("default_policy").asText()).isEqualTo("deny");
    String anonymous =
        call("POST", "/access/check", key, "{\"url\":\"https://app.example.com/x\"}").body();
    assertThat(JSON.readTree(anonymous).get("decision").asText()).isEqualTo("sign_in");
    String asAmy =
        call(
                "POST",
                "/access/check",
                key,
                "{\"url\":\"https://APP.example.com/%2e/x\",\"user\":\"amy\"}")
            .body();
    assertThat(JSON.readTree(asAmy).get("decision").asText()).isEqualTo("allow");
    assertThat(JSON.readTree(asAmy).get("host").asText()).isEqualTo("app.example.com");
    String elsewhere =
        call(
                "POST",
                "/access/check",
                key,
                "{\"url\":\"https://other.example.com/\",\"user\":\"amy\"}")
            .body();
    assertThat(JSON.readTree(elsewhere).get("decision").asText()).isEqualTo("deny");
    assertThat(call("GET", "/mail", key, null).statusCode()).isEqualTo(200);
    assertThat(call("DELETE", "/roles/editor/claims/grafana_role", key, null).statusCode())
        .isEqualTo(204);
    assertThat(call("PUT", "/roles/editor/claims/sub", key, "{\"value\":\"root\"}").statusCode())
        .as("a claim Gatehouse sets itself")
        .isEqualTo(400);
    assertThat(call("DELETE", "/roles/editor", key, null).statusCode()).isEqualTo(204);
    assertThat(call("POST", "/roles", key, "{\"name\":\"a\"}garbage").statusCode())
        .as("trailing garbage")
        .isEqualTo(400);
    assertThat(gatehouse.app().directory().listRoles()).isEmpty();
  }

  @Test
  void aRenamedGroupOrRoleTakesItsMembersGrantsAndClientsAlongButNotOneTheFileNames()
      throws Exception {
    Optional<String> key = Optional.of(adminKey);
    call("POST", "/groups", key, "{\"name\":\"ops\"}");
    call("PUT", "/groups/ops/members/amy", key, null);
    call("POST", "/roles", key, "{\"name\":\"editor\"}");
    call("PUT", "/roles/editor/groups/ops", key, null);
    call("PUT", "/roles/editor/claims/grafana_role", key, "{\"value\":\"Editor\"}");
    HttpResponse<String> client =
        call(
            "POST",
            "/clients",
            key,
            "{\"id\":\"reports\",\"grant_types\":[\"client_credentials\"],"
                + "\"scopes\":[\"x\"],\"allowed_groups\":[\"ops\"]}");
    assertThat(client.statusCode()).as(client.body()).isEqualTo(201);

    HttpResponse<String> renamed = call("PATCH", "/groups/ops", key, "{\"name\":\"operators\"}");
    assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
    assertThat(JSON.readTree(renamed.body()).get("members").toString()).isEqualTo("[\"amy\"]");
    assertThat(call("GET", "/groups/ops", key, null).statusCode()).isEqualTo(404);
    JsonNode roles = JSON.readTree(call("GET", "/roles", key, null).body()).get("items");
    assertThat(roles.get(0).get("groups").toString()).isEqualTo("[\"operators\"]");
    assertThat(
            JSON.readTree(call("GET", "/clients/reports", key, null).body())
                .get("allowed_groups")
                .toString())
        .isEqualTo("[\"operators\"]");
    assertThat(call("GET", "/audit?type=group.renamed", key, null).body())
        .contains("ops -> operators");

    call("POST", "/groups", key, "{\"name\":\"night-shift\"}");
    HttpResponse<String> named =
        call("PATCH", "/groups/night-shift", key, "{\"name\":\"late-shift\"}");
    assertThat(named.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(named.body()).get("type").asText())
        .isEqualTo("urn:gatehouse:problem:named_in_configuration");
    assertThat(named.body()).contains("access rule 2");
    assertThat(call("GET", "/groups/night-shift", key, null).statusCode()).isEqualTo(200);
    assertThat(call("PATCH", "/groups/operators", key, "{\"name\":\"night-shift\"}").statusCode())
        .as("the name is taken")
        .isEqualTo(409);
    assertThat(call("PATCH", "/groups/operators", key, "{\"name\":\"a,b\"}").statusCode())
        .isEqualTo(400);

    HttpResponse<String> role = call("PATCH", "/roles/editor", key, "{\"name\":\"writer\"}");
    assertThat(role.statusCode()).as(role.body()).isEqualTo(200);
    assertThat(JSON.readTree(role.body()).get("claims").get("grafana_role").asText())
        .isEqualTo("Editor");
    User amy = gatehouse.app().directory().findByUsername("amy").orElseThrow();
    assertThat(gatehouse.app().directory().rolesOf(amy.id())).containsExactly("writer");
  }

  @Test
  void anAdminKeyLimitedToSomeAppsHostsDoesNotOpenTheApi() throws Exception {
    String limited =
        gatehouse
            .app()
            .apiKeys()
            .createApplication(
                "grafana-ops",
                "",
                List.of("grafana.example.com"),
                List.of(),
                Optional.empty(),
                List.of(ApiKey.ADMIN_SCOPE))
            .key();
    HttpResponse<String> refused = call("GET", "/me", Optional.of(limited), null);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("limited to hosts");
    assertThat(call("GET", "/me", Optional.of(adminKey), null).statusCode()).isEqualTo(200);
  }

  @Test
  void disablingAClientEndsItsTokensForGoodEvenWhenItIsEnabledAgain() throws Exception {
    Optional<String> key = Optional.of(adminKey);
    HttpResponse<String> created =
        call(
            "POST",
            "/clients",
            key,
            "{\"id\":\"robot\",\"grant_types\":[\"client_credentials\"],"
                + "\"scopes\":[\"x\"],\"audiences\":[\"https://app.example.com\"]}");
    String secret = JSON.readTree(created.body()).get("secret").asText();
    String token = token("robot", secret, "x");
    assertThat(verify(token)).isEqualTo(200);
    assertThat(call("PATCH", "/clients/robot", key, "{\"disabled\":true}").statusCode())
        .isEqualTo(200);
    assertThat(verify(token)).isEqualTo(401);
    assertThat(call("PATCH", "/clients/robot", key, "{\"disabled\":false}").statusCode())
        .isEqualTo(200);
    assertThat(verify(token)).as("a possibly leaked token stays dead").isEqualTo(401);
    assertThat(verify(token("robot", secret, "x"))).as("new tokens work").isEqualTo(200);
    for (String forged : List.of("robots,admins", "robots\\nadmins", " admins")) {
      HttpResponse<String> refused =
          call("PATCH", "/clients/robot", key, "{\"groups\":[\"" + forged + "\"]}");
      assertThat(refused.statusCode()).as(forged).isEqualTo(400);
    }
    assertThat(call("GET", "/audit?kind=client.updated", key, null).body())
        .contains("disabled, 1 tokens revoked");
  }

  @Test
  void anAdministratorSeesAUsersSignInMethodsAndRemovesALostAuthenticator() throws Exception {
    Optional<String> key = Optional.of(adminKey);
    User amy = gatehouse.app().directory().findByUsername("amy").orElseThrow();
    String seed = gatehouse.app().totp().startEnrollment(amy).secretBase32();
    String code =
        new com.eatthepath.otp.TimeBasedOneTimePasswordGenerator(
                java.time.Duration.ofSeconds(30), 6, "HmacSHA1")
            .generateOneTimePasswordString(
                new javax.crypto.spec.SecretKeySpec(
                    com.google.common.io.BaseEncoding.base32().decode(seed), "HmacSHA1"),
                gatehouse.clock().instant());
    assertThat(gatehouse.app().totp().confirmEnrollment(amy.id(), code)).isPresent();
    String path = "/users/" + amy.id().value();
    HttpResponse<String> methods = call("GET", path + "/credentials", key, null);
    JsonNode listed = JSON.readTree(methods.body());
    assertThat(listed.get("password").asBoolean()).isTrue();
    assertThat(listed.get("totp").get("enabled").asBoolean()).isTrue();
    assertThat(listed.get("passkeys")).isEmpty();
    assertThat(methods.body()).as("never the seed").doesNotContain(seed);
    assertThat(call("DELETE", path + "/totp", key, null).statusCode()).isEqualTo(204);
    assertThat(gatehouse.app().totp().isEnabled(amy.id())).isFalse();
    assertThat(call("DELETE", path + "/totp", key, null).statusCode()).isEqualTo(404);
    assertThat(call("DELETE", path + "/passkeys/nope", key, null).statusCode()).isEqualTo(404);
    assertThat(call("DELETE", path + "/identities/nowhere", key, null).statusCode()).isEqualTo(404);
  }

  @Test
  void theEffectiveConfigurationIsReadableAndNoSecretIsInIt() throws Exception {
    HttpResponse<String> read = call("GET", "/config", Optional.of(adminKey), null);
    assertThat(read.statusCode()).isEqualTo(200);
    Map<String, JsonNode> settings = new java.util.HashMap<>();
    JSON.readTree(read.body()).get("items").forEach(s -> settings.put(s.get("key").asText(), s));
    assertThat(settings.get("server.public-url").get("value").asText())
        .isEqualTo("https://auth.example.com");
    assertThat(settings.get("server.public-url").get("changed").asBoolean()).isTrue();
    assertThat(settings.get("session.idle-timeout").get("changed").asBoolean()).isFalse();
    assertThat(settings.get("database.password").get("value").asText()).isEqualTo("not set");
    assertThat(settings.get("oidc.clients").get("value").asText()).contains("ops-bot");
    assertThat(settings.get("oidc.clients").get("value").asText())
        .as("a secret file's path is no secret")
        .contains("client.secret");
    assertThat(read.body()).doesNotContain(SECRET);
    assertThat(settings.get("mail.smtp-password").get("value").asText()).isEqualTo("not set");
  }

  private int tokenStatus(String client, String secret) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/oauth/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&client_id="
                            + client
                            + "&client_secret="
                            + java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private int verify(String bearer) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/api/verify"))
                .header("X-Forwarded-Method", "GET")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "app.example.com")
                .header("X-Forwarded-Uri", "/")
                .header("Authorization", "Bearer " + bearer)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private String token(String client, String scope) throws Exception {
    return token(client, SECRET, scope);
  }

  private String token(String client, String secret, String scope) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/oauth/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&client_id="
                            + client
                            + "&client_secret="
                            + java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8)
                            + "&scope="
                            + java.net.URLEncoder.encode(scope, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).get("access_token").asText();
  }

  private HttpResponse<String> call(
      String method, String path, Optional<String> bearer, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + AdminApi.BASE + path));
    bearer.ifPresent(b -> request.header("Authorization", "Bearer " + b));
    if (body != null && !method.equals("GET") && !method.equals("DELETE")) {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      request.method(method.toUpperCase(Locale.ROOT), HttpRequest.BodyPublishers.noBody());
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
