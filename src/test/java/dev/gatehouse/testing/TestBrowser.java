package dev.gatehouse.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A minimal browser over real HTTP: a cookie jar that ignores {@code Secure}/{@code Domain} (the
 * test talks plain HTTP to 127.0.0.1 while Gatehouse believes it is {@code
 * https://auth.example.com}), form posts with the page's CSRF token and our {@code Origin}, no
 * automatic redirects. Not thread-safe except {@link #send}.
 */
public final class TestBrowser {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]*)\"");
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final TestGatehouse gatehouse;
  private final Map<String, String> cookies = new LinkedHashMap<>();
  private String lastCsrf = "";

  TestBrowser(TestGatehouse gatehouse) {
    this.gatehouse = gatehouse;
  }

  /** GET a path; records cookies and the page's CSRF token. */
  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(request(path).GET().build());
  }

  /** POST a form with the last page's CSRF token and {@code Origin: https://auth.example.com}. */
  public HttpResponse<String> post(String path, Map<String, String> form)
      throws IOException, InterruptedException {
    Map<String, String> withCsrf = new LinkedHashMap<>(form);
    withCsrf.putIfAbsent("csrf", lastCsrf);
    return postRaw(path, withCsrf, Optional.of(TestGatehouse.PUBLIC_ORIGIN));
  }

  /** POST a form exactly as given, with an optional {@code Origin}. */
  public HttpResponse<String> postRaw(
      String path, Map<String, String> form, Optional<String> origin)
      throws IOException, InterruptedException {
    HttpRequest.Builder builder =
        request(path)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(encode(form)));
    origin.ifPresent(o -> builder.header("Origin", o));
    return send(builder.build());
  }

  /** A request builder for {@code path} carrying this browser's cookies. */
  public HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + path))
            .timeout(Duration.ofSeconds(30));
    if (!cookies.isEmpty()) {
      builder.header(
          "Cookie",
          cookies.entrySet().stream()
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining("; ")));
    }
    return builder;
  }

  /** Sends a request and records what it sets. */
  public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    for (String header : response.headers().allValues("set-cookie")) {
      String pair = header.split(";", 2)[0];
      int eq = pair.indexOf('=');
      String name = pair.substring(0, eq);
      String value = pair.substring(eq + 1);
      if (value.isEmpty() || header.toLowerCase(java.util.Locale.ROOT).contains("max-age=0")) {
        cookies.remove(name);
      } else {
        cookies.put(name, value);
      }
    }
    Matcher matcher = CSRF.matcher(response.body());
    if (matcher.find()) {
      lastCsrf = matcher.group(1);
    }
    return response;
  }

  /** Signs in through the form; returns the POST's response. */
  public HttpResponse<String> signIn(String username, String password)
      throws IOException, InterruptedException {
    get("/login");
    return post("/login", Map.of("username", username, "password", password));
  }

  /** The cookie jar (mutable, for tests that forge cookies). */
  public Map<String, String> cookies() {
    return cookies;
  }

  /** The session cookie value, if any. */
  public Optional<String> sessionCookie() {
    return Optional.ofNullable(cookies.get(TestGatehouse.SESSION_COOKIE));
  }

  /** The CSRF token of the last page. */
  public String csrf() {
    return lastCsrf;
  }

  /** URL-encodes a form. */
  public static String encode(Map<String, String> form) {
    return form.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  /** The path (and query) of a {@code Location} header. */
  public static String locationPath(HttpResponse<?> response) {
    String location = response.headers().firstValue("Location").orElseThrow();
    URI uri = URI.create(location);
    return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
  }

  /** All {@code Set-Cookie} headers. */
  public static List<String> setCookies(HttpResponse<?> response) {
    return response.headers().allValues("set-cookie");
  }
}
