package dev.gatehouse.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real OpenID provider — panva's oidc-provider from the npm registry, pinned by {@code
 * src/test/node/package-lock.json} — on {@code http://localhost:<port>}, run by {@code
 * src/test/node/op.mjs} with its development sign-in pages and the accounts {@code alice} (verified
 * email, groups staff and ops), {@code bob} (no email), {@code carol} (unverified email) and {@code
 * dave} (verified email at corp.example). Skipped when Node or the package is missing unless {@code
 * GATEHOUSE_TEST_NODE=required}. Not thread-safe.
 */
public final class TestOpenIdProvider implements AutoCloseable {
  private static final Path NODE_DIR = Path.of("src", "test", "node");

  private Process process;
  private final int port;
  private final String clients;

  private TestOpenIdProvider(Process process, int port, String clients) {
    this.process = process;
    this.port = port;
    this.clients = clients;
  }

  /**
   * Starts a provider with one confidential client {@code clientId}/{@code secret} with these
   * redirect URIs, and Gatehouse's signed-out page (at the first one's origin) as its post-logout
   * redirect URI.
   */
  public static TestOpenIdProvider start(String clientId, String secret, String... redirectUris)
      throws Exception {
    boolean present = Files.isDirectory(NODE_DIR.resolve("node_modules/oidc-provider"));
    if (!present && "required".equals(System.getenv("GATEHOUSE_TEST_NODE"))) {
      throw new IllegalStateException(
          "oidc-provider is required but not installed: run npm ci --prefix src/test/node");
    }
    Assumptions.assumeTrue(present, "oidc-provider not installed (npm ci --prefix src/test/node)");
    int port = TestProxy.freePort();
    String clients =
        "[{\"client_id\":\""
            + clientId
            + "\",\"client_secret\":\""
            + secret
            + "\",\"redirect_uris\":[\""
            + String.join("\",\"", redirectUris)
            + "\"],\"post_logout_redirect_uris\":[\""
            + java.net.URI.create(redirectUris[0]).resolve("/login?signed_out=1")
            + "\"],\"scope\":\"openid profile email groups\"}]";
    return new TestOpenIdProvider(launch(port, clients), port, clients);
  }

  /** Stops and starts it on the same port: same clients, a new signing key (a key rotation). */
  public void restart() throws Exception {
    restart("{}");
  }

  /**
   * As {@link #restart()}, with some accounts' claims changed, as JSON such as {@code
   * {"alice":{"groups":[]}}}.
   */
  public void restart(String claimOverrides) throws Exception {
    restart(claimOverrides, 0);
  }

  /** As {@link #restart(String)}, its clock {@code clockOffsetSeconds} ahead (negative: behind). */
  public void restart(String claimOverrides, long clockOffsetSeconds) throws Exception {
    close();
    process = launch(port, clients, claimOverrides, clockOffsetSeconds);
  }

  private static Process launch(int port, String clients) throws Exception {
    return launch(port, clients, "{}", 0);
  }

  private static Process launch(int port, String clients, String overrides, long clockOffset)
      throws Exception {
    Process process =
        new ProcessBuilder(
                "node",
                "op.mjs",
                String.valueOf(port),
                clients,
                overrides,
                String.valueOf(clockOffset))
            .directory(NODE_DIR.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (!"ready".equals(line)) {
      process.destroyForcibly();
      throw new IllegalStateException("oidc-provider did not start: " + line);
    }
    return process;
  }

  /** Its issuer, {@code http://localhost:<port>}. */
  public String issuer() {
    return "http://localhost:" + port;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
