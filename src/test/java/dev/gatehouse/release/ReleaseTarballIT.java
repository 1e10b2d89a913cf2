package dev.gatehouse.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.TestProxy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release tarball that {@code ./mvnw package} makes, used as an operator would: unpacked in an
 * empty directory and started with no JDK anywhere on {@code PATH} (nor {@code JAVA_HOME}); its
 * systemd unit passes {@code systemd-analyze verify}; its Caddyfile protects the app the way the
 * generator says.
 */
class ReleaseTarballIT {
  @TempDir static Path unpacked;
  private static Path home;

  @BeforeAll
  static void unpack() throws Exception {
    Path target = Path.of(System.getProperty("basedir", ".")).resolve("target");
    Path tarball;
    try (Stream<Path> files = Files.list(target)) {
      tarball =
          files
              .filter(p -> p.getFileName().toString().matches("gatehouse-.+-linux-x64\\.tar\\.gz"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no release tarball in " + target));
    }
    run(unpacked, List.of("tar", "-xzf", tarball.toString()), Map.of(), 120);
    try (Stream<Path> dirs = Files.list(unpacked)) {
      home = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
    }
  }

  @Test
  void theTarballRunsOnAHostWithoutAnyJdkAndAnswersReady() throws Exception {
    assertThat(home.resolve("runtime/bin/java")).isExecutable();
    assertThat(home.resolve("runtime/bin/javac")).as("a runtime, not a JDK").doesNotExist();
    Path empty = Files.createDirectories(unpacked.resolve("elsewhere"));
    int port = TestProxy.freePort();
    int opsPort = TestProxy.freePort();
    ProcessBuilder builder =
        new ProcessBuilder(home.resolve("bin/gatehouse").toString(), "serve")
            .directory(empty.toFile())
            .redirectErrorStream(true)
            .redirectOutput(unpacked.resolve("serve.log").toFile());
    builder.environment().clear();
    builder
        .environment()
        .putAll(
            Map.of(
                "PATH",
                "/nonexistent",
                "HOME",
                empty.toString(),
                "GATEHOUSE_DATA_DIR",
                empty.resolve("data").toString(),
                "GATEHOUSE_SERVER_LISTEN",
                "127.0.0.1:" + port,
                "GATEHOUSE_SERVER_METRICS_LISTEN",
                "127.0.0.1:" + opsPort,
                // https on its own port: Gatehouse serves TLS itself, with a certificate it makes.
                "GATEHOUSE_SERVER_PUBLIC_URL",
                "https://localhost:" + port));
    Process server = builder.start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      int status = 0;
      Instant deadline = Instant.now().plusSeconds(90);
      while (status != 200 && Instant.now().isBefore(deadline) && server.isAlive()) {
        try {
          status =
              http.send(
                      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/readyz"))
                          .timeout(Duration.ofSeconds(5))
                          .build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode();
        } catch (IOException e) {
          Thread.sleep(200);
        }
      }
      assertThat(status).as(log()).isEqualTo(200);
      assertThat(server.info().command().orElse(""))
          .as("the bundled runtime runs it")
          .isEqualTo(home.resolve("runtime/bin/java").toString());
      assertThat(empty.resolve("data")).isDirectory();
      // What the trimmed runtime must still do: TLS, signing keys, metrics.
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics).contains("# TYPE gatehouse_forwardauth_decisions_total counter");
      Result discovery =
          run(
              unpacked,
              List.of(
                  "curl",
                  "-sSk",
                  "https://localhost:" + port + "/.well-known/openid-configuration"),
              Map.of(),
              30);
      com.fasterxml.jackson.databind.JsonNode document =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(discovery.output());
      assertThat(document.get("issuer").asText()).isEqualTo("https://localhost:" + port);
      String jwksUri = document.get("jwks_uri").asText();
      // A password sign-in (Argon2id, templates, CSRF, a session in the store), the account
      // made by the tarball's own CLI beside the running server.
      ProcessBuilder add =
          new ProcessBuilder(
                  home.resolve("bin/gatehouse").toString(),
                  "user",
                  "add",
                  "alice",
                  "--password-stdin")
              .directory(empty.toFile())
              .redirectErrorStream(true);
      add.environment().clear();
      add.environment().putAll(builder.environment());
      Process adding = add.start();
      adding
          .getOutputStream()
          .write("correct horse battery staple\n".getBytes(StandardCharsets.UTF_8));
      adding.getOutputStream().close();
      String added = new String(adding.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(adding.waitFor()).as(added).isZero();
      Path jar = unpacked.resolve("cookies.txt");
      String login = "https://localhost:" + port + "/login";
      String page =
          run(unpacked, List.of("curl", "-sSk", "-c", jar.toString(), login), Map.of(), 30)
              .output();
      java.util.regex.Matcher csrf =
          java.util.regex.Pattern.compile("name=\"csrf\" value=\"([^\"]*)\"").matcher(page);
      assertThat(csrf.find()).as(page).isTrue();
      Result signIn =
          run(
              unpacked,
              List.of(
                  "curl",
                  "-sSk",
                  "-o",
                  "/dev/null",
                  "-w",
                  "%{http_code}",
                  "-b",
                  jar.toString(),
                  "-c",
                  jar.toString(),
                  "--data-urlencode",
                  "csrf=" + csrf.group(1),
                  "--data-urlencode",
                  "username=alice",
                  "--data-urlencode",
                  "password=correct horse battery staple",
                  login),
              Map.of(),
              60);
      assertThat(signIn.output()).as("signed in and sent on").isEqualTo("303");
      assertThat(Files.readString(jar)).contains("__Host-gatehouse_session");
      assertThat(run(unpacked, List.of("curl", "-sSk", jwksUri), Map.of(), 30).output())
          .contains("\"kty\":\"EC\"", "\"kty\":\"RSA\"");
    } finally {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  @Test
  void theAheadOfTimeCacheTheBuildTrainedIsLoadedByTheBundledRuntime() throws Exception {
    assertThat(home.resolve("lib/gatehouse.aot")).isRegularFile();
    // AOTMode=on: the JVM refuses to start unless it can map the cache (one made by another JVM
    // would otherwise be skipped quietly, and the start-up it buys lost unnoticed).
    Result strict =
        run(
            unpacked,
            List.of(home.resolve("bin/gatehouse").toString(), "--version"),
            Map.of(
                "PATH",
                "/nonexistent",
                "HOME",
                unpacked.toString(),
                "GATEHOUSE_JAVA_OPTS",
                "-XX:AOTMode=on"),
            60);
    assertThat(strict.status()).as(strict.output()).isZero();
    assertThat(strict.output()).startsWith("gatehouse ");
  }

  @Test
  void theSystemdUnitPassesSystemdAnalyzeVerify() throws Exception {
    Path analyze = Path.of("/usr/bin/systemd-analyze");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(analyze) || "required".equals(System.getenv("GATEHOUSE_TEST_PROXIES")),
        "systemd-analyze is not installed");
    String unit = Files.readString(home.resolve("gatehouse.service"));
    assertThat(unit)
        .contains(
            "ProtectSystem=strict", "NoNewPrivileges=yes", "ReadWritePaths=/var/lib/gatehouse")
        .contains("User=gatehouse");
    // Where the operator unpacked it: /opt/gatehouse in the unit, here the test's directory.
    Path copy = unpacked.resolve("gatehouse.service");
    Files.writeString(copy, unit.replace("/opt/gatehouse", home.toString()));
    Result verify =
        run(unpacked, List.of(analyze.toString(), "verify", copy.toString()), Map.of(), 60);
    assertThat(verify.status()).as(verify.output()).isZero();
    assertThat(verify.output()).as("no warning either").isBlank();
  }

  @Test
  void theCaddyfileProtectsTheAppExactlyAsTheSnippetGeneratorDoes() throws Exception {
    Result snippet =
        run(
            unpacked,
            List.of(
                home.resolve("bin/gatehouse").toString(),
                "snippet",
                "caddy",
                "--host",
                "app.example.com",
                "--upstream",
                "app:80",
                "--gatehouse",
                "gatehouse:9091"),
            Map.of("PATH", "/nonexistent", "HOME", unpacked.toString()),
            60);
    assertThat(snippet.status()).as(snippet.output()).isZero();
    assertThat(Files.readString(home.resolve("Caddyfile"))).contains(snippet.output().strip());
    Path caddy = Path.of("/usr/bin/caddy");
    if (Files.isExecutable(caddy)) {
      Result adapt =
          run(
              unpacked,
              List.of(caddy.toString(), "adapt", "--config", home.resolve("Caddyfile").toString()),
              Map.of(),
              60);
      assertThat(adapt.status()).as(adapt.output()).isZero();
    }
    assertThat(Files.readString(home.resolve("Dockerfile")))
        .contains("/opt/gatehouse/bin/gatehouse");
    assertThat(home.resolve("LICENSE")).isRegularFile();
  }

  private static String log() throws IOException {
    Path log = unpacked.resolve("serve.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  private record Result(int status, String output) {}

  private static Result run(Path dir, List<String> command, Map<String, String> env, int seconds)
      throws Exception {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile());
    builder.redirectErrorStream(true);
    if (!env.isEmpty()) {
      builder.environment().clear();
      builder.environment().putAll(env);
    }
    Process process = builder.start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish");
    }
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
