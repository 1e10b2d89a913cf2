package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestGatehouse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An independent, certified relying party — openid-client from the npm registry, installed in
 * {@code src/test/node} by {@code .ci/run} ({@code npm ci}) — does discovery, client_credentials,
 * code + PKCE, userinfo, refresh, introspection and revocation against a running Gatehouse. Skipped
 * with a message when Node or the package is missing, unless {@code GATEHOUSE_TEST_NODE=required}.
 */
class OpenidClientInteropTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path RP = Path.of("src", "test", "node");
  private static final String PASSWORD = "correct horse battery staple";
  private static final String SECRET = "node-rp-secret-0123456789-0123456789-abc";

  @TempDir Path dir;

  @Test
  void openidClientCompletesDiscoveryServiceTokensCodeFlowRefreshAndRevocation() throws Exception {
    boolean present = Files.isDirectory(RP.resolve("node_modules/openid-client"));
    if (!present && "required".equals(System.getenv("GATEHOUSE_TEST_NODE"))) {
      throw new IllegalStateException(
          "openid-client is required but not installed: run npm ci --prefix src/test/node");
    }
    Assumptions.assumeTrue(present, "openid-client not installed (npm ci --prefix src/test/node)");

    Path secret = dir.resolve("rp.secret");
    Files.writeString(secret, SECRET);
    String clients =
        "[{id: node-rp, secret-file: '"
            + secret
            + "', redirect-uris: ['http://127.0.0.1/cb'], consent: trusted},"
            + " {id: svc-client, secret-file: '"
            + secret
            + "', grant-types: [client_credentials], scopes: ['reports:read']},"
            + " {id: node-spa, public: true, redirect-uris: ['http://127.0.0.1/cb'], consent: trusted}]";
    try (TestGatehouse gatehouse =
        TestGatehouse.startForBrowser(
            dir.resolve("data"), Map.of("GATEHOUSE_OIDC_CLIENTS", clients))) {
      String origin = gatehouse.publicOrigin();
      User bob =
          gatehouse.app().directory().addUser("bob", Optional.of("bob@example.com"), "Bob", false);
      gatehouse.app().accounts().setPassword(bob, PASSWORD);

      Process node =
          new ProcessBuilder(
                  "node",
                  "rp.mjs",
                  origin,
                  "node-rp",
                  SECRET,
                  "http://127.0.0.1/cb",
                  "svc-client",
                  SECRET,
                  "node-spa")
              .directory(RP.toFile())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      Map<String, JsonNode> steps = new LinkedHashMap<>();
      try (BufferedReader out =
              new BufferedReader(
                  new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
          Writer in = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8)) {
        String line;
        while ((line = out.readLine()) != null) {
          JsonNode step = JSON.readTree(line);
          steps.put(step.path("step").asText(), step);
          if (step.path("step").asText().equals("authorize")) {
            in.write(signInAndFollow(gatehouse, origin, step.path("url").asText()) + "\n");
            in.flush();
          }
          if (step.path("step").asText().equals("done")
              || step.path("step").asText().equals("error")) {
            break;
          }
        }
      } finally {
        node.waitFor(30, TimeUnit.SECONDS);
        node.destroyForcibly();
      }
      assertThat(steps).as("%s", steps).doesNotContainKey("error").containsKey("done");
      assertThat(steps.get("client_credentials").path("scope").asText()).isEqualTo("reports:read");
      assertThat(steps.get("code").path("sub").asText()).isEqualTo(bob.id().value());
      assertThat(steps.get("code").path("email").asText()).isEqualTo("bob@example.com");
      assertThat(steps.get("refresh").path("rotated").asBoolean()).isTrue();
      assertThat(steps.get("introspection").path("active").asBoolean()).isTrue();
      assertThat(steps.get("introspection").path("client_id").asText()).isEqualTo("node-rp");
      assertThat(steps.get("revocation").path("active").asBoolean()).isFalse();
      JsonNode spa = steps.get("public");
      assertThat(spa.path("sub").asText()).as("public client").isEqualTo(bob.id().value());
      assertThat(spa.path("rotated").asBoolean()).isTrue();
      assertThat(spa.path("refused_after_revocation").asText()).isEqualTo("invalid_grant");
    }
  }

  /** The user's part: sign in through the portal and come back with the code. */
  private static String signInAndFollow(TestGatehouse gatehouse, String origin, String authorize)
      throws Exception {
    TestBrowser browser = gatehouse.browser();
    HttpResponse<String> toLogin = browser.get(path(authorize));
    String login = TestBrowser.locationPath(toLogin);
    browser.get(login);
    String rd = java.net.URLDecoder.decode(login.substring(login.indexOf("rd=") + 3), "UTF-8");
    HttpResponse<String> signedIn =
        browser.postRaw(
            "/login",
            Map.of("username", "bob", "password", PASSWORD, "rd", rd, "csrf", browser.csrf()),
            Optional.of(origin));
    HttpResponse<String> back = browser.get(TestBrowser.locationPath(signedIn));
    return back.headers().firstValue("Location").orElseThrow();
  }

  private static String path(String url) {
    URI uri = URI.create(url);
    return uri.getRawPath() + "?" + uri.getRawQuery();
  }
}
