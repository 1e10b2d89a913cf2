package dev.gatehouse.app;

import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.config.GatehouseConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gatehouse selftest proxy URL}: proves that a proxy protects a URL whose upstream is
 * Gatehouse's {@code /api/echo}. Three checks: an anonymous request is blocked; a request with a
 * temporary application key arrives with exactly the verified identity; forged identity headers
 * (also {@code Remote_User} spellings) never arrive. The temporary key expires in ten minutes and
 * is revoked at the end.
 */
@Command(
    name = "selftest",
    description = "Check that a proxy in front of Gatehouse protects an app.")
final class SelftestCommand {
  private static final String FORGED = "forged-by-selftest";
  private static final String APP = ApiKeyService.SELFTEST_APPLICATION;

  @ParentCommand Main main;

  @Command(
      name = "proxy",
      description =
          "URL must be routed through your proxy to Gatehouse's /api/echo, e.g."
              + " https://selftest.example.com/api/echo with upstream = Gatehouse.")
  int proxy(@Parameters(paramLabel = "URL") URI url) throws Exception {
    if (url.getScheme() == null || !url.getScheme().matches("https?") || url.getHost() == null) {
      throw new Main.CliException("URL must be an absolute http(s) URL");
    }
    GatehouseConfig config = main.config();
    List<String> names = config.forwardAuth().headers().all();
    HttpClient client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    List<String> failures = new ArrayList<>();
    try (Gatehouse gatehouse = main.open()) {
      System.err.println("selftest: 1/3 anonymous request with forged identity headers …");
      HttpResponse<String> anonymous =
          client.send(forged(url, names).build(), HttpResponse.BodyHandlers.ofString());
      // Only an auth answer proves the proxy asked Gatehouse: /api/echo itself answers 404 to a
      // request without the self-test key, so a 404 here means the request went straight through.
      if (!List.of(302, 303, 401, 403).contains(anonymous.statusCode())) {
        failures.add(
            "an anonymous request was not stopped (status "
                + anonymous.statusCode()
                + "): the URL is not protected (is forward_auth/auth_request in front of it,"
                + " and does an access rule other than bypass cover it?)");
      } else {
        System.out.println("PASS anonymous request blocked (" + anonymous.statusCode() + ")");
      }

      ApiKeyService.Issued key =
          gatehouse
              .apiKeys()
              .createApplication(
                  APP,
                  "temporary self-test key",
                  List.of(),
                  List.of(),
                  Optional.of(Duration.ofMinutes(10)));
      try {
        System.err.println("selftest: 2/3 request with a temporary application key …");
        HttpResponse<String> signedIn =
            client.send(
                forged(url, names).header("Authorization", "Bearer " + key.key()).build(),
                HttpResponse.BodyHandlers.ofString());
        String body = signedIn.body();
        if (signedIn.statusCode() != 200 || !body.startsWith("gatehouse-echo")) {
          failures.add(
              "an authenticated request got "
                  + signedIn.statusCode()
                  + " instead of Gatehouse's echo: route the URL"
                  + " to Gatehouse's /api/echo and allow authenticated requests to it");
        } else {
          if (body.contains(names.get(0) + ": " + APP + "\n")) {
            System.out.println(
                "PASS the verified identity arrived (" + names.get(0) + ": " + APP + ")");
          } else {
            failures.add(
                "the verified "
                    + names.get(0)
                    + " did not arrive; copy the identity headers (copy_headers / auth_request_set)");
          }
          System.err.println("selftest: 3/3 forged headers …");
          if (body.contains(FORGED)) {
            failures.add(
                "a forged identity header reached the upstream:\n"
                    + body.lines()
                        .filter(l -> l.contains(FORGED))
                        .reduce("", (a, b) -> a + "    " + b + "\n")
                    + "  delete client copies (request_header -Name / proxy_set_header Name \"\") before setting verified ones");
          } else {
            System.out.println("PASS no forged identity header reached the upstream");
          }
        }
      } finally {
        gatehouse.apiKeys().revoke(key.record().id());
      }
    }
    for (String failure : failures) {
      System.out.println("FAIL " + failure);
    }
    System.out.println(failures.isEmpty() ? "selftest passed" : "selftest failed");
    return failures.isEmpty() ? 0 : 1;
  }

  private static HttpRequest.Builder forged(URI url, List<String> names) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(15)).header("Accept", "text/plain");
    for (String name : names) {
      builder.header(name, FORGED);
      builder.header(name.replace('-', '_'), FORGED);
    }
    return builder.GET();
  }
}
