package dev.gatehouse.web.forwardauth;

import dev.gatehouse.forwardauth.Answer;
import dev.gatehouse.forwardauth.OriginalRequest;
import dev.gatehouse.forwardauth.Verifier;
import dev.gatehouse.web.ClientAddress;
import dev.gatehouse.web.Exchange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verify endpoints: thin adapters that read one proxy dialect's headers into an {@link
 * OriginalRequest} and turn the core's {@link Answer} into that dialect's status codes. Answers
 * carry no body ({@code Content-Length: 0}), which keeps nginx and Caddy connections to Gatehouse
 * alive.
 *
 * <ul>
 *   <li>{@code /api/authz/forward-auth}, {@code /api/verify}, {@code /api/auth-check} (Caddy,
 *       Traefik, generic): {@code X-Forwarded-*}; unauthenticated browser navigations get 302 to
 *       the portal, everything else 401.
 *   <li>{@code /api/authz/auth-request} (nginx): {@code X-Original-URL}/{@code -Method};
 *       unauthenticated is 401 with the portal URL in {@code Location} for {@code error_page 401
 *       =302 $…}.
 * </ul>
 *
 * Only peers inside {@code server.trusted-proxies} may ask: anyone else gets 403. Thread-safe.
 */
public final class ForwardAuthEndpoints {
  private static final Logger LOG = LoggerFactory.getLogger(ForwardAuthEndpoints.class);

  private final Verifier verifier;
  private final ClientAddress trust;
  private final List<String> sessionCookieNames;
  private final Counter allowed;
  private final Counter unauthenticated;
  private final Counter forbidden;
  private final Counter unavailable;
  private final Counter untrusted;

  /** Wires the endpoints. */
  public ForwardAuthEndpoints(
      Verifier verifier, ClientAddress trust, String sessionCookie, MeterRegistry metrics) {
    this.verifier = verifier;
    this.trust = trust;
    this.sessionCookieNames = variants(sessionCookie);
    this.allowed = counter(metrics, "allowed");
    this.unauthenticated = counter(metrics, "unauthenticated");
    this.forbidden = counter(metrics, "forbidden");
    this.unavailable = counter(metrics, "unavailable");
    this.untrusted = counter(metrics, "untrusted-peer");
  }

  private static Counter counter(MeterRegistry metrics, String result) {
    return Counter.builder("gatehouse.forwardauth.decisions")
        .description("Forward-auth answers by result")
        .tag("result", result)
        .register(metrics);
  }

  /** Caddy / Traefik / generic dialect. */
  public void forwardAuth(Exchange exchange) {
    handle(exchange, OriginalRequest.fromForwardedHeaders(exchange::singleHeader), false);
  }

  /** nginx {@code auth_request} dialect. */
  public void authRequest(Exchange exchange) {
    handle(exchange, OriginalRequest.fromOriginalHeaders(exchange::singleHeader), true);
  }

  private void handle(Exchange exchange, Optional<OriginalRequest> original, boolean nginx) {
    if (!trust.isTrusted(exchange.peer())) {
      // X-Forwarded-* from an arbitrary peer could describe any request; refuse to judge it.
      LOG.warn(
          "forward-auth: refused a verify request from untrusted peer {}; add it to server.trusted-proxies if it is your proxy",
          exchange.peer());
      untrusted.increment();
      exchange.empty(403);
      return;
    }
    if (original.isEmpty()) {
      LOG.info(
          "forward-auth: missing or repeated X-Forwarded-*/X-Original-* headers from {}",
          exchange.peer());
      forbidden.increment();
      exchange.empty(403);
      return;
    }
    java.util.List<String> authorizations = exchange.headers("Authorization");
    if (authorizations.size() > 1) {
      unauthenticated.increment();
      exchange.empty(401); // Two Authorization headers: which one would the app believe?
      return;
    }
    String method = original.get().method();
    boolean browser =
        (method.equals("GET") || method.equals("HEAD"))
            && exchange
                .header("Accept")
                .map(a -> a.toLowerCase(Locale.ROOT).contains("text/html"))
                .orElse(false);
    Answer answer =
        verifier.verify(
            new Verifier.Request(
                original.get(),
                exchange.clientAddress(),
                authorizations.stream().findFirst(),
                exchange.cookies(sessionCookieNames),
                browser));
    switch (answer) {
      case Answer.Allowed ok -> {
        allowed.increment();
        for (Map.Entry<String, String> header : ok.headers()) {
          exchange.addHeader(header.getKey(), header.getValue());
        }
        exchange.empty(200);
      }
      case Answer.Unauthenticated no -> {
        unauthenticated.increment();
        if (no.bearerFailed()) {
          exchange.addHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        }
        if (no.login().isPresent() && !nginx) {
          exchange.addHeader("Location", no.login().get());
          exchange.empty(302);
        } else {
          no.login().ifPresent(url -> exchange.addHeader("Location", url));
          exchange.empty(401);
        }
      }
      case Answer.Forbidden denied -> {
        forbidden.increment();
        if (denied.page().isPresent() && !nginx) {
          // Caddy and Traefik hand this answer to the browser as it is.
          exchange.addHeader("Location", denied.page().get());
          exchange.empty(302);
        } else {
          // nginx: the snippet's error_page 403 turns the Location into a redirect.
          denied.page().ifPresent(url -> exchange.addHeader("Location", url));
          exchange.empty(403);
        }
      }
      case Answer.Unavailable down -> {
        unavailable.increment();
        exchange.empty(503);
      }
    }
  }

  /**
   * The session cookie's names the verify path reads: with a {@code __Secure-} or {@code __Host-}
   * prefix, both (a change of {@code session.cookie-domain}, or an app that sets the other variant,
   * must not sign anyone out); over plain http, the one name.
   */
  public static List<String> variants(String name) {
    for (String prefix : List.of("__Secure-", "__Host-")) {
      if (name.startsWith(prefix)) {
        String base = name.substring(prefix.length());
        return List.of("__Secure-" + base, "__Host-" + base);
      }
    }
    return List.of(name);
  }
}
