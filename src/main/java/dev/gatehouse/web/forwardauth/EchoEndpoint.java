package dev.gatehouse.web.forwardauth;

import dev.gatehouse.web.Exchange;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /api/echo}: an upstream for {@code gatehouse selftest proxy}. It reports which identity
 * headers (every configured name and its underscore spelling) reached it and with what values, one
 * {@code name: value} line each, so the self-test can prove that only verified values arrive. It
 * reflects nothing else (never cookies or credentials). Thread-safe.
 */
public final class EchoEndpoint {
  private final List<String> names;

  /** Echoes these identity header names and their underscore spellings. */
  public EchoEndpoint(List<String> identityHeaders) {
    List<String> all = new ArrayList<>();
    for (String name : identityHeaders) {
      all.add(name);
      all.add(name.replace('-', '_'));
    }
    this.names = List.copyOf(all);
  }

  /** Any method on {@code /api/echo}. */
  public void echo(Exchange exchange) {
    StringBuilder out = new StringBuilder("gatehouse-echo\n");
    for (String name : names) {
      for (String value : exchange.headers(name)) {
        out.append(name).append(": ").append(value.replaceAll("[\\r\\n]", "?")).append('\n');
      }
    }
    exchange.text(200, out.toString());
  }
}
