package dev.gatehouse.web.forwardauth;

import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code /api/echo}: an upstream for {@code gatehouse selftest proxy}. It exists only for the
 * self-test: a request must carry the self-test's temporary application key (ten minutes, revoked
 * when the test ends), or it is answered as an unknown path. It then reports which identity headers
 * (every configured name and its underscore spelling) reached it and with what values, one {@code
 * name: value} line each, so the self-test can prove that only verified values arrive. It reflects
 * nothing else (never cookies or credentials). Thread-safe.
 */
public final class EchoEndpoint {
  private final List<String> names;
  private final ApiKeyService apiKeys;
  private final ErrorPages errors;

  /** Echoes these identity header names and their underscore spellings. */
  public EchoEndpoint(List<String> identityHeaders, ApiKeyService apiKeys, ErrorPages errors) {
    List<String> all = new ArrayList<>();
    for (String name : identityHeaders) {
      all.add(name);
      all.add(name.replace('-', '_'));
    }
    this.names = List.copyOf(all);
    this.apiKeys = apiKeys;
    this.errors = errors;
  }

  /** Any method on {@code /api/echo}. */
  public void echo(Exchange exchange) {
    Optional<String> key =
        exchange
            .singleHeader("Authorization")
            .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
            .map(value -> value.substring(7).strip());
    boolean selftest =
        key.flatMap(apiKeys::authenticate)
            .flatMap(k -> k.application())
            .filter(ApiKeyService.SELFTEST_APPLICATION::equals)
            .isPresent();
    if (!selftest) {
      errors.render(exchange, SafeMessage.NOT_FOUND);
      return;
    }
    StringBuilder out = new StringBuilder("gatehouse-echo\n");
    for (String name : names) {
      for (String value : exchange.headers(name)) {
        out.append(name).append(": ").append(value.replaceAll("[\\r\\n]", "?")).append('\n');
      }
    }
    exchange.text(200, out.toString());
  }
}
