package dev.gatehouse.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The CLI's way to a Gatehouse it does not run beside ({@code --remote URL}): the admin HTTP API,
 * with an API key that has the {@code gatehouse:admin} scope. Errors come back as the API's problem
 * details, in words. Not thread-safe (one per command).
 */
final class RemoteAdmin {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final String key;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private RemoteAdmin(URI base, String key) {
    this.base = base;
    this.key = key;
  }

  /**
   * A client for the Gatehouse at {@code url} (https, or http on loopback) with {@code key}.
   *
   * @throws Main.CliException when either is not usable
   */
  static RemoteAdmin of(String url, String key) {
    URI uri;
    try {
      uri = URI.create(url.strip());
    } catch (IllegalArgumentException e) {
      throw new Main.CliException("--remote " + url + " is not a URL");
    }
    String scheme = Optional.ofNullable(uri.getScheme()).orElse("").toLowerCase(Locale.ROOT);
    String host = Optional.ofNullable(uri.getHost()).orElse("");
    boolean loopback = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
    if (!(scheme.equals("https") || (scheme.equals("http") && loopback))) {
      throw new Main.CliException(
          "--remote must be the https:// address of Gatehouse (http only on this machine), e.g."
              + " https://auth.example.com");
    }
    if (!key.startsWith("ghk_")) {
      throw new Main.CliException(
          "--remote needs an admin API key (ghk_…) in GATEHOUSE_API_KEY or --api-key-file; make"
              + " one on the server with `gatehouse apikey create --app ops --scope"
              + " gatehouse:admin`");
    }
    String root = uri.getScheme() + "://" + uri.getRawAuthority();
    return new RemoteAdmin(URI.create(root + "/api/admin/v1"), key.strip());
  }

  /** GET a document. */
  JsonNode get(String path) {
    return send("GET", path, Optional.empty());
  }

  /** Sends {@code body} (when present) with {@code method}; the answer's document, or empty. */
  JsonNode send(String method, String path, Optional<ObjectNode> body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + key)
            .header("Accept", "application/json");
    if (body.isPresent()) {
      request
          .header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body.get().toString()));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Main.CliException("cannot reach " + base + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Main.CliException("interrupted");
    }
    JsonNode document = parse(response.body());
    if (response.statusCode() < 200
        || (response.statusCode() >= 300 && response.statusCode() < 400)) {
      // A redirect is not the admin API answering (a proxy, a login page, http -> https).
      throw new Main.CliException(
          "the server answered "
              + response.statusCode()
              + response.headers().firstValue("Location").map(l -> " to " + l).orElse("")
              + ", not the admin API: is --remote Gatehouse's public URL?");
    }
    if (response.statusCode() >= 400) {
      String detail = document.path("detail").asText("");
      throw new Main.CliException(
          (detail.isEmpty() ? "the server answered " + response.statusCode() : detail)
              + (response.statusCode() == 401 || response.statusCode() == 403
                  ? " (" + response.statusCode() + ")"
                  : ""));
    }
    return document;
  }

  /** The id of the user named {@code username}. */
  String userId(String username) {
    String cursor = "";
    do {
      JsonNode page =
          get(
              "/users?limit=200&q="
                  + encode(username)
                  + (cursor.isEmpty() ? "" : "&cursor=" + encode(cursor)));
      for (JsonNode user : page.path("items")) {
        if (user.path("username").asText().equals(username)) {
          return user.path("id").asText();
        }
      }
      cursor = page.path("next_cursor").isNull() ? "" : page.path("next_cursor").asText();
    } while (!cursor.isEmpty());
    throw new Main.CliException("no user " + username);
  }

  /** A new JSON object for a request body. */
  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** {@code value} as a path segment or query value: a space as %20, a plus sign as %2B. */
  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }
}
