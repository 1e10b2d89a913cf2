package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.apikey.ApiKey;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client generated from the served OpenAPI document by a maintained generator from the npm
 * registry (swagger-typescript-api, {@code src/test/node/admin-client.mjs}) administers a running
 * Gatehouse: the document is complete enough for a machine to use, not only for people.
 */
class GeneratedAdminClientTest {
  private static final Path NODE = Path.of("src", "test", "node");

  @TempDir Path dir;

  @Test
  void aClientGeneratedFromTheOpenApiDocumentAdministersGatehouse() throws Exception {
    boolean present = Files.isDirectory(NODE.resolve("node_modules/swagger-typescript-api"));
    if (!present && "required".equals(System.getenv("GATEHOUSE_TEST_NODE"))) {
      throw new IllegalStateException(
          "swagger-typescript-api is required but not installed: run npm ci --prefix src/test/node");
    }
    Assumptions.assumeTrue(present, "npm ci --prefix src/test/node first");
    try (TestGatehouse gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of())) {
      String key =
          gatehouse
              .app()
              .apiKeys()
              .createApplication(
                  "ops", "ops", List.of(), List.of(), Optional.empty(), List.of(ApiKey.ADMIN_SCOPE))
              .key();
      Path spec = dir.resolve("openapi.json");
      Files.writeString(
          spec,
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(gatehouse.baseUrl() + "/api/admin/v1/openapi.json"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body());
      Process node =
          new ProcessBuilder(
                  "node",
                  NODE.resolve("admin-client.mjs").toString(),
                  gatehouse.baseUrl(),
                  spec.toString(),
                  dir.resolve("generated").toString(),
                  key)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(node.exitValue()).as(output).isZero();
      JsonNode result = new ObjectMapper().readTree(output);
      assertThat(result.get("me").get("actor").asText()).startsWith("apikey:");
      assertThat(result.get("created").get("username").asText()).isEqualTo("gen");
      assertThat(result.get("member").get("members").get(0).asText()).isEqualTo("gen");
      assertThat(result.get("users").get("items").get(0).get("email").asText())
          .isEqualTo("gen@example.com");
      assertThat(result.get("key").get("secret").asText()).startsWith("ghk_");
      assertThat(result.get("missing").get("status").asInt()).isEqualTo(404);
      assertThat(result.get("missing").get("type").asText())
          .isEqualTo("urn:gatehouse:problem:not_found");
      // What the generated client did really happened, and the key it made is revoked.
      assertThat(gatehouse.app().directory().members("generated")).containsExactly("gen");
      assertThat(gatehouse.app().apiKeys().authenticate(result.get("key").get("secret").asText()))
          .isEmpty();
    }
  }
}
